"""The one rule for characters that a database or a file format cannot hold.

A returned PDF can carry anything in a text field: NUL (PostgreSQL refuses it in
text and JSON), a lone UTF-16 surrogate from a broken string (no UTF-8 encoder
accepts it, so neither SQLite nor PostgreSQL can store it), U+FFFE/U+FFFF and the
other noncharacters, and C0/C1 control characters (XML, so XLSX, cannot hold most
of them, and ESC or CSI in a terminal starts an escape sequence).

Rule: where a Response's values are made (read.Response), each such character is
replaced with U+FFFD, the visible replacement character, and the form gets one
warning per field naming the field (never its text), which puts it in "needs
review". Tab and line feed are kept: they are ordinary in notes. The replacement
is not reversible in the database, and does not need to be: the returned file and
its stamped copy keep every answer exactly as the worker's viewer saved it.

The same rule serves every output as a last defence (`storable_text`), so a
value recorded by an older cse-pdf, or put in the database by other means, can
still be exported and reported.
"""

from __future__ import annotations

import re
from typing import Mapping, TypeVar

from cse_pdf.base.notices import Notice, NoticeCode

REPLACEMENT = "\ufffd"

# C0 controls but tab, LF, CR; DEL and the C1 controls; UTF-16 surrogates; the 66 noncharacters.
_NONCHARACTERS = "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + _NONCHARACTERS + "]")

V = TypeVar("V")


def storable_text(text: str) -> str:
    """`text` with each character that a store or format cannot hold replaced by U+FFFD."""
    return UNSTORABLE.sub(REPLACEMENT, text)


def has_unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def warning_for(field_id: str) -> Notice:
    """The reader's warning for a field whose text was changed; names the field, never its text."""
    return Notice.of(NoticeCode.UNSTORABLE, storable_text(field_id))


def storable_values(values: Mapping[str, V]) -> tuple[dict[str, V], list[Notice]]:
    """The values with every text made storable, and one warning for each field that was changed."""
    out: dict[str, V] = {}
    warnings: list[Notice] = []
    for fid, v in values.items():
        if isinstance(v, str) and has_unstorable(v):
            out[fid] = storable_text(v)  # type: ignore[assignment]
            warnings.append(warning_for(str(fid)))
        else:
            out[fid] = v
    return out, warnings
