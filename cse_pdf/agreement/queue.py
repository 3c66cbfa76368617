"""The review queue: what is waiting, for whom, and since when (`cse-pdf review`, the web page's queue).

Every record's state is derived (states.py), so the whole queue is worked out on each call; only the
page asked for (`limit`, `offset`) is turned into QueueItems with their reasons in words. A queue kept
between requests (the web page's) holds every record's item (`queue_items`), works out again only the
records an event names (`record_ids=`), and takes each filter's queue from them with `pick`: the same
filters and the same order as `review_queue`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator, NamedTuple, Sequence

from cse_pdf.agreement.layouts import Layouts, agency_fields
from cse_pdf.agreement.roles import Role
from cse_pdf.agreement.states import ReviewState, derive_state
from cse_pdf.assess.person import normalise_name
from cse_pdf.assess.review_codes import describe
from cse_pdf.store.repository import Store
from cse_pdf.store.review_events import EventKind, ReviewEvent, ReviewSubject, events_for, review_subjects

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


class _Placed(NamedTuple):
    """A record's place in the queue, before it is worth making a QueueItem of it."""

    since: datetime
    subject: ReviewSubject
    events: Sequence[ReviewEvent]
    state: ReviewState
    required: tuple[Role, ...]


def _placed(store: Store, form: str | None, agency: str | None, with_superseded: bool,
            record_ids: Iterable[int] | None = None) -> Iterator[_Placed]:
    ids = None if record_ids is None else sorted(set(record_ids))
    subjects = review_subjects(store, ids, form=form, current_only=not with_superseded,
                               agency_fields=agency_fields())
    if agency:
        key = normalise_name(agency)
        subjects = [s for s in subjects if s.agency is not None and normalise_name(s.agency) == key]
    events = events_for(store, None if ids is None else [s.record_id for s in subjects], openings=False)
    layouts = Layouts()
    for s in subjects:
        mine = events.get(s.record_id, ())
        required = layouts.required(s.form_id, s.form_version)
        yield _Placed(mine[-1].at if mine else s.ingested_at, s, mine, derive_state(s, mine, required), required)


def review_queue(store: Store, *, form: str | None = None, state: ReviewState | str | None = None,
                 agency: str | None = None, limit: int | None = None, offset: int = 0,
                 record_ids: Iterable[int] | None = None) -> list[QueueItem]:
    """Records in one state (default: every state that waits on someone: needs review, awaiting agreement,
    returned), the longest waiting first; `limit` and `offset` take one page of it. Only `superseded`
    reaches past current revisions. `record_ids`: only these records are read (rows and events)."""
    wanted = _wanted(state)
    placed = [p for p in _placed(store, form, agency, ReviewState.SUPERSEDED in wanted, record_ids)
              if p.state in wanted]
    placed.sort(key=lambda p: queue_order(p.since, p.subject.record_id))
    page = placed[offset:None if limit is None else offset + limit]
    return [_item(p) for p in page]


def queue_items(store: Store, *, record_ids: Iterable[int] | None = None) -> dict[int, QueueItem]:
    """Every record's item, in whatever state (agreed and superseded too), by record id: what a queue kept
    between requests holds, so that `pick` answers any filter from it. `record_ids`: only these records are
    read, their rows and their events; an id with no record (purged) is left out."""
    return {p.subject.record_id: _item(p) for p in _placed(store, None, None, True, record_ids)}


def queue_order(since: datetime, record_id: int) -> tuple[float, int]:
    """The queue's order, the longest waiting first (the record id breaks ties): one key for every caller."""
    return (since.timestamp(), record_id)


def item_order(item: QueueItem) -> tuple[float, int]:
    return queue_order(item.since, item.record_id)


def pick(ordered: Iterable[QueueItem], *, form: str | None = None, state: ReviewState | str | None = None,
         agency: str | None = None) -> list[QueueItem]:
    """`review_queue`'s filters applied to items already in queue order (`item_order`), in memory."""
    wanted = _wanted(state)
    key = normalise_name(agency) if agency else None
    return [i for i in ordered if i.state in wanted and (form is None or i.form_id == form)
            and (key is None or (i.agency is not None and normalise_name(i.agency) == key))]


def _wanted(state: ReviewState | str | None) -> tuple[ReviewState, ...]:
    return (ReviewState(state),) if state is not None else WAITING


def queue_counts(store: Store, *, form: str | None = None, agency: str | None = None) -> dict[ReviewState, int]:
    """How many current records are in each state (superseded ones are not counted): a queue's totals."""
    counts = Counter(p.state for p in _placed(store, form, agency, with_superseded=False))
    return {state: counts.get(state, 0) for state in ReviewState if state is not ReviewState.SUPERSEDED}


def _item(p: _Placed) -> QueueItem:
    s = p.subject
    agreed = {e.role for e in p.events if e.kind is EventKind.AGREE}
    waiting = (tuple(r for r in p.required if r.value not in agreed)
               if p.state in (ReviewState.NEEDS_REVIEW, ReviewState.AWAITING_AGREEMENT) else ())
    return QueueItem(record_id=s.record_id, form_id=s.form_id, state=p.state, waiting_for=waiting, since=p.since,
                     agency=s.agency, suggested_level=s.suggested_level, suggested_label=s.suggested_label,
                     stated_level=s.stated_level, stated_label=s.stated_label,
                     reasons=tuple(describe(list(s.review_reasons))))
