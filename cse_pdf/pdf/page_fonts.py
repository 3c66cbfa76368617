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

import zlib
from functools import lru_cache
from pathlib import Path

import pikepdf
from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFile
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


# Pages of blanks made before cse-pdf embedded its page fonts name Helvetica (unembedded, WinAnsi-encoded):
# a stamped copy of such a return embeds Liberation Sans in its place, with Helvetica's widths, so every glyph
# stays where it was drawn.
_STANDARD_TO_FILE = {"/Helvetica": "LiberationSans-Regular.ttf", "/Helvetica-Bold": "LiberationSans-Bold.ttf"}


def _winansi_unicode() -> list[int]:
    """Code (0-255) → Unicode code point of WinAnsiEncoding (cp1252); 0 where it has none."""
    out = []
    for code in range(256):
        try:
            out.append(ord(bytes([code]).decode("cp1252")) if code >= 32 else 0)
        except UnicodeDecodeError:
            out.append(0)
    return out


@lru_cache(maxsize=None)
def _winansi_subset(filename: str) -> tuple[bytes, str, tuple[float, ...], tuple[int, ...]]:
    """A subset of the font whose code c draws the glyph of WinAnsi's character c; its face name, bbox and
    the descriptor numbers (ascent, descent, cap height, stem)."""
    font = TTFontFile(str(FONT_DIR / filename))
    data = font.makeSubset(_winansi_unicode())
    return (data, font.name.decode("latin-1"), tuple(font.bbox),
            (round(font.ascent), round(font.descent), round(font.capHeight), font.stemV))


def _to_unicode(codes: list[int]) -> bytes:
    entries = [f"<{i:02X}> <{u:04X}>" for i, u in enumerate(codes) if u]
    body: list[str] = []
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        body += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join(["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                      "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
                      "1 begincodespacerange", "<00> <FF>", "endcodespacerange", *body, "endcmap",
                      "CMapName currentdict /CMap defineresource pop", "end", "end"]).encode()


def embed_standard_page_fonts(pdf: pikepdf.Pdf) -> int:
    """Give every page font that is unembedded WinAnsi Helvetica or Helvetica-Bold an embedded Liberation Sans
    program, in place (so every page and form naming it gets it), keeping Helvetica's widths. Returns how many
    fonts were changed. Anything else (another encoding, a font already embedded) is left as it is."""
    standard_widths = {"/Helvetica": pdfmetrics.getFont("Helvetica").widths,
                       "/Helvetica-Bold": pdfmetrics.getFont("Helvetica-Bold").widths}
    changed: dict[tuple[int, int], None] = {}
    embedded: dict[str, pikepdf.Object] = {}
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(fonts, pikepdf.Dictionary):  # none, or not what a page's fonts are (a broken return)
            continue
        for _, font in fonts.items():
            if not (isinstance(font, pikepdf.Dictionary) and font.is_indirect and font.objgen not in changed
                    and font.get("/Subtype") == "/Type1" and str(font.get("/BaseFont")) in _STANDARD_TO_FILE
                    and font.get("/Encoding") == "/WinAnsiEncoding" and "/FontDescriptor" not in font):
                continue
            base = str(font.BaseFont)
            if base not in embedded:
                data, face, bbox, (ascent, descent, cap_height, stem) = _winansi_subset(_STANDARD_TO_FILE[base])
                program = pdf.make_stream(zlib.compress(data, 9), Filter=pikepdf.Name.FlateDecode, Length1=len(data))
                embedded[base] = pdf.make_indirect(pikepdf.Dictionary(
                    Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name(f"/CSEPDF+{face}"),
                    Flags=4, FontBBox=[round(v) for v in bbox], ItalicAngle=0, Ascent=ascent, Descent=descent,
                    CapHeight=cap_height, StemV=stem, FontFile2=program))
            descriptor = embedded[base]
            font.Subtype = pikepdf.Name.TrueType
            font.BaseFont = descriptor.FontName
            del font["/Encoding"]  # symbolic: code c is glyph c of the subset, which is WinAnsi's character c
            font.FirstChar, font.LastChar = 0, 255
            font.Widths = pikepdf.Array(standard_widths[base][:256])
            font.FontDescriptor = descriptor
            font.ToUnicode = pdf.make_stream(_to_unicode(_winansi_unicode()))
            changed[font.objgen] = None
    return len(changed)
