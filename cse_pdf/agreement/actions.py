"""Appending to a record's review: agree, return to the worker, comment, and (from the web page) open.

Each goes through `append_event`, which checks the rules (rules.py) against the record's events inside
the same write transaction that appends the new one.
"""

from __future__ import annotations

from typing import Sequence

from cse_pdf.agreement.layouts import Layouts
from cse_pdf.agreement.review import RecordReview, review_of
from cse_pdf.agreement.roles import Role, parse_role
from cse_pdf.agreement.rules import actor_of, check_agree, check_comment, check_return, exists
from cse_pdf.store.repository import Store
from cse_pdf.store.review_events import EventKind, NewEvent, ReviewEvent, ReviewSubject, append_event


def agree(store: Store, record_id: int, *, level: int | str, role: str | Role, by: str,
          note: str | None = None) -> RecordReview:
    """Record one role's agreement of a level; returns the review as it stands after it."""
    layouts = Layouts()

    def decide(subject: ReviewSubject | None, events: Sequence[ReviewEvent]) -> NewEvent:
        return check_agree(exists(subject, record_id), events, layouts, level=level, role=role, by=by, note=note)

    subject, events = append_event(store, record_id, decide)
    return review_of(subject, events, layouts)


def return_to_worker(store: Store, record_id: int, *, reason: str, by: str,
                     role: str | Role | None = None) -> RecordReview:
    """Send the record back to the worker with a reason; it stays returned until a newer revision arrives."""
    layouts = Layouts()

    def decide(subject: ReviewSubject | None, events: Sequence[ReviewEvent]) -> NewEvent:
        return check_return(exists(subject, record_id), events, layouts, reason=reason, by=by, role=role)

    subject, events = append_event(store, record_id, decide)
    return review_of(subject, events, layouts)


def comment(store: Store, record_id: int, text: str, *, by: str, role: str | Role | None = None) -> RecordReview:
    """Add a comment, in any state: it can never be edited or deleted (only purged with the record)."""
    layouts = Layouts()

    def decide(subject: ReviewSubject | None, events: Sequence[ReviewEvent]) -> NewEvent:
        return check_comment(exists(subject, record_id), text, by=by, role=role)

    subject, events = append_event(store, record_id, decide)
    return review_of(subject, events, layouts)


def record_opened(store: Store, record_id: int, *, by: str, role: str | Role) -> None:
    """Note that someone opened the record (the web page does, on every opening): the audit shows who looked."""
    the_role = parse_role(role, record_id)

    def decide(subject: ReviewSubject | None, events: Sequence[ReviewEvent]) -> NewEvent:
        exists(subject, record_id)
        return NewEvent(actor_of(by, record_id), the_role.value, EventKind.OPENED)

    append_event(store, record_id, decide)
