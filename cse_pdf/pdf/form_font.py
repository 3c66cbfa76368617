"""The font every form offers viewers for typing: a DejaVu Sans subset, embedded once per form.

A viewer redraws a text field with the font its /DA names. With Helvetica, a name such as
`Zoë Łódź` lost letters in some viewers (pdf.js removed the drawing, Poppler and PDFium then
skipped what Helvetica cannot encode). This font covers Latin, Greek and Cyrillic (see
tools/make_form_font.py). It is a Type0 font with Identity-H encoding, character code = glyph id
(/CIDToGIDMap /Identity), and a /ToUnicode for every glyph: the one shape that every engine's
appearance writer handles — pdf.js, PDFium and pypdf (without fonttools) invert /ToUnicode,
Poppler and pypdf (with fonttools) look glyph ids up in the font's own cmap — and text
extraction reads back what was typed.

Partner agencies' own tools cannot type with that font: pdftk-java 3.3.2 has no Type0 path (it writes a zero
byte per character) and qpdf's --generate-appearances picks its encoder from a simple font's /Encoding name
(else ASCII, one byte per character into a two-byte font).
So fields whose every possible value WinAnsi holds (dates, drop-downs whose options are all WinAnsi) name the
same face as a simple TrueType font, WinAnsi-encoded with /Widths (`WINANSI_FORM_FONT`), which those tools and
every viewer type with. Free text keeps the Type0 font: a simple font would cost the viewers Łódź, Greek and
Cyrillic (measured: pdf.js and Poppler then drop them), which a name field cannot give up.

Free text still gets qpdf's drawing right for WinAnsi text, because the programs look the /DA font name up in
different places: qpdf in the field's appearance stream's resources first, pdf.js in the field's own /DR first
(both read in their sources). So in a free-text box
`/CseSans` names the WinAnsi font in the appearance's resources (`appearance_resources`: qpdf encodes for it)
and the Unicode font in the field's /DR (`field_resources`) and the form's /DR. Measured, not assumed: PDFium,
pdf.js, MuPDF, Poppler, pypdf and the real Chromium and Firefox still type Łódź as before
(tests/test_visibility.py, tests/engines, tests/browsers), and qpdf draws WinAnsi text as typed.
cse-pdf's own drawings select the Unicode font by another name, `DRAWN_FONT`. pdftk-java 3.3.2 reads the
field's /DR too but has no Type0 path; the font there is a direct dictionary, which pdftk does not take for a
document font, so it draws with its own Helvetica (WinAnsi text as typed, other letters left out; the README
tells agencies about need_appearances).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pikepdf
from pypdf import PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

from cse_pdf.pdf.fields import MAX_DEPTH
from cse_pdf.pdf.fonts import FONT_DIR, register_unicode_font
from cse_pdf.pdf.objects import Objects, objects_for

FORM_FONT = "CseSans"  # the resource name in /DR and /DA
WINANSI_FORM_FONT = "CseSansWin"  # the same face as a simple WinAnsi font, for fields whose values WinAnsi holds
DRAWN_FONT = "CseSansU"  # the Unicode font as cse-pdf's own text appearances select it (see the module's notes)
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
    """Register with reportlab for stringWidth (word wrap), under the resource name.

    reportlab keeps one font object per face name, and this subset's face is named DejaVuSans: registered first,
    it would also answer for the full DejaVu Sans (fonts.UNICODE_FONT), which the summary page and the fallback
    for text this font cannot draw (Arabic, Chinese) then drew with, losing those glyphs. The full font goes
    first, and this name measures with it: the subset's glyphs have the same widths."""
    register_unicode_font()
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


@lru_cache(maxsize=None)
def _width_runs() -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Runs of consecutive glyph ids and their widths: the same for every form, worked out once."""
    m = _metrics()
    runs: list[tuple[int, list[int]]] = []
    for gid, code in _glyph_to_unicode().items():
        width = round(m.charWidths.get(code, m.defaultWidth))
        if runs and gid == runs[-1][0] + len(runs[-1][1]):
            runs[-1][1].append(width)
        else:
            runs.append((gid, [width]))
    return tuple((start, tuple(widths)) for start, widths in runs)


def _widths(o: Objects) -> Any:
    """/W as runs of consecutive glyph ids: `first [w1 w2 ...]`."""
    out: list[Any] = []
    for start, widths in _width_runs():
        out += [o.integer(start), o.array([o.integer(w) for w in widths])]
    return o.array(out)


@lru_cache(maxsize=None)
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


def _descriptor(o: Objects, font_file: Any) -> Any:
    m = _metrics()
    return o.indirect(o.dictionary({
        "/Type": o.name("/FontDescriptor"),
        "/FontName": o.name(f"/{BASE_FONT}"),
        "/Flags": o.integer(32),  # nonsymbolic: Latin text
        "/FontBBox": o.array([o.integer(round(v)) for v in m.bbox]),
        "/ItalicAngle": o.integer(0),
        "/Ascent": o.integer(round(m.ascent)),
        "/Descent": o.integer(round(m.descent)),
        "/CapHeight": o.integer(round(m.capHeight)),
        "/StemV": o.integer(m.stemV),
        "/FontFile2": font_file,
    }))


@lru_cache(maxsize=None)
def _font_bytes() -> bytes:
    """The font file, read once (the same bytes object each time, so compressing it is looked up by a hash
    already known)."""
    return FONT_FILE.read_bytes()


def _font_file(o: Objects) -> Any:
    data = _font_bytes()
    return o.stream(data, {"/Length1": o.integer(len(data))}, flate=True)


@lru_cache(maxsize=None)
def _winansi() -> dict[int, str]:
    """Code → character of WinAnsiEncoding (cp1252), printable codes only (cached: asked once per drop-down
    option while generating; callers only read it)."""
    out = {}
    for code in range(32, 256):
        try:
            out[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return out


def winansi_can_encode(text: str) -> bool:
    """Whether the WinAnsi form font (and every tool typing with it) can draw all of `text`."""
    chars = _winansi_drawable()
    return all(ch in chars for ch in text)


@lru_cache(maxsize=None)
def _winansi_drawable() -> frozenset[str]:
    """The WinAnsi characters the embedded font has a glyph for."""
    return frozenset(ch for ch in _winansi().values() if ord(ch) in covered())


def add_form_fonts(doc: PdfWriter | pikepdf.Pdf) -> tuple[Any, Any]:
    """Embed the font once in `doc`; return its Type0 dictionary (free text, appearances) and its WinAnsi
    simple-font dictionary (dates, drop-downs), both on the same embedded font file."""
    o = objects_for(doc)
    font_file = _font_file(o)
    return add_form_font(doc, font_file), _add_winansi_font(o, font_file)


@lru_cache(maxsize=None)
def _winansi_widths_and_to_unicode() -> tuple[tuple[int, ...], bytes]:
    """The simple font's /Widths (codes 32 to 255) and /ToUnicode: the same for every form, worked out once."""
    m = _metrics()
    codes = _winansi()
    widths = tuple(round(m.charWidths.get(ord(codes[c]), m.defaultWidth)) if c in codes else 0
                   for c in range(32, 256))
    to_unicode = [f"<{code:02X}> <{ord(ch):04X}>" for code, ch in codes.items()]
    body = []
    for i in range(0, len(to_unicode), 100):
        chunk = to_unicode[i:i + 100]
        body += [f"{len(chunk)} beginbfchar", *chunk, "endbfchar"]
    cmap = "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<00> <FF>", "endcodespacerange",
        *body, "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]).encode()
    return widths, cmap


def _add_winansi_font(o: Objects, font_file: Any) -> Any:
    widths, cmap = _winansi_widths_and_to_unicode()
    return o.indirect(o.dictionary({
        "/Type": o.name("/Font"),
        "/Subtype": o.name("/TrueType"),
        "/BaseFont": o.name(f"/{BASE_FONT}"),
        "/Encoding": o.name("/WinAnsiEncoding"),
        "/FirstChar": o.integer(32),
        "/LastChar": o.integer(255),
        "/Widths": o.array([o.integer(w) for w in widths]),
        "/FontDescriptor": _descriptor(o, font_file),
        "/ToUnicode": o.stream(cmap, {}, flate=True),
    }))


def add_form_font(doc: PdfWriter | pikepdf.Pdf, font_file: Any = None) -> Any:
    """Embed the font in `doc` (or use `font_file`, already embedded) and return its Type0 font dictionary, for
    /DR and appearances."""
    m = _metrics()
    o = objects_for(doc)
    descriptor = _descriptor(o, font_file if font_file is not None else _font_file(o))
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
        "/W": _widths(o),
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


def appearance_resources(doc: PdfWriter | pikepdf.Pdf, unicode_font: Any, winansi_font: Any = None) -> Any:
    """A free-text box's appearance resources: cse-pdf draws with `DRAWN_FONT` (the Unicode font), and the /DA's
    `/CseSans` is the WinAnsi font, which qpdf's --generate-appearances finds here first and can encode for.

    Only for a widget whose field also has `field_resources` (else pdf.js would type with the WinAnsi font
    too): without `winansi_font` (a return of an older blank) `/CseSans` stays the Unicode font, as it was."""
    o = objects_for(doc)
    return o.dictionary({"/Font": o.dictionary({
        f"/{FORM_FONT}": winansi_font if winansi_font is not None else unicode_font,
        f"/{DRAWN_FONT}": unicode_font})})


def field_resources(doc: PdfWriter | pikepdf.Pdf, unicode_font: Any) -> Any:
    """A free-text field's own /DR, naming `/CseSans` the Unicode font: pdf.js and pypdf read it before the
    appearance's resources, so they keep typing Łódź with the Unicode font. One shared indirect object.

    The font dictionary is a direct copy of the form's (its parts shared): pdftk-java 3.3.2 reads the field's
    /DR too, and only an indirect font there becomes its (Type0-blind) document font; a direct one leaves it on
    its own Helvetica, WinAnsi, which draws a name such as Zoë Núñez."""
    o = objects_for(doc)
    return o.indirect(o.dictionary({"/Font": o.dictionary({f"/{FORM_FONT}": o.direct_copy(unicode_font)})}))


def has_field_resources(widget: Any) -> bool:
    """Whether the widget (or a field above it) names `/CseSans` in its own /DR: then its appearance's
    `/CseSans` may be the WinAnsi font (`appearance_resources`)."""
    node = widget
    for _ in range(MAX_DEPTH):  # a /Parent loop in a hostile file ends here, as fields.py's look-ups do
        if node is None:
            return False
        dr = node.get("/DR")
        if dr is not None and f"/{FORM_FONT}" in (dr.get("/Font") or {}):
            return True
        node = node.get("/Parent")
    return False
