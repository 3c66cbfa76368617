"""Every file of the hostile corpus (tests/helpers/hostile_corpus.py) through `cse-pdf read`, one process per file.

Prints the corpus size, how many were read, how many refused and why, and the worst time and peak
memory (the reading process and its guarded child) per file. Run by hand:

    python bench/hostile.py [--flips 20] [--cuts 8] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
from helpers.hostile_corpus import Case  # noqa: E402

REASONS = [("decompression bomb", r"inflates? to more than"), ("over the size limit", r"over the [\d.]+ MB limit"), ("over the memory limit", r"more than \d+ MB of memory"),
           ("over the time limit", r"took longer than"), ("not a PDF", r"is not a PDF file"),
           ("truncated", r"truncated"), ("password", r"password-protected"), ("XFA form", r"XFA"),
           ("not a cse-pdf form", r"not a cse-pdf form"), ("damaged", r"damaged"),
           ("bug (internal error)", r"internal error")]


def reason_of(line: str) -> str:
    return next((name for name, pattern in REASONS if re.search(pattern, line)), "other: " + line[-80:])


def run_one(path: Path) -> tuple[bool, str, float, int]:
    """(read?, reason, seconds, peak KiB of the process tree) for one file."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cse_pdf", "read", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    ok = proc.returncode == 0
    return ok, "" if ok else reason_of(err.strip()), seconds, usage.ru_maxrss


def built_elsewhere(folder: Path, flips: int, cuts: int) -> dict[Path, Case]:
    """The corpus, built in another process: building holds hundreds of MB, and a process forked from
    this one would start with them and count them in its peak."""
    script = ("import json, sys; from pathlib import Path; from helpers.hostile_corpus import build_corpus; "
              f"files = build_corpus(Path({str(folder)!r}), flips={flips}, cuts={cuts}); "
              "print(json.dumps({str(p): c.__dict__ for p, c in files.items()}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=TESTS)
    return {Path(p): Case(**c) for p, c in json.loads(done.stdout).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--cuts", type=int, default=8)
    parser.add_argument("--keep", type=Path, help="Build the corpus here and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        t = time.perf_counter()
        files = built_elsewhere(folder, args.flips, args.cuts)
        print(f"corpus: {len(files)} files built in {time.perf_counter() - t:.1f} s "
              f"({sum(p.stat().st_size for p in files) / 2**20:.0f} MB)")
        rows = []
        for path, case in sorted(files.items(), key=lambda kv: kv[1].name):
            ok, reason, seconds, kib = run_one(path)
            rows.append((case, ok, reason, seconds, kib))
    read = [r for r in rows if r[1]]
    print(f"read: {len(read)}   refused: {len(rows) - len(read)}")
    for reason, n in Counter(r[2] for r in rows if not r[1]).most_common():
        print(f"  {n:>4}  {reason}")
    print("\nslowest and largest (seconds include starting cse-pdf itself):")
    for case, ok, reason, seconds, kib in sorted(rows, key=lambda r: -r[3])[:6]:
        print(f"  {case.name:<40} {seconds:6.2f} s {kib / 1024:7.0f} MiB  {'read' if ok else reason}")
    worst_mem = max(rows, key=lambda r: r[4])
    print(f"\nworst time per file: {max(r[3] for r in rows):.2f} s; peak memory per file: "
          f"{worst_mem[4] / 1024:.0f} MiB ({worst_mem[0].name}); median time "
          f"{sorted(r[3] for r in rows)[len(rows) // 2]:.2f} s")


if __name__ == "__main__":
    main()
