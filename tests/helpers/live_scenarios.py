"""One worker's sittings with each committed form, for every viewer that runs the form's JavaScript.

Shared by the pdf.js sandbox test (tests/test_live_pdfjs.py) and the real-browser tests
(tests/browsers/test_real_browsers.py), so each engine is held to the same story: a few scored
answers, a change of mind, typed dates; save; re-open the saved file, change an answer, save again.

The `expect` values are what `cse-pdf score` says for the sitting (worked out by hand from the
layouts' rules). They keep the story honest: the tests hold the saved boxes to score.py on the
saved file itself, and these check the story reached the rules it means to (the age rule, flags).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cse_pdf.assess.claims import assess_return, live_outputs
from cse_pdf.form.catalog import current_forms
from cse_pdf.form.dates import parse_date
from cse_pdf.form.derived import live_fields
from cse_pdf.returned.read import read_form

REPO = Path(__file__).resolve().parents[2]
FORMS = {s.id: s for s in current_forms()}

Step = tuple[str, str | bool]


@dataclass(frozen=True)
class Sitting:
    steps: list[Step]          # in the order the worker does them; a name twice is a change of mind
    expect: dict[str, str]     # calculated box -> a piece of text it must contain ("" = exactly empty)


@dataclass(frozen=True)
class Scenario:
    form_id: str
    first: Sitting
    second: Sitting            # on the file the first sitting saved
    dates: dict[str, str]      # date field -> the day it means, ISO; every one must survive both saves

    @property
    def blank(self) -> Path:
        return REPO / "forms" / f"{self.form_id}.pdf"


SCENARIOS = {
    "hillingdon-cse": Scenario(
        "hillingdon-cse",
        Sitting(
            [("agency.date_completed", "5/3/2024"),
             ("client.dob", "6/3/2011"),          # 13 the day after the form was completed
             ("risk.missing_episodes", "2"), ("risk.education", "1"), ("risk.drug_use", "3"),
             ("risk.drug_use", "2")],             # change of mind: 3 -> 2
            {"total": "5", "category": "Risk Category 2 (medium)",
             "why": "The young person was 12 on the date the form was completed (under 13)",
             "unanswered": "8 of 13"},
        ),
        Sitting(
            [("risk.perpetrator_history", "5")],
            {"total": "10", "category": "Risk Category 3 (high)",
             "why": "The perpetrator/s is known to have been involved", "unanswered": "7 of 13"},
        ),
        # agency.date_completed is on page 2, not drawn when the saved file is opened: the date
        # pdf.js used to erase (PDFJS_DATE_INPUTS_LOSE_DATES).
        {"agency.date_completed": "2024-03-05", "client.dob": "2011-03-06"},
    ),
    "cse-risk-vulnerability": Scenario(
        "cse-risk-vulnerability",
        Sitting(
            [("assessment.date", "5/3/2024"),
             ("associates.known", "yes"), ("associates.suspected", "yes"),
             ("actual.disclosure", True),
             ("associates.known", "not_known")],  # change of mind: yes -> not known
            {"category": "Medium", "why": "indicators of involvement with individuals suspected of CSE",
             "unanswered": "1 of 3", "flags": "Immediate action: 1 indicator(s) of actual CSE"},
        ),
        Sitting(
            [("associates.known", "yes"), ("summative.beyond_threshold", "yes")],
            {"category": "High", "why": "known to have been sexually exploitative", "unanswered": "0 of 3",
             "flags": "Act immediately"},
        ),
        {"assessment.date": "2024-03-05"},
    ),
}


# Why the form's date scripts end without ";" (cse_pdf/blank/widgets.py, DATE_KEYSTROKE). Measured with
# Firefox ESR 153 (its pdf.js 6.0.346) and npm pdfjs-dist 5.4.624 alike, when the scripts ended in
# ";": pdf.js made the date fields HTML date inputs (its /^AF(Date|Time)_...\);$/ test); open a saved
# form holding a date on a page the viewer has not drawn yet and save again: the sandbox's start-up
# (Doc._initActions) sends that field {value: <timestamp number>, formattedValue}; with no element on
# screen the scripting manager puts it straight into annotationStorage, and saveDocument writes a
# number value as an empty /V. The date was gone while the boxes still counted it. Without the ";"
# the fields stay text fields and check_sitting requires every date to survive.
PDFJS_DATE_INPUTS_LOSE_DATES = "pdf.js erases an off-screen date input when a saved form is re-saved"


def shown(path: Path) -> dict[str, str]:
    """What the saved file's calculated boxes say, for every box the form has ("" when empty)."""
    spec = FORMS[read_form(path).spec.id]
    claims = read_form(path).calculated
    return {name: claims.get(name, "") for name in live_fields(spec)}


def scored(path: Path) -> dict[str, str]:
    """What cse-pdf score says the boxes should say, worked out from the saved file's answers."""
    response = read_form(path)
    return live_outputs(response.spec, assess_return(response))


def claim_problems(path: Path) -> list[str]:
    """score's reports of calculated boxes that disagree with it (none when the viewer got it right)."""
    return [p for p in assess_return(read_form(path)).problems if "calculated" in p]


def check_sitting(path: Path, sitting: Sitting, scenario: Scenario) -> None:
    """The saved boxes equal score's result on the saved file; the story reached its rules; every
    date the worker typed is in the file and reads as the day meant (none lost, see
    PDFJS_DATE_INPUTS_LOSE_DATES)."""
    response = read_form(path)
    in_file = shown(path)
    values = dict(response.values)
    lost = [f for f in scenario.dates if not values.get(f)]
    assert lost == [], f"dates saved empty: {lost} ({PDFJS_DATE_INPUTS_LOSE_DATES}?)"
    truth = scored(path)
    assert in_file == truth, f"the viewer's boxes differ from cse-pdf score: {in_file} != {truth}"
    assert claim_problems(path) == []
    for box, text in sitting.expect.items():
        assert (in_file[box] == "") if text == "" else (text in in_file[box]), (box, in_file[box], text)
    for field, iso in scenario.dates.items():
        assert parse_date(values[field]).isoformat() == iso, (field, values[field])
