"""Dates as the forms ask for them (DD/MM/YYYY), read strictly: a date rule never runs on a guess.

Scoring (age at completion), the person keys that link revisions, and the CLI's --from/--to all read
dates with this one rule; the Board's report writes them with `long_date`.
"""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


class DateUnreadable(ValueError):
    pass


def parse_date(text: str) -> date:
    """DD/MM/YYYY as the form asks (also D/M/YYYY, '-' or '.', and ISO); never a guess."""
    m = _DATE.match(text)
    if m:
        d, mth, y = (int(g) for g in m.groups())
    else:
        m = _ISO.match(text)
        if not m:
            raise DateUnreadable("not in the form DD/MM/YYYY")
        y, mth, d = (int(g) for g in m.groups())
    try:
        return date(y, mth, d)
    except ValueError:
        raise DateUnreadable("not a real calendar date") from None


def age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def long_date(day: date) -> str:
    """A date as the Board's report prints it, "5 March 2024": no leading zero, no room for a D/M mix-up."""
    return f"{day.day} {day.strftime('%B %Y')}"
