"""Blank-form generation time, for issue 18's "keep generation within 1.5x today's time".

For every current form, the best of N runs of `generate(spec)` in process CPU seconds (the first run, which
loads fonts and layouts, is not counted): best-of, because the machine is shared and anything else running
only ever adds time. Also each blank's size and sha256 prefix, so that a speed change that should not alter
output can be seen not to. Compare two trees back to back, e.g. this one and an older checkout:

    python bench/generate.py [--runs 7] [--prefilled] [--tree /path/to/older/checkout]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def fictional_answers(spec: Any) -> dict[str, Any]:
    """Every field answered (checkboxes ticked, the first option picked, made-up text): a prefilled copy."""
    values: dict[str, Any] = {}
    for field in spec.fields:
        if field.type == "checkbox":
            values[field.id] = True
        elif field.type in ("radio", "dropdown"):
            values[field.id] = field.options[0].value
        elif field.type == "date":
            values[field.id] = "05/03/2024"
        else:
            values[field.id] = "Alex Example"
    return values


def best_cpu_seconds(generate: Callable[..., bytes], spec: Any, values: dict[str, Any] | None,
                     runs: int) -> tuple[float, bytes]:
    pdf = generate(spec, values)  # warm
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        pdf = generate(spec, values)
        best = min(best, time.process_time() - started)
    return best, pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--prefilled", action="store_true", help="time prefilled copies too")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose cse_pdf is timed")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve()))
    from cse_pdf.blank.generate import generate
    from cse_pdf.form.catalog import current_forms

    for spec in current_forms():
        kinds = [("blank", None)] + ([("prefilled", fictional_answers(spec))] if args.prefilled else [])
        for kind, values in kinds:
            seconds, pdf = best_cpu_seconds(generate, spec, values, args.runs)
            print(f"{spec.id:28} {kind:9} {seconds:.3f} s  {len(pdf):7} bytes  "
                  f"sha256 {hashlib.sha256(pdf).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
