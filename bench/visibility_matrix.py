"""Engine × renderer: is every value filled in each real engine drawn where it belongs? (run by hand)

    python bench/visibility_matrix.py [--out /tmp/visibility]

For both forms: fill every field in each engine (ticks on, last options, "Zoë Łódź" and a
multiline with "Ngozi Okonkwo-Ødegård"; then again with ticks off and first options), render blank and filled with Poppler (pdftoppm) and
PDFium (forms drawn), and count values with new ink in their own widget (tests/engines/visibility.py).
Then the things ink alone does not catch: marks where none belong, Latin text drawn narrower
than cse-pdf draws it (letters dropped or overprinted), characters Poppler found no font for,
dropdowns drawn as their export code. Last, "محمد 李小龍" in one text field per engine.

Crops of every flagged widget (blank | filled) go under OUT/<form>/<engine>-<renderer>/, and
one overview sheet per form (a row per cell) to look at: OUT/<form>-overview.png,
OUT/<form>-arabic-chinese.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))

from engines import visibility as vis  # noqa: E402
from engines.registry import FILLERS, NAMES  # noqa: E402
from helpers.forms import every_answer  # noqa: E402

from cse_pdf.blank.generate import generate  # noqa: E402
from cse_pdf.form.catalog import current_forms  # noqa: E402
from cse_pdf.pdf.fill import fill_bytes as cse_fill  # noqa: E402

ENGINES = {NAMES[engine]: filler for engine, filler in FILLERS.items()}  # by display name
RENDERERS = {"poppler": "Poppler (pdftoppm)", "pdfium": "PDFium (forms drawn)"}
ARABIC_CHINESE = "محمد 李小龍"
COMPLETE = 0.86  # drawn width / cse-pdf's own: complete Latin text 0.9-1.05, a dropped letter <= 0.82
LABEL = 0.5  # a dropdown narrower than this × the label's width shows its export code


def cse_reference(blank: Path, dst: Path, spec, values: dict) -> Path:
    dst.write_bytes(cse_fill(blank.read_bytes(), spec, values))
    return dst


def overview(rows: list[tuple[str, Path, str]], blank: Path, spec, keys: list[str], dst: Path, dpi: int = 150) -> None:
    """One row per (label, file, renderer): the widgets `keys` cropped side by side."""
    where = {(p.field_id if p.kind != "radio" else f"{p.field_id}={p.export}"): p for p in vis.placements(spec)}
    strips = []
    for label, pdf, renderer in [("blank", blank, r) for r in vis.RENDERERS] + rows:
        pages = vis.render(pdf, renderer, dpi)
        crops = []
        for k in keys:
            p = where[k]
            x0, y0, x1, y1 = p.rect
            crops.append(vis.crop(pages[p.page], (x0, y0, min(x1, x0 + 230), y1), -3))
        h = max(c.shape[0] for c in crops)
        crops = [np.pad(c, ((0, h - c.shape[0]), (0, 10)), constant_values=200) for c in crops]
        tag = Image.new("L", (150, h), 255)
        ImageDraw.Draw(tag).text((3, 3), f"{label}\n{renderer}", fill=0)
        strips.append(np.hstack([np.asarray(tag)] + crops))
    width = max(s.shape[1] for s in strips)
    sheet = np.vstack([np.pad(s, ((0, 4), (0, width - s.shape[1])), constant_values=150) for s in strips])
    dst.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(sheet).save(dst)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/visibility"))
    args = ap.parse_args()
    out: Path = args.out

    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    second_counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    invisible: list[str] = []
    ghosts: list[str] = []
    narrow: dict[tuple[str, str], list[str]] = defaultdict(list)
    codes: dict[tuple[str, str], list[str]] = defaultdict(list)
    no_font: dict[str, set[str]] = defaultdict(set)
    arabic: dict[tuple[str, str, str], int] = {}
    arabic_no_font: dict[tuple[str, str], str] = {}
    saved: list[Path] = []
    started = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for spec in current_forms():
            blank = tmp / f"{spec.id}.pdf"
            blank.write_bytes(generate(spec))
            answers = every_answer(spec, checked=True, pick=-1)
            second = every_answer(spec, checked=False, pick=0)  # no ticks: any tick drawn is a ghost
            reference = cse_reference(blank, tmp / f"{spec.id}-cse.pdf", spec, answers)
            text_field = next(f.id for f in spec.fields if f.type == "text")
            arabic_values = {text_field: ARABIC_CHINESE}
            arabic_reference = cse_reference(blank, tmp / f"{spec.id}-cse-ar.pdf", spec, arabic_values)
            sheet_rows, arabic_rows = [("cse-pdf", reference, r) for r in vis.RENDERERS], []
            arabic_rows = [("cse-pdf", arabic_reference, r) for r in vis.RENDERERS]
            for engine, fill in ENGINES.items():
                start = time.perf_counter()
                filled = tmp / f"{spec.id}-{engine}.pdf"
                try:
                    fill(blank, filled, answers)
                except Exception as exc:  # noqa: BLE001 - a missing harness is a row, not a crash
                    print(f"  {spec.id:<24} {engine:<8} FILL FAILED: {exc}", file=sys.stderr)
                    continue
                dropped = vis.missing_glyphs(filled)
                if dropped:
                    no_font[engine].update(dropped)
                for renderer in vis.RENDERERS:
                    cell = (engine, renderer)
                    shown = vis.visible_fields(blank, filled, spec, answers, renderer)
                    counts[cell][0] += sum(shown.values())
                    counts[cell][1] += len(shown)
                    flagged = [fid for fid, ok in shown.items() if not ok]
                    invisible += [f"{spec.id} {engine} × {renderer}: {fid}" for fid in flagged]
                    ghost = vis.ghost_marks(blank, filled, spec, answers, renderer)
                    ghosts += [f"{spec.id} {engine} × {renderer}: {key}" for key in ghost]
                    flagged += ghost
                    ratios = vis.width_ratios(blank, filled, reference, spec, renderer)
                    for fid, r in sorted(ratios.items(), key=lambda kv: kv[1]):
                        kind = spec.field_map[fid].type
                        if kind == "dropdown" and r < LABEL:
                            codes[cell].append(f"{fid} {r:.2f}")
                            flagged.append(fid)
                        elif kind != "dropdown" and r < COMPLETE:
                            narrow[cell].append(f"{fid} {r:.2f}")
                            flagged.append(fid)
                    if flagged:
                        saved += vis.save_crops(blank, filled, spec, flagged[:6], renderer,
                                                out / spec.id / f"{engine}-{renderer}")
                    sheet_rows.append((engine, filled, renderer))

                ar = tmp / f"{spec.id}-{engine}-ar.pdf"
                fill(blank, ar, arabic_values)
                arabic_no_font[(spec.id, engine)] = "".join(vis.missing_glyphs(ar))
                for renderer in vis.RENDERERS:
                    ink = next(w.ink for w in vis.widget_ink(blank, ar, spec, arabic_values, renderer)
                               if w.field_id == text_field)
                    arabic[(spec.id, engine, renderer)] = ink
                    arabic_rows.append((engine, ar, renderer))
                unticked = tmp / f"{spec.id}-{engine}-unticked.pdf"
                fill(blank, unticked, second)
                for renderer in vis.RENDERERS:
                    shown = vis.visible_fields(blank, unticked, spec, second, renderer)
                    second_counts[(engine, renderer)][0] += sum(shown.values())
                    second_counts[(engine, renderer)][1] += len(shown)
                    invisible += [f"{spec.id} {engine} × {renderer} (unticked pass): {fid}"
                                  for fid, ok in shown.items() if not ok]
                    ghost = vis.ghost_marks(blank, unticked, spec, second, renderer)
                    ghosts += [f"{spec.id} {engine} × {renderer} (unticked pass): {key}" for key in ghost]
                    if ghost:
                        saved += vis.save_crops(blank, unticked, spec, ghost[:6], renderer,
                                                out / spec.id / f"{engine}-{renderer}-unticked")
                print(f"  {spec.id:<24} {engine:<8} {time.perf_counter() - start:5.2f} s", file=sys.stderr)

            keys = [next(f.id for f in spec.fields if f.type == t) for t in ("text", "multiline", "dropdown", "checkbox")]
            radio = next(f for f in spec.fields if f.type == "radio")
            keys.append(f"{radio.id}={answers[radio.id]}")
            overview(sheet_rows, blank, spec, keys, out / f"{spec.id}-overview.png")
            overview(arabic_rows, blank, spec, [text_field], out / f"{spec.id}-arabic-chinese.png")
            saved += [out / f"{spec.id}-overview.png", out / f"{spec.id}-arabic-chinese.png"]

    forms = ", ".join(s.id for s in current_forms())
    print(f"Values drawn in their own widget (new ink vs the blank), both forms ({forms}):")
    print(f"{'engine':<10}" + "".join(f"{name:>24}" for name in RENDERERS.values())
          + "   | ticks off, first options:" + "".join(f"{r:>12}" for r in RENDERERS))
    for engine in ENGINES:
        cells = []
        for table, w in ((counts, 24), (second_counts, 12)):
            for renderer in RENDERERS:
                ok, total = table[(engine, renderer)]
                cells.append((f"{'✓' if ok == total else '✗'} {ok}/{total}" if total else "not run").rjust(w))
            if table is counts:
                cells.append(" " * 29)
        print(f"{engine:<10}" + "".join(cells))
    print()
    print("Invisible values:", "none" if not invisible else "")
    for line in invisible:
        print("  ", line)
    print("Ghost marks (ticks on unticked boxes, dots on unchosen radio kids):", "none" if not ghosts else "")
    for line in ghosts:
        print("  ", line)

    print()
    print(f"Visible but incomplete — Latin text drawn narrower than cse-pdf draws it (< {COMPLETE}):")
    for engine in ENGINES:
        for renderer in RENDERERS:
            items = narrow.get((engine, renderer))
            if items:
                print(f"   {engine} × {renderer}: {len(items)} fields, e.g. {', '.join(items[:3])}")
    if not narrow:
        print("   none")
    print("Characters Poppler found no font for (it left them out):",
          "; ".join(f"{e}: {' '.join(sorted(c))}" for e, c in no_font.items()) or "none")
    print(f"Dropdowns drawn as the export code, not the label (< {LABEL} × label width):")
    for engine in ENGINES:
        for renderer in RENDERERS:
            items = codes.get((engine, renderer))
            if items:
                print(f"   {engine} × {renderer}: {', '.join(items)}")
    if not codes:
        print("   none")

    print()
    print(f"'{ARABIC_CHINESE}' in the first text field: new-ink pixels (visible >= {vis.MIN_INK}).")
    print("Ink is not the right glyphs: look at the -arabic-chinese.png sheets ('?', tofu, unjoined Arabic).")
    specs = [s.id for s in current_forms()]
    columns = [f"{sid} × {r}" for sid in specs for r in RENDERERS]
    width = max(len(c) for c in columns) + 2
    print(f"{'engine':<10}" + "".join(c.rjust(width) for c in columns) + "   Poppler: no font for")
    for engine in ENGINES:
        row = ""
        for sid in specs:
            for renderer in RENDERERS:
                ink = arabic.get((sid, engine, renderer))
                row += ("-" if ink is None else f"{'ink' if ink >= vis.MIN_INK else 'NOTHING'} ({ink})").rjust(width)
        print(f"{engine:<10}{row}   {arabic_no_font.get((specs[0], engine)) or '-'}")

    print()
    print(f"Images under {out}/ (crops: blank | filled):")
    by_dir: dict[Path, int] = defaultdict(int)
    for path in set(saved):
        by_dir[path.parent] += 1
    for path in sorted(p for p in set(saved) if p.parent == out):
        print("  ", path)
    for folder, n in sorted(by_dir.items()):
        if folder != out:
            print(f"   {folder}/  ({n} crops)")
    print(f"({time.perf_counter() - started:.1f} s)")
    return 1 if invisible or ghosts else 0


if __name__ == "__main__":
    sys.exit(main())
