"""Per-form reading time against issue 5's target: read + score at most 1/3 of pypdf's get_fields().

For every samples/*.pdf, the median of N runs (milliseconds, the three taken in turn) of:
  pypdf   `PdfReader(BytesIO(data)).get_fields()`, the yardstick the target is stated against;
  pikepdf a bare walk of /AcroForm /Fields reading every /V, the floor for a qpdf-based reader;
  cse-pdf parse_pdf + read_opened + assess_return, i.e. what ingest spends before stamping.
Files are read into memory first, so disk time is in none of them. Run by hand:

    python bench/read_speed.py [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import pikepdf
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cse_pdf.assess.claims import assess_return  # noqa: E402
from cse_pdf.base.errors import CsePdfError  # noqa: E402
from cse_pdf.returned.read import parse_pdf, read_opened  # noqa: E402


def pypdf_get_fields(data: bytes) -> None:
    PdfReader(io.BytesIO(data)).get_fields()


def pikepdf_walk(data: bytes) -> None:
    """Every field's /V, depth first from /AcroForm /Fields: no names, no decoding, no pages."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        acro = pdf.Root.get("/AcroForm")
        stack = list(acro.get("/Fields", [])) if acro is not None else []
        while stack:
            node = stack.pop()
            node.get("/V")
            kids = node.get("/Kids")
            if kids is not None:
                stack.extend(kids)


def cse_read_score(data: bytes, path: Path) -> None:
    try:
        with parse_pdf(data, path) as opened:
            assess_return(read_opened(opened, path))
    except CsePdfError:
        pass  # a sample that is meant to be refused costs what refusing it costs


def medians_ms(works: list[Callable[[], None]], runs: int) -> list[float]:
    """Median time of each, run in turn (a, b, c, a, b, c …) so that a busy machine slows all alike."""
    for work in works:
        work()  # warm: imports, caches of the layout catalog
    times: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for work, spent in zip(works, times):
            start = time.perf_counter()
            work()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) * 1000 for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"{'sample':32} {'pypdf':>8} {'pikepdf':>8} {'cse-pdf':>8} {'ratio':>6}   (ms, median of {args.runs}; "
          "ratio = cse-pdf / pypdf, target <= 0.33)")
    ratios = []
    for path in sorted((ROOT / "samples").glob("*.pdf")):
        data = path.read_bytes()
        base, walk, ours = medians_ms([lambda: pypdf_get_fields(data), lambda: pikepdf_walk(data),
                                       lambda: cse_read_score(data, path)], args.runs)
        flat = path.name.startswith("flat-")  # no fields: read from page text by pdfplumber, not what issue 5 is about
        if not flat:
            ratios.append(ours / base)
        print(f"{path.name:32} {base:8.2f} {walk:8.2f} {ours:8.2f} {ours / base:6.2f}{'  (flattened)' if flat else ''}")
    print(f"{'median ratio, fillable samples':41} {'':17} {statistics.median(ratios):6.2f}  "
          f"(worst {max(ratios):.2f})")


if __name__ == "__main__":
    main()
