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

import zlib
from functools import lru_cache

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

from .fonts import FONT_DIR

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


def _stream(writer: PdfWriter, data: bytes, **entries: object) -> IndirectObject:
    stream = StreamObject()
    stream._data = zlib.compress(data, 9)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = value
    return writer._add_object(stream)


@lru_cache(maxsize=None)
def _glyph_to_unicode() -> dict[int, int]:
    """Each glyph's code point; where several share a glyph (space, no-break space) the lowest."""
    out: dict[int, int] = {}
    for code, gid in sorted(_metrics().charToGlyph.items(), reverse=True):
        if code in covered():
            out[gid] = code
    return dict(sorted(out.items()))


def _widths(m: TTFontFile) -> ArrayObject:
    """/W as runs of consecutive glyph ids: `first [w1 w2 ...]`."""
    out = ArrayObject()
    run_start, run = None, ArrayObject()
    for gid, code in _glyph_to_unicode().items():
        width = NumberObject(round(m.charWidths.get(code, m.defaultWidth)))
        if run_start is not None and gid == run_start + len(run):
            run.append(width)
            continue
        if run_start is not None:
            out += [NumberObject(run_start), run]
        run_start, run = gid, ArrayObject([width])
    if run_start is not None:
        out += [NumberObject(run_start), run]
    return out


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


def add_form_font(writer: PdfWriter) -> IndirectObject:
    """Embed the font in `writer` and return its Type0 font dictionary, for /DR and appearances."""
    m = _metrics()
    data = FONT_FILE.read_bytes()
    descriptor = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/FontDescriptor"),
        NameObject("/FontName"): NameObject(f"/{BASE_FONT}"),
        NameObject("/Flags"): NumberObject(32),  # nonsymbolic: Latin text
        NameObject("/FontBBox"): ArrayObject([NumberObject(round(v)) for v in m.bbox]),
        NameObject("/ItalicAngle"): NumberObject(0),
        NameObject("/Ascent"): NumberObject(round(m.ascent)),
        NameObject("/Descent"): NumberObject(round(m.descent)),
        NameObject("/CapHeight"): NumberObject(round(m.capHeight)),
        NameObject("/StemV"): NumberObject(m.stemV),
        NameObject("/FontFile2"): _stream(writer, data, Length1=NumberObject(len(data))),
    }))
    cid_font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/CIDFontType2"),
        NameObject("/BaseFont"): NameObject(f"/{BASE_FONT}"),
        NameObject("/CIDSystemInfo"): DictionaryObject({
            NameObject("/Registry"): TextStringObject("Adobe"),
            NameObject("/Ordering"): TextStringObject("Identity"),
            NameObject("/Supplement"): NumberObject(0)}),
        NameObject("/FontDescriptor"): descriptor,
        NameObject("/DW"): NumberObject(round(m.defaultWidth)),
        NameObject("/W"): _widths(m),
        NameObject("/CIDToGIDMap"): NameObject("/Identity"),
    }))
    return writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type0"),
        NameObject("/BaseFont"): NameObject(f"/{BASE_FONT}"),
        NameObject("/Encoding"): NameObject("/Identity-H"),
        NameObject("/DescendantFonts"): ArrayObject([cid_font]),
        NameObject("/ToUnicode"): _stream(writer, _to_unicode()),
    }))
