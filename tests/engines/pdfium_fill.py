"""Fill an AcroForm through PDFium (Chrome/Edge's engine) the way a person does.

Values go in through PDFium's form-fill layer (mouse clicks, typed characters,
option selection), never by writing /V directly, so the saved file shows what
Chrome-family viewers really store. Page load/close hooks
(FORM_OnAfterLoadPage / FORM_OnBeforeClosePage) are called by pypdfium2's
``PdfDocument.get_page`` / ``PdfPage.close`` once ``init_forms()`` has run.
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as c
from pypdf import PdfReader

Value = str | bool | None
KINDS = {
    c.FPDF_FORMFIELD_TEXTFIELD: "text",
    c.FPDF_FORMFIELD_CHECKBOX: "checkbox",
    c.FPDF_FORMFIELD_RADIOBUTTON: "radio",
    c.FPDF_FORMFIELD_COMBOBOX: "combo",
    c.FPDF_FORMFIELD_LISTBOX: "list",
}


@dataclass
class Widget:
    """One widget annotation: where it is and which field it belongs to."""

    page: int
    index: int
    name: str
    kind: str
    export: str
    centre: tuple[float, float]


def _wide(call: Callable[[ctypes.Array[ctypes.c_ushort] | None, int], int]) -> str:
    """Run a PDFium 'fill UTF-16LE buffer, return byte length' getter twice."""
    size = call(None, 0)
    if size <= 2:
        return ""
    buf = (c.FPDF_WCHAR * (size // 2))()
    call(buf, size)
    return bytes(buf).decode("utf-16-le").rstrip("\x00")


def _widgets(pdf: pdfium.PdfDocument, pages: list[pdfium.PdfPage]) -> list[Widget]:
    """Every widget of every page with its fully qualified field name and type."""
    form = pdf.formenv.raw
    out = []
    for p, page in enumerate(pages):
        for i in range(c.FPDFPage_GetAnnotCount(page.raw)):
            annot = c.FPDFPage_GetAnnot(page.raw, i)
            try:
                if c.FPDFAnnot_GetSubtype(annot) != c.FPDF_ANNOT_WIDGET:
                    continue
                kind = KINDS.get(c.FPDFAnnot_GetFormFieldType(form, annot), "other")
                name = _wide(lambda b, n: c.FPDFAnnot_GetFormFieldName(form, annot, b, n))
                export = _wide(lambda b, n: c.FPDFAnnot_GetFormFieldExportValue(form, annot, b, n))
                r = c.FS_RECTF()
                c.FPDFAnnot_GetRect(annot, r)
                centre = ((r.left + r.right) / 2, (r.top + r.bottom) / 2)
                out.append(Widget(p, i, name, kind, export, centre))
            finally:
                c.FPDFPage_CloseAnnot(annot)
    return out


def _option_exports(data: bytes) -> dict[str, list[str]]:
    """Export values of choice options by field name.

    PDFium's public API exposes only option labels, so /Opt is read with pypdf.
    """
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    out = {}
    for name, field in fields.items():
        opts = field.get("/Opt") or field.get("/_States_") or []
        out[name] = [str(o[0] if isinstance(o, list) else o) for o in opts]
    return out


class _Filler:
    """Drive one open document's form-fill environment."""

    def __init__(self, pdf: pdfium.PdfDocument, pages: list[pdfium.PdfPage]) -> None:
        self.form = pdf.formenv.raw
        self.pages = pages

    def click(self, w: Widget) -> None:
        page, (x, y) = self.pages[w.page].raw, w.centre
        c.FORM_OnMouseMove(self.form, page, 0, x, y)
        c.FORM_OnLButtonDown(self.form, page, 0, x, y)
        c.FORM_OnLButtonUp(self.form, page, 0, x, y)

    def checked(self, w: Widget) -> bool:
        annot = c.FPDFPage_GetAnnot(self.pages[w.page].raw, w.index)
        try:
            return bool(c.FPDFAnnot_IsChecked(self.form, annot))
        finally:
            c.FPDFPage_CloseAnnot(annot)

    def type_text(self, w: Widget, text: str) -> None:
        """Click, select all, then type each UTF-16 code unit; empty text deletes."""
        page = self.pages[w.page].raw
        self.click(w)
        c.FORM_SelectAllText(self.form, page)
        if not text:
            c.FORM_OnKeyDown(self.form, page, c.FWL_VKEY_Delete, 0)
            c.FORM_OnKeyUp(self.form, page, c.FWL_VKEY_Delete, 0)
        typed = text.replace("\r\n", "\r").replace("\n", "\r").encode("utf-16-le")
        for k in range(0, len(typed), 2):
            c.FORM_OnChar(self.form, page, int.from_bytes(typed[k:k + 2], "little"), 0)
        c.FORM_ForceToKillFocus(self.form)

    def select(self, w: Widget, index: int) -> None:
        """Focus the choice field and pick one option, as the dropdown does."""
        page = self.pages[w.page].raw
        annot = c.FPDFPage_GetAnnot(page, w.index)
        try:
            if not c.FORM_SetFocusedAnnot(self.form, annot):
                raise RuntimeError(f"PDFium could not focus {w.name!r}")
        finally:
            c.FPDFPage_CloseAnnot(annot)
        if not c.FORM_SetIndexSelected(self.form, page, index, True):
            raise RuntimeError(f"PDFium refused option {index} of {w.name!r}")
        c.FORM_ForceToKillFocus(self.form)

    def labels(self, w: Widget) -> list[str]:
        annot = c.FPDFPage_GetAnnot(self.pages[w.page].raw, w.index)
        try:
            return [_wide(lambda b, n: c.FPDFAnnot_GetOptionLabel(self.form, annot, i, b, n))
                    for i in range(c.FPDFAnnot_GetOptionCount(self.form, annot))]
        finally:
            c.FPDFPage_CloseAnnot(annot)


def _plan(widgets: list[Widget], values: dict[str, Value],
          exports: dict[str, list[str]], filler: _Filler) -> list[Callable[[], None]]:
    """Check every requested name/value before touching anything; return the actions."""
    by_name: dict[str, list[Widget]] = {}
    for w in widgets:
        by_name.setdefault(w.name, []).append(w)
    actions: list[Callable[[], None]] = []
    for name, value in values.items():
        group = by_name.get(name)
        if not group:
            raise KeyError(f"no form field named {name!r}; have {sorted(by_name)}")
        w = group[0]
        if w.kind == "text":
            if not isinstance(value, (str, type(None))):
                raise TypeError(f"text field {name!r} needs a str, got {value!r}")
            actions.append(lambda w=w, v=value or "": filler.type_text(w, v))
        elif w.kind == "checkbox":
            if not isinstance(value, (bool, type(None))):
                raise TypeError(f"checkbox {name!r} needs a bool, got {value!r}")
            actions.append(lambda w=w, v=bool(value): None if filler.checked(w) == v
                           else filler.click(w))
        elif w.kind == "radio":
            kid = next((k for k in group if k.export == value), None)
            if kid is None:
                raise ValueError(f"radio {name!r} has no option {value!r}; "
                                 f"have {[k.export for k in group]}")
            actions.append(lambda k=kid: None if filler.checked(k) else filler.click(k))
        elif w.kind in ("combo", "list"):
            labels = filler.labels(w)
            codes = exports.get(name) or labels
            match = [i for i, (e, lab) in enumerate(zip(codes, labels)) if value in (e, lab)]
            if not match:
                raise ValueError(f"{w.kind} {name!r} has no option {value!r}; "
                                 f"have {list(zip(codes, labels))}")
            actions.append(lambda w=w, i=match[0]: filler.select(w, i))
        else:
            raise ValueError(f"field {name!r} is of unsupported kind {w.kind!r}")
    return actions


def fill_with_pdfium(src: Path, dst: Path, values: dict[str, Value]) -> None:
    """Fill ``src`` with ``values`` (by fully qualified name) via PDFium; save to ``dst``.

    Text: str (None/"" clears). Checkbox: bool. Radio: the kid's export value /
    on-state name. Combo/list: an option's export value or label.
    """
    data = Path(src).read_bytes()  # from bytes, so dst may equal src
    pdf = pdfium.PdfDocument(data)
    try:
        pdf.init_forms()  # must precede page loading
        if not pdf.formenv:
            raise ValueError(f"{src} has no AcroForm")
        pages = [pdf[i] for i in range(len(pdf))]
        filler = _Filler(pdf, pages)
        for action in _plan(_widgets(pdf, pages), values, _option_exports(data), filler):
            action()
        c.FORM_ForceToKillFocus(pdf.formenv.raw)
        for page in pages:
            page.close()  # FORM_OnBeforeClosePage
        pdf.save(dst)
    finally:
        pdf.close()
