"""Reading reviews: one record's, many records' at once (export, report), and a record's audit trail."""

from __future__ import annotations

from typing import Iterable

from cse_pdf.agreement.layouts import Layouts
from cse_pdf.agreement.review import RecordReview, review_of
from cse_pdf.base.errors import ReviewError
from cse_pdf.store.repository import Store
from cse_pdf.store.review_events import ReviewEvent, events_for, review_subjects


def reviews_for(store: Store, record_ids: Iterable[int] | None = None) -> dict[int, RecordReview]:
    """The review of each of these records (all: None) in two queries per 500 records, never one per record;
    an id with no record is left out. Openings are not read: they change no review."""
    ids = None if record_ids is None else list(record_ids)
    subjects = review_subjects(store, ids)
    events = events_for(store, None if ids is None else [s.record_id for s in subjects], openings=False)
    layouts = Layouts()
    return {s.record_id: review_of(s, events.get(s.record_id, []), layouts) for s in subjects}


def record_review(store: Store, record_id: int) -> RecordReview:
    review = reviews_for(store, [record_id]).get(record_id)
    if review is None:
        raise ReviewError(f"no record {record_id}; see `cse-pdf review` or `cse-pdf list`")
    return review


def audit_trail(store: Store, record_id: int) -> list[ReviewEvent]:
    """Every event of the record, oldest first; for a purged record, the fact of its purge."""
    events = events_for(store, [record_id]).get(record_id, [])
    if not events and not review_subjects(store, [record_id]):
        raise ReviewError(f"no record {record_id}, and no trace of one ever purged; see `cse-pdf list`")
    return events
