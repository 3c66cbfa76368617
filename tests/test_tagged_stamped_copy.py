"""A stamped copy is one tagged document: the summary's headings, tables and paragraphs first, then the
returned form's own structure, every widget still reachable (or, flattened, its drawing tagged), and nothing
painted that is neither tagged nor an artifact. Checked as Poppler reads it (`pdfinfo -struct-text`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from helpers.structure import page_marks, parse_struct_text, struct_text, structure
from pikepdf import Dictionary, Name

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import find_form
from cse_pdf.pdf.encryption import encrypt_pdf
from cse_pdf.stamp.stamped_copy import stamp
from tests.helpers.forms import qpdf_flatten
from tests.helpers.tagged_pdf import (
    expected_reading,
    in_order,
    pdfjs_form_annotations,
    pdfjs_structure,
    poppler_reading,
)

pytestmark = pytest.mark.slow  # Poppler and pdf.js read whole documents: seconds each

HIGH = {
    "client.name": "Zoë Łódź", "client.dob": "14/07/2012", "agency.date_completed": "05/03/2024",
    "risk.missing_episodes": "5", "risk.drug_use": "5", "risk.alcohol_use": "5", "risk.education": "2",
    "risk.category": "1",
}


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Hillingdon return stamped twice: with its fields kept, and flattened for the case file."""
    folder = tmp_path_factory.mktemp("stamped")
    returned = folder / "returned.pdf"
    returned.write_bytes(generate(find_form("hillingdon-cse"), HIGH))
    made = {"returned": returned}
    for kind, flat in (("fields", False), ("flattened", True)):
        made[kind] = folder / f"{kind}.pdf"
        made[kind].write_bytes(stamp(returned, flatten_fields=flat).pdf)
    return made


def summary_part(path: Path):
    """The summary's part of the tree as Poppler prints it: the Document's elements before the form's title."""
    document = parse_struct_text(struct_text(path)).kids[0]
    assert document.type == "Document"
    return document


def headings(node) -> list[tuple[str, str]]:
    return [(n.type, n.text) for n in node.walk() if n.type in ("H1", "H2", "H3", "H4", "H5", "H6")]


@pytest.mark.parametrize("kind", ["fields", "flattened"])
def test_summary_headings_come_first_h1_title_then_h2_sections(copies: dict[str, Path], kind: str) -> None:
    spec = find_form("hillingdon-cse")
    found = headings(summary_part(copies[kind]))
    assert found[0] == ("H1", spec.title)
    guidance = next(i for i, (_, t) in enumerate(found) if t.startswith("Response guidance – Risk Category 3"))
    assert found[1:guidance + 1] == [("H2", "Scores"), ("H2", "Why this risk category"),
                                     ("H2", "Unanswered questions: 7 of 13"),
                                     ("H2", "Response guidance – Risk Category 3 (high)")]
    # the form's own headings follow the summary's, in the same one tree
    assert ("H1", spec.title) in found[guidance + 1:], "the form's title heading is not after the summary's"
    levels = [int(level[1]) for level, _ in found]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"a heading level skipped: {levels}"


def test_summary_scores_table_has_column_and_row_headers(copies: dict[str, Path]) -> None:
    document = summary_part(copies["fields"])
    scores = next(t for t in document.find("Table") if t.kids and [c.text for c in t.kids[0].kids][:1] == ["Area"])
    head, *body = scores.kids
    assert {row.type for row in scores.kids} == {"TR"}
    assert [(c.type, c.text) for c in head.kids] == [("TH", "Area"), ("TH", "Score"), ("TH", "Chosen descriptor")]
    assert all("/Scope /Column" in c.attrs for c in head.kids)
    assert [r.kids[0].text for r in body][:3] == ["1) Missing Episodes", "2) Education", "3) Drug use"]
    assert len(body) == 11 + 1  # every scored area, then the total
    for row in body:
        assert [c.type for c in row.kids] == ["TH", "TD", "TD"], row.all_text()
        assert "/Scope /Row" in row.kids[0].attrs
    assert body[-1].kids[0].text == "Total" and body[-1].kids[1].text == "17"


def test_summary_guidance_and_reasons_are_paragraphs(copies: dict[str, Path]) -> None:
    spec = find_form("hillingdon-cse")
    document = summary_part(copies["fields"])
    paragraphs = [p.all_text() for p in document.find("P")]
    guidance = " ".join(spec.level(3).guidance.split())
    assert any(guidance[:60] in " ".join(p.split()) for p in paragraphs)
    assert any("Three or more areas scored 5" in p for p in paragraphs)


@pytest.mark.parametrize("kind", ["fields", "flattened"])
def test_summary_running_footer_and_frames_are_artifacts_not_text(copies: dict[str, Path], kind: str) -> None:
    printed = struct_text(copies[kind])
    assert "Summary page 1" not in printed and "Summary produced" not in printed
    with pikepdf.open(copies[kind]) as pdf:
        first = page_marks(pdf.pages[0])
    assert first.artifact > 0 and first.tagged > 0


@pytest.mark.parametrize("kind", ["fields", "flattened"])
def test_every_mark_on_every_page_is_tagged_or_an_artifact(copies: dict[str, Path], kind: str) -> None:
    with pikepdf.open(copies[kind]) as pdf:
        untagged = {i + 1: m.untagged for i, m in enumerate(map(page_marks, pdf.pages)) if m.untagged}
    assert untagged == {}, f"pages with untagged marks (page: count): {untagged}"


@pytest.mark.parametrize("kind", ["fields", "flattened"])
def test_parent_tree_maps_every_marked_content_to_its_element(copies: dict[str, Path], kind: str) -> None:
    """A screen reader goes from the content to its element through the ParentTree: every MCID on every page
    must lead back to the element that holds it, across the summary's pages and the form's."""
    with pikepdf.open(copies[kind]) as pdf:
        assert_parent_tree_leads_back(pdf)


def assert_parent_tree_leads_back(pdf: pikepdf.Pdf) -> None:
    owners = {(page, mcid): elem for _, elem in structure(pdf).walk() for page, mcid in elem.mcids}
    nums = _numbers(pdf.Root.StructTreeRoot.ParentTree)
    for i, page in enumerate(pdf.pages):
        mcids = page_marks(page).mcids
        assert len(set(mcids)) == len(mcids), f"page {i + 1} repeats an MCID"
        if not mcids:
            continue
        entry = nums[int(page.obj.StructParents)]
        for mcid in mcids:
            assert (i, mcid) in owners, f"page {i + 1} MCID {mcid} is in no element"
            assert entry[mcid].get("/S") == Name("/" + owners[(i, mcid)].type)


def _numbers(tree: Dictionary) -> dict[int, pikepdf.Object]:
    found: dict[int, pikepdf.Object] = {}
    nums = tree.get("/Nums")
    if nums is not None:
        found.update({int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)})
    for kid in tree.get("/Kids", []):
        found.update(_numbers(kid))
    return found


def test_every_widget_kept_is_in_a_form_element_through_stamping(copies: dict[str, Path]) -> None:
    with pikepdf.open(copies["fields"]) as pdf:
        nums = _numbers(pdf.Root.StructTreeRoot.ParentTree)
        in_tree = {w.objgen for _, e in structure(pdf).walk() if e.type == "Form" for w in e.widgets}
        widgets = [a for p in pdf.pages for a in p.obj.get("/Annots", []) if a.get("/Subtype") == Name.Widget]
        visible = [w for w in widgets if not int(w.get("/F", 0)) & 2]  # the hidden form identity is no content
        assert visible and all(w.objgen in in_tree for w in visible)
        for w in visible:
            assert nums[int(w.StructParent)].get("/S") == Name.Form


def test_flattened_copy_keeps_no_widget_reference_and_its_answers_are_read(copies: dict[str, Path]) -> None:
    with pikepdf.open(copies["flattened"]) as pdf:
        elements = [e for _, e in structure(pdf).walk()]
        assert not any(e.widgets for e in elements)
        # an answer is read as printed: no alternative text (the question's) stands in for it; a tick box or
        # radio button is a Span that says its label and state
        assert not any(e.alt for e in elements if e.type == "P")
        spans = [e.alt for e in elements if e.type == "Span"]
        assert "Gender: Female: not selected" in spans and any(s.endswith(": not ticked") for s in spans)
        chosen = [s.split(":")[0] for s in spans if s.endswith(": selected")]  # the question, then its option
        assert chosen == ["1) Missing Episodes", "2) Education", "3) Drug use", "6) Alcohol Use"]
        assert "1) Missing Episodes: Frequent and prolonged truanting or missing episodes.: selected" in spans
    printed = parse_struct_text(struct_text(copies["flattened"])).kids[0]
    form_text = " ".join(printed.all_text().split(find_form("hillingdon-cse").title)[2:])
    assert "Zoë Łódź" in form_text and "14/07/2012" in form_text  # the worker's answers, tagged on the form page


def test_stamped_copy_says_what_it_is_for_assistive_technology(copies: dict[str, Path]) -> None:
    for path in (copies["fields"], copies["flattened"]):
        with pikepdf.open(path) as pdf:
            assert pdf.Root.MarkInfo.Marked is True
            assert str(pdf.Root.Lang) == "en-GB"
            assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
            xmp = pdf.Root.Metadata.read_bytes()
            assert b"<pdfuaid:part>1</pdfuaid:part>" in xmp and b"<dc:title>" in xmp
            assert b"<csepdf:stamped>" in xmp  # still recognised as a stamped copy
            assert all(p.obj.get("/Tabs") == Name.S for p in pdf.pages)



def test_poppler_reads_the_whole_form_in_layout_order_after_the_summary(copies: dict[str, Path]) -> None:
    """The return's own tree survives fill and stamping whole: every heading, question and field of the
    layout, in its order, after the summary's elements."""
    spec = find_form("hillingdon-cse")
    printed, actual = poppler_reading(copies["fields"])
    expected = expected_reading(spec)
    done, missing = in_order(expected, actual)
    assert missing is None, f"read in order up to item {done} of {len(expected)}; then not found: {missing}"
    # the form's own first scored question (the summary's scores table names it too, before the guidance)
    assert printed.index("Response guidance – Risk Category 3") < printed.rindex('"1) Missing Episodes')


def test_pdfjs_finds_every_field_of_the_stamped_copy_inside_a_form_element(copies: dict[str, Path]) -> None:
    spec = find_form("hillingdon-cse")
    pages = pdfjs_structure(copies["fields"])
    summary_roles = [n.get("role") for n in _pdfjs_nodes(pages[0]["tree"])]
    assert summary_roles.count("H1") == 1 and "Table" in summary_roles and "TH" in summary_roles
    named = 0
    for page in pages:
        visible = [w for w in page["widgets"] if not w["hidden"]]
        assert sorted(pdfjs_form_annotations(page["tree"])) == sorted(w["id"] for w in visible), page["page"]
        for w in visible:
            field = spec.field_map.get(w["fieldName"])
            assert w["alternativeText"], w["fieldName"]
            named += field is not None and w["alternativeText"].startswith(field.help_text)
    assert named >= len(spec.fields) - 1  # the hidden identity is no field a reader meets


def _pdfjs_nodes(tree: dict | None) -> list[dict]:
    found: list[dict] = []
    for kid in (tree or {}).get("children", []):
        found.append(kid)
        found += _pdfjs_nodes(kid)
    return found


SAMPLES = Path(__file__).resolve().parents[1] / "samples"
OLD_RETURNS = ["high-mupdf", "medium-pdfjs", "rv-high-chromium", "flat-high-mupdf"]  # made from untagged blanks


@pytest.mark.parametrize("flat", [False, True], ids=["fields", "flattened"])
@pytest.mark.parametrize("sample", OLD_RETURNS)
def test_return_of_an_untagged_blank_is_tagged_as_far_as_its_drawing_allows(sample: str, flat: bool,
                                                                            tmp_path: Path) -> None:
    """A return of a blank made before cse-pdf tagged its forms has no structure to keep: each form page's
    drawing becomes one paragraph, followed by the page's fields (named by their own /TU) in its old tab
    order, so nothing is untagged and every field is still reached, after the summary."""
    out = tmp_path / "stamped.pdf"
    out.write_bytes(stamp(SAMPLES / f"{sample}.pdf", flatten_fields=flat).pdf)
    with pikepdf.open(out) as pdf:
        assert {i + 1: m.untagged for i, m in enumerate(map(page_marks, pdf.pages)) if m.untagged} == {}
        tree = structure(pdf)
        document = tree.kids[0]
        assert document.kids[1].type == "H1"  # the summary's title comes first
        form_pages = [k for k in document.kids if k.type == "Div"]
        drawn_on = [page for part in form_pages for page, _ in part.kids[0].mcids]  # each Div: the page's P first
        assert drawn_on == list(range(drawn_on[0], len(pdf.pages))) and drawn_on[0] >= 1  # every form page, once
        in_tree = {w.objgen for _, e in tree.walk() if e.type == "Form" for w in e.widgets}
        widgets = [a for p in pdf.pages for a in p.obj.get("/Annots", []) if a.get("/Subtype") == Name.Widget
                   and not int(a.get("/F", 0)) & 2]
        assert {w.objgen for w in widgets} == in_tree
        assert bool(widgets) == (not flat and not sample.startswith("flat"))


@pytest.mark.parametrize("flat", [False, True], ids=["fields", "flattened"])
def test_printed_copy_of_a_tagged_return_leaves_nothing_untagged(copies: dict[str, Path], flat: bool,
                                                                 tmp_path: Path) -> None:
    """A "printed" return keeps the form's tree but its viewer drew every answer after the tagged content and
    dropped the widgets: the drawings become tagged (a paragraph a page, at the end: where each belongs is not
    known) and no element still points at a widget that is gone."""
    printed, out = tmp_path / "printed.pdf", tmp_path / "stamped.pdf"
    qpdf_flatten(copies["returned"], printed)
    out.write_bytes(stamp(printed, flatten_fields=flat).pdf)
    with pikepdf.open(out) as pdf:
        assert {i + 1: m.untagged for i, m in enumerate(map(page_marks, pdf.pages)) if m.untagged} == {}
        assert not any(e.widgets for _, e in structure(pdf).walk())
        assert_parent_tree_leads_back(pdf)
    # the name as the printed page shows it is read too (the summary's own mention is before its guidance)
    assert "Zoë Łódź" in struct_text(out).split("Response guidance – Risk Category 3")[1]


def test_stamping_the_same_return_twice_gives_the_same_bytes(copies: dict[str, Path]) -> None:
    """Tagging adds no variation (MCIDs, ParentTree keys and the file's /ID all follow from the content)."""
    for flat in (False, True):
        assert stamp(copies["returned"], flatten_fields=flat).pdf == stamp(copies["returned"], flatten_fields=flat).pdf


def test_an_encrypted_stamped_copy_keeps_its_tree_and_lets_assistive_technology_read_it(
        copies: dict[str, Path], tmp_path: Path) -> None:
    """`ingest --encrypt` re-saves the stamped copy with AES-256: the tree must survive, and the permissions
    must allow extraction for accessibility (PDF/UA-1 7.16), or a screen reader gets nothing to read."""
    password = "correct horse battery staple"
    encrypted = tmp_path / "encrypted.pdf"
    encrypted.write_bytes(encrypt_pdf(copies["fields"].read_bytes(), password))

    read = subprocess.run(["pdfinfo", "-upw", password, "-struct-text", str(encrypted)],
                          capture_output=True, text=True, timeout=120)
    assert read.returncode == 0, read.stderr
    def widgets_unnumbered(text: str) -> str:  # pypdf renumbers objects; a widget still prints as an Object
        return re.sub(r"Object \d+ \d+", "Object", text)

    assert widgets_unnumbered(read.stdout) == widgets_unnumbered(struct_text(copies["fields"]))
    shown = subprocess.run(["qpdf", f"--password={password}", "--show-encryption", str(encrypted)],
                           capture_output=True, text=True, timeout=60).stdout
    assert "extract for accessibility: allowed" in shown
    with pikepdf.open(encrypted, password=password) as pdf:
        assert pdf.is_encrypted and pdf.Root.MarkInfo.Marked is True
