"""Fill the real form in real engines, save, read back: every answer must come back exactly.

PDFium (Chrome/Edge) is driven by clicks and keystrokes, pdf.js (Firefox) through its own
annotation storage and save, MuPDF through its widget API, Poppler (Evince/Okular) through
poppler-glib's form API in the system python, pypdf as a program would. The second pass changes every answer
(ticks off, other options, cleared and new text) on the already-filled file: the latest wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from pypdf import PdfReader, PdfWriter

from cse_pdf.read import read_form
from engines.mupdf_fill import fill_with_mupdf
from engines.pdfium_fill import fill_with_pdfium
from engines.pdfjs_fill import fill_with_pdfjs, require_pdfjs
from engines.poppler_fill import fill_with_poppler, require_poppler

from conftest import every_answer


def fill_with_pypdf(src: Path, dst: Path, values: dict) -> None:
    """pypdf's public form API, used the way its documentation shows."""
    writer = PdfWriter(clone_from=PdfReader(src))
    fields = read_form(src).spec.field_map
    pdf_values = {}
    for fid, v in values.items():
        kind = fields[fid].type
        if kind == "checkbox":
            pdf_values[fid] = "/Yes" if v else "/Off"
        elif kind == "radio":
            pdf_values[fid] = "/" + v
        else:
            pdf_values[fid] = v
    for page in writer.pages:
        writer.update_page_form_field_values(page, pdf_values, auto_regenerate=False)
    with open(dst, "wb") as fh:
        writer.write(fh)


def _pdfjs(src: Path, dst: Path, values: dict) -> None:
    require_pdfjs()
    fill_with_pdfjs(src, dst, values)


def _poppler(src: Path, dst: Path, values: dict) -> None:
    require_poppler()
    fill_with_poppler(src, dst, values)


ENGINES: list[Callable] = [
    pytest.param(fill_with_pypdf, id="pypdf"),
    pytest.param(fill_with_pdfium, id="pdfium"),
    pytest.param(_pdfjs, id="pdfjs"),
    pytest.param(fill_with_mupdf, id="mupdf"),
    pytest.param(_poppler, id="poppler"),
]


@pytest.mark.parametrize("fill", ENGINES)
def test_every_answer_reads_back_exactly(fill, each_form, tmp_path: Path) -> None:
    spec, blank_pdf = each_form
    answers = every_answer(spec, checked=True, pick=-1)
    filled = tmp_path / "filled.pdf"
    fill(blank_pdf, filled, answers)

    response = read_form(filled)

    assert response.identity.form == spec.id
    assert response.values == answers
    assert response.warnings == []


@pytest.mark.parametrize("fill", ENGINES)
def test_a_change_of_mind_wins(fill, each_form, tmp_path: Path) -> None:
    spec, blank_pdf = each_form
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    fill(blank_pdf, first, every_answer(spec, checked=True, pick=-1))
    changed = every_answer(spec, checked=False, pick=0)
    names = [f.id for f in spec.fields if f.type == "text"]
    changed[names[0]] = "Ngozi Okonkwo-Ødegård"
    changed[names[1]] = "محمد 李小龍"
    fill(first, second, changed)

    assert read_form(second).values == changed


@pytest.mark.parametrize("fill", ENGINES)
def test_unanswered_fields_read_as_null(fill, blank_pdf: Path, spec, tmp_path: Path) -> None:
    filled = tmp_path / "partial.pdf"
    fill(blank_pdf, filled, {"client.name": "Alex Example", "risk.drug_use": "3"})

    values = read_form(filled).values

    assert values["client.name"] == "Alex Example"
    assert values["risk.drug_use"] == "3"
    assert values["risk.education"] is None
    assert values["client.dob"] is None
    assert values["concern.disclosure"] is False
