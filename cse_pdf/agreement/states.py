"""The state of a record's review, derived from the record and its events each time, never stored: an
event log cannot disagree with a state column if there is none."""

from __future__ import annotations

from enum import StrEnum
from typing import Sequence

from cse_pdf.agreement.roles import Role
from cse_pdf.store.review_events import EventKind, ReviewEvent, ReviewSubject


class ReviewState(StrEnum):
    NEEDS_REVIEW = "needs-review"  # reasons to look at it, and no one has agreed yet
    AWAITING_AGREEMENT = "awaiting-agreement"  # no reasons, or some but not every required role has agreed
    AGREED = "agreed"  # every required role agreed the same level
    RETURNED = "returned"  # sent back to the worker; stays so until a newer revision supersedes it
    SUPERSEDED = "superseded"  # a newer revision arrived and starts its own review

    @property
    def label(self) -> str:
        return self.value.replace("-", " ")


def agreements_of(events: Sequence[ReviewEvent]) -> list[ReviewEvent]:
    return [e for e in events if e.kind is EventKind.AGREE]


def returned_of(events: Sequence[ReviewEvent]) -> ReviewEvent | None:
    return next((e for e in reversed(events) if e.kind is EventKind.RETURN), None)


def derive_state(subject: ReviewSubject, events: Sequence[ReviewEvent], required: Sequence[Role]) -> ReviewState:
    """Superseded first (whatever happened to it), then returned, agreed, needs review, awaiting agreement."""
    if not subject.current:
        return ReviewState.SUPERSEDED
    if not events:  # most of a queue: nothing has happened yet
        return ReviewState.NEEDS_REVIEW if subject.review_reasons else ReviewState.AWAITING_AGREEMENT
    if returned_of(events) is not None:
        return ReviewState.RETURNED
    agreed_roles = {e.role for e in agreements_of(events)}
    if all(role.value in agreed_roles for role in required):
        return ReviewState.AGREED
    if subject.review_reasons and not agreed_roles:
        return ReviewState.NEEDS_REVIEW
    return ReviewState.AWAITING_AGREEMENT
