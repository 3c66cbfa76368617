"""The review queue: what is waiting, for whom, and since when (`cse-pdf review`, the web page's queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cse_pdf.agreement.layouts import Layouts, agency_fields
from cse_pdf.agreement.review import review_of
from cse_pdf.agreement.roles import Role
from cse_pdf.agreement.states import ReviewState
from cse_pdf.assess.person import normalise_name
from cse_pdf.assess.review_codes import describe
from cse_pdf.store.repository import Store
from cse_pdf.store.review_events import events_for, review_subjects

WAITING = (ReviewState.NEEDS_REVIEW, ReviewState.AWAITING_AGREEMENT, ReviewState.RETURNED)


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue: ids, levels, reasons in words, never a name."""

    record_id: int
    form_id: str
    state: ReviewState
    waiting_for: tuple[Role, ...]  # the roles still to agree; none when returned (the worker is next)
    since: datetime  # ingested, or the last agreement, return or comment
    agency: str | None
    suggested_level: int
    suggested_label: str
    stated_level: int | None
    stated_label: str | None
    reasons: tuple[str, ...]  # in words (cse_pdf.assess.review_codes)


def review_queue(store: Store, *, form: str | None = None, state: ReviewState | str | None = None,
                 agency: str | None = None) -> list[QueueItem]:
    """Records in one state (default: every state that waits on someone: needs review, awaiting agreement,
    returned), oldest wait first. Only `superseded` reaches past current revisions."""
    wanted = (ReviewState(state),) if state is not None else WAITING
    subjects = review_subjects(store, form=form, current_only=ReviewState.SUPERSEDED not in wanted,
                               agency_fields=agency_fields())
    if agency:
        key = normalise_name(agency)
        subjects = [s for s in subjects if s.agency is not None and normalise_name(s.agency) == key]
    events = events_for(store, None)
    layouts = Layouts()
    items = []
    for s in subjects:
        review = review_of(s, events.get(s.record_id, []), layouts)
        if review.state not in wanted:
            continue
        items.append(QueueItem(
            record_id=s.record_id, form_id=s.form_id, state=review.state, waiting_for=review.waiting_for,
            since=review.last_event_at or s.ingested_at, agency=s.agency, suggested_level=s.suggested_level,
            suggested_label=s.suggested_label, stated_level=s.stated_level, stated_label=s.stated_label,
            reasons=tuple(describe(list(s.review_reasons)))))
    items.sort(key=lambda item: (item.since, item.record_id))
    return items
