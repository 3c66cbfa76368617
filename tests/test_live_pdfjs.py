"""Live scoring in pdf.js (Firefox's engine) with its own scripting sandbox, as Firefox runs it.

tests/engines/pdfjs_live.mjs creates pdf.js's QuickJS sandbox from the document's field objects
and calculation order (what pdf.js's scripting manager does), clicks and types through a sitting,
applies what the sandbox sends back to annotationStorage and saves with saveDocument. The saved
calculated boxes must equal what `cse-pdf score` works out from the saved file; then the saved file
is opened again, an answer changed, saved again, and checked the same way: every date must survive
that second save too (pdf.js erased off-screen date inputs there: live_scenarios.PDFJS_DATE_INPUTS_LOSE_DATES).

Runs wherever node and `npm ci --prefix tests/engines` are there; under CI it must not skip.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engines.pdfjs_fill import fill_live_with_pdfjs, require_pdfjs
from helpers.live_scenarios import SCENARIOS, check_sitting, shown


@pytest.fixture(autouse=True)
def _pdfjs_ready() -> None:
    require_pdfjs()


@pytest.mark.parametrize("form_id", sorted(SCENARIOS))
@pytest.mark.slow
def test_the_sandbox_fills_the_boxes_score_agrees_with_then_again_after_reopening(form_id: str,
                                                                                    tmp_path: Path) -> None:
    scenario = SCENARIOS[form_id]
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"

    report = fill_live_with_pdfjs(scenario.blank, first, scenario.first.steps)
    assert report["errors"] == [] and report["alerts"] == []
    assert {f"calculated.{k}": v for k, v in shown(first).items()} == report["calculated"]  # as saved
    check_sitting(first, scenario.first, scenario)

    report = fill_live_with_pdfjs(first, second, scenario.second.steps)
    assert report["errors"] == [] and report["alerts"] == []
    check_sitting(second, scenario.second, scenario)  # no date lost: see PDFJS_DATE_INPUTS_LOSE_DATES


def test_without_the_calculation_order_the_sandbox_leaves_the_boxes_empty(tmp_path: Path) -> None:
    """The boxes are filled by the calculate actions /CO lists, not by anything else in the harness."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    scenario = SCENARIOS["hillingdon-cse"]
    writer = PdfWriter(clone_from=PdfReader(scenario.blank))
    del writer.root_object["/AcroForm"][NameObject("/CO")]
    no_order = tmp_path / "no-co.pdf"
    with open(no_order, "wb") as fh:
        writer.write(fh)

    saved = tmp_path / "saved.pdf"
    fill_live_with_pdfjs(no_order, saved, scenario.first.steps)

    assert set(shown(saved).values()) == {""}


@pytest.mark.slow
def test_without_the_date_picker_a_typo_in_a_date_is_refused_or_flagged(tmp_path: Path) -> None:
    """pdf.js shows no date picker for the form's dates (see cse_pdf/blank/widgets.py, DATE_KEYSTROKE), so the
    worker types them. The keystroke script refuses what is no date at all; a day or month out of range
    it lets through (pdf.js rolls 31/13/2024 over to a date it shows as 31/01/2025) but saves what was
    typed, and cse-pdf reports the date as unreadable instead of guessing."""
    from cse_pdf.assess.claims import assess_return
    from cse_pdf.returned.read import read_form

    blank = SCENARIOS["hillingdon-cse"].blank
    refused = tmp_path / "refused.pdf"
    report = fill_live_with_pdfjs(blank, refused, [("client.dob", "hello"), ("risk.drug_use", "2")])
    assert [a for a in report["alerts"] if "client.dob" in a and "dd/mm/yyyy" in a] == report["alerts"] != []
    assert not read_form(refused).values.get("client.dob")

    flagged = tmp_path / "flagged.pdf"
    report = fill_live_with_pdfjs(blank, flagged, [("client.dob", "31/13/2024"), ("risk.drug_use", "2")])
    assert report["alerts"] == []
    response = read_form(flagged)
    assert response.values["client.dob"] == "31/13/2024"
    assert any("client.dob" in p and "not a real calendar date" in p for p in assess_return(response).problems)
