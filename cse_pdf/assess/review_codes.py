"""The reasons an ingested form needs a person to look at it, as short codes with fixed descriptions.

Stored, listed and exported by code; described in words that never repeat anything typed into the
form. Kept apart from the rules that find them (review.py) so the store can read them without
loading the PDF stack.
"""

from __future__ import annotations

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


NOT_ISSUED_NOTICE = ("NOT AN ISSUED COPY: this form's copy id is not in the register of copies sent to agencies "
                     "by cse-pdf distribute. Check where it came from before relying on it.")


def with_not_issued(codes: list[str], not_issued: bool) -> list[str]:
    """`codes` with "not-issued" set or cleared (REASONS order kept): the register checked again at recording."""
    found = (set(codes) - {"not-issued"}) | ({"not-issued"} if not_issued else set())
    return [code for code in REASONS if code in found] + [c for c in codes if c not in REASONS]


def cautions(codes: list[str]) -> list[str]:
    """What the stamped summary page must say first about the file itself, for these review codes."""
    return [NOT_ISSUED_NOTICE] if "not-issued" in codes else []


def describe(codes: list[str]) -> list[str]:
    return [REASONS.get(c, c) for c in codes]
