"""The hand-over from pypdf to qpdf (pdf/pypdf_handoff.py) gives qpdf exactly the document pypdf's own
writer would have: saved by qpdf, the two are the same bytes."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    ByteStringObject,
    ContentStream,
    DictionaryObject,
    FloatObject,
    NameObject,
    NullObject,
    NumberObject,
    TextStringObject,
)

from cse_pdf.blank.layout import render_tagged_pages
from cse_pdf.blank.widgets import build_acroform
from cse_pdf.form.catalog import current_forms
from cse_pdf.form.identity import Identity
from cse_pdf.pdf.pypdf_handoff import pypdf_to_pikepdf


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _by_pypdf_writer(writer: PdfWriter) -> bytes:
    written = io.BytesIO()
    writer.write(written)
    with pikepdf.open(io.BytesIO(written.getvalue())) as pdf:
        return _saved(pdf)


def _by_handoff(writer: PdfWriter) -> bytes:
    with pypdf_to_pikepdf(writer) as pdf:
        return _saved(pdf)


@pytest.mark.parametrize("spec", current_forms(), ids=lambda spec: spec.id)
def test_a_form_with_its_fields_reaches_qpdf_as_pypdf_would_write_it(spec):
    pages, placements, _ = render_tagged_pages(spec)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages)))
    build_acroform(writer, spec, placements, Identity(spec.id, spec.version, spec.content_hash, "an-instance"))
    writer.add_metadata({"/Title": "Zoë’s form (draft) <1>"})
    assert _by_handoff(writer) == _by_pypdf_writer(writer)


def test_every_kind_of_object_and_awkward_spelling_reaches_qpdf_as_pypdf_would_write_it():
    writer = PdfWriter()
    page = writer.add_blank_page(200, 100)
    drawing = ContentStream(None, None)
    drawing.set_data(b"0 0 m 10 10 l S")  # a ContentStream is spelled by pypdf itself, the fallback
    page[NameObject("/Contents")] = writer._add_object(drawing)
    page[NameObject("/CsePdfOdd")] = DictionaryObject({  # in the page, and the page itself, both spelled here
        NameObject("/A B#(x)/é"): ArrayObject([NullObject(), BooleanObject(True), BooleanObject(False),
                                                NumberObject(-7), FloatObject("0.125"), FloatObject(12),
                                                FloatObject(-0.0), FloatObject(0.1), FloatObject(0.1),
                                                FloatObject(1234.56789), FloatObject(1e-7)]),
        NameObject("/Text"): TextStringObject("plain ( \\ ) and Łódź 😀"),
        NameObject("/Bytes"): ByteStringObject(b"\x00\xff()\\"),
        NameObject("/%private%"): NumberObject(1),
    })
    assert _by_handoff(writer) == _by_pypdf_writer(writer)
    with pypdf_to_pikepdf(writer) as pdf:
        odd = pdf.pages[0].obj.CsePdfOdd
        assert str(odd.Text) == "plain ( \\ ) and Łódź 😀"
        assert bytes(odd.Bytes) == b"\x00\xff()\\"
        assert "/%private%" not in odd
        assert pdf.pages[0].Contents.read_bytes() == b"0 0 m 10 10 l S"
