"""Fill the real form in real engines, save, read back: every answer must come back exactly.

PDFium (Chrome/Edge) is driven by clicks and keystrokes, pdf.js (Firefox) through its own
annotation storage and save, MuPDF through its widget API, Poppler (Evince/Okular) through
poppler-glib's form API in the system python, pypdf as a program would. The second pass changes every answer
(ticks off, other options, cleared and new text) on the already-filled file: the latest wins.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engines.registry import FILLERS, fill
from helpers.forms import every_answer

from cse_pdf.returned.read import read_form


@pytest.mark.parametrize("engine", FILLERS)
@pytest.mark.slow
def test_every_answer_reads_back_exactly(engine: str, each_form, tmp_path: Path) -> None:
    spec, blank_pdf = each_form
    answers = every_answer(spec, checked=True, pick=-1)
    filled = tmp_path / "filled.pdf"
    fill(engine, blank_pdf, filled, answers)

    response = read_form(filled)

    assert response.identity.form == spec.id
    assert response.values == answers
    assert response.warnings == []


@pytest.mark.parametrize("engine", FILLERS)
@pytest.mark.slow
def test_a_change_of_mind_wins(engine: str, each_form, tmp_path: Path) -> None:
    spec, blank_pdf = each_form
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    fill(engine, blank_pdf, first, every_answer(spec, checked=True, pick=-1))
    changed = every_answer(spec, checked=False, pick=0)
    names = [f.id for f in spec.fields if f.type == "text"]
    changed[names[0]] = "Ngozi Okonkwo-Ødegård"
    changed[names[1]] = "محمد 李小龍"
    fill(engine, first, second, changed)

    assert read_form(second).values == changed


@pytest.mark.parametrize("engine", FILLERS)
@pytest.mark.slow
def test_unanswered_fields_read_as_null(engine: str, blank_pdf: Path, spec, tmp_path: Path) -> None:
    filled = tmp_path / "partial.pdf"
    fill(engine, blank_pdf, filled, {"client.name": "Alex Example", "risk.drug_use": "3"})

    values = read_form(filled).values

    assert values["client.name"] == "Alex Example"
    assert values["risk.drug_use"] == "3"
    assert values["risk.education"] is None
    assert values["client.dob"] is None
    assert values["concern.disclosure"] is False
