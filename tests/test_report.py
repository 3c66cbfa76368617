"""The Board's report: its numbers on a database of known counts, its suppression, and what it never holds."""

from __future__ import annotations

import csv
import itertools
import random
import shutil
import stat
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import helpers.report_data as D
import pytest
from helpers.cli import Ran, cse
from pypdf import PdfReader

from cse_pdf.form.catalog import find_form
from cse_pdf.report import Report, build_report
from cse_pdf.report.suppression import SMALL, WITHHELD, feasible_range, pinned_cells, suppress
from cse_pdf.report.tables import CountTable
from cse_pdf.store import Store

# ---- the suppression method, on its own ------------------------------------------------------


def _attacker_values(counts: list[int], statuses: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Every table a reader could reconstruct from what is published (brute force, small tables only)."""
    total = sum(counts)
    shown_nonzero = [c for c, s in zip(counts, statuses) if s == "shown" and c > 0]
    hidden = [i for i, s in enumerate(statuses) if s != "shown"]
    hidden_sum = total - sum(c for c, s in zip(counts, statuses) if s == "shown")
    cap = min(shown_nonzero) if shown_nonzero else hidden_sum
    ranges = [range(1, 5) if statuses[i] == "small" else range(5, cap + 1) for i in hidden]
    return [combo for combo in itertools.product(*ranges) if sum(combo) == hidden_sum]


def test_brute_force_no_small_number_can_be_worked_out() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(400):
        counts = [rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 11, 17]) for _ in range(rng.randint(2, 5))]
        result = suppress(counts, partition=True)
        if result.table_withheld:
            continue
        hidden = [i for i, s in enumerate(result.statuses) if s != "shown"]
        solutions = _attacker_values(counts, result.statuses)
        assert tuple(counts[i] for i in hidden) in solutions  # the truth is among them
        for k, i in enumerate(hidden):
            if result.statuses[i] == "small":
                assert len({sol[k] for sol in solutions}) > 1, (counts, result.statuses)
                lo, hi = feasible_range(counts, result.statuses, i)
                assert {sol[k] for sol in solutions} <= set(range(lo, hi + 1))
                checked += 1
    assert checked > 100


def test_secondary_suppression_picks_the_smallest_shown_count() -> None:
    assert suppress([180, 70, 48, 2], partition=True).shown([180, 70, 48, 2]) == ["180", "70", "*", "<5"]
    assert suppress([200, 60, 38, 1, 1], partition=True).shown([200, 60, 38, 1, 1]) == ["200", "60", "*", "<5", "<5"]
    assert suppress([200, 95, 4, 0, 1], partition=True).shown([200, 95, 4, 0, 1]) == ["200", "95", "<5", "0", "<5"]
    # Where an assessment can be in several rows, nothing adds up to a total: primary suppression only.
    assert suppress([30, 2, 150], partition=False).shown([30, 2, 150]) == ["30", "<5", "150"]
    assert suppress([1, 1], partition=True).table_withheld  # 1 + 1 = 2: nothing can be shown
    assert suppress([4, 4], partition=True).table_withheld  # 4 + 4 = 8: likewise
    assert suppress([3, 40], partition=False, enabled=False).shown([3, 40]) == ["3", "40"]
    assert pinned_cells([3, 40], ("small", "shown")) == [0]


# ---- the report on a database of known counts ------------------------------------------------


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, D.Made]:
    path = tmp_path_factory.mktemp("report") / "assessments.sqlite3"
    return path, D.make_database(path)


def _report(db: Path, suppression: bool) -> Report:
    with Store.open(str(db)) as store:
        return build_report(store, None, *D.PERIOD, suppression=suppression, produced=date(2026, 7, 6))


def _tables(report: Report, form: str) -> dict[str, CountTable]:
    (section,) = [s for s in report.sections if s.form_id == form]
    return {t.id: t for t in section.tables}


def _true(t: CountTable) -> dict[str, int]:
    return {r.label: r.count for r in t.rows}


def _shown(t: CountTable) -> dict[str, str]:
    return {r.label: r.shown for r in t.rows}


def _labelled(field_id: str, counts: dict) -> dict[str, int]:
    labels = {o.value: o.label for o in find_form("hillingdon-cse").field_map[field_id].options}
    return {("Not answered" if k is None else labels[k]): v for k, v in counts.items()}


@pytest.mark.slow
def test_the_report_counts_what_was_recorded(database: tuple[Path, D.Made]) -> None:
    db, made = database
    report = _report(db, suppression=False)
    section = [s for s in report.sections if s.form_id == "hillingdon-cse"][0]
    assert section.count == D.N  # neither superseded revisions nor assessments before the period
    t = _tables(report, "hillingdon-cse")
    levels = ["No longer at risk or minimal risk", "Risk Category 1 (low)", "Risk Category 2 (medium)",
              "Risk Category 3 (high)"]
    assert _true(t["suggested-level"]) == {levels[k]: v for k, v in D.LEVELS.items()}
    stated = made.count("stated")
    assert _true(t["agreed-level"]) == {**{levels[k]: stated.get(k, 0) for k in range(4)},
                                        "Not answered": stated[None]}
    agreement = Counter("none" if r["stated"] is None else "same" if r["stated"] == r["level"] else
                        "higher" if r["stated"] > r["level"] else "lower" for r in made.rows)
    assert list(_true(t["agreed-vs-suggested"]).values()) == [agreement["same"], agreement["higher"],
                                                             agreement["lower"], agreement["none"]]
    assert list(_true(t["by-month"]).values()) == list(D.MONTHS.values())
    assert _true(t["reviews"]) == {"Risk rose": 12, "Risk fell": 10, "Risk stayed the same": 8,
                                   "First assessment": D.N - 30}
    assert list(_true(t["incomplete"]).values()) == [250, 46, 4]
    for fid, counts in [("client.gender", D.GENDER), ("client.ethnicity", D.ETHNICITY),
                        ("looked_after.status", D.LOOKED_AFTER), ("education.status", D.EDUCATION),
                        ("perpetrator.type", D.PERPETRATOR)]:
        table = t[fid.replace(".", "-").replace("_", "-")]
        assert {k: v for k, v in _true(table).items() if v} == _labelled(fid, counts), fid
        assert sum(_true(table).values()) == D.N
    assert _true(t["age-band"]) == {"Under 10": 0, "10 to 12": 0, "13 to 14": 84, "15 to 16": 150,
                                    "17 and over": 66, "Not known": 0}
    concern = _true(t["concern"])
    assert concern["Disclosure of exploitation"] == 30
    assert concern["Incident or suspected incident of sexual exploitation"] == 2
    assert concern["Other (stated on the form)"] == 3
    assert concern["None ticked"] == sum(r["no_concern"] for r in made.rows)
    assert _true(t["coercion"])["Gifts (e.g. phone top ups)"] == 1
    assert _true(t["referring-agency"]) == D.AGENCY
    rv = _tables(report, "cse-risk-vulnerability")
    flags = list(_true(rv["flags"]).items())
    assert flags[0][0].startswith("Act immediately") and flags[0][1] == D.RV_ACT_IMMEDIATELY
    assert flags[1][0].startswith("Immediate action") and flags[1][1] == D.RV_ACTUAL
    assert flags[2] == ("No flag raised", D.RV_N - D.RV_ACT_IMMEDIATELY - D.RV_ACTUAL)


@pytest.mark.slow
def test_small_numbers_are_suppressed_and_cannot_be_worked_out(database: tuple[Path, D.Made]) -> None:
    db, _ = database
    report = _report(db, suppression=True)
    t = _tables(report, "hillingdon-cse")
    assert _shown(t["looked-after-status"])["Young person is in Secure/Custody"] == SMALL
    assert _shown(t["looked-after-status"])["Young person is looked after: residential unit"] == WITHHELD
    assert _shown(t["education-status"])["Pupil Referral Unit"] == WITHHELD  # 1 + 1 alone would be 2
    assert list(_shown(t["by-month"]).values()) == [WITHHELD, "55", SMALL, "70", "62", "70"]
    assert list(_shown(t["incomplete"]).values()) == ["250", WITHHELD, SMALL]
    assert _shown(t["referring-agency"]) == {"Brookfield Youth Trust": "150", "Larkspur Academy": "100",
                                             "Harbour Street Clinic": WITHHELD, "Tiny Outreach": SMALL}
    gender = _shown(t["client-gender"])
    assert (gender["Non-binary / other"], gender["Not answered"], gender["Female"]) == (SMALL, SMALL, "200")
    assert WITHHELD not in gender.values()  # two small cells summing to 5 already protect each other
    assert _shown(t["concern"])["Incident or suspected incident of sexual exploitation"] == SMALL
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                if 1 <= row.count <= 4:
                    assert row.shown == SMALL and row.percent == "", (table.id, row)
            if table.partition:
                statuses = tuple("small" if r.shown == SMALL else "withheld" if r.shown == WITHHELD else "shown"
                                 for r in table.rows)
                assert table.withheld or not pinned_cells([r.count for r in table.rows], statuses), table.id
    rv_age = _shown(_tables(report, "cse-risk-vulnerability")["age-band"])
    assert sorted(v for v in rv_age.values() if v != "0") == sorted([SMALL, WITHHELD])  # 40 = <5 + *, nothing else


def test_a_form_with_fewer_than_five_assessments_is_not_broken_down(tmp_path: Path) -> None:
    from helpers.report_data import _record

    spec = find_form("cse-risk-vulnerability")
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        for i in range(3):
            _record(store, spec, {"child.name": f"Fictional Young Person {i}", "child.dob": "01/01/2011",
                                  "assessment.date": "02/03/2026", "assessment.agency": "Larkspur Academy"},
                    f"few-{i}")
        built = build_report(store, "cse-risk-vulnerability")
        exact = build_report(store, "cse-risk-vulnerability", suppression=False)
    (section,) = built.sections
    assert section.too_few and section.tables == [] and section.count_shown == SMALL
    assert exact.sections[0].count_shown == "3" and exact.sections[0].tables


# ---- the files, as a Board member gets them --------------------------------------------------


def _cli(*args: object) -> Ran:
    return cse(*args)


def _forbidden(made: D.Made) -> list[str]:
    out = list(made.names) + ["Fictional Child", "Fictional Young Person", "Fictional Worker"]
    for d in made.dobs:
        out += [d.strftime("%d/%m/%Y"), d.isoformat()]
    return out


@pytest.mark.slow
def test_pdf_html_and_csv_hold_counts_and_never_a_name_or_date_of_birth(
        database: tuple[Path, D.Made], tmp_path: Path) -> None:
    db, made = database
    pdf, html, folder = tmp_path / "report.pdf", tmp_path / "report.html", tmp_path / "tables"
    done = _cli("report", "--db", db, "--from", "2026-01-01", "--to", "2026-06-30", "-o", pdf, "--csv", folder)
    assert done.returncode == 0, done.stderr
    assert _cli("report", "--db", db, "--from", "01/01/2026", "--to", "30/06/2026", "-o", html).returncode == 0
    for path in (pdf, html, *folder.iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    page_html = html.read_text(encoding="utf-8")
    tables = "\n".join(p.read_text(encoding="utf-8-sig") for p in folder.iterdir())
    for needle in ("Assessments completed 1 January 2026 to 30 June 2026", "Suggested level of risk",
                   "Basis of concern", "Method of coercion", "Referring agency", "Flags raised", "OFFICIAL"):
        assert needle in text, needle
        assert needle in page_html, needle
    assert "<5" in text and "&lt;5" in page_html and "NOT suppressed" not in text
    for secret in _forbidden(made):
        assert secret not in text and secret not in page_html and secret not in tables, secret
    rows = list(csv.reader((folder / "hillingdon-cse--looked-after-status.csv").read_text("utf-8-sig").splitlines()))
    assert rows[0] == ["Category", "Count", "Percent"]
    assert ["Young person is in Secure/Custody", "<5", ""] in rows and rows[-1] == ["Total", "300", "100%"]
    index = list(csv.DictReader((folder / "index.csv").read_text("utf-8-sig").splitlines()))
    assert {r["File"] for r in index} == {p.name for p in folder.iterdir()} - {"index.csv"}
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "3", str(pdf), str(tmp_path / "page")],
                       check=True)
        assert len(list(tmp_path.glob("page*.png"))) == 3


@pytest.mark.slow
def test_no_suppression_shows_exact_numbers_and_says_so_on_every_page(
        database: tuple[Path, D.Made], tmp_path: Path) -> None:
    db, _ = database
    pdf, folder = tmp_path / "internal.pdf", tmp_path / "tables"
    done = _cli("report", "--db", db, "--form", "hillingdon-cse", "--from", "2026-01-01", "--to", "2026-06-30",
                "-o", pdf, "--csv", folder, "--no-suppression")
    assert done.returncode == 0 and "do not circulate" in done.stderr
    pages = [page.extract_text() for page in PdfReader(pdf).pages]
    assert all("NOT suppressed" in p for p in pages)
    rows = list(csv.reader((folder / "hillingdon-cse--looked-after-status.csv").read_text("utf-8-sig").splitlines()))
    assert ["Young person is in Secure/Custody", "2", "1%"] in rows
    assert ["Young person is looked after: residential unit", "48", "16%"] in rows


def test_bad_dates_are_refused_in_one_line(tmp_path: Path) -> None:
    swapped = _cli("report", "--db", tmp_path / "db.sqlite3", "--from", "2026-06-30", "--to", "2026-01-01", "-o",
                   tmp_path / "r.pdf")
    assert swapped.returncode == 3 and "swap them" in swapped.stderr
    garbled = _cli("report", "--db", tmp_path / "db.sqlite3", "--from", "last tuesday", "-o", tmp_path / "r.pdf")
    assert garbled.returncode == 3 and garbled.stderr.count("\n") == 1 and "YYYY-MM-DD" in garbled.stderr
