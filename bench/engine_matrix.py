"""Engine × field type: does every answer filled in each real engine read back exactly? (run by hand)

    python bench/engine_matrix.py

For both forms: fill every field (ticks on, last options, non-Latin text), save, read back; then
change every answer on the saved file (ticks off, first options, Arabic/Chinese text) and read
again. A cell counts fields of that type read back exactly over both passes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from engines.registry import FILLERS, NAMES  # noqa: E402
from helpers.forms import every_answer  # noqa: E402

from cse_pdf.blank.generate import generate  # noqa: E402
from cse_pdf.form.catalog import current_forms  # noqa: E402
from cse_pdf.returned.read import read_form  # noqa: E402

ENGINES = {NAMES[engine]: filler for engine, filler in FILLERS.items()}  # by display name
TYPES = ["text", "multiline", "date", "checkbox", "radio", "dropdown"]


def main() -> int:
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in current_forms():
            blank = Path(tmp) / f"{spec.id}.pdf"
            blank.write_bytes(generate(spec))
            first = every_answer(spec, checked=True, pick=-1)
            second = every_answer(spec, checked=False, pick=0)
            texts = [f.id for f in spec.fields if f.type == "text"]
            second[texts[0]], second[texts[1]] = "Ngozi Okonkwo-Ødegård", "محمد 李小龍"
            for engine, fill in ENGINES.items():
                start = time.perf_counter()
                one, two = Path(tmp) / f"{engine}-1.pdf", Path(tmp) / f"{engine}-2.pdf"
                fill(blank, one, first)
                got_one = read_form(one).values
                fill(one, two, second)
                got_two = read_form(two).values
                for f in spec.fields:
                    for wanted, got in ((first, got_one), (second, got_two)):
                        cell = cells[(engine, f.type)]
                        cell[1] += 1
                        if got[f.id] == wanted[f.id]:
                            cell[0] += 1
                        else:
                            failures.append(f"{spec.id} {engine} {f.id}")
                print(f"  {spec.id:<24} {engine:<8} {time.perf_counter() - start:5.2f} s", file=sys.stderr)
    width = max(len(t) for t in TYPES) + 2
    print("engine    " + "".join(t.rjust(width + 4) for t in TYPES))
    for engine in ENGINES:
        row = []
        for t in TYPES:
            ok, total = cells[(engine, t)]
            row.append(f"{'✓' if ok == total else '✗'} {ok}/{total}".rjust(width + 4))
        print(f"{engine:<10}" + "".join(row))
    for failure in failures:
        print("FAILED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
