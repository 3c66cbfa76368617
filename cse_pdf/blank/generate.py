"""FormSpec → a fillable PDF (blank, or prefilled), the same bytes every time."""

from __future__ import annotations

import io
from typing import Any, Mapping

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from cse_pdf.blank.layout import render_pages
from cse_pdf.blank.widgets import build_acroform
from cse_pdf.form.identity import Identity
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.fill import as_option_values, check_values, fill_bytes


def generate(spec: FormSpec, values: Mapping[str, Any] | None = None, instance: str = "") -> bytes:
    """The form as PDF bytes. Deterministic for the same spec, values and instance."""
    if values:
        values = as_option_values(spec, values)
        check_values(spec, values)
    pages, placements = render_pages(spec)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages)))
    identity = Identity(spec.id, spec.version, spec.content_hash, instance)
    build_acroform(writer, spec, placements, identity)
    writer.add_metadata({
        "/Title": spec.title,
        "/Author": spec.issuer,
        "/Subject": f"cse-pdf form {spec.id} version {spec.version}",
        "/Creator": "cse-pdf",
        "/Producer": "cse-pdf (reportlab, pypdf)",
    })
    writer._info.get_object()[NameObject("/CsePdfIdentity")] = TextStringObject(identity.encode())
    out = io.BytesIO()
    writer.write(out)
    return fill_bytes(out.getvalue(), spec, values) if values else out.getvalue()
