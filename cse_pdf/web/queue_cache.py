"""The review queue kept between requests, and worked out again only when something it shows has changed.

`review_queue` derives every record's state from all its events each time (states are never stored), which
for 10,000 records takes over a second: too slow to run on every visit to the queue page. What it shows
changes only when a return is ingested or purged, an agency copy is issued, or a review event other than an
opening is appended (openings change no state and no "since"). So the queue is kept per filter and worked
out again only when one of those has happened. Checking costs a few small queries: the highest ids and the
count of submissions, the highest issued copy, and the events appended since the last check (by primary
key). A PostgreSQL transaction can commit an event with a lower id after a higher one was read, so nothing
is kept longer than MAX_AGE_SECONDS either."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa

from cse_pdf.agreement import QueueItem, review_queue
from cse_pdf.agreement.states import ReviewState
from cse_pdf.store import Store
from cse_pdf.store.models import IssuedCopyRecord, ReviewEventRecord, SubmissionRecord
from cse_pdf.store.review_events import EventKind

MAX_AGE_SECONDS = 60.0
MAX_FILTERS = 32  # queues kept at once (one per form/state/agency filter asked for)

Filter = tuple[str | None, ReviewState | None, str | None]


class QueueCache:
    """`review_queue(store, form=…, state=…, agency=…)`, answered from memory while nothing it shows changed."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._queues: OrderedDict[Filter, tuple[float, list[QueueItem]]] = OrderedDict()
        self._mark: tuple[int, ...] | None = None
        self._events_seen = 0  # the highest event id read so far
        self._last_change = 0  # the highest event id that was not an opening
        self.computed = 0  # how many times the queue was worked out (tests count them)

    def queue(self, form: str | None = None, state: ReviewState | None = None,
              agency: str | None = None) -> list[QueueItem]:
        key = (form, state, agency)
        with self._lock:
            mark = self._current_mark()
            if mark != self._mark:
                self._queues.clear()
                self._mark = mark
            now = self.clock()
            kept = self._queues.get(key)
            if kept is not None and now - kept[0] <= MAX_AGE_SECONDS:
                self._queues.move_to_end(key)
                return kept[1]
            items = review_queue(self.store, form=form, state=state, agency=agency)
            self.computed += 1
            self._queues[key] = (now, items)
            while len(self._queues) > MAX_FILTERS:
                self._queues.popitem(last=False)
            return items

    def _current_mark(self) -> tuple[int, ...]:
        """What the queue depends on, in numbers that change whenever it may have."""
        with self.store._reading() as s:
            top, count = s.execute(sa.select(sa.func.max(SubmissionRecord.id), sa.func.count(SubmissionRecord.id))
                                   ).one()
            issued = s.scalar(sa.select(sa.func.max(IssuedCopyRecord.id)))
            for event_id, kind in s.execute(sa.select(ReviewEventRecord.id, ReviewEventRecord.kind)
                                            .where(ReviewEventRecord.id > self._events_seen)
                                            .order_by(ReviewEventRecord.id)):
                self._events_seen = event_id
                if kind != EventKind.OPENED.value:
                    self._last_change = event_id
        return (top or 0, count, issued or 0, self._last_change)
