"""What the reader and the scorer have to say about a form, as codes with fixed message templates.

A `Notice` is made where the fact is found (the reader: a field missing, a value read two
ways; the scorer: a date that cannot be read) and carries its code from there to where it is
counted (review codes), stored and shown. Only `message` turns it into words, so re-wording a
template changes what a person reads and nothing else: no code is ever recovered from the text.

Templates name questions by id or label and never quote what was typed into the form. Kept in
`base`, the lowest stage, because the first notice (unstorable characters, storable.py) arises there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class NoticeCode(Enum):
    # the reader (returned/read.py, base/storable.py)
    IDENTITY_CONFLICT = "identity-conflict"
    OLDER_VERSION = "older-version"
    HASH_DIFFERS = "hash-differs"
    FIELD_MISSING = "field-missing"
    FIELD_CONFLICT_SHOWN = "field-conflict-shown"
    FIELD_CONFLICT_BLANK = "field-conflict-blank"
    UNKNOWN_OPTION = "unknown-option"
    UNKNOWN_FIELDS = "unknown-fields"
    UNSTORABLE = "unstorable"
    # a flattened copy's page (returned/printed.py)
    FLATTENED = "flattened"
    PAGE_MISSING = "page-missing"
    SEVERAL_TICKED = "several-ticked"
    UNREADABLE_TEXT = "unreadable-text"
    NO_SUCH_OPTION = "no-such-option"
    # the scorer's problems (assess/score.py, assess/claims.py)
    DATE_UNREADABLE = "date-unreadable"
    DOB_AFTER_COMPLETED = "dob-after-completed"
    AGE_DATE_UNREADABLE = "age-date-unreadable"
    AGE_DOB_AFTER = "age-dob-after"
    AGE_DATE_BLANK = "age-date-blank"
    CLAIM_DIFFERS = "claim-differs"


_CONFLICT = "could be read more than one way"

# The words for each code: `str.format` fields are filled from the notice's facts (ids, labels, numbers).
TEMPLATES: dict[NoticeCode, str] = {
    NoticeCode.IDENTITY_CONFLICT: f"the form's identity field {_CONFLICT}: the file holds more than one (another "
                                  "tool's leftovers, or tampering); the first was used; check where the file came "
                                  "from",
    NoticeCode.OLDER_VERSION: "made from version {version} of form {form} (current: {current}); values are read and "
                              "keyed by version {version}'s fields",
    NoticeCode.HASH_DIFFERS: "form identity hash {hash} differs from layout {form} version {version} ({layout_hash}): "
                             "the layout changed without a new version",
    NoticeCode.FIELD_MISSING: "field {field} is missing from the PDF",
    NoticeCode.FIELD_CONFLICT_SHOWN: f"field {{field}} {_CONFLICT}: the file holds more than one value for it (a "
                                     "hidden or zero-size copy, or widgets that disagree); read as what a viewer "
                                     "shows; check it against the original",
    NoticeCode.FIELD_CONFLICT_BLANK: f"field {{field}} {_CONFLICT}: the file holds more than one value for it (a "
                                     "hidden or zero-size copy, or widgets that disagree); read as unanswered; check "
                                     "it against the original",
    NoticeCode.UNKNOWN_OPTION: "field {field} holds a value that is not one of its options (changed outside the "
                               "form?); read as unanswered",
    NoticeCode.UNKNOWN_FIELDS: "the PDF has {count} field(s) that layout {form} version {version} does not have "
                               "(added or renamed outside cse-pdf?): {names}; they were not read",
    NoticeCode.UNSTORABLE: "field {field} held characters that cannot be stored (control characters, noncharacters "
                           "or broken UTF-16); each was replaced with U+FFFD in the record; the form itself keeps them",
    NoticeCode.FLATTENED: "read from a flattened copy (no form fields, e.g. printed to PDF): values were recovered "
                          "from the printed page and are less certain; check them against the original",
    NoticeCode.PAGE_MISSING: "page {page} of the form is missing from the flattened copy; its answers read as blank",
    NoticeCode.SEVERAL_TICKED: "{field}: more than one option looks ticked; read as unanswered",
    NoticeCode.UNREADABLE_TEXT: "{field}: the text in its box did not map to real characters (a font without a "
                                "character map); read as unanswered",
    NoticeCode.NO_SUCH_OPTION: "{field}: the text in its box matches none of its options; read as unanswered",
    NoticeCode.DATE_UNREADABLE: "{label} ({field}) could not be read: {why}",
    NoticeCode.DOB_AFTER_COMPLETED: "{dob_label} ({dob}) is after {completed_label} ({completed})",
    NoticeCode.AGE_DATE_UNREADABLE: "{label} ({field}) could not be read: {why}; the age rule was not applied",
    NoticeCode.AGE_DOB_AFTER: "{dob_label} is after {on_label}; the age rule was not applied",
    NoticeCode.AGE_DATE_BLANK: "{label} ({field}) is blank; the age rule was not applied",
    NoticeCode.CLAIM_DIFFERS: "the form's calculated {box} does not match cse-pdf's own result: it was changed by "
                              "hand, or computed by an older copy of the form; cse-pdf's result is the one used",
}


@dataclass(frozen=True)
class Notice:
    """One thing said about a form: a code, the question it is about (if one), and the facts its words need."""

    code: NoticeCode
    field: str | None = None
    facts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, code: NoticeCode, field: str | None = None, **facts: object) -> "Notice":
        return cls(code, field, tuple((k, str(v)) for k, v in facts.items()))

    @property
    def message(self) -> str:
        """The words a person reads; the template is looked up now, so re-wording it needs no other change."""
        return TEMPLATES[self.code].format(field=self.field, **dict(self.facts))


def messages(notices: list[Notice]) -> list[str]:
    return [n.message for n in notices]
