"""Every glyph cse-pdf draws copies back as the character it stands for (issue 18, PDF/UA).

Before: an emoji on the summary page copied as U+1F60 instead of U+1F600 (reportlab wrote four hex digits per
character in a subset's /ToUnicode), and a character DejaVu Sans has no glyph for was drawn as .notdef and
copied as U+0000. Now characters past U+FFFF map as UTF-16 pairs, and missing ones are drawn with the font's
replacement glyph, still mapped to themselves (cse_pdf/pdf/mapped_ttf.py).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader

from cse_pdf.form.catalog import find_form
from cse_pdf.pdf.mapped_ttf import to_unicode_cmap
from cse_pdf.stamp.stamped_copy import stamp
from tests.helpers.forms import fictional_return, write_return

# an emoji DejaVu draws, mathematical letters past U+FFFF (one DejaVu has, one it lacks), a CJK extension B
# character no font here has, Chinese (not in DejaVu) and Latin with diacritics. (Arabic is left out: reportlab
# draws it unshaped in typed order, and Poppler's extraction then reverses it as right-to-left text.)
NAME = "Zoë 😀 𝐀𝒜 𠀀 李小龍 Łódź"


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def stamped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    spec = find_form("hillingdon-cse")
    folder = tmp_path_factory.mktemp("glyphs")
    src = write_return(folder / "return.pdf", spec,
                       fictional_return(spec, name=NAME, dob="05/03/2010", completed="01/02/2026"))
    live, flat = folder / "stamped.pdf", folder / "flat.pdf"
    live.write_bytes(stamp(src).pdf)
    flat.write_bytes(stamp(src, flatten_fields=True).pdf)
    return live, flat


def test_subset_cmap_maps_past_the_basic_plane_as_utf16_pairs() -> None:
    cmap = to_unicode_cmap("AAAAAA+X", [0, 0x41, 0x1F600, 0x20000])
    assert "<01> <0041>" in cmap and "<02> <D83DDE00>" in cmap and "<03> <D840DC00>" in cmap
    assert "<00>" not in cmap.split("endcodespacerange")[1]  # an unused code maps to nothing, not U+0000


@pytest.mark.slow
def test_summary_page_name_extracts_as_typed_with_pdfplumber(stamped: tuple[Path, Path]) -> None:
    with pdfplumber.open(stamped[0]) as pdf:
        page = pdf.pages[0]
        text = page.extract_text()
        assert NAME in _one_line(text)
        assert not [c for c in page.chars if c["text"] in ("\x00", "\ufffd")]  # nothing mapped to NUL or �


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="Poppler's pdftotext is not installed")
def test_summary_page_name_extracts_as_typed_with_poppler(stamped: tuple[Path, Path]) -> None:
    text = subprocess.run(["pdftotext", "-l", "1", str(stamped[0]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert NAME in _one_line(text)


@pytest.mark.slow
def test_name_box_drawn_into_a_flattened_copy_extracts_as_typed(stamped: tuple[Path, Path]) -> None:
    """The name box's own appearance (drawn by cse-pdf's Unicode fallback, as the form font cannot) on the
    first form page, once flattened into the page."""
    reader = PdfReader(stamped[1])
    with pdfplumber.open(io.BytesIO(stamped[1].read_bytes())) as pdf:
        pages = [_one_line(p.extract_text()) for p in pdf.pages[1:len(reader.pages)]]
    assert any(NAME in page for page in pages)


def test_the_form_fonts_measuring_face_never_stands_in_for_full_dejavu_sans() -> None:
    """reportlab keeps one font per face name; the form font's subset is also named DejaVuSans. Registered
    first (as filling a form before stamping does), it used to answer for the full font, so Arabic and emoji
    on the summary page and in cse-pdf's fallback appearances were drawn as .notdef. A fresh process, in that
    order."""
    script = ("from reportlab.pdfbase import pdfmetrics\n"
              "from cse_pdf.pdf.form_font import register_for_measuring\n"
              "from cse_pdf.pdf.fonts import UNICODE_FONT, register_unicode_font\n"
              "register_for_measuring(); register_unicode_font()\n"
              "glyphs = pdfmetrics.getFont(UNICODE_FONT).face.charToGlyph\n"
              "print(all(ord(ch) in glyphs for ch in '\u0645\u062d\U0001f600'))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
