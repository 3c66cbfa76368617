"""Small-number suppression survives subtraction: no hidden count can be worked out from what a table publishes.

The checker here is a reader with the report in hand. For each table it takes only what is published
(counts shown, "<5", "*", the number of assessments) and what every reader knows about such a table (rows
that add up to the total; or checklist rows, none of them above the number with a tick, together at
least that number, plus "none ticked"), enumerates every table of counts consistent with all that, and
asserts that every hidden cell could hold at least two values. It is written apart from
`cse_pdf.report.suppression` (sets of reachable sums, not its interval sums) and is fed by the report's
own table code, from hundreds of random sets of fictional assessments.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from functools import reduce
from pathlib import Path

import pytest
from helpers.report_data import _record

from cse_pdf.form.catalog import find_form
from cse_pdf.form.rules import TotalRule
from cse_pdf.form.spec import FormSpec
from cse_pdf.report import build_report
from cse_pdf.report.suppression import SMALL, WITHHELD, suppress
from cse_pdf.report.tables import CountTable, form_section
from cse_pdf.store import Store
from cse_pdf.store.reports import AssessmentFacts

NONE_ROWS = ("None ticked", "No flag raised")


# ---- the reader ----------------------------------------------------------------------------------


def _sums(sets: list[set[int]], cap: int) -> set[int]:
    """Every total the cells could reach together (at most cap; more than cap counts as cap)."""
    return reduce(lambda acc, s: {min(cap, a + b) for a in acc for b in s}, sets, {0})


def reader_domains(table: CountTable) -> list[set[int]]:
    """What the published cells could each be, before the table's relation is used."""
    n = table.base
    shown_nonzero = [int(r.shown) for r in table.rows if r.shown.isdigit() and int(r.shown) > 0]
    out = []
    for r in table.rows:
        if r.shown.isdigit():
            out.append({int(r.shown)})
        elif r.shown == SMALL:
            out.append({1, 2, 3, 4})
        elif table.partition:  # a "*" of rows adding up: at least 5, at most the smallest count shown
            out.append(set(range(5, (min(shown_nonzero) if shown_nonzero else n) + 1)))
        else:  # a "*" of a checklist: 0, or 5 and over
            out.append({0} | set(range(5, n + 1)))
    return out


def feasible(table: CountTable) -> dict[int, set[int]]:
    """hidden row → every value it could hold, given everything the table publishes."""
    doms = reader_domains(table)
    hidden = [i for i, r in enumerate(table.rows) if not r.shown.isdigit()]
    out: dict[int, set[int]] = {i: set() for i in hidden}
    n = table.base
    if table.partition:
        for i in hidden:
            rest = _sums([d for j, d in enumerate(doms) if j != i], n + 1)
            out[i] = {v for v in doms[i] if n - v in rest}
        return out
    assert table.rows[-1].label in NONE_ROWS, table.id
    *items, none = range(len(doms))
    for z in doms[none]:
        ticked = n - z  # assessments with at least one tick
        if ticked < 0:
            continue
        capped = {j: {v for v in doms[j] if v <= ticked} for j in items}
        if any(not d for d in capped.values()):
            continue
        if max(_sums(list(capped.values()), ticked)) < ticked:
            continue  # the ticks could not cover every assessment with a tick
        if none in out:
            out[none].add(z)
        for i in hidden:
            if i != none:
                rest = max(_sums([capped[j] for j in items if j != i], ticked))
                out[i] |= {v for v in capped[i] if v + rest >= ticked}
    return out


def check_table(table: CountTable) -> int:
    """Assert no hidden cell of the table can be worked out; returns how many hidden cells were checked."""
    if table.withheld:
        return 0
    values = feasible(table)
    for i, could_be in values.items():
        row = table.rows[i]
        assert row.count in could_be, (table.id, row, could_be)  # the truth fits what is published
        assert len(could_be) >= 2, (table.id, [(r.label[:20], r.count, r.shown) for r in table.rows], row.label)
    return len(values)


# ---- random assessments, through the report's own table code -------------------------------------


def _flag_text(template: str) -> str:
    import re

    return re.sub(r"\{[a-z_]+\}", "3", template)


def random_facts(spec: FormSpec, rng: random.Random, n: int) -> list[AssessmentFacts]:
    """n fictional assessments; each attribute drawn from a lopsided distribution, so tables get zeros,
    small counts and large ones side by side."""
    assert spec.scoring is not None
    levels = [lv.level for lv in spec.scoring.levels]
    flags = [(i, _flag_text(r.flag)) for i, r in enumerate(spec.scoring.rules) if not isinstance(r, TotalRule)
             and getattr(r, "flag", None)]
    choice_fields = [f for f in spec.fields if f.type in ("radio", "dropdown")]

    def lopsided(options: list) -> list[float]:
        return [rng.choice([0, 0, 0.2, 1, 5, 20]) + 1e-9 for _ in options]

    level_w, month_w, age_w = lopsided(levels), lopsided(range(12)), lopsided(range(19))
    choice_w = {f.id: lopsided([*f.options, None]) for f in choice_fields}
    tick_p = {f.id: rng.choice([0, 0, 0.02, 0.1, 0.5, 0.95]) for f in spec.fields if f.type == "checkbox"}
    text_p = rng.choice([0, 0.1, 0.5])
    flag_p = [rng.choice([0, 0.1, 0.6]) for _ in flags]
    agencies = ["Brookfield Youth Trust", "Larkspur Academy", "Tiny Outreach", ""]
    agency_w = lopsided(agencies)
    out = []
    for _ in range(n):
        level = rng.choices(levels, level_w)[0]
        values: dict = {}
        for f in choice_fields:
            pick = rng.choices([*f.options, None], choice_w[f.id])[0]
            values[f.id] = None if pick is None else pick.value
        for fid, p in tick_p.items():
            values[fid] = rng.random() < p
        for c in spec.checklists.values():
            if c.other is not None:
                values[c.other.id] = "Fictional other" if rng.random() < text_p else ""
        values[spec.summary.agency] = rng.choices(agencies, agency_w)[0]
        month = rng.choices(range(1, 13), month_w)[0]
        completed = date(2024, month, 1 + rng.randrange(28))  # drawn in this order: the same data as before
        age = rng.choices([None, *range(8, 26)], age_w)[0]
        stated_level = rng.choice([None, level, level, max(levels[0], level - 1), min(levels[-1], level + 1)])
        domains_unanswered = rng.choice([0, 0, 1, 3]) if spec.scoring.domains else None
        unanswered = rng.choice([0, 0, 0, 2, 5])
        raised = [rule for rule, p in zip(flags, flag_p) if rng.random() < p]
        out.append(AssessmentFacts(
            form_id=spec.id, form_version=spec.version, completed=completed, age=age, level=level,
            stated_level=stated_level, domains_unanswered=domains_unanswered, unanswered=unanswered,
            flags=tuple(text for _, text in raised), flag_rules=tuple(index for index, _ in raised),
            values=values, trend=rng.choice([None, None, "rose", "fell", "same"]), issued_to=None))
    return out


@pytest.mark.parametrize("form_id", ["hillingdon-cse", "cse-risk-vulnerability"])
@pytest.mark.slow
def test_brute_force_no_hidden_cell_of_any_report_table_can_be_worked_out(form_id: str) -> None:
    spec = find_form(form_id)
    rng = random.Random(f"suppression-{form_id}")
    checked = partition_checked = checklist_checked = withheld = 0
    for trial in range(300):
        n = rng.choice([5, 6, 7, 8, 9, 10, 12, 15, 20, 30])
        section = form_section(spec, random_facts(spec, rng, n), True, date(2024, 1, 1), date(2024, 12, 31))
        for table in section.tables:
            k = check_table(table)
            checked += k
            partition_checked += k if table.partition else 0
            checklist_checked += 0 if table.partition else k
            withheld += table.withheld
    assert partition_checked > 300 and checklist_checked > 300, (partition_checked, checklist_checked)
    assert checked > 1000


def test_the_samples_case_none_ticked_6_of_7_no_longer_gives_the_row_away() -> None:
    # 7 assessments; one ticks "disclosure", six tick nothing: "<5" + 0s + "None ticked 6" of 7 would make it 1
    spec = find_form("cse-risk-vulnerability")
    facts = random_facts(spec, random.Random(1), 7)
    facts = [replace(f, values={**f.values, **{fid: False for fid in f.values if fid.startswith("actual.")}})
             for f in facts]
    facts[0] = replace(facts[0], values={**facts[0].values, "actual.disclosure": True})
    section = form_section(spec, facts, True)
    actual = next(t for t in section.tables if t.id == "actual")
    shown = {r.label: r.shown for r in actual.rows}
    assert shown["Disclosure by the young person"] == SMALL and shown["None ticked"] == WITHHELD
    check_table(actual)


@pytest.mark.parametrize("counts, base, expect", [
    ([1, 0, 0, 0, 6], 7, ["<5", "0", "0", "0", "*"]),  # the samples: none must go too
    ([1, 1, 0, 5], 7, ["<5", "<5", "0", "5"]),  # 2 with a tick: either row could be 1 or 2 (both on one)
    ([1, 0, 0, 5], 6, ["<5", "*", "0", "*"]),  # "none" hidden alone: 6 - 5 = 1 still; a 0 must go too
    ([19, 3, 1], 20, ["*", "<5", "<5"]),  # "none 1": a row of 19 out of 20 bounds it to exactly 1
    ([4, 4, 4, 0], 4, ["<5", "<5", "<5", "0"]),  # every row "at most 4": already 1 to 4 each, nothing to add
])
def test_checklist_secondary_suppression(counts: list[int], base: int, expect: list[str]) -> None:
    result = suppress(counts, partition=False, checklist_of=base)
    assert result.table_withheld or result.shown(counts) == expect


def test_a_checklist_with_nothing_left_to_hide_is_withheld_whole() -> None:
    # one row of 6 assessments: 1 ticked it, 5 ticked nothing; "none" hidden, 6 - 1 = 5 is all it can be
    assert suppress([1, 5], partition=False, checklist_of=6).table_withheld
    # one row of 1 to 4 and "none" 1 to 4 of 5: the row is 5 - none, and either could be 1 to 4
    assert suppress([1, 0, 4], partition=False, checklist_of=5).shown([1, 0, 4]) == ["<5", "0", "<5"]


def test_partition_hides_more_until_every_hidden_cell_has_two_values() -> None:
    # 4 + 4: both "<5" could only be 4 (the total less the rest is 8); hiding one 5 while the other is
    # shown makes that "*" exactly 5 (at least 5, at most the smallest shown), so 8 again: both 5s go
    assert suppress([4, 4, 5, 5, 100], partition=True).shown([4, 4, 5, 5, 100]) == ["<5", "<5", "*", "*", "100"]
    assert suppress([1, 5, 5, 100], partition=True).shown([1, 5, 5, 100]) == ["<5", "*", "*", "*"]


@pytest.mark.parametrize("seed", range(3))
def test_random_checklist_counts_against_the_reader(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        base = rng.randint(5, 15)
        k = rng.randint(1, 6)
        ticks = [[rng.random() < rng.choice([0, 0.05, 0.3, 0.9]) for _ in range(k)] for _ in range(base)]
        counts = [sum(t[j] for t in ticks) for j in range(k)] + [sum(not any(t) for t in ticks)]
        result = suppress(counts, partition=False, checklist_of=base)
        shown = result.shown(counts)
        from cse_pdf.report.tables import Row

        table = CountTable("t", "t", False, [Row(f"row {i}", c, s, "") for i, (c, s) in
                                             enumerate(zip(counts[:-1], shown[:-1]))]
                           + [Row("None ticked", counts[-1], shown[-1], "")], base, withheld=result.table_withheld)
        check_table(table)


# ---- on a real database ----------------------------------------------------------------------------


def test_the_report_built_from_a_database_publishes_nothing_that_can_be_worked_out(db_url: str) -> None:
    spec = find_form("cse-risk-vulnerability")
    with Store.open(db_url) as store:
        for i in range(7):
            values = {"child.name": f"Fictional Young Person {i}", "child.dob": "01/01/2010",
                      "assessment.date": f"{3 + i:02d}/04/2024", "assessment.agency": "Larkspur Academy",
                      "associates.known": "no", "associates.suspected": "no", "summative.beyond_threshold": "no",
                      "actual.disclosure": i == 0, "suspected.missing": i < 2}
            _record(store, spec, values, f"seven-{i}")
        report = build_report(store, spec.id, date(2024, 1, 1), date(2024, 12, 31))
    (section,) = report.sections
    tables = {t.id: t for t in section.tables}
    assert {r.label: r.shown for r in tables["actual"].rows}["None ticked"] != "6"
    assert sum(check_table(t) for t in section.tables) > 5


@pytest.mark.slow
def test_the_2024_report_of_the_samples_gives_nothing_away(db_url: str, tmp_path: Path) -> None:
    """The issue's own case: the samples' checklist tables published "None ticked 6" of 7 beside a lone "<5"."""
    from cse_pdf.ingest import ingest

    samples = sorted((Path(__file__).parent.parent / "samples").glob("*.pdf"))
    with Store.open(db_url) as store:
        ingest(samples, store, tmp_path / "out", workers=1)
        report = build_report(store, None, date(2024, 1, 1), date(2024, 12, 31))
    checked = 0
    for section in report.sections:
        for table in section.tables:
            checked += check_table(table)
            if not table.partition and not table.withheld:
                shown = [r.shown for r in table.rows]
                lone_small = shown[:-1].count(SMALL) == 1 and all(s in ("0", SMALL) for s in shown[:-1])
                assert not (lone_small and shown[-1].isdigit()), (table.id, shown)
    assert checked > 50
