"""The reasons an ingested form needs a person to look at it, as short codes with fixed descriptions.

Stored, listed and exported by code; described in words that never repeat anything typed into the
form. Kept apart from the rules that find them (review.py) so the store can read them without
loading the PDF stack.
"""

from __future__ import annotations

from enum import StrEnum


class ReviewCode(StrEnum):
    """A reason for review, as stored, listed and exported (the value); its words are in REASONS."""

    FLATTENED = "flattened"
    NOT_ISSUED = "not-issued"
    OLDER_LAYOUT = "older-layout"
    LAYOUT_CHANGED = "layout-changed"
    READING_WARNINGS = "reading-warnings"
    CONFLICTING_VALUES = "conflicting-values"
    UNREADABLE_TEXT = "unreadable-text"
    DATE_PROBLEMS = "date-problems"
    CALCULATED_DIFFERS = "calculated-differs"
    UNANSWERED = "unanswered"
    LEVEL_DIFFERS = "level-differs"
    UNIDENTIFIED = "unidentified"


REASONS: dict[ReviewCode, str] = {  # in the order codes are listed
    ReviewCode.FLATTENED: "read from a flattened (printed-to-PDF) copy: values recovered from the page are less "
                          "certain",
    ReviewCode.NOT_ISSUED: "not a copy cse-pdf issued: the register of copies sent by `cse-pdf distribute` holds "
                           "copies of this form, but not the copy id this one carries; check where it came from",
    ReviewCode.OLDER_LAYOUT: "made from an older version of the form's layout",
    ReviewCode.LAYOUT_CHANGED: "the form's layout changed since this copy was made (identity hash differs)",
    ReviewCode.READING_WARNINGS: "the reader reported problems with the form's fields",
    ReviewCode.CONFLICTING_VALUES: "a question could be read two ways: the file holds a second, hidden or zero-size "
                                   "copy of its field, or its boxes disagree; what a viewer shows was read, or it was "
                                   "read as unanswered where that is unclear",
    ReviewCode.UNREADABLE_TEXT: "text on a flattened copy's page did not map to real characters, or a choice's text "
                                "matched none of its options: that question was read as unanswered",
    ReviewCode.DATE_PROBLEMS: "a date could not be read, or dates contradict each other; a date rule was not applied",
    ReviewCode.CALCULATED_DIFFERS: "a box the form calculates (total, category, …) says something other than "
                                   "cse-pdf's own result: typed over, or computed by an older copy",
    ReviewCode.UNANSWERED: "questions the scoring rules use were left unanswered",
    ReviewCode.LEVEL_DIFFERS: "the worker's stated level differs from the suggested one",
    ReviewCode.UNIDENTIFIED: "the young person's name or date of birth, or the date completed, is missing or "
                             "unreadable: the form cannot be linked to earlier assessments or revisions",
}


NOT_ISSUED_NOTICE = ("NOT AN ISSUED COPY: this form's copy id is not in the register of copies sent to agencies "
                     "by cse-pdf distribute. Check where it came from before relying on it.")


def with_not_issued(codes: list[str], not_issued: bool) -> list[str]:
    """`codes` with "not-issued" set or cleared (REASONS order kept): the register checked again at recording."""
    found = (set(codes) - {ReviewCode.NOT_ISSUED}) | ({ReviewCode.NOT_ISSUED} if not_issued else set())
    return [code for code in REASONS if code in found] + [c for c in codes if c not in REASONS]


def cautions(codes: list[str]) -> list[str]:
    """What the stamped summary page must say first about the file itself, for these review codes."""
    return [NOT_ISSUED_NOTICE] if ReviewCode.NOT_ISSUED in codes else []


def describe(codes: list[str]) -> list[str]:
    """The words for stored codes; a code this release does not know is shown as itself."""
    return [REASONS.get(c, c) for c in codes]  # type: ignore[call-overload]
