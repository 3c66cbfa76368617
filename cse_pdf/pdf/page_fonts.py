"""The page text font of blank forms: Liberation Sans, embedded, measured as Helvetica.

PDF/UA (and any reader without Helvetica installed) needs every font embedded; the 14 standard fonts are
not. Liberation Sans (SIL OFL, fonts/LICENSE-Liberation.txt) is Helvetica's metric twin, to 0.25/1000 em for
all but five WinAnsi characters. It is registered here with exactly the widths reportlab measured for
Helvetica, so every line wraps, every page breaks and every widget lands exactly where it did: a printed copy
is read by recomputing its layout's field rects with today's code (returned/printed.py), and a blank made
before this font must still read. Characters Helvetica draws from reportlab's Symbol or ZapfDingbats
substitutes, or not at all, keep the width they were measured with then, for the same reason; Liberation
now draws them (a Board layout's `Łódź` used to print as a ZapfDingbats glyph).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus.tables import CellStyle

from cse_pdf.pdf.mapped_ttf import UnicodeMappedTTFont

FONT_DIR = Path(__file__).parent / "fonts"
PAGE_FONT = "CsePageSans"
PAGE_BOLD = "CsePageSans-Bold"
_FACES = ((PAGE_FONT, "LiberationSans-Regular.ttf", "Helvetica"),
          (PAGE_BOLD, "LiberationSans-Bold.ttf", "Helvetica-Bold"))
_UNKNOWN = "\ue000"  # a private-use character no font here has: how wide Helvetica measured the undrawable


def _measured_as(font: UnicodeMappedTTFont, standard: str) -> UnicodeMappedTTFont:
    """Give `font` the advance widths reportlab measures for `standard`, for every character it has."""
    face = font.face
    face.charWidths = {code: pdfmetrics.stringWidth(chr(code), standard, 1000)
                       for code in face.charToGlyph if code >= 0x20}
    face.defaultWidth = pdfmetrics.stringWidth(_UNKNOWN, standard, 1000)
    return font


@lru_cache(maxsize=None)
def register_page_fonts() -> tuple[str, str]:
    """Register both faces (once per process) and <b> between them; returns (regular, bold) names."""
    for name, filename, standard in _FACES:
        font = UnicodeMappedTTFont(name, str(FONT_DIR / filename), fit_replacement=False)
        pdfmetrics.registerFont(_measured_as(font, standard))
    for italic in (False, True):  # no italic face: <i> stays upright rather than fall back to Helvetica-Oblique
        addMapping(PAGE_FONT, 0, italic, PAGE_FONT)
        addMapping(PAGE_FONT, 1, italic, PAGE_BOLD)
    # reportlab starts every canvas page with its default font selected, and a Table selects its cells' font before
    # drawing each cell, even one holding a Paragraph with its own: left at reportlab's Helvetica, an unembedded
    # font would be named on every page. The same default for every PDF cse-pdf writes, whichever is made first
    # in a process, so output stays the same bytes.
    rl_config.canvas_basefontname = PAGE_FONT
    CellStyle.fontname = PAGE_FONT
    return PAGE_FONT, PAGE_BOLD
