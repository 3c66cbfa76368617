"""The review queue kept between requests: every record's item, worked out again only for the records a
change names.

`review_queue` derives every record's state from all its events each time (states are never stored), which
for 10,000 records takes a few hundred milliseconds: too slow for every visit to the queue page, and too slow
right after each agreement, return or comment if the whole queue were thrown away then. So every record's
QueueItem is kept (`queue_items`), in queue order, and each filter's queue is taken from them in memory
(`pick`, the same filters and order as `review_queue`). Checking costs a few small queries: the highest id
and the count of submissions, the highest issued copy, and the events appended since the last check (by
primary key). An event other than an opening (openings change no state and no "since") has only the record
it names worked out again; a return ingested or purged, or an agency copy issued (rare: an ingest, a
distribution) has everything worked out again. A PostgreSQL transaction can commit an event with a lower id
after a higher one was read, so nothing is kept longer than MAX_AGE_SECONDS either."""

from __future__ import annotations

import bisect
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa

from cse_pdf.agreement import QueueItem, item_order, pick, queue_items
from cse_pdf.agreement.states import ReviewState
from cse_pdf.store import Store
from cse_pdf.store.models import IssuedCopyRecord, ReviewEventRecord, SubmissionRecord
from cse_pdf.store.review_events import EventKind

MAX_AGE_SECONDS = 60.0
MAX_FILTERS = 32  # filtered queues kept at once (one per form/state/agency filter asked for) until a change

Filter = tuple[str | None, ReviewState | None, str | None]


class QueueCache:
    """`review_queue(store, form=…, state=…, agency=…)`, answered from memory, kept up to date record by record."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._items: dict[int, QueueItem] = {}
        self._ordered: list[QueueItem] = []  # the values of _items in queue order (item_order)
        self._built_at: float | None = None  # when everything was last worked out (None: never)
        self._queues: OrderedDict[Filter, list[QueueItem]] = OrderedDict()  # each filter's, since the last change
        self._mark: tuple[int, int, int] | None = None
        self._events_seen = 0  # the highest event id read so far
        self.rebuilt = 0  # how many times every record was worked out (tests count them)
        self.recomputed = 0  # how many records were worked out one by one, after a change naming them

    def queue(self, form: str | None = None, state: ReviewState | None = None,
              agency: str | None = None) -> list[QueueItem]:
        key = (form, state, agency)
        with self._lock:
            mark, changed = self._check()
            if (mark != self._mark or self._built_at is None
                    or self.clock() - self._built_at > MAX_AGE_SECONDS):
                self._rebuild(mark)
            elif changed:
                self._recompute(changed)
            kept = self._queues.get(key)
            if kept is not None:
                self._queues.move_to_end(key)
                return kept
            items = pick(self._ordered, form=form, state=state, agency=agency)
            self._queues[key] = items
            while len(self._queues) > MAX_FILTERS:
                self._queues.popitem(last=False)
            return items

    def _rebuild(self, mark: tuple[int, int, int]) -> None:
        self._built_at = self.clock()
        self._items = queue_items(self.store)
        self._ordered = sorted(self._items.values(), key=item_order)
        self._queues.clear()
        self._mark = mark
        self.rebuilt += 1

    def _recompute(self, record_ids: set[int]) -> None:
        """Only these records' rows and events are read; each leaves its place in the order and takes its new
        one (a purged record just leaves)."""
        fresh = queue_items(self.store, record_ids=record_ids)
        for record_id in record_ids:
            old = self._items.pop(record_id, None)
            if old is not None:
                at = bisect.bisect_left(self._ordered, item_order(old), key=item_order)
                if at < len(self._ordered) and self._ordered[at] is old:
                    del self._ordered[at]
                else:  # never expected (every key is unique), but a lost item must not stay in the queue
                    self._ordered.remove(old)
            new = fresh.get(record_id)
            if new is not None:
                self._items[record_id] = new
                bisect.insort(self._ordered, new, key=item_order)
        self._queues.clear()
        self.recomputed += len(record_ids)

    def _check(self) -> tuple[tuple[int, int, int], set[int]]:
        """What the whole queue depends on, in numbers that change whenever it may have, and the records named
        by the events (other than openings) appended since the last check."""
        changed: set[int] = set()
        with self.store._reading() as s:
            top, count = s.execute(sa.select(sa.func.max(SubmissionRecord.id), sa.func.count(SubmissionRecord.id))
                                   ).one()
            issued = s.scalar(sa.select(sa.func.max(IssuedCopyRecord.id)))
            for event_id, record_id, kind in s.execute(
                    sa.select(ReviewEventRecord.id, ReviewEventRecord.submission_id, ReviewEventRecord.kind)
                    .where(ReviewEventRecord.id > self._events_seen).order_by(ReviewEventRecord.id)):
                self._events_seen = event_id
                if kind != EventKind.OPENED.value and record_id is not None:
                    changed.add(record_id)
        return (top or 0, count, issued or 0), changed
