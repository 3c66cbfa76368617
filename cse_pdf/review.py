"""When an ingested form needs a person to look at it before anyone relies on the record.

Such a form is still read, scored, stamped and recorded; it is counted apart, and
each reason is a short code (stored, listed and exported) with a fixed description
that never repeats anything typed into the form.
"""

from __future__ import annotations

from .catalog import find_form
from .errors import CsePdfError
from .flattened import NO_SUCH_OPTION, UNREADABLE_TEXT
from .live import CLAIM_PROBLEM_START
from .person import PersonKeys
from .read import CONFLICT_WARNING, Response
from .score import Assessment

REASONS: dict[str, str] = {
    "flattened": "read from a flattened (printed-to-PDF) copy: values recovered from the page are less certain",
    "not-issued": "not a copy cse-pdf issued: the register of copies sent by `cse-pdf distribute` holds copies of "
                  "this form, but not the copy id this one carries; check where it came from",
    "older-layout": "made from an older version of the form's layout",
    "layout-changed": "the form's layout changed since this copy was made (identity hash differs)",
    "reading-warnings": "the reader reported problems with the form's fields",
    "conflicting-values": "a question could be read two ways: the file holds a second, hidden or zero-size copy of "
                          "its field, or its boxes disagree; what a viewer shows was read, or it was read as "
                          "unanswered where that is unclear",
    "unreadable-text": "text on a flattened copy's page did not map to real characters, or a choice's text matched "
                       "none of its options: that question was read as unanswered",
    "date-problems": "a date could not be read, or dates contradict each other; a date rule was not applied",
    "calculated-differs": "a box the form calculates (total, category, …) says something other than cse-pdf's "
                          "own result: typed over, or computed by an older copy",
    "unanswered": "questions the scoring rules use were left unanswered",
    "level-differs": "the worker's stated level differs from the suggested one",
    "unidentified": "the young person's name or date of birth, or the date completed, is missing or unreadable: "
                    "the form cannot be linked to earlier assessments or revisions",
}

_KNOWN_WARNING_STARTS = ("read from a flattened copy", "made from version", "form identity hash")


NOT_ISSUED_NOTICE = ("NOT AN ISSUED COPY: this form's copy id is not in the register of copies sent to agencies "
                     "by cse-pdf distribute. Check where it came from before relying on it.")


def review_reasons(response: Response, assessment: Assessment, keys: PersonKeys,
                   not_issued: bool = False) -> list[str]:
    """The codes (in REASONS order) that put this form in "needs review"; empty when it can be relied on.

    `not_issued`: the register of issued copies (checked by the caller, which has the database) holds
    copies of this form but not this one: a claim to be our copy that we cannot back up."""
    found: set[str] = {"not-issued"} if not_issued else set()
    spec = response.spec
    if response.flattened:
        found.add("flattened")
    elif response.identity.hash != spec.content_hash:
        found.add("layout-changed")
    if _is_older(response):
        found.add("older-layout")
    if any(UNREADABLE_TEXT in w or NO_SUCH_OPTION in w for w in response.warnings):
        found.add("unreadable-text")
    conflicting = [w for w in response.warnings if CONFLICT_WARNING in w]
    if conflicting:
        found.add("conflicting-values")
    if not response.flattened and any(not w.startswith(_KNOWN_WARNING_STARTS) and w not in conflicting
                                      for w in response.warnings):
        found.add("reading-warnings")
    claims = [p for p in assessment.problems if p.startswith(CLAIM_PROBLEM_START)]
    if claims:
        found.add("calculated-differs")
    if len(claims) < len(assessment.problems):
        found.add("date-problems")
    if assessment.unanswered:
        found.add("unanswered")
    if assessment.differs:
        found.add("level-differs")
    if not keys.identifies_assessment:
        found.add("unidentified")
    return [code for code in REASONS if code in found]


def with_not_issued(codes: list[str], not_issued: bool) -> list[str]:
    """`codes` with "not-issued" set or cleared (REASONS order kept): the register checked again at recording."""
    found = (set(codes) - {"not-issued"}) | ({"not-issued"} if not_issued else set())
    return [code for code in REASONS if code in found] + [c for c in codes if c not in REASONS]


def cautions(codes: list[str]) -> list[str]:
    """What the stamped summary page must say first about the file itself, for these review codes."""
    return [NOT_ISSUED_NOTICE] if "not-issued" in codes else []


def _is_older(response: Response) -> bool:
    try:
        return find_form(response.spec.id).version != response.spec.version
    except CsePdfError:  # a layout given by path, not installed: nothing to compare with
        return False


def describe(codes: list[str]) -> list[str]:
    return [REASONS.get(c, c) for c in codes]
