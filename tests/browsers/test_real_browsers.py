"""A worker fills the form in a REAL browser PDF viewer (Chromium's PDFium viewer, Firefox ESR's
pdf.js), clicking and typing; the file the viewer itself saves is read back with cse-pdf.

Opt-in: CSE_PDF_BROWSERS=1 (after tests/browsers/install.sh); skipped otherwise.
Pictures of the filled forms (for the live-scoring tests: the calculated boxes, as the viewer shows
them before saving): set CSE_PDF_BROWSER_SCREENSHOTS=/some/folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.live_scenarios import SCENARIOS, check_sitting

from cse_pdf.returned.read import read_form

from .browser_fill import fill_with_chromium, fill_with_firefox, require_browsers

pytestmark = pytest.mark.slow  # the real Chromium and Firefox viewers

REPO = Path(__file__).resolve().parents[2]

# Per committed form: a first sitting (text with non-Latin letters, two-line notes, a checkbox, two
# radio groups, a dropdown) and a change of mind on the saved file (another radio, checkbox unticked).
CASES = {
    "hillingdon-cse": (
        {
            "client.name": "Zoë Łódź",
            "client.gender": "other",
            "client.ethnicity": "A2",
            "concern.disclosure": True,
            "risk.drug_use": "4",
            "analysis.behaviours": "Missing twice in March.\nSeen with older males at the station.",
        },
        {"risk.drug_use": "2", "concern.disclosure": False},
    ),
    "cse-risk-vulnerability": (
        {
            "child.name": "Zoë Łódź",
            "people.1.role": "protective",
            "actual.disclosure": True,
            "actual.disclosure_notes": "Told her teacher on Monday.\nTeacher informed the DSL.",
            "associates.known": "yes",
            "summative.level": "2",
        },
        {"associates.known": "not_known", "actual.disclosure": False},
    ),
}

BROWSERS: dict[str, Callable[..., dict]] = {"chromium": fill_with_chromium, "firefox": fill_with_firefox}


@pytest.fixture(autouse=True)
def _browsers_ready() -> None:
    require_browsers()


@pytest.mark.parametrize("browser", sorted(BROWSERS))
@pytest.mark.parametrize("form_id", sorted(CASES))
def test_fill_save_and_change_of_mind(browser: str, form_id: str, tmp_path: Path) -> None:
    fill = BROWSERS[browser]
    first, second = CASES[form_id]
    blank = REPO / "forms" / f"{form_id}.pdf"

    saved = tmp_path / f"{form_id}-{browser}-1.pdf"
    fill(blank, saved, first)
    values = read_form(saved).values
    assert {k: values.get(k) for k in first} == first

    again = tmp_path / f"{form_id}-{browser}-2.pdf"
    fill(saved, again, second)
    values = read_form(again).values
    expected = {**first, **second}
    assert {k: values.get(k) for k in expected} == expected
    untouched = {k: v for k, v in values.items() if k not in expected and v not in (None, "", False)}
    assert untouched == {}, "the viewer changed fields nobody touched"


# Live scoring (issue 8): the form's calculate actions in the real viewers. Measured with Debian's
# Chromium 156 and Firefox ESR 153: both run them (PDFium with V8, pdf.js with its sandbox), so the
# saved boxes must say exactly what cse-pdf score works out from the saved file, and must not be empty.
LOOK_AT = {"hillingdon-cse": "calculated.total", "cse-risk-vulnerability": "calculated.category"}


@pytest.mark.parametrize("browser", sorted(BROWSERS))
@pytest.mark.parametrize("form_id", sorted(SCENARIOS))
def test_the_viewer_scores_live_as_cse_pdf_does_then_again_after_reopening(browser: str, form_id: str,
                                                                            tmp_path: Path) -> None:
    fill = BROWSERS[browser]
    scenario = SCENARIOS[form_id]

    first = tmp_path / f"live-{form_id}-{browser}-1.pdf"
    fill(scenario.blank, first, scenario.first.steps, look_at=LOOK_AT[form_id])
    check_sitting(first, scenario.first, scenario)

    second = tmp_path / f"live-{form_id}-{browser}-2.pdf"
    fill(first, second, scenario.second.steps, look_at=LOOK_AT[form_id])
    # Every date survives this save in both viewers, the off-screen one too (Firefox's pdf.js erased it
    # while it made the fields date inputs: live_scenarios.PDFJS_DATE_INPUTS_LOSE_DATES).
    check_sitting(second, scenario.second, scenario)
