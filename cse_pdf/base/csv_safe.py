"""CSV that a spreadsheet opens as data, never as formulas: the one writer `export` and `report --csv` share.

Every field is quoted. Text that a spreadsheet could run as a formula gets a leading
apostrophe, which Excel and LibreOffice show as "this is text" and do not run:

- text whose first character is `=`, `+`, `-`, `@` (or their full-width forms), tab or CR;
- the same after any leading whitespace or invisible characters (" =1+1", "\\r=cmd", "\\n@SUM");
- the same at the start of every piece of the text that a reader splitting on the wrong
  delimiter (`;` instead of `,`, or tabs), or ignoring quotes at a line break, would take
  for a cell of its own ("Acme;=HYPERLINK(…)"): the apostrophe goes straight after that
  `,`, `;`, tab or line break.

Numbers written by cse-pdf itself (revision, total, level, counts) are written as numbers,
so a spreadsheet can add them up; a minus sign on one of those is a number, not a formula.
Everything typed into a form is text (a "-3" typed in a box gets its apostrophe).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Sequence

# the characters that make a spreadsheet cell a formula, with their full-width forms
FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"
# where a careless reader might start a new cell or a new row inside one of our quoted cells
_BREAKS = ",;\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_SKIP = r"[\s\"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*"  # blanks, double quotes, invisibles
_INNER = re.compile(f"([{re.escape(_BREAKS)}])(?={_SKIP}[{re.escape(FORMULA_STARTS)}])")
_FIRST = re.compile(f"{_SKIP}[{re.escape(FORMULA_STARTS)}]|[\t\r]")


def neutralise(text: str) -> str:
    """`text` with an apostrophe before every place a spreadsheet could start a formula (see the module)."""
    first = _FIRST.match(text) is not None
    text = _INNER.sub(lambda m: m.group(1) + "'", text)
    return "'" + text if first else text


def cell(value: object) -> str:
    """One value as the text of a CSV field: our own numbers as numbers, everything else neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return neutralise(str(value))


def encode_rows(rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM (so Excel reads names right), CRLF line ends, every field quoted and neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
