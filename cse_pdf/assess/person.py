"""Who a returned form is about, and which assessment it is: the keys the store links records by.

A name is compared after Unicode NFC composition, case folding, apostrophe and hyphen
look-alikes made plain, and runs of white space collapsed to one space. Accents are
KEPT: "Zoë" and "Zoe" are different keys. Stripping them would merge more spellings,
but a wrong merge shows one child's history on another child's record, which is far
worse than a missed link an administrator can still find by date of birth.

The keys are keyed hashes (HMAC-SHA256) with a secret that each database makes for
itself, once, when it is created or upgraded (migration 0003, table `settings`). A
plain hash of a name and a date of birth could be reversed by guessing (a few
thousand likely names times a few thousand dates), and a key reaches places the
values never do, such as the PostgreSQL server log on a duplicate-key error. With
the secret, a key says nothing to anyone without the database, and the same young
person has unrelated keys in two databases.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from cse_pdf.form.dates import DateUnreadable, parse_date
from cse_pdf.form.spec import FormSpec

_LOOKALIKES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
                             "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})


def normalise_name(text: str | None) -> str | None:
    """The comparison key of a name (or an agency); None when blank."""
    if text is None:
        return None
    key = " ".join(unicodedata.normalize("NFC", text).translate(_LOOKALIKES).casefold().split())
    return key or None


def read_date(text: object) -> date | None:
    """A form's date as a date, or None when blank or unreadable (never a guess)."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return parse_date(text)
    except DateUnreadable:
        return None


def keyed_digest(secret: bytes, *parts: object) -> str:
    """HMAC-SHA256 of the parts joined with U+001F, in hex (64 characters, as the columns hold).
    Migration 0003 keeps its own copy of this: change both, with a new migration, or never."""
    if len(secret) < 32:
        raise ValueError("the key secret must be at least 32 bytes")
    message = "\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PersonKeys:
    """The young person (name + date of birth) and the assessment (+ date completed + agency)."""

    form_id: str
    name: str | None
    dob: date | None
    completed: date | None
    agency: str | None

    @property
    def identifies_person(self) -> bool:
        """Name and date of birth are known: the form can be linked to the young person's others."""
        return self.name is not None and self.dob is not None

    @property
    def identifies_assessment(self) -> bool:
        """The person and the date completed are known: the form can be linked to its other revisions."""
        return self.identifies_person and self.completed is not None

    def person_key(self, secret: bytes) -> str | None:
        """Links assessments of the same young person over time; None when name or dob is unknown.
        `secret` is the database's (Store.key_secret)."""
        if self.name is None or self.dob is None:
            return None
        return keyed_digest(secret, "person", self.name, self.dob.isoformat())

    def assessment_key(self, secret: bytes) -> str | None:
        """Same for every revision of one assessment: same form, person, date completed and agency.

        A blank agency is a value like any other; an unknown person or date gives no key, so such a
        return is never taken for a revision of another."""
        person = self.person_key(secret)
        if person is None or self.completed is None:
            return None
        return keyed_digest(secret, "assessment", self.form_id, person, self.completed.isoformat(), self.agency or "")


def keys_of(spec: FormSpec, values: Mapping[str, object]) -> PersonKeys:
    """The linking keys of a returned form, from the fields its layout's `summary:` names."""
    s = spec.summary

    def text(ref: str | None) -> str | None:
        v = values.get(ref) if ref else None
        return v if isinstance(v, str) else None

    return PersonKeys(
        form_id=spec.id,
        name=normalise_name(text(s.name)) if s else None,
        dob=read_date(text(s.dob)) if s else None,
        completed=read_date(text(s.completed)) if s else None,
        agency=normalise_name(text(s.agency)) if s else None,
    )
