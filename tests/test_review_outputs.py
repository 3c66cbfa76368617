"""The managers' agreement in the outputs: the export's review columns and the Board report's agreement tables,
the latter with the report's small-number suppression, and both read in bulk (no query per record)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers.reviews import CHILD, HIL, record_hillingdon
from openpyxl import load_workbook

from cse_pdf.agreement import agree, return_to_worker
from cse_pdf.export import REVIEW, export, tables
from cse_pdf.report import build_report
from cse_pdf.store import Store
from cse_pdf.store.models import SubmissionRecord

TM, CPM = "team-manager", "cse-prevention-manager"


def agree_both(store: Store, rid: int, level: int = 2, note: str | None = None) -> None:
    agree(store, rid, level=level, role=TM, by="Ann", note=note)
    agree(store, rid, level=level, role=CPM, by="Bo")


def ingested_days_ago(store: Store, rid: int, days: float) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(SubmissionRecord).where(SubmissionRecord.id == rid)
                     .values(ingested_at=datetime.now(timezone.utc) - timedelta(days=days)))


@pytest.fixture
def two_records(tmp_path: Path) -> tuple[str, int, int]:
    db = str(tmp_path / "db.sqlite3")
    with Store.open(db) as store:
        agreed = record_hillingdon(store, "agreed", name="Fictional One")
        waiting = record_hillingdon(store, "waiting", name="Fictional Two", review=("unanswered",))
        ingested_days_ago(store, agreed, 3)
        agree_both(store, agreed, level=3, note="Raised: new missing episodes")
    return db, agreed, waiting


def test_the_export_gains_the_review_state_agreed_level_roles_date_and_days(two_records, tmp_path: Path) -> None:
    db, agreed, waiting = two_records
    today = datetime.now(timezone.utc).date().isoformat()
    with Store.open(db) as store:
        export(store, "json", tmp_path / "out.json", form=HIL)
        export(store, "csv", tmp_path / "out.csv", form=HIL)
        export(store, "xlsx", tmp_path / "out.xlsx", form=HIL)
    rows = {r["Record"]: r for r in json.loads((tmp_path / "out.json").read_text())[HIL]}
    assert {k: rows[agreed][k] for k in REVIEW} == {
        "Review state": "agreed", "Agreed level": 3, "Agreed label": "Risk Category 3 (high)",
        "Agreed by": [TM, CPM], "Date agreed": today, "Days to agreement": 3.0}
    assert (rows[agreed]["Suggested level"], rows[agreed]["Stated level"]) == (2, 2)  # kept apart
    assert {k: rows[waiting][k] for k in REVIEW} == {"Review state": "needs-review", "Agreed level": None,
                                                     "Agreed label": None, "Agreed by": [], "Date agreed": None,
                                                     "Days to agreement": None}
    written = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    by_record = {r["Record"]: r for r in csv.DictReader(io.StringIO(written))}
    assert (by_record[str(agreed)]["Agreed by"], by_record[str(agreed)]["Date agreed"]) == (f"{TM}; {CPM}", today)
    sheet = load_workbook(tmp_path / "out.xlsx")[HIL]
    headings = [c.value for c in sheet[1]]
    cells = {row[0]: dict(zip(headings, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells[agreed]["Agreed by"] == "Team Manager\nCSE Prevention Manager"
    assert (cells[agreed]["Review state"], cells[waiting]["Review state"]) == ("agreed", "needs review")
    assert CHILD not in json.dumps({k: rows[agreed][k] for k in REVIEW})


def test_the_export_reads_reviews_in_bulk_not_once_per_record(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        statements: list[str] = []
        for i in range(2):
            record_hillingdon(store, f"few{i}", name=f"Fictional {i}")
        sa.event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        tables(store, HIL)
        few = len(statements)
        for i in range(2, 20):
            record_id = record_hillingdon(store, f"many{i}", name=f"Fictional {i}")
            agree(store, record_id, level=2, role=TM, by="Ann")
        statements.clear()
        tables(store, HIL)
    assert len(statements) == few


@pytest.fixture
def board(tmp_path: Path) -> str:
    """12 hillingdon-cse assessments: 6 agreed (5 at the suggested level, 1 higher), 6 waiting (1 half-agreed)."""
    db = str(tmp_path / "board.sqlite3")
    with Store.open(db) as store:
        ids = [record_hillingdon(store, f"b{i}", name=f"Fictional {i}") for i in range(12)]
        for days, rid in zip((1, 2, 3, 4, 10, 20), ids):
            ingested_days_ago(store, rid, days)
        for rid in ids[:5]:
            agree_both(store, rid)
        agree_both(store, ids[5], level=3, note="Higher: exploitation disclosed")
        agree(store, ids[6], level=2, role=TM, by="Ann")
    return db


def section_of(db: str, suppression: bool = True):  # type: ignore[no-untyped-def]
    with Store.open(db) as store:
        [section] = build_report(store, form=HIL, suppression=suppression).sections
    return section


def true_counts(section, table_id: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    [table] = [t for t in section.tables if t.id == table_id]
    return {row.label: row.count for row in table.rows}


def test_the_report_counts_where_reviews_stand_and_agreed_against_suggested(board: str) -> None:
    section = section_of(board)
    assert true_counts(section, "review-state") == {"Agreed": 6, "Awaiting agreement": 6,
                                                    "Needs review, not yet agreed": 0, "Returned to the worker": 0}
    assert true_counts(section, "suggested-vs-managers-agreed") == {
        "Agreed the same as suggested": 5, "Agreed higher than suggested": 1, "Agreed lower than suggested": 0,
        "Not agreed yet": 6}
    assert true_counts(section, "managers-agreed-level")["Risk Category 2 (medium)"] == 5
    ids = [t.id for t in section.tables]
    assert ids.index("agreed-vs-suggested") + 1 == ids.index("review-state")  # after the level tables
    assert "Agreed by the managers: 6 (50%)." in section.glance and "Awaiting agreement: 6 (50%)." in section.glance
    # days to agreement 1, 2, 3, 4, 10, 20: the median is 3.5
    assert "Median time from ingest to agreement: 3.5 days." in section.glance


def test_the_reports_agreement_figures_are_suppressed_when_small(tmp_path: Path) -> None:
    db = str(tmp_path / "small.sqlite3")
    with Store.open(db) as store:
        ids = [record_hillingdon(store, f"s{i}", name=f"Fictional {i}") for i in range(7)]
        for rid in ids[:2]:
            agree_both(store, rid)
        return_to_worker(store, ids[2], reason="Section 3 missing", by="Ann")
    suppressed = section_of(db)
    [state] = [t for t in suppressed.tables if t.id == "review-state"]
    shown = {r.label: r.shown for r in state.rows}
    assert (shown["Agreed"], shown["Awaiting agreement"], shown["Returned to the worker"]) == ("<5", "<5", "<5")
    assert {"Agreed by the managers: fewer than 5.", "Awaiting agreement: fewer than 5."} <= set(suppressed.glance)
    assert "The median time to agreement is not shown: fewer than 5 assessments are agreed." in suppressed.glance
    assert not any(line.startswith("Median time") for line in suppressed.glance)
    internal = section_of(db, suppression=False)
    assert any(line.startswith("Median time from ingest to agreement: 0.0 days") for line in internal.glance)
