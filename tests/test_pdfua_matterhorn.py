"""The machine-checkable failure conditions of the Matterhorn Protocol (PDF/UA-1) that apply to what cse-pdf
writes, one test per checkpoint, the checkpoint's number in the test's name, over every kind of PDF so far.

Not here: checkpoints that need a person (is the tag right for the content, is the alternative text good),
and those for content cse-pdf never writes (figures, notes, links, optional content, embedded files, XFA).
The fonts' checkpoints (31-xxx) belong with the font work of issue 18. The hidden identity field (zero size,
/F hidden) is not content a reader meets and is left out of the structure, as PDF/UA allows for hidden
annotations.
"""

from __future__ import annotations

import io
import re
import tempfile
from datetime import date
from pathlib import Path
from typing import Callable

import pikepdf
import pytest

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form
from cse_pdf.form.spec import FormSpec
from cse_pdf.outreach.agencies import Agency
from cse_pdf.outreach.distribute import blank_copy
from cse_pdf.report.model import Report
from cse_pdf.report.render_pdf import render_pdf
from cse_pdf.report.tables import FormSection, make_table
from cse_pdf.stamp.stamped_copy import stamp
from tests.conftest import FORM_IDS
from tests.helpers.forms import every_answer, qpdf_flatten
from tests.helpers.tagged_pdf import is_hidden, kids_of, page_marks, role, struct_elements, widget_names


def _stamped(spec: FormSpec, flatten_fields: bool = False, printed: bool = False) -> bytes:
    """A fictional return of every answer, stamped: summary pages in front of the form (flattened: its
    widgets drawn into the pages, as for a case file; printed: the return itself "printed to PDF" first)."""
    with tempfile.TemporaryDirectory() as folder:
        returned = Path(folder) / "returned.pdf"
        returned.write_bytes(generate(spec, every_answer(spec)))
        if printed:
            qpdf_flatten(returned, returned.with_name("printed.pdf"))
            returned = returned.with_name("printed.pdf")
        return stamp(returned, flatten_fields=flatten_fields).pdf


def _board_report(spec: FormSpec) -> bytes:
    """A Board report with this form's section: charts beside and below their tables, one withheld."""
    beside = make_table("placement", "Placement", [("At home", 60), ("Secure", 3), ("Other", 50)], 113, True, True)
    below = make_table("agencies", "Referring agency", [(f"Agency {i}", 10 + i) for i in range(14)], 231, True, True)
    withheld = make_table("tiny", "Ethnicity", [("A", 2)], 2, True, True)
    withheld.withheld = True
    section = FormSection(spec.id, spec.title, 231, "231", [beside, below, withheld], glance=["231 assessments."])
    return render_pdf(Report([section], date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 6)))


def _distributed(spec: FormSpec) -> bytes:
    agency = Agency(line=2, name="Northwood Youth Service", address="1 High Street\nUxbridge", contact="01895 000000",
                    email="cse@northwood.example")
    return blank_copy(spec, agency, "northwood-2026-001")


# Every kind of PDF cse-pdf writes that is tagged so far: name → how to make it from a form's spec.
KINDS: dict[str, Callable[[FormSpec], bytes]] = {
    "blank": generate,
    "prefilled": lambda spec: generate(spec, every_answer(spec)),
    "distributed": _distributed,
    "stamped": _stamped,
    "stamped-flattened": lambda spec: _stamped(spec, flatten_fields=True),
    "stamped-printed-return": lambda spec: _stamped(spec, printed=True),
    "board-report": _board_report,
}
CASES = [pytest.param((kind, form), id=f"{kind}-{form}", marks=[] if kind == "blank" else [pytest.mark.slow])
         for kind in KINDS for form in FORM_IDS]

# ISO 32000-1 section 14.8.4 standard structure types: nothing here needs a RoleMap
STANDARD_TYPES = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index", "NonStruct", "Private",
    "H", "H1", "H2", "H3", "H4", "H5", "H6", "P", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD", "THead",
    "TBody", "TFoot", "Span", "Quote", "Note", "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT",
    "RP", "Warichu", "WT", "WP", "Figure", "Formula", "Form",
}

_made: dict[tuple[str, str], bytes] = {}


@pytest.fixture(params=CASES)
def pdf(request: pytest.FixtureRequest) -> pikepdf.Pdf:
    kind, form = request.param
    if (kind, form) not in _made:
        _made[(kind, form)] = KINDS[kind](find_form(form))
    with pikepdf.open(io.BytesIO(_made[(kind, form)])) as opened:
        yield opened


def _parent_tree(pdf: pikepdf.Pdf) -> dict[int, pikepdf.Object]:
    """The ParentTree number tree, flattened."""
    out: dict[int, pikepdf.Object] = {}

    def walk(node: pikepdf.Object) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums), 2):
                out[int(nums[i])] = nums[i + 1]
        for kid in node.get("/Kids", []):
            walk(kid)

    walk(pdf.Root.StructTreeRoot.ParentTree)
    return out


def _visible_widgets(pdf: pikepdf.Pdf) -> list[tuple[str, str | None, pikepdf.Object]]:
    return [w for w in widget_names(pdf).values() if not is_hidden(w[2])]


def test_01_003_no_artifact_inside_tagged_content(pdf: pikepdf.Pdf) -> None:
    assert [page_marks(p).artifact_in_tagged for p in pdf.pages] == [0] * len(pdf.pages)


def test_01_004_no_tagged_content_inside_an_artifact(pdf: pikepdf.Pdf) -> None:
    assert [page_marks(p).tagged_in_artifact for p in pdf.pages] == [0] * len(pdf.pages)


def test_01_005_all_content_is_tagged_or_artifact(pdf: pikepdf.Pdf) -> None:
    """Every painting operator is inside an artifact or a marked-content sequence with an MCID, and every
    MCID is one the structure tree reaches: through the page's ParentTree entry to an element whose /K
    names that MCID."""
    parent_tree = _parent_tree(pdf)
    for number, page in enumerate(pdf.pages, start=1):
        marks = page_marks(page)
        assert not marks.unbalanced, f"page {number}: BMC/BDC and EMC do not pair"
        assert marks.untagged == [], f"page {number}: painted outside tags and artifacts"
        assert len(set(marks.mcids)) == len(marks.mcids), f"page {number}: an MCID used twice"
        if not marks.mcids:
            continue
        elements = parent_tree[int(page.obj.StructParents)]
        for mcid in marks.mcids:
            element = elements[mcid]
            named = [k if isinstance(k, int) else int(k.MCID) for k in kids_of(element)
                     if isinstance(k, int) or (isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR"
                                               and k.Pg.objgen == page.obj.objgen)]
            assert mcid in named, f"page {number}: MCID {mcid} is not a kid of its ParentTree element"


def test_01_007_suspects_is_not_true(pdf: pikepdf.Pdf) -> None:
    assert pdf.Root.MarkInfo.Marked is True
    assert pdf.Root.MarkInfo.get("/Suspects", False) is not True


def test_02_001_every_structure_type_is_standard(pdf: pikepdf.Pdf) -> None:
    """No custom types, so no RoleMap can be missing or circular (02-001 to 02-004)."""
    used = {role(e) for e, _ in struct_elements(pdf)}
    assert used <= STANDARD_TYPES
    assert "/RoleMap" not in pdf.Root.StructTreeRoot


def test_06_001_document_has_xmp_metadata(pdf: pikepdf.Pdf) -> None:
    assert pdf.Root.Metadata.Type == "/Metadata" and pdf.Root.Metadata.Subtype == "/XML"


def test_06_002_metadata_claims_pdfua_part_1(pdf: pikepdf.Pdf) -> None:
    with pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"


def test_06_003_metadata_has_dc_title(pdf: pikepdf.Pdf) -> None:
    with pdf.open_metadata() as xmp:
        assert xmp.get("dc:title") == str(pdf.docinfo.Title)


def test_07_001_viewer_preferences_have_display_doc_title(pdf: pikepdf.Pdf) -> None:
    assert "/DisplayDocTitle" in pdf.Root.ViewerPreferences


def test_07_002_display_doc_title_is_true(pdf: pikepdf.Pdf) -> None:
    assert pdf.Root.ViewerPreferences.DisplayDocTitle is True


def test_09_004_table_elements_nest_as_iso_32000_table_337(pdf: pikepdf.Pdf) -> None:
    allowed_parents = {"TR": {"Table", "THead", "TBody", "TFoot"}, "TH": {"TR"}, "TD": {"TR"},
                       "THead": {"Table"}, "TBody": {"Table"}, "TFoot": {"Table"}}
    tables = 0
    for element, parent in struct_elements(pdf):
        kind = role(element)
        if kind in allowed_parents:
            assert parent is not None and role(parent) in allowed_parents[kind], f"{kind} inside {role(parent)}"
        if kind == "Table":
            tables += 1
            assert {role(k) for k in kids_of(element)} <= {"TR", "THead", "TBody", "TFoot", "Caption"}
    assert tables > 0


def test_09_005_list_elements_nest_as_iso_32000_table_336(pdf: pikepdf.Pdf) -> None:
    lists = 0
    for element, parent in struct_elements(pdf):
        kind = role(element)
        if kind in ("Lbl", "LBody"):
            assert parent is not None and role(parent) == "LI"
        if kind == "LI":
            assert parent is not None and role(parent) == "L"
            assert {role(k) for k in kids_of(element)} <= {"Lbl", "LBody"}
        if kind == "L":
            lists += 1
            assert {role(k) for k in kids_of(element)} <= {"LI", "L", "Caption"}
    assert lists > 0


def test_11_001_natural_language_is_declared(pdf: pikepdf.Pdf) -> None:
    assert re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", str(pdf.Root.Lang))


def test_14_002_first_heading_is_h1(pdf: pikepdf.Pdf) -> None:
    headings = [role(e) for e, _ in struct_elements(pdf) if re.fullmatch(r"H\d", role(e))]
    assert headings and headings[0] == "H1"


def test_14_003_no_heading_level_is_skipped(pdf: pikepdf.Pdf) -> None:
    levels = [int(role(e)[1]) for e, _ in struct_elements(pdf) if re.fullmatch(r"H\d", role(e))]
    skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert skips == []
    assert "H" not in {role(e) for e, _ in struct_elements(pdf)}  # 14-007: never H and H1…H6 together


def test_15_005_each_cells_header_can_be_determined(pdf: pikepdf.Pdf) -> None:
    """Header cells found by position (Scope, no Headers/IDs) name the right cells only if every row covers
    the same columns: a header row one cell short would put each header over the wrong column."""
    for element, _ in struct_elements(pdf):
        if role(element) != "Table":
            continue
        widths = {sum(int(cell.A.get("/ColSpan", 1)) if "/A" in cell else 1 for cell in kids_of(row))
                  for row in kids_of(element)}
        assert len(widths) == 1, f"rows of one table cover {sorted(widths)} columns"


def test_15_003_every_header_cell_has_a_scope(pdf: pikepdf.Pdf) -> None:
    header_cells = [e for e, _ in struct_elements(pdf) if role(e) == "TH"]
    assert header_cells
    assert all(str(e.A.Scope) in ("/Row", "/Column", "/Both") for e in header_cells)


def test_28_002_other_annotations_are_in_annot_elements(pdf: pikepdf.Pdf) -> None:
    """cse-pdf's documents carry widgets only (a flattened copy and the Board report none at all); any other
    annotation would need an Annot element."""
    kinds = {str(a.Subtype) for page in pdf.pages for a in page.obj.get("/Annots", [])}
    assert kinds <= {"/Widget"}


def test_28_005_every_field_has_an_accessible_name(pdf: pikepdf.Pdf) -> None:
    parent_tree = _parent_tree(pdf)
    for name, export, widget in _visible_widgets(pdf):
        field = widget if "/T" in widget else widget.Parent
        own = str(widget.get("/TU", "")) or str(field.get("/TU", ""))
        alt = str(parent_tree[int(widget.StructParent)].get("/Alt", ""))
        assert own.strip() or alt.strip(), f"{name} has no accessible name"


def test_28_007_pages_with_annotations_have_tabs(pdf: pikepdf.Pdf) -> None:
    assert all("/Tabs" in p.obj for p in pdf.pages if "/Annots" in p.obj)


def test_28_008_tab_order_follows_the_structure(pdf: pikepdf.Pdf) -> None:
    """On every page (the issue asks for all of them), not only those with widgets today."""
    assert {str(p.obj.get("/Tabs")) for p in pdf.pages} == {"/S"}


def test_28_009_every_widget_is_in_a_form_element(pdf: pikepdf.Pdf) -> None:
    """Through its /StructParent to a Form element whose OBJR names that widget, and nowhere else."""
    parent_tree = _parent_tree(pdf)
    seen: list[tuple[int, int]] = []
    for element, _ in struct_elements(pdf):
        seen += [k.Obj.objgen for k in kids_of(element) if isinstance(k, pikepdf.Dictionary)
                 and k.get("/Type") == "/OBJR"]
    assert len(seen) == len(set(seen)), "a widget referenced twice"
    for name, _, widget in _visible_widgets(pdf):
        element = parent_tree[int(widget.StructParent)]
        assert role(element) == "Form", name
        assert widget.objgen in [k.Obj.objgen for k in kids_of(element) if isinstance(k, pikepdf.Dictionary)], name
        assert widget.objgen in seen
