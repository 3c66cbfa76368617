"""The font every form offers viewers for typing: a DejaVu Sans subset, embedded once per form.

A viewer redraws a text field with the font its /DA names. With Helvetica, a name such as
`Zoë Łódź` lost letters in some viewers (pdf.js removed the drawing, Poppler and PDFium then
skipped what Helvetica cannot encode). This font covers Latin, Greek and Cyrillic (see
tools/make_form_font.py). It is a Type0 font with Identity-H encoding, character code = glyph id
(/CIDToGIDMap /Identity), and a /ToUnicode for every glyph: the one shape that every engine's
appearance writer handles — pdf.js, PDFium and pypdf (without fonttools) invert /ToUnicode,
Poppler and pypdf (with fonttools) look glyph ids up in the font's own cmap — and text
extraction reads back what was typed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pikepdf
from pypdf import PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

from cse_pdf.pdf.fonts import FONT_DIR
from cse_pdf.pdf.objects import Objects, objects_for

FORM_FONT = "CseSans"  # the resource name in /DR and /DA
FONT_FILE = FONT_DIR / "DejaVuSans-Forms.ttf"
BASE_FONT = "DejaVuSans"


@lru_cache(maxsize=None)
def _metrics() -> TTFontFile:
    return TTFontFile(str(FONT_FILE))


@lru_cache(maxsize=None)
def covered() -> frozenset[int]:
    """Code points the form font can draw (BMP only, as CID = Unicode needs)."""
    return frozenset(c for c in _metrics().charToGlyph if 0x20 <= c <= 0xFFFD)


def can_draw(text: str) -> bool:
    chars = covered()
    return all(ord(ch) in chars for ch in text if ch not in "\r\n")


@lru_cache(maxsize=None)
def register_for_measuring() -> str:
    """Register with reportlab for stringWidth (word wrap), under the resource name."""
    pdfmetrics.registerFont(TTFont(FORM_FONT, str(FONT_FILE)))
    return FORM_FONT


def encode(text: str) -> bytes:
    """A PDF hex string of the text's codes: two bytes per character, its glyph id."""
    gids = _metrics().charToGlyph
    return b"<" + b"".join(b"%04X" % gids[ord(ch)] for ch in text) + b">"


@lru_cache(maxsize=None)
def _glyph_to_unicode() -> dict[int, int]:
    """Each glyph's code point; where several share a glyph (space, no-break space) the lowest."""
    out: dict[int, int] = {}
    for code, gid in sorted(_metrics().charToGlyph.items(), reverse=True):
        if code in covered():
            out[gid] = code
    return dict(sorted(out.items()))


def _widths(m: TTFontFile, o: Objects) -> Any:
    """/W as runs of consecutive glyph ids: `first [w1 w2 ...]`."""
    out: list[Any] = []
    run_start, run = None, []
    for gid, code in _glyph_to_unicode().items():
        width = round(m.charWidths.get(code, m.defaultWidth))
        if run_start is not None and gid == run_start + len(run):
            run.append(width)
            continue
        if run_start is not None:
            out += [o.integer(run_start), o.array([o.integer(w) for w in run])]
        run_start, run = gid, [width]
    if run_start is not None:
        out += [o.integer(run_start), o.array([o.integer(w) for w in run])]
    return o.array(out)


def _to_unicode() -> bytes:
    entries = [f"<{gid:04X}> <{code:04X}>" for gid, code in _glyph_to_unicode().items()]
    body = []
    for i in range(0, len(entries), 100):
        chunk = entries[i:i + 100]
        body += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
        *body, "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]).encode()


def add_form_font(doc: PdfWriter | pikepdf.Pdf) -> Any:
    """Embed the font in `doc` and return its Type0 font dictionary, for /DR and appearances."""
    m = _metrics()
    o = objects_for(doc)
    data = FONT_FILE.read_bytes()
    descriptor = o.indirect(o.dictionary({
        "/Type": o.name("/FontDescriptor"),
        "/FontName": o.name(f"/{BASE_FONT}"),
        "/Flags": o.integer(32),  # nonsymbolic: Latin text
        "/FontBBox": o.array([o.integer(round(v)) for v in m.bbox]),
        "/ItalicAngle": o.integer(0),
        "/Ascent": o.integer(round(m.ascent)),
        "/Descent": o.integer(round(m.descent)),
        "/CapHeight": o.integer(round(m.capHeight)),
        "/StemV": o.integer(m.stemV),
        "/FontFile2": o.stream(data, {"/Length1": o.integer(len(data))}, flate=True),
    }))
    cid_font = o.indirect(o.dictionary({
        "/Type": o.name("/Font"),
        "/Subtype": o.name("/CIDFontType2"),
        "/BaseFont": o.name(f"/{BASE_FONT}"),
        "/CIDSystemInfo": o.dictionary({
            "/Registry": o.text("Adobe"),
            "/Ordering": o.text("Identity"),
            "/Supplement": o.integer(0)}),
        "/FontDescriptor": descriptor,
        "/DW": o.integer(round(m.defaultWidth)),
        "/W": _widths(m, o),
        "/CIDToGIDMap": o.name("/Identity"),
    }))
    return o.indirect(o.dictionary({
        "/Type": o.name("/Font"),
        "/Subtype": o.name("/Type0"),
        "/BaseFont": o.name(f"/{BASE_FONT}"),
        "/Encoding": o.name("/Identity-H"),
        "/DescendantFonts": o.array([cid_font]),
        "/ToUnicode": o.stream(_to_unicode(), {}, flate=True),
    }))
