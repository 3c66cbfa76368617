"""pdf/tagging.py on a small reportlab document of its own, as any cse-pdf document would use it: a paragraph
split over two pages stays one element, a table heading repeated on the next page is read once, page furniture
and table rules are artifacts, and a widget the tree names but the PDF lacks is refused."""

from __future__ import annotations

import io

import pikepdf
import pytest
from reportlab.lib.pagesizes import A6
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle

from cse_pdf.pdf.tagging import StructureRecorder, TaggedTable, apply_structure, artifact_page
from tests.helpers.tagged_pdf import kids_of, page_marks, role, struct_elements

STYLE = getSampleStyleSheet()["BodyText"]
LONG = " ".join(f"word{n}" for n in range(400))


def build(recorder: StructureRecorder, story: list) -> pikepdf.Pdf:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A6, invariant=True)

    def furniture(canvas, doc_) -> None:  # type: ignore[no-untyped-def]
        canvas.drawString(20, 10, f"Page {doc_.page}")

    doc.build(story, onFirstPage=artifact_page(furniture), onLaterPages=artifact_page(furniture))
    pdf = pikepdf.open(io.BytesIO(buf.getvalue()))
    apply_structure(pdf, recorder, "A test document")
    return pdf


def test_a_paragraph_split_over_pages_is_one_element_with_content_on_each() -> None:
    rec = StructureRecorder()
    pdf = build(rec, [rec.tag(Paragraph("Heading", STYLE), "H1"), rec.tag(Paragraph(LONG, STYLE), "P")])
    assert len(pdf.pages) > 1
    (paragraph,) = [e for e, _ in struct_elements(pdf) if role(e) == "P"]
    pages = {k.Pg.objgen if isinstance(k, pikepdf.Dictionary) else paragraph.Pg.objgen for k in kids_of(paragraph)}
    assert pages == {p.obj.objgen for p in pdf.pages}
    assert all(page_marks(p).untagged == [] for p in pdf.pages)


def test_a_repeated_table_heading_is_read_once_and_rules_are_artifacts() -> None:
    rec = StructureRecorder()
    table = rec.element("Table")
    head = rec.element("TR", table)
    rows = [[rec.mark(Paragraph("Name", STYLE), rec.element("TH", head, scope="Column"))]]
    for n in range(40):
        rows.append([rec.mark(Paragraph(f"Row {n}", STYLE), rec.element("TD", rec.element("TR", table)))])
    t = TaggedTable(rows, repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("BACKGROUND", (0, 0), (-1, 0), "grey")]))
    pdf = build(rec, [Spacer(0, 10), t])
    assert len(pdf.pages) > 1
    (header,) = [e for e, _ in struct_elements(pdf) if role(e) == "TH"]
    assert len(kids_of(header)) == 1 and str(header.A.Scope) == "/Column"
    assert len([e for e, _ in struct_elements(pdf) if role(e) == "TD"]) == 40
    for page in pdf.pages:
        marks = page_marks(page)
        assert marks.untagged == [] and not marks.unbalanced and marks.tagged_in_artifact == 0


def test_document_level_entries_and_empty_elements_left_out() -> None:
    rec = StructureRecorder()
    rec.element("Sect")  # nothing drawn in it: not written
    pdf = build(rec, [rec.tag(Paragraph("Only text", STYLE), "P")])
    assert [role(e) for e, _ in struct_elements(pdf)] == ["Document", "P"]
    assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
    assert all(p.obj.Tabs == "/S" for p in pdf.pages)
    with pdf.open_metadata() as xmp:
        assert xmp["dc:title"] == "A test document" and xmp["pdfuaid:part"] == "1"


def test_a_widget_the_pdf_lacks_is_refused() -> None:
    rec = StructureRecorder()
    rec.form(None, "no.such.field")
    with pytest.raises(ValueError, match="no.such.field"):
        build(rec, [rec.tag(Paragraph("Text", STYLE), "P")])
