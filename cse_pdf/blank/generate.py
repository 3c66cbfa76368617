"""FormSpec → a fillable, tagged PDF (blank, or prefilled), the same bytes every time.

The pages come from reportlab with their structure recorded (layout.py), the fields are added with pypdf
(widgets.py), and the structure tree is written last, where every widget exists to be referenced from its Form
element (pdf/tagging.py, in qpdf's document, as for stamped copies and the Board report). pypdf's document
reaches qpdf through pdf/pypdf_handoff.py, not pypdf's writer: the same objects, in a third of the time. qpdf
fills a prefilled copy and saves."""

from __future__ import annotations

import io
from typing import Any, Mapping

import pikepdf
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from cse_pdf.blank.layout import render_tagged_pages
from cse_pdf.blank.widgets import build_acroform
from cse_pdf.form.identity import Identity
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.fill import as_option_values, check_values, fill
from cse_pdf.pdf.pypdf_handoff import pypdf_to_pikepdf
from cse_pdf.pdf.tagging import apply_structure


def generate(spec: FormSpec, values: Mapping[str, Any] | None = None, instance: str = "") -> bytes:
    """The form as PDF bytes. Deterministic for the same spec, values and instance."""
    if values:
        values = as_option_values(spec, values)
        check_values(spec, values)
    pages, placements, structure = render_tagged_pages(spec)
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
    with pypdf_to_pikepdf(writer) as pdf:
        apply_structure(pdf, structure, spec.title)
        if values:
            fill(pdf, spec, values)
        out = io.BytesIO()
        # object streams: the structure tree is hundreds of small dictionaries (the blank stays smaller than
        # it was untagged)
        pdf.save(out, deterministic_id=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
