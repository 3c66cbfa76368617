"""No page of any form is blank: a page without fields carries real text beyond its header and footer."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pdfplumber
import pytest
from helpers.forms import REPO, every_answer, fictional_return, qpdf_flatten, write_return
from pypdf import PdfReader

from cse_pdf.blank.generate import generate
from cse_pdf.blank.layout import MARGIN
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.spec import load_spec
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp

HEADER_BAND = MARGIN + 4  # the running header (issuer, marking) is drawn above this, from the top
FOOTER_BAND = 40.0  # the running footer (form title, id, version, page number) below this, from the bottom


def blank_pages(pdf: bytes) -> list[int]:
    """1-based numbers of pages with no field widget and no word outside the header and footer bands."""
    widgets = [sum(1 for a in (page.get("/Annots") or []) if a.get_object().get("/Subtype") == "/Widget")
               for page in PdfReader(io.BytesIO(pdf)).pages]
    blank = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages):
            words = [w for w in page.extract_words()
                     if w["top"] > HEADER_BAND and w["bottom"] < page.height - FOOTER_BAND]
            if not widgets[n] and not words:
                blank.append(n + 1)
    return blank


@pytest.mark.parametrize("form_id", [s.id for s in current_forms()])
@pytest.mark.slow
def test_the_committed_blank_has_no_blank_page(form_id: str) -> None:
    assert blank_pages((REPO / "forms" / f"{form_id}.pdf").read_bytes()) == []


@pytest.mark.slow
def test_the_hillingdon_analysis_form_follows_the_guidance_without_an_empty_page() -> None:
    pdf = (REPO / "forms" / "hillingdon-cse.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        texts = [page.extract_text() or "" for page in doc.pages]
    guidance = next(i for i, t in enumerate(texts) if "Risk Category Response Guidance" in t)
    assert "CSE Analysis Form" in texts[guidance + 1]


@pytest.mark.parametrize("form_id", [s.id for s in current_forms()])
@pytest.mark.slow
def test_a_prefilled_copy_has_no_blank_page(form_id: str) -> None:
    spec = find_form(form_id)
    assert blank_pages(generate(spec, every_answer(spec))) == []


@pytest.mark.parametrize("form_id", [s.id for s in current_forms()])
@pytest.mark.slow
def test_a_stamped_copy_has_no_blank_page(form_id: str, tmp_path: Path) -> None:
    spec = find_form(form_id)
    returned = write_return(tmp_path / "return.pdf", spec,
                            fictional_return(spec, name="Alex Example", dob="01/02/2010", completed="05/03/2024"))
    for flatten in (False, True):
        assert blank_pages(stamp(returned, flatten_fields=flatten).pdf) == []


@pytest.mark.parametrize("form_id", [s.id for s in current_forms()])
@pytest.mark.slow
def test_a_flattened_return_of_todays_blank_reads_back_every_answer(form_id: str, tmp_path: Path) -> None:
    spec = find_form(form_id)
    values = fictional_return(spec, name="Alex Example", dob="01/02/2010", completed="05/03/2024")
    # one line of notes: a flattened copy cannot tell a typed blank line from none (flattened.py says so)
    values.update({f.id: "Notes by a fictional worker." for f in spec.fields if f.type == "multiline"})
    returned = write_return(tmp_path / "return.pdf", spec, values)
    flat = tmp_path / "flat.pdf"
    qpdf_flatten(returned, flat)
    response = read_form(flat)
    assert response.flattened
    assert response.values == read_form(returned).values


# ---- layouts made to end a page exactly where a new page is asked for -------------------------------------

def layout(tmp_path: Path, blocks: str, second_new_page: bool = True, extra: str = "") -> Path:
    text = textwrap.dedent("""
        id: page-test
        version: "1"
        title: Page test
        sections:
          - title: First
            blocks:
        {blocks}
          - title: Second
            new_page: {new_page}
            blocks:
              - field: {{id: second.name, type: text, label: Name}}
        {extra}
        """).format(blocks=textwrap.indent(textwrap.dedent(blocks), " " * 6), new_page=str(second_new_page).lower(),
                    extra=extra)
    path = tmp_path / "layout.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def filler(lines: int) -> str:
    body = "\\n".join(f"Line {i} of the guidance." for i in range(lines))
    return f'- paragraph: "{body}"\n'


@pytest.mark.parametrize("lines", range(60, 74))
@pytest.mark.slow
def test_a_new_section_after_a_full_page_leaves_no_blank_page(tmp_path: Path, lines: int) -> None:
    # a paragraph of 60..73 lines ends at every point of the last few lines of page 1, or just over it
    spec = load_spec(layout(tmp_path, filler(lines) + "- table: [[A, B], [C, D]]\n"))
    pdf = generate(spec)
    assert blank_pages(pdf) == []
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 3


@pytest.mark.parametrize("lines", range(60, 74))
@pytest.mark.slow
def test_an_explicit_page_break_after_a_full_page_leaves_no_blank_page(tmp_path: Path, lines: int) -> None:
    spec = load_spec(layout(tmp_path, filler(lines) + "- page_break: true\n- page_break: true\n",
                            second_new_page=False))
    assert blank_pages(generate(spec)) == []


def test_page_breaks_first_and_last_make_no_blank_page(tmp_path: Path) -> None:
    spec = load_spec(layout(tmp_path, "- page_break: true\n" + filler(3) + "- page_break: true\n",
                            extra="      - page_break: true\n"))
    pdf = generate(spec)
    assert blank_pages(pdf) == []
    # title and section bar; the notes (the break after them is the new section's); the second section.
    # The break at the very end has nothing after it.
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3


@pytest.mark.parametrize("sample", ["low-pdfium", "high-mupdf"])
@pytest.mark.slow
def test_a_flattened_copy_of_a_blank_sent_before_the_fix_still_reads_its_last_page(sample: str, tmp_path: Path) -> None:
    # the samples were filled from the six-page blank (page 5 empty, the analysis on page 6)
    source = REPO / "samples" / f"{sample}.pdf"
    assert len(PdfReader(source).pages) == 6
    flat = tmp_path / "flat.pdf"
    qpdf_flatten(source, flat)
    analysis = {k: v for k, v in read_form(source).values.items() if k.startswith("analysis.")}
    assert any(analysis.values())
    read = read_form(flat)
    assert read.flattened and {k: read.values[k] for k in analysis} == analysis
