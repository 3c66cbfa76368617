"""Fill an AcroForm through MuPDF (PyMuPDF widgets), as MuPDF-based viewers do.

PyMuPDF is AGPL: it is used only here, in tests and to make samples, never by cse-pdf itself.
"""

from __future__ import annotations

from pathlib import Path


def fill_with_mupdf(src: Path, dst: Path, values: dict[str, str | bool | None], scripts: bool = False) -> None:
    """Text: str; checkbox: bool; radio: the kid's on-state; combo: export value.

    `scripts`: run the form's JavaScript as a MuPDF viewer with JS does (calculate actions, before saving)."""
    import pymupdf

    doc = pymupdf.open(src)
    if scripts:
        pymupdf.mupdf.pdf_enable_js(pymupdf._as_pdf_document(doc))
    remaining = dict(values)
    for page in doc:
        for widget in page.widgets():
            name = widget.field_name
            if name not in values:
                continue
            value = values[name]
            if widget.field_type == pymupdf.PDF_WIDGET_TYPE_RADIOBUTTON:
                on = widget.on_state()
                widget.field_value = on if value == on else False
                if value != on:
                    continue
            elif widget.field_type == pymupdf.PDF_WIDGET_TYPE_CHECKBOX:
                widget.field_value = widget.on_state() if value else "Off"
            else:
                widget.field_value = "" if value is None else value
            widget.update()
            remaining.pop(name, None)
    missing = [k for k, v in remaining.items() if v not in (None, False)]
    if missing:
        raise KeyError(f"no widget found (or no option matched) for {missing}")
    if scripts:  # as the viewer does after a change: calculate, then redraw what changed
        pymupdf.mupdf.pdf_calculate_form(pymupdf._as_pdf_document(doc))
        for page in doc:
            pymupdf.mupdf.pdf_update_page(pymupdf._as_pdf_page(page))
    doc.save(dst, garbage=0)
