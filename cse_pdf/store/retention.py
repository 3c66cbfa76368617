"""Retention: which records are past an organisation's retention date, and deleting them in one transaction.

A record's retention runs from the date its assessment was completed, the date a records
manager files it under; a record whose date completed is missing or unreadable runs from the
day it was ingested (UTC). Every revision of one assessment shares its date completed (it is
part of the assessment's key), so an assessment goes whole or stays whole; the check is made
anyway, and an assessment with any revision to keep is kept entirely. A failure runs from the
last time its file failed. The register of issued copies is not case data and is never purged.

A record's review events are deleted with it; in their place one `purge` event keeps the fact (its id,
when, by whom) and nothing else.

Only rows are deleted here; the caller deletes the files they name after the commit, so a crash leaves at
worst a file without a record, never a record pointing at nothing it should.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cse_pdf.base.errors import StoreError
from cse_pdf.store.engine import WRITE
from cse_pdf.store.models import AssessmentRecord, FailureRecord, SubmissionRecord, ValueRecord
from cse_pdf.store.repository import Store
from cse_pdf.store.review_events import purge_events

_CHUNK = 500  # ids per IN (…)
PURGED_BY = "purge"  # who and which role a purge event names when no one is given


@dataclass(frozen=True)
class PurgePlan:
    """What is past retention: record and failure ids, and the files their rows name (as recorded)."""

    before: date
    submissions: tuple[int, ...]
    failures: tuple[int, ...]
    stamped: tuple[str, ...]
    quarantined: tuple[str, ...]


def _cutoff(before: date) -> datetime:
    return datetime.combine(before, time(), tzinfo=timezone.utc)


def _old_submissions(before: date) -> sa.ColumnElement[bool]:
    """Completed before the date; or, with no readable date completed, ingested before it."""
    s = SubmissionRecord
    return sa.or_(sa.and_(s.date_completed.is_not(None), s.date_completed < before),
                  sa.and_(s.date_completed.is_(None), s.ingested_at < _cutoff(before)))


def _plan(s: Session, before: date, within: PurgePlan | None = None) -> PurgePlan:
    """What is due; `within` (the plan the user confirmed) caps it, so no more is deleted than was shown,
    and an assessment that gained a revision since is kept whole rather than cut in two."""
    sub = SubmissionRecord
    old = _old_submissions(before)
    kept_keys = sa.select(sub.assessment_key).where(sub.assessment_key.is_not(None), sa.not_(old))
    q = (sa.select(sub.id, sub.stamped_path, sub.assessment_key)
         .where(old, sa.or_(sub.assessment_key.is_(None), sub.assessment_key.not_in(kept_keys)))
         .order_by(sub.id))
    f = sa.select(FailureRecord.id, FailureRecord.quarantined_path) \
        .where(FailureRecord.last_failed_at < _cutoff(before)).order_by(FailureRecord.id)
    subs, fails = list(s.execute(q)), list(s.execute(f))
    if within is not None:
        confirmed_subs, confirmed_fails = set(within.submissions), set(within.failures)
        unconfirmed_keys = {key for rid, _, key in subs if rid not in confirmed_subs and key is not None}
        subs = [r for r in subs if r[0] in confirmed_subs and r[2] not in unconfirmed_keys]
        fails = [r for r in fails if r[0] in confirmed_fails]
    return PurgePlan(before, tuple(r[0] for r in subs), tuple(r[0] for r in fails),
                     tuple(r[1] for r in subs if r[1]), tuple(r[1] for r in fails if r[1]))


def plan_purge(store: Store, before: date) -> PurgePlan:
    """What `purge --before` would delete; nothing is changed."""
    try:
        with Session(store.engine) as s, s.begin():
            return _plan(s, before)
    except SQLAlchemyError as exc:
        raise StoreError(f"could not read the records to purge ({type(exc).__name__})", store.where) from None


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def execute_purge(store: Store, confirmed: PurgePlan, by: str = PURGED_BY, role: str = PURGED_BY) -> PurgePlan:
    """Delete, in one transaction, what `confirmed` names and is still past retention; returns what went.

    A record's review events go with it, and one `purge` event (by `by`, in `role`) is appended in their
    place, holding only the record's id: the fact of the purge outlives the record.

    On SQLite the deleted rows' pages are overwritten (secure_delete) and the write-ahead log emptied,
    so what was purged cannot be read back out of the database file."""
    sqlite = store.url.get_backend_name() == "sqlite"
    try:
        with store.engine.connect() as conn:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA secure_delete = ON")  # type: ignore[union-attr]
            with Session(bind=conn.execution_options(**{WRITE: True})) as s, s.begin():
                done = _plan(s, confirmed.before, confirmed)
                purge_events(s, list(done.submissions), by, role)
                for ids in _chunks(done.submissions):
                    for model in (ValueRecord, AssessmentRecord):
                        s.execute(sa.delete(model).where(model.submission_id.in_(ids)))
                    s.execute(sa.delete(SubmissionRecord).where(SubmissionRecord.id.in_(ids)))
                for ids in _chunks(done.failures):
                    s.execute(sa.delete(FailureRecord).where(FailureRecord.id.in_(ids)))
            if sqlite:
                _empty_the_log(conn)
    except SQLAlchemyError as exc:  # never the driver's text: it can quote values
        raise StoreError(f"could not delete the records ({type(exc).__name__}); nothing was deleted, no file "
                         "was touched: run the purge again", store.where) from None
    return done


def _empty_the_log(conn: sa.Connection) -> None:
    """Copy the committed deletion into the database file and truncate the write-ahead log, which still
    holds earlier versions of the purged pages; a reader busy elsewhere only delays it to a later checkpoint."""
    raw = conn.connection.dbapi_connection
    try:
        raw.execute("PRAGMA secure_delete = OFF")  # type: ignore[union-attr]
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    except sqlite3.Error:  # the deletion is committed; the next checkpoint does the same
        pass
