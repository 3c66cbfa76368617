"""When an ingested form needs a person to look at it before anyone relies on the record.

Such a form is still read, scored, stamped and recorded; it is counted apart, and
each reason is a short code (stored, listed and exported) with a fixed description
that never repeats anything typed into the form.
"""

from __future__ import annotations

from cse_pdf.assess.claims import CLAIM_PROBLEM_START
from cse_pdf.assess.person import PersonKeys
from cse_pdf.assess.review_codes import REASONS
from cse_pdf.assess.score import Assessment
from cse_pdf.base.errors import CsePdfError
from cse_pdf.form.catalog import find_form
from cse_pdf.returned.printed import NO_SUCH_OPTION, UNREADABLE_TEXT
from cse_pdf.returned.read import CONFLICT_WARNING, Response

_KNOWN_WARNING_STARTS = ("read from a flattened copy", "made from version", "form identity hash")


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


def _is_older(response: Response) -> bool:
    try:
        return find_form(response.spec.id).version != response.spec.version
    except CsePdfError:  # a layout given by path, not installed: nothing to compare with
        return False
