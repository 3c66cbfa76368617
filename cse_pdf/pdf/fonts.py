"""The Unicode TrueType font shipped with cse-pdf (DejaVu Sans, free licence), and how reportlab embeds fonts.

The 14 standard PDF fonts cannot draw names like `Zoë Łódź` or Arabic and
Chinese names, so anything that prints form contents embeds this font.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.pdfbase import pdfmetrics

from cse_pdf.pdf.mapped_ttf import UnicodeMappedTTFont
from cse_pdf.pdf.page_fonts import FONT_DIR, register_page_fonts

__all__ = ["FONT_DIR", "UNICODE_BOLD", "UNICODE_FONT", "register_unicode_font"]

UNICODE_FONT = "DejaVuSans"
UNICODE_BOLD = "DejaVuSans-Bold"


@lru_cache(maxsize=None)
def register_unicode_font() -> None:
    register_page_fonts()  # reportlab's defaults then name an embedded font, not Helvetica
    pdfmetrics.registerFont(UnicodeMappedTTFont(UNICODE_FONT, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(UnicodeMappedTTFont(UNICODE_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(UNICODE_FONT, normal=UNICODE_FONT, bold=UNICODE_BOLD)
