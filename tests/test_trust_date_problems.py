"""Issue 14 §1: a date that cannot be read is `date-problems` on every form, on every date field.

The Risk and Vulnerability form has no age rule, so an unreadable date there was only `unidentified`.
Blank is not unreadable: a blank date is unanswered (and `unidentified` where it is part of identity)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.forms import fictional_return, write_return

from cse_pdf.assess.claims import assess_return
from cse_pdf.assess.person import keys_of
from cse_pdf.assess.review import review_reasons
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import NEEDS_REVIEW, ingest
from cse_pdf.returned.read import read_form
from cse_pdf.store import Store

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"
BAD_DATES = ["31/02/2010", "next tuesday", "2010-13-01", "14/7/10", "00/01/2010", "12/12/20100"]
DATE_FIELDS = [(form, f.id) for form in (HIL, RV) for f in find_form(form).fields if f.type == "date"]


def review_of(tmp_path: Path, form: str, **changes: object) -> tuple[list[str], list[str]]:
    """(review codes, problems) of a fictional return, complete and agreed but for `changes`."""
    spec = find_form(form)
    values = fictional_return(spec, name="Eli Marrow", dob="09/09/2009", completed="05/03/2024")
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    response = read_form(write_return(tmp_path / "return.pdf", spec, values))
    assessment = assess_return(response)
    return review_reasons(response, assessment, keys_of(spec, response.values)), assessment.problems


@pytest.mark.parametrize("form", [HIL, RV])
@pytest.mark.slow
def test_a_complete_agreed_return_has_no_date_problems(form: str, tmp_path: Path) -> None:
    codes, problems = review_of(tmp_path, form)
    assert codes == [] and problems == []


@pytest.mark.parametrize("form,fid", DATE_FIELDS)
@pytest.mark.parametrize("bad", BAD_DATES)
@pytest.mark.slow
def test_every_unreadable_date_is_a_date_problem(form: str, fid: str, bad: str, tmp_path: Path) -> None:
    codes, problems = review_of(tmp_path, form, **{fid.replace(".", "__"): bad})
    assert "date-problems" in codes
    (problem,) = [p for p in problems if f"({fid})" in p]
    assert "could not be read" in problem and bad not in problem  # the question named, never what was typed


@pytest.mark.parametrize("form", [HIL, RV])
def test_an_unreadable_date_of_birth_is_also_unidentified(form: str, tmp_path: Path) -> None:
    dob = find_form(form).summary.dob
    codes, _ = review_of(tmp_path, form, **{dob.replace(".", "__"): "next tuesday"})
    assert {"date-problems", "unidentified"} <= set(codes)


def test_blank_is_unanswered_not_unreadable(tmp_path: Path) -> None:
    """On the form without an age rule a blank date of birth is no date problem, only unidentified."""
    codes, problems = review_of(tmp_path, RV, child__dob=None)
    assert "date-problems" not in codes and "unidentified" in codes and problems == []
    codes, problems = review_of(tmp_path, RV, child__dob="   ")
    assert "date-problems" not in codes and "unidentified" in codes


def test_a_note_date_nobody_scores_is_checked_too(tmp_path: Path) -> None:
    codes, problems = review_of(tmp_path, HIL, analysis__date="the day after")
    assert codes == ["date-problems"]
    assert problems == ["DATE OF ANALYSIS: (analysis.date) could not be read: not in the form DD/MM/YYYY"]


@pytest.mark.parametrize("form", [HIL, RV])
def test_a_birth_after_the_assessment_is_a_date_problem(form: str, tmp_path: Path) -> None:
    dob = find_form(form).summary.dob
    codes, problems = review_of(tmp_path, form, **{dob.replace(".", "__"): "01/01/2025"})
    assert "date-problems" in codes and any("is after" in p for p in problems)


@pytest.mark.slow
def test_ingest_records_it(tmp_path: Path, db_url: str) -> None:
    spec = find_form(RV)
    values = fictional_return(spec, name="Eli Marrow", dob="09/09/2009", completed="05/03/2024")
    values["assessment.date"] = "31/02/2024"
    src = write_return(tmp_path / "in" / "rv.pdf", spec, values)
    with Store.open(db_url) as store:
        report = ingest([src], store, tmp_path / "out", workers=1)
    (outcome,) = report.outcomes
    assert outcome.kind == NEEDS_REVIEW
    assert outcome.review == ("date-problems", "unidentified")
