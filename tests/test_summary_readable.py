"""The stamped summary page reads right for a Team Manager (issue 16): contacts framed by the suggested level,
rules shown as floors with the deciding ones marked, the scored areas named once, headings kept with their
text, and unanswered counts that say what they count. Text is read from the stamped copy's first page."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import pdfplumber
import pytest
import yaml
from helpers.forms import REPO

from cse_pdf.assess.claims import assess_return, live_outputs
from cse_pdf.base.errors import SpecError
from cse_pdf.form.spec import load_spec
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp
from cse_pdf.stamp.summary_page import render_summary

SAMPLES = REPO / "samples"
LAYOUTS = REPO / "layouts"


@cache
def first_page(sample: str) -> str:
    """The stamped copy's summary page as one line of text (line breaks and runs of spaces folded)."""
    with pdfplumber.open(io.BytesIO(stamp(SAMPLES / f"{sample}.pdf").pdf)) as pdf:
        return " ".join(pdf.pages[0].extract_text().split())


def bullets(text: str) -> list[str]:
    """The "Why this …" section's bullets."""
    why = text.split("Why this", 1)[1].split("Response guidance", 1)[0].split("Unanswered questions", 1)[0]
    return [b.strip() for b in why.split("•")[1:]]


# Hillingdon: only Risk Category 3 ("urgent and immediate concerns") calls for immediate action.
HILLINGDON = {"none-poppler": False, "low-firefox": False, "medium-chromium": False, "high-mupdf": True}
# Risk and Vulnerability: High is where its guidance speaks of acting immediately.
RISK_VULNERABILITY = {"rv-standard-poppler": False, "rv-medium-pdfium": False, "rv-raised-firefox": False,
                      "rv-high-chromium": True}


@pytest.mark.slow
@pytest.mark.parametrize("sample,urgent", HILLINGDON.items())
def test_hillingdon_contacts_on_every_summary_urgent_only_at_category_3(sample: str, urgent: bool) -> None:
    text = first_page(sample)
    assert "01895 558641" in text and "01895 250111" in text  # the MASH and out-of-hours numbers, always
    assert ("Take action now" in text) is urgent
    assert ("immediate referral" in text) is urgent
    assert ("Contacts" in text) is not urgent


@pytest.mark.slow
@pytest.mark.parametrize("sample,urgent", RISK_VULNERABILITY.items())
def test_risk_vulnerability_contacts_framed_by_level(sample: str, urgent: bool) -> None:
    text = first_page(sample)
    assert "call the Police on 999" in text
    assert ("Contacts" in text) is not urgent


def _hash_of(tmp_path: Path, data: dict, name: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_spec(path).content_hash


@pytest.mark.parametrize("layout", ["hillingdon-cse", "cse-risk-vulnerability"])
def test_page_only_summary_keys_keep_the_form_identity(layout: str, tmp_path: Path) -> None:
    """Adding, editing or removing `urgent_at` and `contacts` keeps every issued copy valid; the form's own
    words (`action`) still count, so the exclusion is no wider than the keys it names."""
    data = yaml.safe_load((LAYOUTS / f"{layout}.yaml").read_text(encoding="utf-8"))
    shipped = load_spec(LAYOUTS / f"{layout}.yaml").content_hash
    assert "urgent_at" in data["summary"]
    without = {**data, "summary": {k: v for k, v in data["summary"].items() if k not in ("urgent_at", "contacts")}}
    assert _hash_of(tmp_path, without, "without") == shipped
    edited = {**data, "summary": {**data["summary"], "urgent_at": [0], "contacts": "Another number: 0000"}}
    assert _hash_of(tmp_path, edited, "edited") == shipped
    reworded = {**data, "summary": {**data["summary"], "action": data["summary"]["action"] + " Reworded."}}
    assert _hash_of(tmp_path, reworded, "reworded") != shipped


def test_urgent_at_must_name_a_level(tmp_path: Path) -> None:
    data = yaml.safe_load((LAYOUTS / "hillingdon-cse.yaml").read_text(encoding="utf-8"))
    data["summary"]["urgent_at"] = [7]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SpecError, match="urgent_at: no level 7"):
        load_spec(path)


@pytest.mark.slow
def test_each_rule_is_a_floor_and_the_deciding_ones_are_marked() -> None:
    """A High case: the low rule says "at least Risk Category 1 (low)", unmarked; every marked rule is at the
    suggested level; no rule's level reads as the result."""
    lines = bullets(first_page("high-mupdf"))
    assert len(lines) >= 4
    assert all("→ at least Risk Category" in line for line in lines)
    low = [line for line in lines if "at least Risk Category 1 (low)" in line]
    assert low and not any("sets the suggestion" in line for line in low)
    marked = [line for line in lines if "sets the suggestion" in line]
    assert marked and all("at least Risk Category 3 (high)" in line for line in marked)


@pytest.mark.slow
def test_a_raise_says_from_where_to_where_without_repeating_the_level() -> None:
    text = first_page("rv-raised-firefox")
    assert "to Medium → Medium" not in text
    (line,) = bullets(text)
    assert "raised from Standard to Medium" in line and "sets the suggestion" in line


@pytest.mark.slow
def test_when_no_rule_applies_the_page_says_so() -> None:
    text = first_page("rv-standard-poppler")
    assert "Why this level of risk No rule applies, so the suggestion is the lowest level of risk, Standard." in text


@pytest.mark.slow
def test_the_scored_areas_are_named_once_in_the_scores_table() -> None:
    """Every one of the eleven areas scored 3 or more in this sample: once named in the table, the rules that
    count them point to it instead of listing them again."""
    text = first_page("high-mupdf")
    spec = load_spec(LAYOUTS / "hillingdon-cse.yaml")
    for fid in spec.scoring.groups["domains"]:
        label = " ".join(spec.field_map[fid].label.split()[:3])  # a wrapped table cell keeps its first line whole
        assert text.count(label) == 1, label
    assert text.count("see the Scores table") == 3


@pytest.mark.slow
def test_unanswered_counts_say_what_they_count() -> None:
    """One area left blank: the summary's count is the in-form box's "1 of 13", and the page says that the 13
    are the 11 scored areas and the two dates, while the Scores table counts areas only."""
    text = first_page("medium-pdfjs")
    response = read_form(SAMPLES / "medium-pdfjs.pdf")
    in_form = live_outputs(response.spec, assess_return(response))["unanswered"]
    assert in_form == "1 of 13"
    assert f"Unanswered questions: {in_form}" in text
    assert "10 of the 11 scored areas answered" in text
    assert "the 11 scored areas and 2 more" in text
    assert "“Scored questions unanswered” box counts the same 13" in text


HEADING = re.compile(r"^(Scores|Why this .*|Response guidance – .*|Unanswered questions: .*|Indicators of .*ticked)$")


@pytest.mark.slow
def test_no_heading_is_left_at_the_foot_of_a_page() -> None:
    """Notes of growing length move the page break down the page, past "Response guidance" (38 words a note
    left it alone at the foot before headings were kept with their text): the last line above a break is never
    a heading."""
    response = read_form(SAMPLES / "rv-high-chromium.pdf")
    checklist = response.spec.checklists["suspected"]
    items = checklist.items[:6]
    breaks = 0
    for words in range(30, 52, 2):
        values = dict(response.values)
        for item in items:
            values[f"suspected.{item.id}"] = True
            values[checklist.notes_for(item)] = " ".join(["reported"] * words)
        ticked = replace(response, values=values)
        with pdfplumber.open(io.BytesIO(render_summary(ticked, assess_return(ticked)))) as pdf:
            for page in pdf.pages[:-1]:
                lines = [ln for ln in page.extract_text().splitlines()
                         if not ln.startswith(("Summary produced", "OFFICIAL"))]
                breaks += 1
                assert not HEADING.match(lines[-1].strip()), (words, lines[-1])
    assert breaks == len(range(30, 52, 2))  # every copy broke a page, so the assertion above was put to the test
