"""Every font on the pages cse-pdf writes is embedded and maps its glyphs to Unicode (PDF/UA, issue 18).

Checked with Poppler's pdffonts, as a reader without the 14 standard fonts installed would meet them:
the blank forms, a stamped copy's summary page and the Board report.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form
from tests.helpers import report_data as D
from tests.helpers.cli import cse

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("pdffonts") is None and not __import__("os").environ.get("CI"),
                                reason="Poppler's pdffonts is not installed")


def fonts_in(pdf: Path, first: int | None = None, last: int | None = None) -> list[dict[str, str]]:
    """pdffonts' table: one dict per font (name, type, emb, uni)."""
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    out = subprocess.run(["pdffonts", *pages, str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    fonts = []
    for row in rows:  # columns are fixed-width after the name; names have no spaces
        cells = row.split()
        fonts.append({"name": cells[0], "emb": cells[-5], "sub": cells[-4], "uni": cells[-3]})
    return fonts


def assert_all_embedded_and_mapped(fonts: list[dict[str, str]]) -> None:
    assert fonts, "no fonts listed"
    for font in fonts:
        assert font["emb"] == "yes", f"{font['name']} is not embedded"
        assert font["uni"] == "yes", f"{font['name']} has no ToUnicode"


@pytest.mark.parametrize("form", ["hillingdon-cse", "cse-risk-vulnerability"])
def test_blank_page_text_is_liberation_sans_embedded(form: str, tmp_path: Path) -> None:
    pdf = tmp_path / "blank.pdf"
    pdf.write_bytes(generate(find_form(form)))
    fonts = fonts_in(pdf)
    assert_all_embedded_and_mapped(fonts)
    names = {f["name"].split("+")[-1] for f in fonts}
    assert {"LiberationSans", "LiberationSans-Bold"} <= names
    assert not names & {"Helvetica", "Helvetica-Bold"}


@pytest.mark.parametrize("form", ["hillingdon-cse", "cse-risk-vulnerability"])
def test_committed_blank_is_the_one_generated(form: str) -> None:
    assert_all_embedded_and_mapped(fonts_in(REPO / "forms" / f"{form}.pdf"))


def test_summary_page_fonts_are_embedded(tmp_path: Path) -> None:
    stamped = tmp_path / "stamped.pdf"
    done = cse("stamp", REPO / "samples" / "medium-pdfjs.pdf", "-o", stamped)
    assert done.returncode == 0, done.stderr
    assert_all_embedded_and_mapped(fonts_in(stamped, 1, 1))


@pytest.mark.slow
def test_board_report_fonts_are_embedded(tmp_path: Path) -> None:
    db, pdf = tmp_path / "db.sqlite3", tmp_path / "report.pdf"
    D.make_database(db)
    done = cse("report", "--db", db, "--from", "2026-01-01", "--to", "2026-06-30", "-o", pdf)
    assert done.returncode == 0, done.stderr
    assert_all_embedded_and_mapped(fonts_in(pdf))


def _page_words(pdf: Path, first: int) -> list[list[tuple[str, float, float, float]]]:
    """The page content's words (not the fields'): where each starts and ends and its baseline, from page
    `first` (0-based) on. (Not glyph boxes: their height comes from the font's descent, not a position.)"""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        return [[(w["text"], round(w["x0"], 2), round(w["x1"], 2), round(w["chars"][0]["matrix"][5], 2))
                 for w in page.extract_words(return_chars=True)] for page in doc.pages[first:]]


def test_stamped_copy_of_a_return_from_an_older_blank_embeds_its_page_fonts(tmp_path: Path) -> None:
    """samples/ were filled from blanks made before the page fonts were embedded: their pages name Helvetica.
    The stamped copy embeds Liberation Sans in its place with Helvetica's widths: same text, same places.
    (Widget appearances are not page text; cse-pdf's own ticks are paths, no font: test_no_unembedded_fonts.)"""
    import pikepdf

    source = REPO / "samples" / "medium-pdfjs.pdf"
    assert {f["name"] for f in fonts_in(source, 1, 1) if f["emb"] == "no"} >= {"Helvetica"}
    stamped = tmp_path / "stamped.pdf"
    done = cse("stamp", source, "-o", stamped)
    assert done.returncode == 0, done.stderr
    with pikepdf.open(source) as original, pikepdf.open(stamped) as copy:
        summary_pages = len(copy.pages) - len(original.pages)
        for page in copy.pages:
            for name, font in page.Resources.get("/Font", {}).items():
                assert "/FontDescriptor" in font or "/DescendantFonts" in font, f"{name} {font.get('/BaseFont')}"
    assert _page_words(stamped, summary_pages) == _page_words(source, 0)
