"""Where everything on a blank's pages lands: every widget rect and every run of page text.

Flattened copies are read by recomputing the field rects with today's code, so a font change must move
nothing. `geometry()` is what tests/fixtures/page_geometry_before_i18.json holds, taken from main's code
before issue 18's fonts (tools: `python -m tests.helpers.page_geometry > tests/fixtures/...`).
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pdfplumber

from cse_pdf.blank.layout import render_pages
from cse_pdf.form.spec import load_spec

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "page_geometry_before_i18.json"


def _words(pdf: bytes) -> list[list[list[object]]]:
    """Per page: each word's text, where it starts and ends (its glyphs' advances) and its baseline, to 0.01 pt.
    Baselines, not glyph boxes: a glyph box's height comes from the font's descent, which is not a position."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[[w["text"], round(w["x0"], 2), round(w["x1"], 2), round(w["chars"][0]["matrix"][5], 2),
                  round(w["chars"][0]["size"], 2)]
                 for w in page.extract_words(use_text_flow=True, return_chars=True)]
                for page in doc.pages]


def geometry() -> dict[str, object]:
    """For every layout version, laid out today and as a legacy printed copy: placements and words."""
    out: dict[str, object] = {}
    for path in sorted([*(REPO / "layouts").glob("*.yaml"), *(REPO / "layouts" / "archive").glob("*.yaml")]):
        spec = load_spec(path)
        for legacy in (False, True):
            pdf, placements = render_pages(spec, legacy)
            out[f"{spec.id} v{spec.version}{' legacy' if legacy else ''}"] = {
                "placements": [[p.field_id, p.kind, p.page, [round(v, 3) for v in p.rect], p.export]
                               for p in placements],
                "words": _words(pdf),
            }
    return out


if __name__ == "__main__":
    json.dump(geometry(), sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")
