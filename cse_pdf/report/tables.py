"""The report's tables of counts, built from current assessments and the form's layout.

Labels come from the layout (option and checklist labels, level labels), so a Board
that edits a form's YAML gets a report in its own words. Every table counts
assessments, never people, and nothing typed into a form is printed except the
referring agency's name; names and dates of birth never reach this module.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Literal

from cse_pdf.assess.person import normalise_name
from cse_pdf.base.errors import CsePdfError
from cse_pdf.base.storable import storable_text
from cse_pdf.form.catalog import find_form
from cse_pdf.form.downstream import Breakdown
from cse_pdf.form.rules import TotalRule
from cse_pdf.form.spec import FormSpec
from cse_pdf.report.suppression import Suppressed, shown_count, suppress
from cse_pdf.store.reports import AssessmentFacts

NOT_ANSWERED = "Not answered"
AGE_BANDS = ((0, 9, "Under 10"), (10, 12, "10 to 12"), (13, 14, "13 to 14"), (15, 16, "15 to 16"),
             (17, 200, "17 and over"))


@dataclass(frozen=True)
class Row:
    label: str
    count: int  # the true count: rendered only through `shown`
    shown: str  # "12", "0", "<5" or "*"
    percent: str  # of the table's assessments; "" when the count is not shown


@dataclass
class CountTable:
    """One breakdown: rows with their published counts, plus how to read them."""

    id: str  # file-safe: the CSV file's name
    title: str
    partition: bool  # every assessment in exactly one row (so rows add up to `base`)
    rows: list[Row]
    base: int  # the assessments this table counts
    note: str = ""
    chart: Literal["bars", "months"] = "bars"
    withheld: bool = False  # too few to show anything

    @property
    def suppressed_any(self) -> bool:
        return any(r.shown in ("<5", "*") for r in self.rows)


@dataclass
class FormSection:
    form_id: str
    title: str
    count: int
    count_shown: str
    tables: list[CountTable] = field(default_factory=list)
    glance: list[str] = field(default_factory=list)  # "at a glance" sentences, from published figures only
    too_few: bool = False


def make_table(id: str, title: str, pairs: list[tuple[str, int]], base: int, partition: bool, enabled: bool,
               note: str = "", chart: Literal["bars", "months"] = "bars", checklist: bool = False) -> CountTable:
    """`partition`: every assessment in exactly one row; `checklist`: in several rows, or in the last ("none")
    row alone. Either way a reader can subtract, so secondary suppression applies (see suppression)."""
    counts = [c for _, c in pairs]
    sup: Suppressed = suppress(counts, partition, enabled, checklist_of=base if checklist else None)
    shown = sup.shown(counts)
    rows = [Row(label, c, s, _percent(c, base) if s.isdigit() and base else "")
            for (label, c), s in zip(pairs, shown)]
    return CountTable(id, title, partition, rows, base, note, chart, sup.table_withheld)


def _percent(count: int, base: int) -> str:
    return f"{round(100 * count / base)}%"


# ---- the breakdowns ---------------------------------------------------------------------------

Facts = list[AssessmentFacts]


def _by(facts: Facts, key: Callable[[AssessmentFacts], str], order: Iterable[str]) -> list[tuple[str, int]]:
    counts = Counter(key(f) for f in facts)
    labels = list(dict.fromkeys(order))
    labels += sorted(k for k in counts if k not in labels)
    return [(label, counts.get(label, 0)) for label in labels]


def level_tables(spec: FormSpec, facts: Facts, suppress_small: bool) -> list[CountTable]:
    assert spec.scoring is not None
    levels = sorted(spec.scoring.levels, key=lambda lv: lv.level)
    label = {lv.level: lv.label for lv in levels}
    n = len(facts)
    name = spec.summary.level_name if spec.summary else "risk category"
    out = [make_table("suggested-level", f"Suggested {name}",
                      _by(facts, lambda f: label.get(f.level, str(f.level)), [lv.label for lv in levels]), n, True,
                      suppress_small,
                      "Calculated by the form's scoring rules from the answers given.")]
    if spec.scoring.stated:
        out.append(make_table(
            "agreed-level", f"Agreed {name}",
            _by(facts, lambda f: NOT_ANSWERED if f.stated_level is None else label.get(f.stated_level, "?"),
                [lv.label for lv in levels] + [NOT_ANSWERED]), n, True, suppress_small,
            "The level the worker recorded on the form after discussion with their manager."))

        def agreement(f: AssessmentFacts) -> str:
            if f.stated_level is None:
                return "No agreed level recorded"
            return ("Same as suggested" if f.stated_level == f.level else
                    "Agreed higher than suggested" if f.stated_level > f.level else "Agreed lower than suggested")

        out.append(make_table("agreed-vs-suggested", "Agreed level compared with the suggested level",
                              _by(facts, agreement, ["Same as suggested", "Agreed higher than suggested",
                                                     "Agreed lower than suggested", "No agreed level recorded"]),
                              n, True, suppress_small))
    return out


def month_table(facts: Facts, suppress_small: bool, date_from: date | None, date_to: date | None) -> CountTable:
    dated = [f.completed for f in facts if f.completed]
    months: list[tuple[int, int]] = []
    if dated or date_from:
        start = date_from or min(dated)
        end = date_to or (max(dated) if dated else start)
        y, m = start.year, start.month
        while (y, m) <= (end.year, end.month):
            months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    counts = Counter((d.year, d.month) for d in dated)
    pairs = [(date(y, m, 1).strftime("%b %Y"), counts.get((y, m), 0)) for y, m in months]
    undated = sum(1 for f in facts if f.completed is None)
    if undated:
        pairs.append(("Date not given", undated))
    return make_table("by-month", "Assessments completed each month", pairs, len(facts), True, suppress_small,
                      "By the date the form was completed.", chart="months")


def review_table(facts: Facts, suppress_small: bool) -> CountTable:
    names = {"rose": "Risk rose", "fell": "Risk fell", "same": "Risk stayed the same", None: "First assessment"}
    return make_table("reviews", "Reviews: change since the young person's previous assessment",
                      _by(facts, lambda f: names[f.trend], list(names.values())), len(facts), True, suppress_small,
                      "A review compares the suggested level with the same young person's previous assessment "
                      "on this form.")


def incomplete_table(spec: FormSpec, facts: Facts, suppress_small: bool) -> CountTable:
    scores_domains = bool(spec.scoring and spec.scoring.domains)
    what = "risk areas" if scores_domains else "scored questions"

    def band(f: AssessmentFacts) -> str:
        n = f.domains_unanswered if scores_domains and f.domains_unanswered is not None else f.unanswered
        return f"Complete: every {what[:-1]} answered" if n == 0 else \
            f"1 or 2 {what} unanswered" if n <= 2 else f"3 or more {what} unanswered"

    order = [f"Complete: every {what[:-1]} answered", f"1 or 2 {what} unanswered", f"3 or more {what} unanswered"]
    return make_table("incomplete", f"Incomplete assessments ({what} left unanswered)", _by(facts, band, order),
                      len(facts), True, suppress_small, "The form's suggested level is less reliable when questions are "
                      "left unanswered.")


def age_table(facts: Facts, suppress_small: bool) -> CountTable:
    def band(f: AssessmentFacts) -> str:
        if f.age is None:
            return "Not known"
        return next(label for lo, hi, label in AGE_BANDS if lo <= f.age <= hi)

    return make_table("age-band", "Age on the date of the assessment",
                      _by(facts, band, [b[2] for b in AGE_BANDS] + ["Not known"]), len(facts), True, suppress_small,
                      "Worked out from the date of birth, which is not kept in the report.")


def choice_table(spec: FormSpec, fid: str, title: str, facts: Facts, suppress_small: bool) -> CountTable | None:
    f = spec.field_map.get(fid)
    if f is None or f.type not in ("radio", "dropdown"):
        return None
    labels = {o.value: o.label for o in f.options}

    def label(x: AssessmentFacts) -> str:
        v = x.values.get(fid)
        return NOT_ANSWERED if v in (None, "") else labels.get(v, "Other answer")

    return make_table(_file_id(fid), title, _by(facts, label, [o.label for o in f.options] + [NOT_ANSWERED]),
                      len(facts), True, suppress_small)


def checklist_table(spec: FormSpec, name: str, title: str, facts: Facts, suppress_small: bool) -> CountTable | None:
    checklist = spec.checklists.get(name)
    if checklist is None:
        return None
    pairs = [(item.label, sum(1 for x in facts if x.values.get(f"{name}.{item.id}") is True))
             for item in checklist.items]
    if checklist.other is not None:
        oid = checklist.other.id
        pairs.append(("Other (stated on the form)", sum(1 for x in facts if (x.values.get(oid) or "").strip())))
    pairs.append(("None ticked", sum(1 for x in facts if not any(
        x.values.get(f"{name}.{item.id}") is True for item in checklist.items)
        and not (checklist.other is not None and (x.values.get(checklist.other.id) or "").strip()))))
    return make_table(_file_id(name), title, pairs, len(facts), False, suppress_small,
                      "An assessment can tick several, so the counts add up to more than the assessments.",
                      checklist=True)


def flag_table(spec: FormSpec, facts: Facts, suppress_small: bool) -> CountTable | None:
    """A row per flag rule of the form's current layout, counting the assessments that rule raised a flag on.

    Flags are counted by the rule recorded with them, never by their words. One recorded with an older layout
    version counts under the current rule whose flag reads the same (before placeholders are filled)."""
    rules = _flag_rules(spec)
    if not rules:
        return None
    same_rule = _current_rule_of(spec)
    raised: list[set[int]] = [{same_rule(x.form_version, i) for i in (x.flag_rules or ())} for x in facts]
    pairs = [(flag_label(template), sum(1 for hit in raised if index in hit)) for index, template in rules.items()]
    pairs.append(("No flag raised", sum(1 for x in facts if not x.flags)))
    return make_table("flags", "Flags raised", pairs, len(facts), False, suppress_small,
                      "Flags are the form's calls for immediate action; an assessment can raise more than one.",
                      checklist=True)


def _flag_rules(spec: FormSpec) -> dict[int, str]:
    """The layout's flag rules: index in `rules` → the flag's template."""
    return {i: r.flag for i, r in enumerate(spec.scoring.rules if spec.scoring else ())
            if not isinstance(r, TotalRule) and getattr(r, "flag", None)}


def _current_rule_of(spec: FormSpec) -> Callable[[str, int], int | None]:
    """(layout version, rule index) → the index of the same flag rule in `spec`, the current layout."""
    current = _flag_rules(spec)
    by_template: dict[str, int] = {}
    for index, template in current.items():
        by_template.setdefault(template, index)
    older: dict[str, dict[int, str]] = {}

    def same(version: str, index: int) -> int | None:
        if version == spec.version:
            return index if index in current else None
        if version not in older:
            try:
                older[version] = _flag_rules(find_form(spec.id, version))
            except CsePdfError:  # that version is not installed: its flags cannot be told apart
                older[version] = {}
        template = older[version].get(index)
        return None if template is None else by_template.get(template)
    return same


def flag_label(template: str) -> str:
    """A flag rule's text without its placeholders: what the flag says, not which case raised it."""
    text = re.sub(r"\s*\([^)]*\{[a-z_]+\}[^)]*\)", "", template)
    text = re.sub(r"\{[a-z_]+\}\s*", "", text)
    return " ".join(text.split())


def agency_table(spec: FormSpec, facts: Facts, suppress_small: bool) -> CountTable | None:
    fid = spec.summary.agency if spec.summary else None
    if fid is None:
        return None
    spelled: dict[str, Counter[str]] = {}

    def key(x: AssessmentFacts) -> str:
        text = x.issued_to or (x.values.get(fid) or "").strip()
        k = normalise_name(text)
        if k is None:
            return ""
        spelled.setdefault(k, Counter())[storable_text(" ".join(text.split())[:80])] += 1  # data: a label any format holds
        return k

    counts = Counter(key(x) for x in facts)
    named = sorted((k for k in counts if k), key=lambda k: (-counts[k], k))
    pairs = [(spelled[k].most_common(1)[0][0], counts[k]) for k in named]
    if counts.get(""):
        pairs.append((NOT_ANSWERED, counts[""]))
    return make_table("referring-agency", "Referring agency", pairs, len(facts), True, suppress_small,
                      "The agency a copy was sent to by cse-pdf distribute, else the agency named on the form.")


def _file_id(fid: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fid.lower()).strip("-")


# ---- which breakdowns each form gets: the layout says (FormSpec.breakdowns) ----------------------


def fields_needed(spec: FormSpec) -> set[str]:
    """The only answers the report reads from the database for this form."""
    need: set[str] = set()
    for entry in spec.breakdowns:
        if entry.field is not None:
            need.add(entry.field)
        elif entry.checklist is not None:
            c = spec.checklists[entry.checklist]
            need.update(f"{c.checklist}.{i.id}" for i in c.items)
            if c.other is not None:
                need.add(c.other.id)
    if spec.summary and spec.summary.agency:
        need.add(spec.summary.agency)
    return need


def breakdown_table(spec: FormSpec, entry: Breakdown, facts: Facts, suppress_small: bool) -> CountTable | None:
    """One of the layout's breakdowns; the layout was checked when it loaded, so each names what exists."""
    if entry.age:
        return age_table(facts, suppress_small)
    if entry.field is not None:
        return choice_table(spec, entry.field, entry.title or spec.field_map[entry.field].label, facts, suppress_small)
    assert entry.checklist is not None
    return checklist_table(spec, entry.checklist, entry.title or spec.checklists[entry.checklist].label, facts,
                           suppress_small)


def form_section(spec: FormSpec, facts: Facts, suppress_small: bool, date_from: date | None = None,
                 date_to: date | None = None) -> FormSection:
    """Every table for one form; a form with 1 to 4 assessments gets none (see suppression)."""
    n = len(facts)
    section = FormSection(spec.id, spec.title, n, shown_count(n, suppress_small))
    if n == 0 or (suppress_small and n < 5):
        section.too_few = n > 0
        return section
    tables: list[CountTable | None] = [*level_tables(spec, facts, suppress_small),
                                       month_table(facts, suppress_small, date_from, date_to),
                                       review_table(facts, suppress_small), incomplete_table(spec, facts, suppress_small),
                                       flag_table(spec, facts, suppress_small)]
    tables += [breakdown_table(spec, entry, facts, suppress_small) for entry in spec.breakdowns]
    tables.append(agency_table(spec, facts, suppress_small))
    section.tables = _distinct_ids([t for t in tables if t is not None])
    section.glance = _glance(spec, section)
    return section


def _distinct_ids(tables: list[CountTable]) -> list[CountTable]:
    """A table's id names its CSV file: a layout's field or checklist called `flags` (or `reviews`, …) must
    not overwrite the standard table of that name, so a later table taking a used id gets a suffix."""
    taken: set[str] = set()
    for table in tables:
        base, n = table.id, 2
        while table.id in taken:
            table.id, n = f"{base}-{n}", n + 1
        taken.add(table.id)
    return tables


WITHHELD_WHY = "so that a small number in the same table cannot be worked out"


def _figure(row: Row, percent: bool = True) -> str | None:
    """A published count as words for a sentence: "250 (83%)", "fewer than 5"; None when it is withheld ("*")."""
    if row.shown == "*":
        return None
    if row.shown == "<5":
        return "fewer than 5"
    return f"{row.shown} ({row.percent})" if row.percent and percent else row.shown


def _glance(spec: FormSpec, section: FormSection) -> list[str]:
    """A few sentences for a busy reader, made only from figures the tables publish. A withheld figure ("*")
    is never printed bare: the sentence says which figure is not shown and why."""
    by_id = {t.id: t for t in section.tables}
    out = [f"{section.count_shown} current assessments."]
    level = by_id.get("suggested-level")
    if level and not level.withheld and level.rows:
        top = level.rows[-1]
        figure = _figure(top)
        out.append(f"Suggested at the highest level, {top.label}: {figure}." if figure else
                   f"The number suggested at the highest level, {top.label}, is not shown, {WITHHELD_WHY}.")
    reviews = by_id.get("reviews")
    if reviews and not reviews.withheld and _everyone_in(reviews, "First assessment"):
        out.append("No reviews: every assessment is the young person's first on this form.")
    elif reviews and not reviews.withheld:
        r = {row.label: row for row in reviews.rows}
        parts = [(what, _figure(r[label], percent=False)) for what, label in
                 (("rose", "Risk rose"), ("fell", "Risk fell"), ("stayed the same", "Risk stayed the same"))]
        shown = [f"{what} in {figure}" for what, figure in parts if figure]
        hidden = [what for what, figure in parts if not figure]
        sentences = [f"Reviews: risk {_and(shown)}."] if shown else []
        if hidden:
            sentences.append(f"{'The' if shown else 'Reviews: the'} number where risk {_and(hidden, 'or')} is not "
                             f"shown, {WITHHELD_WHY}.")
        out.append(" ".join(sentences))
    inc = by_id.get("incomplete")
    if inc and not inc.withheld:
        figure = _figure(inc.rows[0])
        out.append(f"Complete (every question the scoring uses answered): {figure}." if figure else
                   f"The number of complete assessments is not shown, {WITHHELD_WHY}.")
    agreed = by_id.get("agreed-vs-suggested")
    if agreed and not agreed.withheld and _everyone_in(agreed, "No agreed level recorded"):
        out.append("No assessment has an agreed level recorded, so none can be compared with the suggested one.")
    elif agreed and not agreed.withheld:
        figure = _figure(agreed.rows[0])
        out.append(f"Agreed level the same as the suggested one: {figure}." if figure else
                   f"The number whose agreed level is the same as the suggested one is not shown, {WITHHELD_WHY}.")
    return out


def _everyone_in(table: CountTable, label: str) -> bool:
    """Every assessment of the table is in its row `label` (a published figure: the row shows the table's base)."""
    return any(row.label == label and row.shown == str(table.base) for row in table.rows)


def _and(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"
