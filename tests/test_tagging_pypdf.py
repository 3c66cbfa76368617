"""The blank's structure tree written as pypdf objects (pdf/tagging_pypdf.py) is the tree
`tagging.apply_structure` writes in qpdf's document: saved by qpdf, the two documents are the same bytes,
for every form (widgets, radio groups, tables) and for a small document with every kind of element attribute
and content continued on a later page."""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate

from cse_pdf.blank.layout import render_tagged_pages
from cse_pdf.blank.widgets import build_acroform
from cse_pdf.form.catalog import current_forms
from cse_pdf.form.identity import Identity
from cse_pdf.pdf.pypdf_handoff import pypdf_to_pikepdf
from cse_pdf.pdf.tagging import StructureRecorder, apply_structure, artifact_page
from cse_pdf.pdf.tagging_pypdf import apply_structure_pypdf

STYLE = getSampleStyleSheet()["BodyText"]


def _saved(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _both_ways(make_writer: Callable[[], PdfWriter], recorder: StructureRecorder, title: str) -> tuple[bytes, bytes]:
    """(tree written by qpdf, tree written as pypdf objects), each document saved by qpdf."""
    with pypdf_to_pikepdf(make_writer()) as pdf:
        apply_structure(pdf, recorder, title)
        by_qpdf = _saved(pdf)
    writer = make_writer()
    apply_structure_pypdf(writer, recorder, title)
    with pypdf_to_pikepdf(writer) as pdf:
        return by_qpdf, _saved(pdf)


@pytest.mark.parametrize("spec", current_forms(), ids=lambda spec: spec.id)
def test_a_forms_tree_is_the_same_bytes_written_either_way(spec) -> None:
    pages, placements, recorder = render_tagged_pages(spec)

    def make_writer() -> PdfWriter:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages)))
        build_acroform(writer, spec, placements, Identity(spec.id, spec.version, spec.content_hash, ""))
        return writer

    by_qpdf, by_pypdf = _both_ways(make_writer, recorder, spec.title)
    assert by_pypdf == by_qpdf
    with pikepdf.open(io.BytesIO(by_pypdf)) as pdf:  # the comparison is of a tagged form, not of two empties
        assert len(pdf.Root.StructTreeRoot.ParentTree.Nums) > 2 * len(pdf.pages)


def test_every_element_attribute_and_content_on_a_later_page_are_the_same_bytes_written_either_way() -> None:
    rec = StructureRecorder()
    section = rec.element("Sect", title="Part one")
    story = [rec.tag(Paragraph("Heading", STYLE), "H1", section, actual_text="Heading, read aloud"),
             rec.tag(Paragraph(" ".join(f"word{n}" for n in range(400)), STYLE), "P", section),  # two pages
             rec.tag(Paragraph("A picture", STYLE), "Figure", section, alt="Described"),
             rec.tag(Paragraph("Both", STYLE), "TH", rec.element("TR", rec.element("Table")), scope="Both",
                     column_span=2)]
    rec.element("P")  # nothing drawn: left out both ways
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A6, invariant=True).build(
        story, onFirstPage=artifact_page(lambda c, d: c.drawString(20, 10, "furniture")),
        onLaterPages=artifact_page(lambda c, d: c.drawString(20, 10, "furniture")))

    by_qpdf, by_pypdf = _both_ways(lambda: PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue()))), rec,
                                   "Zoë’s (test) document")
    assert by_pypdf == by_qpdf
    with pikepdf.open(io.BytesIO(by_pypdf)) as pdf:
        assert len(pdf.pages) > 1
        assert str(pdf.Root.Lang) == "en-GB" and pdf.Root.MarkInfo.Marked


def test_a_widget_the_tree_names_but_the_pdf_lacks_is_refused() -> None:
    rec = StructureRecorder()
    rec.form(rec.element("Sect"), "no.such.field")
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A6, invariant=True).build([Paragraph("Text", STYLE)])
    with pytest.raises(ValueError, match="no.such.field"):
        apply_structure_pypdf(PdfWriter(clone_from=PdfReader(io.BytesIO(buf.getvalue()))), rec, "Title")
