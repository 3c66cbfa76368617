"""When an ingested form needs a person to look at it before anyone relies on the record.

Such a form is still read, scored, stamped and recorded; it is counted apart, and
each reason is a short code (stored, listed and exported) with a fixed description
that never repeats anything typed into the form.
"""

from __future__ import annotations

from cse_pdf.assess.person import PersonKeys
from cse_pdf.assess.review_codes import REASONS, ReviewCode
from cse_pdf.assess.score import Assessment
from cse_pdf.base.errors import CsePdfError
from cse_pdf.base.notices import NoticeCode
from cse_pdf.form.catalog import find_form
from cse_pdf.returned.read import Response

# The review code each reader's or scorer's notice puts a form under. A notice not listed here (a field
# missing, a value not among its options, …) is "reading-warnings" when read from fields, and nothing of
# its own on a flattened copy (whose "flattened" code says that its reading is less certain).
_BY_NOTICE: dict[NoticeCode, ReviewCode | None] = {
    NoticeCode.FLATTENED: None,  # "flattened", from Response.flattened
    NoticeCode.OLDER_VERSION: None,  # "older-layout", from the catalog
    NoticeCode.HASH_DIFFERS: None,  # "layout-changed", from the identity
    NoticeCode.IDENTITY_CONFLICT: ReviewCode.CONFLICTING_VALUES,
    NoticeCode.FIELD_CONFLICT_SHOWN: ReviewCode.CONFLICTING_VALUES,
    NoticeCode.FIELD_CONFLICT_BLANK: ReviewCode.CONFLICTING_VALUES,
    NoticeCode.UNREADABLE_TEXT: ReviewCode.UNREADABLE_TEXT,
    NoticeCode.NO_SUCH_OPTION: ReviewCode.UNREADABLE_TEXT,
    NoticeCode.CLAIM_DIFFERS: ReviewCode.CALCULATED_DIFFERS,
}
_READING = ReviewCode.READING_WARNINGS
_PROBLEM = ReviewCode.DATE_PROBLEMS  # any other problem the scorer found is about dates


def review_reasons(response: Response, assessment: Assessment, keys: PersonKeys,
                   not_issued: bool = False) -> list[ReviewCode]:
    """The codes (in REASONS order) that put this form in "needs review"; empty when it can be relied on.

    `not_issued`: the register of issued copies (checked by the caller, which has the database) holds
    copies of this form but not this one: a claim to be our copy that we cannot back up."""
    found: set[ReviewCode] = {ReviewCode.NOT_ISSUED} if not_issued else set()
    spec = response.spec
    if response.flattened:
        found.add(ReviewCode.FLATTENED)
    elif response.identity.hash != spec.content_hash:
        found.add(ReviewCode.LAYOUT_CHANGED)
    if _is_older(response):
        found.add(ReviewCode.OLDER_LAYOUT)
    for notice in response.notices:
        code = _BY_NOTICE.get(notice.code, None if response.flattened else _READING)
        if code is not None:
            found.add(code)
    for notice in assessment.notices:
        found.add(_BY_NOTICE.get(notice.code) or _PROBLEM)
    if assessment.unanswered:
        found.add(ReviewCode.UNANSWERED)
    if assessment.differs:
        found.add(ReviewCode.LEVEL_DIFFERS)
    if not keys.identifies_assessment:
        found.add(ReviewCode.UNIDENTIFIED)
    return [code for code in REASONS if code in found]


def _is_older(response: Response) -> bool:
    try:
        return find_form(response.spec.id).version != response.spec.version
    except CsePdfError:  # a layout given by path, not installed: nothing to compare with
        return False
