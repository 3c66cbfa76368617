"""The review events of records, as the database holds them: read in bulk, appended one at a time.

Each append runs in one write transaction that first locks the record (PostgreSQL: its row; SQLite:
the write lock taken at BEGIN), reads its events and lets the caller decide on the new one, so two
managers agreeing the same record at once are checked one after the other, never both against the
same earlier state. The rules themselves live above, in cse_pdf.agreement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cse_pdf.base.errors import StoreError
from cse_pdf.store.engine import WRITE
from cse_pdf.store.models import AssessmentRecord, IssuedCopyRecord, ReviewEventRecord, SubmissionRecord, ValueRecord
from cse_pdf.store.repository import Store

_CHUNK = 500  # ids per IN (…)


class EventKind(StrEnum):
    """What a review event records (the `kind` column)."""

    AGREE = "agree"
    RETURN = "return"
    COMMENT = "comment"
    OPENED = "opened"
    PURGE = "purge"


@dataclass(frozen=True)
class ReviewEvent:
    """One appended event; `record_id` is the submission's id, kept after a purge deleted the submission."""

    id: int
    record_id: int | None
    at: datetime
    actor: str
    role: str
    kind: EventKind
    level: int | None
    text: str | None


@dataclass(frozen=True)
class NewEvent:
    """An event to append, as the review rules decided it."""

    actor: str
    role: str
    kind: EventKind
    level: int | None = None
    text: str | None = None


class ReviewSubject(NamedTuple):
    """What the review of one record needs to know about it: never a name, a date of birth or an answer
    beyond the agency (who completed the form). A NamedTuple, not a dataclass: a queue makes 10,000."""

    record_id: int
    form_id: str
    form_version: str
    ingested_at: datetime
    current: bool
    review_reasons: tuple[str, ...]
    suggested_level: int
    suggested_label: str
    stated_level: int | None
    stated_label: str | None
    agency: str | None  # the agency the copy was issued to, else the agency as typed on the form


def utc(at: datetime) -> datetime:
    """SQLite gives back naive datetimes for what was stored in UTC."""
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i:i + _CHUNK]


def _subject_query(agency_fields: Iterable[str] = ()) -> sa.Select:
    """One row per record; `agency_fields` (at most one of them per form, so per record) joins the agency as
    typed, in the same query."""
    sub, a = SubmissionRecord, AssessmentRecord
    wanted = sorted(set(agency_fields))
    typed = ValueRecord.value_text if wanted else sa.null()
    q = (sa.select(sub.id, sub.form_id, sub.form_version, sub.ingested_at, sub.is_current,
                   sa.type_coerce(sub.review_reasons, sa.Text).label("reasons_json"), a.level, a.label, a.stated_level, a.stated_label, IssuedCopyRecord.agency_name,
                   typed.label("typed_agency"))
         .join(a, a.submission_id == sub.id)
         .outerjoin(IssuedCopyRecord, sa.and_(IssuedCopyRecord.instance_id == sub.instance_id, sub.instance_id != "")))
    if wanted:
        q = q.outerjoin(ValueRecord, sa.and_(ValueRecord.submission_id == sub.id, ValueRecord.field_id.in_(wanted)))
    return q.order_by(sub.id)


def _subjects(s: Session | sa.Connection, q: sa.Select) -> list[ReviewSubject]:
    reasons = _Reasons()
    return [ReviewSubject(rid, form_id, version, utc(at), current, reasons(codes), level, label, stated,
                          stated_label, issued_to or (" ".join(typed.split()) if typed else None) or None)
            for rid, form_id, version, at, current, codes, level, label, stated, stated_label, issued_to, typed
            in s.execute(q).all()]  # unpacked, in _subject_query's column order: faster than by name


class _Reasons:
    """Review codes from their stored JSON, each distinct list decoded once: thousands of records share a few
    lists, and a queue of 10,000 would otherwise spend most of its time decoding them."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, ...]] = {}

    def __call__(self, stored: Any) -> tuple[str, ...]:
        if not isinstance(stored, str):  # a driver that decodes JSON itself
            return tuple(stored or ())
        if stored not in self._seen:
            self._seen[stored] = tuple(json.loads(stored) or ())
        return self._seen[stored]


def review_subjects(store: Store, ids: Iterable[int] | None = None, *, form: str | None = None,
                    current_only: bool = False, agency_fields: Iterable[str] = ()) -> list[ReviewSubject]:
    """The records (these ids, else all) in id order, in a few queries whatever their number.
    `agency_fields`: the field ids where forms record the agency, read where no issued copy names it."""
    q = _subject_query(agency_fields)
    if form:
        q = q.where(SubmissionRecord.form_id == form)
    if current_only:
        q = q.where(SubmissionRecord.is_current.is_(True))
    with _reading(store) as s:
        if ids is None:
            return _subjects(s, q)
        out: list[ReviewSubject] = []
        for chunk in _chunks(sorted(set(ids))):
            out.extend(_subjects(s, q.where(SubmissionRecord.id.in_(chunk))))
        return out


_E = ReviewEventRecord
_EVENT_COLUMNS = (_E.id, _E.submission_id, _E.at, _E.actor, _E.role, _E.kind, _E.level, _E.text)


_KINDS = {kind.value: kind for kind in EventKind}


def _event(row: Any) -> ReviewEvent:
    return ReviewEvent(row.id, row.submission_id, utc(row.at), row.actor, row.role, _KINDS[row.kind], row.level,
                       row.text)


def events_for(store: Store, ids: Iterable[int] | None = None, *,
               openings: bool = True) -> dict[int, list[ReviewEvent]]:
    """Every event of these records (all records: None), oldest first, by record id. `openings=False` leaves
    out the web page's record of each opening, which changes no state and grows with every look."""
    out: dict[int, list[ReviewEvent]] = defaultdict(list)
    q = sa.select(*_EVENT_COLUMNS).order_by(_E.id)
    if not openings:
        q = q.where(_E.kind != str(EventKind.OPENED))
    with _reading(store) as s:
        if ids is None:
            rows = s.execute(q.where(_E.submission_id.is_not(None))).all()
        else:
            rows = [row for chunk in _chunks(sorted(set(ids)))
                    for row in s.execute(q.where(_E.submission_id.in_(chunk))).all()]
        for row in rows:
            out[row.submission_id].append(_event(row))
    for events in out.values():
        events.sort(key=lambda e: e.id)
    return dict(out)


Decide = Callable[[ReviewSubject | None, list[ReviewEvent]], NewEvent]


def append_event(store: Store, record_id: int, decide: Decide,
                 agency_fields: Iterable[str] = ()) -> tuple[ReviewSubject, list[ReviewEvent]]:
    """Lock the record, read its events, append what `decide` makes of them (it raises to refuse); returns
    the record and its events with the new one last. `decide` is given None for a record that does not exist."""
    try:
        with store.engine.connect() as conn:
            with Session(bind=conn.execution_options(**{WRITE: True})) as s, s.begin():
                s.execute(sa.select(SubmissionRecord.id).where(SubmissionRecord.id == record_id).with_for_update())
                found = _subjects(s, _subject_query(agency_fields).where(SubmissionRecord.id == record_id))
                subject = found[0] if found else None
                events = [_event(row) for row in s.execute(
                    sa.select(*_EVENT_COLUMNS).where(_E.submission_id == record_id).order_by(_E.id))]
                new = decide(subject, events)
                assert subject is not None, "decide must refuse a record that does not exist"
                row = ReviewEventRecord(submission_id=record_id, at=datetime.now(timezone.utc), actor=new.actor,
                                        role=new.role, kind=str(new.kind), level=new.level, text=new.text)
                s.add(row)
                s.flush()
                return subject, events + [_event(row)]
    except SQLAlchemyError as exc:  # never the driver's text: it can quote the note
        raise StoreError(f"could not record the review of record {record_id} ({type(exc).__name__}); nothing was "
                         "recorded: try again", store.where) from None


def purge_events(s: Session, ids: list[int], actor: str, role: str) -> None:
    """Inside purge's transaction: delete these records' events and append, for each, the fact of its purge."""
    now = datetime.now(timezone.utc)
    for chunk in _chunks(ids):
        s.execute(sa.delete(ReviewEventRecord).where(ReviewEventRecord.submission_id.in_(chunk)))
    if ids:
        s.execute(ReviewEventRecord.__table__.insert(),
                  [{"submission_id": rid, "at": now, "actor": actor, "role": role, "kind": str(EventKind.PURGE),
                    "level": None, "text": None} for rid in ids])


@contextmanager
def _reading(store: Store) -> Iterator[sa.Connection]:
    """Plain rows, no ORM: reading a queue's worth of records is most of a page's time."""
    with store.engine.connect() as conn, conn.begin():
        yield conn
