"""The review loop at the size of a large authority: N records (default 10,000) put straight into a fresh
SQLite database, then the queue, a page of it, and the reviews for export and report, timed.

    python bench/review_queue.py [N]

A third of the records need review; every other record has one role's agreement and an opening; a
tenth are fully agreed. Records are written in bulk, without their answers: the queue reads no answer
but the agency. Prints, for each call, the wall-clock and this process's CPU time (min and median of 7;
on a machine shared with other work the CPU time is the steadier figure), and, for scale, the time to
fetch the same rows bare.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa

from cse_pdf.agreement import queue_counts, record_review, review_queue, reviews_for
from cse_pdf.store import Store
from cse_pdf.store.models import AssessmentRecord, ReviewEventRecord, SubmissionRecord
from cse_pdf.store.review_events import _subject_query

RUNS = 7


def fill(store: Store, n: int) -> None:
    now = datetime.now(timezone.utc)
    subs = [dict(id=i, sha256=f"{i:064x}", source_path=f"/bench/{i}.pdf", ingested_at=now, form_id="hillingdon-cse",
                 form_version="1", layout_hash="", instance_id="", flattened=False,
                 status="needs_review" if i % 3 == 0 else "ingested",
                 review_reasons=["unanswered"] if i % 3 == 0 else [],
                 warnings=[], stamped_path=None, name_key=None, dob=None, date_completed=None, agency_key=None,
                 person_key=None, assessment_key=None, revision=1, is_current=True) for i in range(1, n + 1)]
    assessments = [dict(submission_id=i, level=2, label="Risk Category 2 (medium)", base_level=2, total=None,
                        answered=10, stated_level=2, stated_label="Risk Category 2 (medium)", stated_differs=False,
                        domains={}, reasons=[], flags=[], flag_rules=[], advice=[], unanswered=[], problems=[])
                   for i in range(1, n + 1)]
    events: list[dict[str, Any]] = []
    for i in range(1, n + 1, 2):
        events.append(dict(submission_id=i, at=now, actor="Manager A", role="team-manager", kind="agree", level=2,
                           text=None))
        if i % 5 == 0:
            events.append(dict(submission_id=i, at=now, actor="Manager B", role="cse-prevention-manager",
                               kind="agree", level=2, text=None))
        events.append(dict(submission_id=i, at=now, actor="Manager A", role="team-manager", kind="opened",
                           level=None, text=None))
    with store.engine.begin() as conn:
        conn.execute(SubmissionRecord.__table__.insert(), subs)
        conn.execute(AssessmentRecord.__table__.insert(), assessments)
        conn.execute(ReviewEventRecord.__table__.insert(), events)


def timed(label: str, call: Callable[[], Any]) -> None:
    wall, cpu = [], []
    for _ in range(RUNS):
        w, c = time.perf_counter(), time.process_time()
        got = call()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    wall.sort()
    cpu.sort()
    size = len(got) if isinstance(got, (list, dict)) else 1
    print(f"{label:<44} {size:>6}  wall {wall[0] * 1000:6.0f} / {wall[RUNS // 2] * 1000:6.0f} ms   "
          f"cpu {cpu[0] * 1000:6.0f} / {cpu[RUNS // 2] * 1000:6.0f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp, Store.open(str(Path(tmp) / "bench.sqlite3")) as store:
        fill(store, n)
        print(f"{n} records; min / median of {RUNS} runs{' ' * 10}items")
        timed("review_queue (every waiting state)", lambda: review_queue(store))
        timed("review_queue, first page of 50", lambda: review_queue(store, limit=50))
        timed("review_queue --state needs-review", lambda: review_queue(store, state="needs-review"))
        timed("queue_counts", lambda: queue_counts(store))
        timed("reviews_for (every record: export, report)", lambda: reviews_for(store))
        timed("record_review (one record)", lambda: record_review(store, n // 2))

        def bare() -> list:
            with store.engine.connect() as conn:
                return conn.execute(_subject_query(["agency.name", "assessment.agency"])).all() + \
                    conn.execute(sa.select(ReviewEventRecord.__table__)).all()
        timed("for scale: the same rows fetched bare", bare)


if __name__ == "__main__":
    main()
