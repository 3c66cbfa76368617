"""Ingest 300 returned forms into a fresh SQLite database: wall time, time per file, peak memory.

    python bench/ingest.py [--workers 1 2] [--keep DIR]     (needs the test dependencies)

The batch is what an administrator meets: both forms, filled by PDFium, MuPDF and
pypdf as viewers and programs do, most by cse-pdf's own prefill, four flattened
("printed to PDF") with qpdf when it is installed, two files that are not forms and
one form sent twice. Fictional people only. Each worker count gets its own fresh
database and output folder, measured in a child process of its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

TOTAL = 300


def build_batch(folder: Path) -> dict[str, int]:
    """Write the 300 files; returns how many of each kind."""
    from conftest import fictional_return
    from engines.registry import FILLERS

    from cse_pdf.catalog import find_form
    from cse_pdf.generate import generate

    forms = [find_form("hillingdon-cse"), find_form("cse-risk-vulnerability")]
    kinds = {"pdfium": 20, "mupdf": 20, "pypdf": 20, "flattened": 4 if shutil.which("qpdf") else 0,
             "not a form": 2, "sent twice": 1}
    kinds["cse-pdf prefill"] = TOTAL - sum(kinds.values())
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for kind, count in kinds.items():
        for _ in range(count):
            n += 1
            spec = forms[n % 2]
            path = folder / f"{kind.replace(' ', '-')}-{n:03d}.pdf"
            values = fictional_return(spec, name=f"Bench Person {n} Fictional", dob=f"{n % 28 + 1:02d}/06/2010",
                                      completed="05/03/2024", pick=-(n % 2) - 1, checked=n % 3 == 0)
            if kind in FILLERS:
                FILLERS[kind](ROOT / "forms" / f"{spec.id}.pdf", path, values)
            elif kind == "flattened":
                filled = folder / f".unflattened-{n}.pdf"
                filled.write_bytes(generate(spec, values))
                subprocess.run(["qpdf", "--flatten-annotations=all", str(filled), str(path)], check=True)
                filled.unlink()
            elif kind == "not a form":
                path.write_bytes(b"Dear colleague, please find the form attached.\n" if n % 2 else b"%PDF-1.7\n")
            elif kind == "sent twice":
                shutil.copy(next(folder.glob("cse-pdf-prefill-*.pdf"), None) or next(folder.glob("pypdf-*.pdf")),
                            path)
            else:
                path.write_bytes(generate(spec, values))
    return kinds


def measure(folder: Path, workers: int, work: Path) -> dict[str, object]:
    """One run, in this (child) process: the parent's and the workers' peak memory both count."""
    from cse_pdf.ingest import discover, ingest
    from cse_pdf.store import Store

    files, _ = discover([folder])
    start = time.perf_counter()
    with Store.open(str(work / "db.sqlite3")) as store:
        report = ingest(files, store, work / "out", workers=workers)
    wall = time.perf_counter() - start
    return {
        "workers": workers, "files": len(files), "wall_s": round(wall, 2),
        "per_file_ms": round(wall / len(files) * 1000, 1),
        "peak_parent_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_worker_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "outcomes": {k: len(report.of(k)) for k in ("ingested", "known", "needs_review", "failed")},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", type=Path, help="Build the batch here (and reuse it if already there).")
    parser.add_argument("--measure", nargs=3, metavar=("FOLDER", "WORKERS", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        folder, workers, work = args.measure
        print(json.dumps(measure(Path(folder), int(workers), Path(work))))
        return
    root = Path(tempfile.mkdtemp(prefix="cse-pdf-bench-"))
    folder = args.keep or root / "batch"
    if not folder.exists() or not any(folder.glob("*.pdf")):
        start = time.perf_counter()
        kinds = build_batch(folder)
        print(f"built {TOTAL} files in {time.perf_counter() - start:.0f} s: "
              + ", ".join(f"{v} {k}" for k, v in kinds.items()))
    for workers in args.workers:
        work = root / f"run-{workers}"
        child = subprocess.run([sys.executable, __file__, "--measure", str(folder), str(workers), str(work)],
                               capture_output=True, text=True, check=True)
        r = json.loads(child.stdout)
        print(f"--workers {r['workers']}: {r['files']} files in {r['wall_s']} s = {r['per_file_ms']} ms/file; "
              f"peak memory {r['peak_parent_mib']} MiB (ingest) / {r['peak_worker_mib']} MiB (largest worker); "
              f"{r['outcomes']}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
