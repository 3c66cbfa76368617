"""The administrator's Monday at any size: N returned forms, ingested, against two reference readers.

    python bench/ingest.py N [--workers 1 2] [--stamping with|without|both] [--keep DIR]
                                                                 (needs the test dependencies)

Builds N files the way returns arrive: both forms, filled by PDFium, MuPDF and pypdf as viewers and
programs do, four flattened ("printed to PDF") with qpdf, two that are not forms, one sent twice, and
the rest by cse-pdf's own prefill. Past the first 100 prefilled returns, each further one is one of
those with an incremental save on top that gives it another (fictional) young person, as Acrobat
saves: varied files in seconds instead of a generator run each. Then, in the same run:

- per form, sequentially in one process: pypdf's `PdfReader(f).get_fields()` alone; a pikepdf walk of
  `/AcroForm /Fields` reading every `/V` alone; and cse-pdf's read + score
  (what ingest does before stamping);
- `cse-pdf ingest` of all N into a fresh SQLite database, for each worker count, with a stamped copy of
  every form and without (`--no-stamp`), each in a child process of its own: wall time, per file,
  forms per second, peak memory of the ingest process and of its largest worker.

Targets (issue 5): read + score at most 1/3 of get_fields; the whole ingest per form no slower than
get_fields; peak memory for 10,000 forms at most 1.2x that for 1,000 (run N=1000 and N=10000).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

FIXED = {"pdfium": 20, "mupdf": 20, "pypdf": 20, "flattened": 4, "not a form": 2, "sent twice": 1}
BASES = 100  # prefilled returns made by the generator; the rest are incremental saves on top of them
NAME_FIELD = {"hillingdon-cse": "client.name", "cse-risk-vulnerability": "child.name"}


def _values(spec, n: int) -> dict:  # type: ignore[no-untyped-def]
    from helpers.forms import fictional_return

    return fictional_return(spec, name=f"Bench Person {n} Fictional", dob=f"{n % 28 + 1:02d}/06/2010",
                            completed="05/03/2024", pick=-(n % 2) - 1, checked=n % 3 == 0)


class Resaver:
    """Another young person's name written into a return by an appended incremental update."""

    def __init__(self, path: Path, field_id: str) -> None:
        from pypdf import PdfReader
        from pypdf.generic import NameObject, TextStringObject

        from cse_pdf.pdf.fields import collect_fields

        self.data = path.read_bytes()
        reader = PdfReader(path)
        node = collect_fields(reader)[field_id].node
        self.number = node.indirect_reference.idnum
        node[NameObject("/V")] = TextStringObject("PLACEHOLDERNAME")
        node.pop("/AP", None)  # no stale picture of the old name: viewers redraw it
        out = io.BytesIO()
        node.write_to_stream(out)
        self.template = out.getvalue()
        self.prev = int(re.findall(rb"startxref\s+(\d+)", self.data)[-1])
        trailer = reader.trailer
        self.size = int(trailer["/Size"])
        self.root = trailer.raw_get("/Root").idnum

    def resave(self, name: str) -> bytes:
        body = self.template.replace(b"PLACEHOLDERNAME", name.encode("ascii"))
        at = len(self.data) + 1
        obj = b"\n%d 0 obj\n%s\nendobj\n" % (self.number, body)
        xref = len(self.data) + len(obj)
        tail = (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                % (self.number, at, self.size, self.root, self.prev, xref))
        return self.data + obj + tail


def build_batch(folder: Path, total: int) -> dict[str, int]:
    """Write the N files; returns how many of each kind."""
    from engines.registry import FILLERS

    from cse_pdf.blank.generate import generate
    from cse_pdf.form.catalog import find_form

    forms = [find_form("hillingdon-cse"), find_form("cse-risk-vulnerability")]
    scale = min(1.0, total / 300)
    kinds = {k: max(1, round(v * scale)) for k, v in FIXED.items()}
    if not shutil.which("qpdf"):
        kinds["flattened"] = 0
    kinds["cse-pdf prefill"] = total - sum(kinds.values())
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    bases: list[tuple[Resaver, str]] = []
    for kind, count in kinds.items():
        for _ in range(count):
            n += 1
            spec = forms[n % 2]
            path = folder / f"{kind.replace(' ', '-')}-{n:05d}.pdf"
            if kind == "cse-pdf prefill" and len(bases) >= BASES:
                resaver, _ = bases[n % len(bases)]
                path.write_bytes(resaver.resave(f"Resaved Person {n} Fictional"))
                continue
            values = _values(spec, n)
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
                shutil.copy(next(folder.glob("pypdf-*.pdf")), path)
            else:
                path.write_bytes(generate(spec, values))
                bases.append((Resaver(path, NAME_FIELD[spec.id]), spec.id))
    return kinds


def _mean_ms(work: Callable[[Path, bytes], None], files: list[Path]) -> float:
    times = []
    for f in files:
        data = f.read_bytes()
        start = time.perf_counter()
        work(f, data)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.mean(times)


def references(folder: Path, sample: int) -> dict[str, float]:
    """Mean ms per form over up to `sample` form files, each reader alone, in this process (the readers
    are bench/read_speed.py's)."""
    from read_speed import cse_read_score, pikepdf_walk, pypdf_get_fields

    kinds: dict[str, list[Path]] = {}
    for f in sorted(folder.glob("*.pdf")):
        if not f.name.startswith("not-a-form"):
            kinds.setdefault(f.name.rsplit("-", 1)[0], []).append(f)
    total = sum(map(len, kinds.values()))
    # every kind in proportion, and at least one of each: a flattened copy is read another way, and slower
    files = [f for group in kinds.values() for f in group[:max(1, round(len(group) * sample / total))]]
    works: dict[str, Callable[[Path, bytes], None]] = {
        "pypdf get_fields ms": lambda f, data: pypdf_get_fields(data),
        "pikepdf walk ms": lambda f, data: pikepdf_walk(data),
        "cse-pdf read+score ms": lambda f, data: cse_read_score(data, f),
    }
    for work in works.values():  # warm: imports, font caches
        work(files[0], files[0].read_bytes())
    flattened = kinds.get("flattened", [])[:len(files)]
    return {"forms timed": len(files), **{name: _mean_ms(work, files) for name, work in works.items()},
            **({"flattened copies alone, read+score ms": _mean_ms(works["cse-pdf read+score ms"], flattened)}
               if flattened else {})}


def _own_peak_mib() -> int:
    """This process's peak resident memory since it started. Not ru_maxrss: Linux carries that over an
    exec from the forking process, so a bench that had just built 10,000 files reported its own size."""
    try:
        status = Path("/proc/self/status").read_text()
        return round(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))) / 1024)
    except (OSError, StopIteration):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def measure(folder: Path, workers: int, work: Path, stamps: bool) -> dict[str, object]:
    """One ingest, in this (child) process: the parent's and the workers' peak memory both count."""
    from cse_pdf.ingest import discover, ingest
    from cse_pdf.store import Store

    files, _ = discover([folder])
    start = time.perf_counter()
    with Store.open(str(work / "db.sqlite3")) as store:
        report = ingest(files, store, work / "out", workers=workers, stamps=stamps)
    wall = time.perf_counter() - start
    return {
        "workers": workers, "stamps": stamps, "files": len(files), "wall_s": round(wall, 2),
        "per_file_ms": round(wall / len(files) * 1000, 1),
        "peak_parent_mib": _own_peak_mib(),
        "peak_worker_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "outcomes": {k: len(report.of(k)) for k in ("ingested", "known", "needs_review", "failed")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=300, help="How many files (default 300).")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep", type=Path, help="Build the batch here (and reuse it if already there).")
    parser.add_argument("--sample", type=int, default=300, help="Forms timed by the reference readers.")
    parser.add_argument("--stamping", choices=["with", "without", "both"], default="both",
                        help="Ingest with stamped copies, without (--no-stamp), or both (default).")
    parser.add_argument("--measure", nargs=4, metavar=("FOLDER", "WORKERS", "WORK", "STAMPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        folder, workers, work, stamps = args.measure
        print(json.dumps(measure(Path(folder), int(workers), Path(work), stamps == "with")))
        return
    root = Path(tempfile.mkdtemp(prefix="cse-pdf-bench-"))
    folder = args.keep or root / "batch"
    if not folder.exists() or not any(folder.glob("*.pdf")):
        start = time.perf_counter()
        kinds = build_batch(folder, args.n)
        print(f"built {args.n} files in {time.perf_counter() - start:.0f} s: "
              + ", ".join(f"{v} {k}" for k, v in kinds.items()), flush=True)
    ref = references(folder, args.sample)
    print("per form, one process: " + "; ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                                for k, v in ref.items()), flush=True)
    base = ref["pypdf get_fields ms"]
    print(f"  read+score / get_fields = {ref['cse-pdf read+score ms'] / base:.2f} (target <= 0.33)", flush=True)
    stampings = {"with": ["with"], "without": ["without"], "both": ["with", "without"]}[args.stamping]
    for workers in args.workers:
        for stamps in stampings:
            work = root / f"run-{workers}-{stamps}"
            child = subprocess.run([sys.executable, __file__, "--measure", str(folder), str(workers), str(work),
                                    stamps], capture_output=True, text=True, check=True)
            r = json.loads(child.stdout)
            how = "" if stamps == "with" else " --no-stamp"
            print(f"ingest --workers {r['workers']}{how}: {r['files']} files in {r['wall_s']} s = "
                  f"{r['per_file_ms']} ms/file, {r['files'] / r['wall_s']:.1f} forms/s "
                  f"({r['per_file_ms'] / base:.2f}x get_fields, target <= 1 with stamping); peak memory "
                  f"{r['peak_parent_mib']} MiB (ingest) / {r['peak_worker_mib']} MiB (largest worker); "
                  f"{r['outcomes']}", flush=True)
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
