"""Fill a form with pypdf's public form API, the way its documentation shows (as a program would)."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter

from cse_pdf.returned.read import read_form


def fill_with_pypdf(src: Path, dst: Path, values: dict) -> None:
    writer = PdfWriter(clone_from=PdfReader(src))
    fields = read_form(src).spec.field_map
    pdf_values = {}
    for fid, v in values.items():
        kind = fields[fid].type
        if kind == "checkbox":
            pdf_values[fid] = "/Yes" if v else "/Off"
        elif kind == "radio":
            pdf_values[fid] = "/" + v
        else:
            pdf_values[fid] = v
    for page in writer.pages:
        writer.update_page_form_field_values(page, pdf_values, auto_regenerate=False)
    with open(dst, "wb") as fh:
        writer.write(fh)
