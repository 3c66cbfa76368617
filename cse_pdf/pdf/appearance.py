"""Appearance streams: what a widget looks like before a viewer redraws it.

Shipping real appearances (not NeedAppearances) is what makes a form look right
in every viewer, print correctly, and open in Acrobat without a "save changes?"
prompt. Text drawn here uses the form's own embedded font (form_font.py), the
one viewers type with; text it cannot draw (Arabic, Chinese) falls back to an
embedded DejaVu subset, so a prefilled `Zoë Łódź` shows as typed.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import FloatObject, NumberObject
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas as rl_canvas

from cse_pdf.pdf.fonts import UNICODE_FONT, register_unicode_font
from cse_pdf.pdf.form_font import DRAWN_FONT, appearance_resources, can_draw, encode, register_for_measuring
from cse_pdf.pdf.objects import objects_for

Doc = PdfWriter | pikepdf.Pdf  # a blank being built (pypdf), or a return being filled and stamped (qpdf)

FONT_SIZE = 9.0
LEADING = 10.5
PAD = 2.0
SMALLEST_SIZE = 4.0  # a multiline box's text shrinks to fit, down to this, rather than lose its last lines
CHECK = "4"  # ZapfDingbats ✔: the /MK /CA viewers draw a tick box's mark from
DOT = "l"  # ZapfDingbats ●: the /MK /CA viewers draw a radio button's mark from


def _form(doc: Doc, content: bytes, width: float, height: float, resources: Any) -> Any:
    o = objects_for(doc)
    return o.stream(content, {"/Type": o.name("/XObject"), "/Subtype": o.name("/Form"),
                              "/BBox": o.array([o.real(0), o.real(0), o.real(width), o.real(height)]),
                              "/Resources": resources})


def standard_font(doc: Doc, base: str, encoding: str | None = None, name: str | None = None) -> Any:
    """One of the 14 standard fonts, as a form's /DR and appearance streams name it."""
    o = objects_for(doc)
    font = {"/Type": o.name("/Font"), "/Subtype": o.name("/Type1"), "/BaseFont": o.name(base)}
    if encoding:
        font["/Encoding"] = o.name(encoding)
    if name:
        font["/Name"] = o.name(name)
    return o.indirect(o.dictionary(font))


def font_resources(doc: Doc, **fonts: Any) -> Any:
    o = objects_for(doc)
    return o.dictionary({"/Font": o.dictionary({f"/{name}": ref for name, ref in fonts.items()})})


# The on-state marks, drawn as paths (not ZapfDingbats glyphs) so that no appearance names an unembedded font
# (PDF/UA-1, Matterhorn 31-009). Coordinates are in units of the mark's size, from the box's centre: the
# ink extents of the ZapfDingbats "4" (0.78 by 0.72) and "l" (0.72 across) they replace, so a mark is as big
# and sits where it did.
_CHECK_POINTS = ((-0.31, 0.02), (-0.10, -0.29), (0.32, 0.30))  # a stroked check mark, short arm then long
_CHECK_LINE_WIDTH = 0.12
_DOT_RADIUS = 0.36
_KAPPA = 0.5523  # a quarter circle's Bézier control distance, in radii


def _check_mark(cx: float, cy: float, size: float) -> str:
    (x0, y0), *rest = ((cx + dx * size, cy + dy * size) for dx, dy in _CHECK_POINTS)
    lines = " ".join(f"{x:.2f} {y:.2f} l" for x, y in rest)
    return f"q 0 G {_CHECK_LINE_WIDTH * size:.2f} w 1 J 1 j {x0:.2f} {y0:.2f} m {lines} S Q"


def _dot(cx: float, cy: float, size: float) -> str:
    r = _DOT_RADIUS * size
    k = r * _KAPPA
    return (f"q 0 g {cx + r:.2f} {cy:.2f} m "
            f"{cx + r:.2f} {cy + k:.2f} {cx + k:.2f} {cy + r:.2f} {cx:.2f} {cy + r:.2f} c "
            f"{cx - k:.2f} {cy + r:.2f} {cx - r:.2f} {cy + k:.2f} {cx - r:.2f} {cy:.2f} c "
            f"{cx - r:.2f} {cy - k:.2f} {cx - k:.2f} {cy - r:.2f} {cx:.2f} {cy - r:.2f} c "
            f"{cx + k:.2f} {cy - r:.2f} {cx + r:.2f} {cy - k:.2f} {cx + r:.2f} {cy:.2f} c f Q")


def symbol(doc: Doc, mark: str, width: float, height: float) -> Any:
    """A tick (CHECK) or a dot (DOT) centred in the box, in black: the on-state of a checkbox or radio button.
    Drawn as a path with no font in its resources, so every font in the file stays embedded; viewers still
    draw their own ZapfDingbats mark from /DA and /MK /CA when a worker clicks."""
    size = min(width, height) * 0.78
    draw = {CHECK: _check_mark, DOT: _dot}[mark]
    content = draw(width / 2, height / 2, size).encode()
    return _form(doc, content, width, height, objects_for(doc).dictionary({}))


def empty(doc: Doc, width: float, height: float, resources: Any = None, marked: bool = False) -> Any:
    """An off state, or a text field with nothing typed yet."""
    content = b"/Tx BMC\nEMC\n" if marked else b""
    return _form(doc, content, width, height, resources if resources is not None else
                 objects_for(doc).dictionary({}))


def _escape(raw: bytes) -> bytes:
    return re.sub(rb"([\\()])", rb"\\\1", raw)


def wrap_lines(text: str, width: float, font: str, size: float, multiline: bool) -> list[str]:
    """Greedy word wrap for multiline boxes; single-line boxes keep one line, as viewers do."""
    paragraphs = text.split("\n") if multiline else [text.replace("\n", " ")]
    if not multiline:
        return paragraphs
    lines: list[str] = []
    for para in paragraphs:
        words, line = para.split(" "), ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def leading(size: float) -> float:
    return size * LEADING / FONT_SIZE


def fitted_lines(value: str, width: float, height: float, font: str, size: float,
                 multiline: bool) -> tuple[float, list[str]]:
    """The size to draw at and the wrapped lines: a multiline box shrinks its text until every line is inside
    (a stamped copy that cut the last lines off would hide them from whoever reads it); one-line boxes keep
    their size, as viewers do."""
    lines = wrap_lines(value, width - 2 * PAD, font, size, multiline)
    while multiline and size > SMALLEST_SIZE and size + leading(size) * (len(lines) - 1) > height - 2 * PAD:
        size = max(SMALLEST_SIZE, size - 0.5)
        lines = wrap_lines(value, width - 2 * PAD, font, size, multiline)
    return size, lines


def text(doc: Doc, value: str, width: float, height: float, multiline: bool, form_font: Any,
         size: float = FONT_SIZE, winansi_font: Any = None) -> Any:
    """A filled text or combo box showing `value`, drawn with the form's own Unicode font at the widget's own
    size (its /DA), as a viewer draws it. `winansi_font`: see form_font.appearance_resources."""
    if not can_draw(value):
        return _unicode_text(doc, value, width, height, multiline, size)
    size, lines = fitted_lines(value, width, height, register_for_measuring(), size, multiline)
    ops = [b"/Tx BMC", b"q", f"{PAD} {PAD} {width - 2 * PAD:.2f} {height - 2 * PAD:.2f} re W n".encode(),
           b"BT", f"/{DRAWN_FONT} {size:g} Tf 0 g".encode()]
    y = height - PAD - size if multiline else (height - size) / 2 + 2
    ops.append(f"{PAD} {y:.2f} Td".encode())
    for i, line in enumerate(lines):
        if i:
            ops.append(f"0 {-leading(size):g} Td".encode())
        ops.append(encode(line.replace("\r", "")) + b" Tj")
    ops += [b"ET", b"Q", b"EMC"]
    return _form(doc, b"\n".join(ops), width, height, appearance_resources(doc, form_font, winansi_font))


def _unicode_text(doc: Doc, value: str, width: float, height: float, multiline: bool, size: float) -> Any:
    """Draw with an embedded TrueType subset via reportlab, then lift that page into a form XObject."""
    register_unicode_font()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(width, height), invariant=True)
    size, lines = fitted_lines(value, width, height, UNICODE_FONT, size, multiline)
    c.setFont(UNICODE_FONT, size)
    y = height - PAD - size if multiline else (height - size) / 2 + 2
    for line in lines:
        c.drawString(PAD, y, line)
        y -= leading(size)
    c.showPage()
    c.save()
    if isinstance(doc, pikepdf.Pdf):
        with pikepdf.open(io.BytesIO(buf.getvalue())) as drawn:
            page = drawn.pages[0]
            data = page.obj.Contents.read_bytes()
            resources = doc.copy_foreign(drawn.make_indirect(page.obj.Resources))  # (only indirect ones copy)
    else:
        rl_page = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
        data = rl_page.get_contents().get_data()
        resources = rl_page["/Resources"].clone(doc)
    return _form(doc, b"/Tx BMC\nq\n" + data + b"\nQ\nEMC\n", width, height, resources)


def rect_size(widget: Any) -> tuple[float, float]:
    x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    return abs(x1 - x0), abs(y1 - y0)


def number(v: float) -> NumberObject | FloatObject:
    return NumberObject(int(v)) if float(v).is_integer() else FloatObject(round(v, 2))
