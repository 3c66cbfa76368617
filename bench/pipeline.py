"""Time and memory of each stage on the shipped forms and samples (run by hand; not a test).

    python bench/pipeline.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from cse_pdf.assess.score import assess
from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import current_forms
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.pdf"))


def best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    for spec in current_forms():
        print(f"generate {spec.id:<24} {best_of(repeat, lambda: generate(spec)) * 1000:7.1f} ms")
    for path in SAMPLES:
        read_ms = best_of(repeat, lambda: read_form(path)) * 1000
        response = read_form(path)
        score_ms = best_of(repeat, lambda: assess(response.spec, response.values)) * 1000
        stamp_ms = best_of(repeat, lambda: stamp(path)) * 1000
        print(f"{path.name:<24} read {read_ms:6.1f} ms  score {score_ms:5.2f} ms  stamp {stamp_ms:6.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
