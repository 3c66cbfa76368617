"""What Firefox ESR's own PDF viewer tells a screen reader about a blank: the structure layer pdf.js builds
beside each page (hidden elements with ARIA roles that own the page's text and its form controls).

Every heading of the layout is a heading there, at its level and in order; every field's control on every
page is owned by a `form` element, and is named by its question (a radio button by the question and its
option): text boxes and lists through aria-label, which pdf.js takes from the Form element's /Alt; radio
buttons and tick boxes through the labelled widget around the control.

Opt-in like the other real-browser tests: CSE_PDF_BROWSERS=1.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest

from cse_pdf.form import blocks
from cse_pdf.form.spec import FormSpec

from .browser_fill import HERE, firefox_path, require_browsers

pytestmark = pytest.mark.slow  # the real Firefox viewer


@pytest.fixture(autouse=True)
def _browsers_ready() -> None:
    require_browsers()


def firefox_structure(path: Path) -> list[dict]:
    proc = subprocess.run(["node", str(HERE / "firefox_structure.mjs"), str(path), str(firefox_path())],
                          capture_output=True, text=True, timeout=240, check=False, cwd=HERE)
    if proc.returncode != 0:
        raise RuntimeError(f"firefox_structure.mjs failed ({proc.returncode}):\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)


def expected_headings(spec: FormSpec) -> list[tuple[int, str]]:
    """The title, each section's title, each heading and subheading (one level below a heading before it in
    its section)."""
    out = [(1, spec.title)]
    for section in spec.sections:
        out.append((2, section.title))
        under_heading = False
        for block in section.blocks:
            if isinstance(block, blocks.Heading):
                under_heading = True
                out.append((3, block.heading))
            elif isinstance(block, blocks.Subheading):
                out.append((4 if under_heading else 3, block.subheading))
    return out


def _squeeze(text: str) -> str:
    return "".join(text.split())


def test_firefox_reads_every_heading_at_its_level_and_every_field_by_its_question(
        each_form: tuple[FormSpec, Path]) -> None:
    spec, path = each_form
    pages = firefox_structure(path)
    headings = [(h["level"], _squeeze(h["text"])) for page in pages for h in page["headings"]]
    assert headings == [(level, _squeeze(text)) for level, text in expected_headings(spec)]
    with pikepdf.open(path) as pdf:
        names = {}
        for page in pdf.pages:
            for widget in page.obj.get("/Annots", []):
                field = widget if "/TU" in widget else widget.get("/Parent")
                names[f"{widget.objgen[0]}R"] = str(field.TU) if field is not None and "/TU" in field else ""
    for page in pages:
        owned = {o["id"]: o for o in page["owned"]}
        assert sorted(owned) == sorted(page["widgets"]), f"page {page['page']}: controls outside the structure"
        for widget_id, o in owned.items():
            assert o["ownerRoles"][0] == "form", f"page {page['page']}: {widget_id} not in a form element"
            assert names[widget_id] and names[widget_id] in (o["label"], o["containerLabel"]), widget_id
