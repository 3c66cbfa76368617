"""The identity every generated PDF carries: which form, which version, which copy.

It lives in the value of a hidden read-only field, because field values are
what every viewer keeps when it re-saves a form (document metadata is not).

A stamped copy (cse-pdf's own output: a summary page in front of a return) says so
in the same value, `stamped=MARK`, so that it is never taken for a new return. An
older cse-pdf reading it ignores the extra part and reads the form as before.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

PREFIX = "cse-pdf:1"
_TOKEN = re.compile(r"^[A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Identity:
    form: str
    version: str
    hash: str
    instance: str = ""  # empty on the committed blank; set on copies made for someone
    stamped: str = ""  # set on a stamped copy made by cse-pdf: not a return (see STAMPED_INFO_KEY)

    def encode(self) -> str:
        parts = {"form": self.form, "version": self.version, "hash": self.hash, "instance": self.instance}
        if self.stamped:
            parts["stamped"] = self.stamped
        for key, value in parts.items():
            if not _TOKEN.match(value):
                raise ValueError(f"identity {key} may only hold letters, digits, '.', '_' and '-'")
        return PREFIX + "".join(f";{k}={v}" for k, v in parts.items())

    @classmethod
    def decode(cls, text: str) -> "Identity | None":
        """None for anything that is not an identity this tool wrote."""
        if not text.startswith(PREFIX + ";"):
            return None
        fields: dict[str, str] = {}
        for part in text[len(PREFIX) + 1:].split(";"):
            key, sep, value = part.partition("=")
            if not sep or not _TOKEN.match(value):
                return None
            fields[key] = value
        if not {"form", "version", "hash"} <= fields.keys():
            return None
        return cls(fields["form"], fields["version"], fields["hash"], fields.get("instance", ""),
                   fields.get("stamped", ""))


# The stamped copy's mark in the document information too (a flattened copy has no fields left);
# its summary page's printed footer is the third place (returned/printed.py reads it).
STAMPED_INFO_KEY = "/CsePdfStamped"


def new_instance_id() -> str:
    """A random copy id for a copy made for someone (not for the committed blank)."""
    return secrets.token_hex(8)
