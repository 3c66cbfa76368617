"""Purge takes a record's review events with it and leaves only the fact of the purge: its id, when, by whom."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from helpers.cli import cse
from helpers.reviews import CHILD, record_hillingdon

from cse_pdf.agreement import EventKind, agree, audit_trail, comment, reviews_for
from cse_pdf.purge import purge
from cse_pdf.store import Store
from cse_pdf.store.retention import plan_purge

NOTE = "Raised after the strategy meeting"


def test_purge_deletes_a_records_events_and_appends_the_fact_of_its_purge(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store:
        old = record_hillingdon(store, "old", completed="01/03/2020", name="Fictional Old")
        kept = record_hillingdon(store, "kept", completed="01/03/2026")
        agree(store, old, level=3, role="team-manager", by="Ann", note=NOTE)
        comment(store, old, "Seen by the panel", by="Bo")
        agree(store, kept, level=2, role="team-manager", by="Ann")
        done = purge(store, plan_purge(store, date(2024, 1, 1)), tmp_path / "out", by="Records Officer",
                     role="admin")
        assert done.records == 1
        [fact] = audit_trail(store, old)  # the record is gone; the fact of its purge is not
        assert (fact.kind, fact.record_id, fact.actor, fact.role, fact.level, fact.text) == (
            EventKind.PURGE, old, "Records Officer", "admin", None, None)
        assert [e.kind for e in audit_trail(store, kept)] == [EventKind.AGREE]  # another record's untouched
        assert set(reviews_for(store)) == {kept}
        with store.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM review_events")).all()
    assert len(rows) == 2
    assert not any(NOTE in str(v) or "Seen by the panel" in str(v) or CHILD in str(v) for row in rows for v in row)


def test_purge_from_the_terminal_names_who_purged_in_the_audit_trail(tmp_path: Path) -> None:
    db = str(tmp_path / "db.sqlite3")
    with Store.open(db) as store:
        old = record_hillingdon(store, "old", completed="01/03/2020")
        agree(store, old, level=2, role="team-manager", by="Ann")
    done = cse("purge", "--before", "2024-01-01", "--db", db, "--out", tmp_path / "out", "--yes",
               "--by", " R. Officer ")
    assert done.returncode == 0, done.stderr
    trail = [line.split("\t") for line in cse("audit", old, "--db", db).stdout.splitlines()[1:]]
    assert [row[1:4] for row in trail] == [["purge", "purge", "R. Officer"]]
    with Store.open(db) as store:
        unnamed = record_hillingdon(store, "again", completed="01/03/2019", name="Fictional Two")
    cse("purge", "--before", "2024-01-01", "--db", db, "--out", tmp_path / "out", "--yes")
    with Store.open(db) as store:
        assert [e.actor for e in audit_trail(store, unnamed)] == ["purge"]
