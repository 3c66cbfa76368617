"""The Board report is one tagged document a screen reader can follow: the title and sections as headings in
order, each chart a Figure whose alternative text is its data in words, each table's header cells TH with
their /Scope, the rest paragraphs, and the running header and footer artifacts. Checked as Poppler reads it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pikepdf
import pytest
from helpers.structure import page_marks, parse_struct_text, struct_text, structure

from cse_pdf.report.model import TITLE, Report
from cse_pdf.report.render_pdf import chart_words, render_pdf
from cse_pdf.report.tables import FormSection, make_table

pytestmark = pytest.mark.slow  # Poppler and pdf.js read whole documents: seconds each

LONG_LABEL = "Looked after by another local authority and placed here under a private fostering arrangement"


def squash(text: str) -> str:
    """Text without its spaces: Poppler joins a paragraph's wrapped lines with no space between them."""
    return "".join(text.split())


def _report() -> Report:
    placement = make_table("placement", "Placement", [(LONG_LABEL, 40), ("At home", 60), ("Secure", 3),
                                                      ("Other", 50)], 153, True, True)
    many = make_table("agencies", "Referring agency", [(f"Agency {i}", 10 + i) for i in range(14)], 287, False, True,
                      checklist=True)  # a checklist's table: its last row has no percentage
    withheld = make_table("tiny", "Ethnicity", [("A", 2), ("B", 1)], 3, True, True)
    withheld.withheld = True
    busy = FormSection("hillingdon-cse", "Hillingdon CSE", 300, "300", [placement, many, withheld],
                       glance=["300 current assessments.", "Most were at home."])
    empty = FormSection("cse-risk-vulnerability", "Risk and Vulnerability", 0, "0")
    return Report([busy, empty], date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 6))


@pytest.fixture(scope="module")
def report_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "board.pdf"
    path.write_bytes(render_pdf(_report()))
    return path


def test_headings_title_then_forms_then_their_parts_no_level_skipped(report_pdf: Path) -> None:
    document = parse_struct_text(struct_text(report_pdf)).kids[0]
    found = [(n.type, squash(n.text)) for n in document.walk() if n.type in ("H1", "H2", "H3", "H4")]
    assert found == [(level, squash(text)) for level, text in [
        ("H1", TITLE), ("H2", "What this report covers"), ("H2", "About these figures"), ("H2", "Hillingdon CSE"),
        ("H3", "At a glance"), ("H3", "Ethnicity"), ("H2", "Risk and Vulnerability")]]


def test_each_chart_is_a_figure_named_by_its_data_in_words(report_pdf: Path) -> None:
    with pikepdf.open(report_pdf) as pdf:
        figures = structure(pdf).find("Figure")
    assert [f.alt for f in figures] == [chart_words(t) for t in _report().sections[0].tables[:2]]
    table = _report().sections[0].tables[0]
    assert [r.shown for r in table.rows] == ["*", "60", "<5", "50"]
    assert f"{LONG_LABEL}: withheld; At home: 60 (39%); Secure: fewer than 5 (1 to 4, not shown exactly); " \
        "Other: 50 (33%)." in figures[0].alt  # a suppressed count is no more given away in words than in the table
    assert all(f.mcids for f in figures)  # each holds the image drawn


def test_count_tables_have_column_and_row_headers(report_pdf: Path) -> None:
    document = parse_struct_text(struct_text(report_pdf)).kids[0]
    tables = document.find("Table")
    cover, placement = tables[0], tables[1]
    assert [(c.type, c.text, c.attrs) for c in cover.kids[0].kids] == [
        ("TH", "Form", ["/Scope /Column"]), ("TH", "Current assessments", ["/Scope /Column"])]
    assert [c.text for c in placement.kids[0].kids] == ["Placement", "Count", "%"]
    rows = placement.kids[1:]
    assert [squash(r.kids[0].text) for r in rows] == [squash(t) for t in (LONG_LABEL, "At home", "Secure", "Other",
                                                                          "Total")]
    assert all(r.kids[0].type == "TH" and r.kids[0].attrs == ["/Scope /Row"] for r in rows)
    assert all([c.type for c in r.kids[1:]] == ["TD", "TD"] for r in rows)
    for table in tables:  # every row covers every column, or a header would name the wrong cells (15-005)
        assert {len(row.kids) for row in table.kids} == {len(table.kids[0].kids)}


def test_running_header_and_footer_are_artifacts_and_nothing_is_untagged(report_pdf: Path) -> None:
    printed = struct_text(report_pdf)
    assert "Page 1" not in printed and "OFFICIAL" not in printed
    with pikepdf.open(report_pdf) as pdf:
        marks = [page_marks(p) for p in pdf.pages]
        assert len(pdf.pages) >= 3
        assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "en-GB"
        assert b"<pdfuaid:part>1</pdfuaid:part>" in pdf.Root.Metadata.read_bytes()
    assert all(m.artifact > 0 and m.tagged > 0 for m in marks)
    assert {i + 1: m.untagged for i, m in enumerate(marks) if m.untagged} == {}


def test_bulleted_lines_are_list_items(report_pdf: Path) -> None:
    document = parse_struct_text(struct_text(report_pdf)).kids[0]
    lists = document.find("L")
    assert [len(items.kids) for items in lists] == [4, 2]  # "About these figures" (suppressed), "At a glance"
    assert all([k.type for k in item.kids] == ["LBody"] for items in lists for item in items.kids)
    assert squash(lists[1].kids[1].all_text()) == squash("• Most were at home.")
