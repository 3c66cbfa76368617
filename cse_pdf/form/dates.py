"""Dates as the forms ask for them (DD/MM/YYYY), read strictly: a date rule never runs on a guess.

"5 March 2024" (an English month name, in full or its first three letters, or "Sept") is read too: it is
what people write, and it cannot be mixed up the way 03/05 can. The form's own JavaScript
(cse_pdf/blank/live_runtime.js, `cseDate`) reads exactly the same dates, so its calculated boxes and
cse-pdf agree on every age rule; change both together (tests/test_live_scoring.py holds them to it).

Scoring (age at completion), the person keys that link revisions, and the CLI's --from/--to all read
dates with this one rule; the Board's report writes them with `long_date`.
"""

from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_NAMED = re.compile(r"^\s*([0-9]{1,2})\s+([A-Za-z]+)\.?,?\s+([0-9]{4})\s*$")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
MONTH_NUMBERS = {**{name: n for n, name in enumerate(_MONTHS, 1)}, **{name[:3]: n for n, name in enumerate(_MONTHS, 1)},
                 "sept": 9}


class DateUnreadable(ValueError):
    pass


def parse_date(text: str) -> date:
    """DD/MM/YYYY as the form asks (also D/M/YYYY, '-' or '.', ISO, and "5 March 2024"); never a guess."""
    if m := _DATE.match(text):
        d, mth, y = (int(g) for g in m.groups())
    elif m := _ISO.match(text):
        y, mth, d = (int(g) for g in m.groups())
    elif (m := _NAMED.match(text)) and m.group(2).lower() in MONTH_NUMBERS:
        d, mth, y = int(m.group(1)), MONTH_NUMBERS[m.group(2).lower()], int(m.group(3))
    else:
        raise DateUnreadable("not in the form DD/MM/YYYY")
    try:
        return date(y, mth, d)
    except ValueError:
        raise DateUnreadable("not a real calendar date") from None


def age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def long_date(day: date) -> str:
    """A date as the Board's report prints it, "5 March 2024": no leading zero, no room for a D/M mix-up."""
    return f"{day.day} {day.strftime('%B %Y')}"
