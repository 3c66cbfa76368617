"""A blank form read the way assistive technology reads it: every heading, question, option and field, in the
order a person reads the page, by Poppler (`pdfinfo -struct-text`) and by pdf.js (getStructTree, Firefox's
engine); and the keyboard's tab order (/Tabs /S: the structure's order) the same as before tagging.

The expected order is worked out from the layout spec alone (tests/helpers/tagged_pdf.py), not from
layout.py: the score grid's two columns read left column then right, and a checklist's columns read down the
first column, then the next, although reportlab draws both row by row.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from cse_pdf.form import blocks
from cse_pdf.form.blocks import IDENTITY_FIELD
from cse_pdf.form.catalog import find_form
from cse_pdf.form.spec import FormSpec
from tests.helpers.tagged_pdf import (
    expected_reading,
    in_order,
    is_hidden,
    kids_of,
    pdfjs_form_annotations,
    pdfjs_structure,
    poppler_reading,
    role,
    struct_elements,
    widget_names,
)


@pytest.mark.slow
def test_poppler_reads_every_heading_question_and_field_in_layout_order(each_form: tuple[FormSpec, Path]) -> None:
    spec, path = each_form
    expected = expected_reading(spec)
    _, actual = poppler_reading(path)
    done, missing = in_order(expected, actual)
    assert missing is None, f"read in order up to item {done} of {len(expected)}; then not found: {missing}"


@pytest.mark.slow
def test_poppler_meets_each_widget_once(each_form: tuple[FormSpec, Path]) -> None:
    spec, path = each_form
    _, actual = poppler_reading(path)
    widgets = [name for kind, name in actual if kind == "widget"]
    with pikepdf.open(path) as pdf:
        visible = {f"{n}={e}" if e else n for n, e, w in widget_names(pdf).values() if not is_hidden(w)}
    assert sorted(widgets) == sorted(visible)
    assert IDENTITY_FIELD not in widgets  # hidden: nothing to read or fill


@pytest.mark.slow
def test_pdfjs_finds_every_field_inside_a_form_element_with_its_name(each_form: tuple[FormSpec, Path]) -> None:
    spec, path = each_form
    for page in pdfjs_structure(path):
        in_forms = pdfjs_form_annotations(page["tree"])
        visible = [w for w in page["widgets"] if not w["hidden"]]
        assert sorted(in_forms) == sorted(w["id"] for w in visible), f"page {page['page']}"
        for w in visible:
            field = spec.field_map.get(w["fieldName"])
            name = w["alternativeText"] or ""
            if field is None:  # a calculated field: named by what it shows
                assert "calculated" in name, w["fieldName"]
                continue
            assert name.startswith(field.help_text), w["fieldName"]
            if field.type == "radio":  # one button: its own option's label, within the question
                assert name.endswith(str(field.option_label(w["buttonValue"]))), w["fieldName"]


def test_tab_order_is_unchanged_by_tagging(each_form: tuple[FormSpec, Path]) -> None:
    """/Tabs /S makes the structure the tab order: it must list the widgets as /Annots did before (the spec's
    order, options in their order, calculated fields where the page shows them)."""
    _, path = each_form
    with pikepdf.open(path) as pdf:
        names = widget_names(pdf)
        annots = [names[a.objgen][:2] for page in pdf.pages for a in page.obj.get("/Annots", [])
                  if not is_hidden(a)]
        in_structure = [names[k.Obj.objgen][:2] for element, _ in struct_elements(pdf) if role(element) == "Form"
                        for k in kids_of(element) if isinstance(k, pikepdf.Dictionary)]
    assert in_structure == annots


def test_headings_are_the_title_sections_and_headings_of_the_layout(each_form: tuple[FormSpec, Path]) -> None:
    spec, path = each_form
    with pikepdf.open(path) as pdf:
        levels = [role(e) for e, _ in struct_elements(pdf) if role(e) in ("H1", "H2", "H3", "H4")]
        sections = [e for e, _ in struct_elements(pdf) if role(e) == "Sect"]
    assert levels[0] == "H1" and levels.count("H1") == 1
    assert levels.count("H2") == len(spec.sections) == len(sections)


@pytest.mark.parametrize("form_id", ["hillingdon-cse", "cse-risk-vulnerability"])
def test_a_wrapped_paragraph_reads_with_a_space_where_its_lines_break(form_id: str) -> None:
    """Every paragraph of the layout, as Poppler reads it from the tree, has its words apart: reportlab
    writes no space at a line break, and "relevantworkers" is what a screen reader then says."""
    spec = find_form(form_id)
    printed = subprocess.run(["pdfinfo", "-struct-text", str(Path(__file__).parent.parent / "forms" / f"{form_id}.pdf")],
                             capture_output=True, text=True, check=True).stdout
    read = " ".join(" ".join(re.findall(r'^\s*"(.*)"\s*$', printed, flags=re.M)).split())
    paragraphs = [" ".join(b.paragraph.split()) for section in spec.sections for b in section.blocks
                  if isinstance(b, blocks.Paragraph)]
    assert paragraphs and all(p in read for p in paragraphs), [p[:60] for p in paragraphs if p not in read]
