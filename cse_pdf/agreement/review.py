"""A record's review as one value: its state, who must agree, who agreed what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from cse_pdf.agreement.layouts import Layouts
from cse_pdf.agreement.roles import Role
from cse_pdf.agreement.states import ReviewState, agreements_of, derive_state, returned_of
from cse_pdf.store.review_events import EventKind, ReviewEvent, ReviewSubject

SECONDS_A_DAY = 86_400


@dataclass(frozen=True)
class Agreement:
    """One role's agreement of a level (the actor is a manager's name or user name, never a child's)."""

    role: Role
    actor: str
    level: int
    label: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class RecordReview:
    """Suggested, stated and agreed levels kept apart: the agreed one never overwrites the others."""

    record_id: int
    form_id: str
    state: ReviewState
    required: tuple[Role, ...]
    agreements: tuple[Agreement, ...]
    suggested_level: int
    suggested_label: str
    stated_level: int | None
    stated_label: str | None
    reasons: tuple[str, ...]  # the review codes found at ingest (cse_pdf.assess.review_codes)
    ingested_at: datetime
    agreed_level: int | None
    agreed_label: str | None
    agreed_at: datetime | None  # when the last required role agreed
    returned_reason: str | None
    last_event_at: datetime | None  # the last agreement, return or comment (openings change nothing)

    @property
    def waiting_for(self) -> tuple[Role, ...]:
        """The roles still to agree, while agreement is what it waits for (none once agreed or returned)."""
        if self.state not in (ReviewState.NEEDS_REVIEW, ReviewState.AWAITING_AGREEMENT):
            return ()
        done = {a.role for a in self.agreements}
        return tuple(r for r in self.required if r not in done)

    @property
    def days_to_agreement(self) -> float | None:
        """Days (with their fraction) from ingest to the last required agreement; None until agreed."""
        if self.agreed_at is None:
            return None
        return (self.agreed_at - self.ingested_at).total_seconds() / SECONDS_A_DAY

    @property
    def agreed_by(self) -> tuple[Role, ...]:
        return tuple(a.role for a in self.agreements)


def review_of(subject: ReviewSubject, events: Sequence[ReviewEvent], layouts: Layouts) -> RecordReview:
    required = layouts.required(subject.form_id, subject.form_version)
    state = derive_state(subject, events, required)
    agreements = tuple(
        Agreement(Role(e.role), e.actor, e.level, layouts.label(subject.form_id, subject.form_version, e.level),
                  e.at, e.text)
        for e in agreements_of(events) if e.level is not None)
    agreed = state is ReviewState.AGREED or (state is ReviewState.SUPERSEDED and _all_agreed(agreements, required))
    returned = returned_of(events)
    return RecordReview(
        record_id=subject.record_id, form_id=subject.form_id, state=state, required=required, agreements=agreements,
        suggested_level=subject.suggested_level, suggested_label=subject.suggested_label,
        stated_level=subject.stated_level, stated_label=subject.stated_label, reasons=subject.review_reasons,
        ingested_at=subject.ingested_at,
        agreed_level=agreements[-1].level if agreed else None, agreed_label=agreements[-1].label if agreed else None,
        agreed_at=agreements[-1].at if agreed else None,
        returned_reason=returned.text if returned is not None and state is ReviewState.RETURNED else None,
        last_event_at=max((e.at for e in events if e.kind is not EventKind.OPENED), default=None))


def _all_agreed(agreements: Sequence[Agreement], required: Sequence[Role]) -> bool:
    """A superseded record that had been agreed keeps its agreed level in its history (and audit)."""
    return bool(agreements) and {a.role for a in agreements} >= set(required)
