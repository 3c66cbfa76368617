"""Tagging the pages must not move a single box.

A flattened ("printed") copy is read by recomputing where every box was with the current code
(returned/printed.py), for every layout version in layouts/ and layouts/archive/, in both the current and the
legacy flow. So every widget rect and every page count must stay exactly as they were before the pages were
tagged: the snapshot in tests/fixtures/layout_positions.json was taken from main's code before tagging.

Remake it (only when a layout change is meant to move boxes, which also changes that layout's version):
    python -m tests.test_tagging_keeps_positions
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from cse_pdf.blank.layout import render_pages
from cse_pdf.form.catalog import layouts_dir
from cse_pdf.form.spec import FormSpec, load_spec

SNAPSHOT = Path(__file__).parent / "fixtures" / "layout_positions.json"


def layout_files() -> list[Path]:
    folder = layouts_dir()
    return sorted(folder.glob("*.yaml")) + sorted((folder / "archive").glob("*.yaml"))


def positions(spec: FormSpec, legacy: bool) -> dict:
    """Page count and every placement, as plain JSON values."""
    pdf, placements = render_pages(spec, legacy)
    return {
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "placements": [[p.field_id, p.kind, p.page, list(p.rect), p.export] for p in placements],
    }


def key(spec: FormSpec, legacy: bool) -> str:
    return f"{spec.id} {spec.version} {spec.content_hash}{' legacy' if legacy else ''}"


def snapshot() -> dict:
    out = {}
    for path in layout_files():
        spec = load_spec(path)
        for legacy in (False, True):
            out[key(spec, legacy)] = positions(spec, legacy)
    return out


CASES = [(path, legacy) for path in layout_files() for legacy in (False, True)]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "legacy"), CASES, ids=[f"{p.stem}{'-legacy' if lg else ''}" for p, lg in CASES])
def test_every_box_and_page_break_stays_where_it_was(path: Path, legacy: bool) -> None:
    spec = load_spec(path)
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert key(spec, legacy) in expected, "a layout version without a snapshot: remake it from main's code"
    assert positions(spec, legacy) == expected[key(spec, legacy)]


def test_snapshot_covers_every_layout_version() -> None:
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert {key(load_spec(p), lg) for p, lg in CASES} <= set(expected)


if __name__ == "__main__":
    lines = []  # one placement a line: a moved box shows as a one-line diff
    for name, layout in sorted(snapshot().items()):
        rows = ",\n   ".join(json.dumps(p) for p in layout["placements"])
        lines.append(f' {json.dumps(name)}: {{"pages": {layout["pages"]}, "placements": [\n   {rows}]}}')
    SNAPSHOT.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
