"""What may go into an email header, checked by cse-pdf itself before Python's email package sees it.

Agency names, addresses and display names come from a list someone else typed. A value
that reaches a header (From, To, Reply-To, Subject, the attachment's file name) must be
one line of visible text:

- no encoded-word opener `=?`: some versions of Python's email package decode
  `=?utf-8?q?=0ABcc=3A_x@example.org?=` while writing the header and so emit a real
  `Bcc:` line; checking here keeps the defence independent of the Python patch level;
- no line breaks of any kind (CR, LF, U+0085, U+2028, U+2029);
- no other control or invisible character: C0 and C1 controls, tab, bidi overrides and
  isolates, zero-width characters, the BOM, private-use, unassigned code points and
  lone surrogates.

Addresses are split by `split_address` here, not `email.utils.parseaddr`, whose handling
of odd input has changed between patch releases.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_NAME_AND_ADDRESS = re.compile(r"\s*(?:\"([^\"]*)\"|([^<>\"]*?))\s*<([^<>\s]+)>\s*")
_BARE_ADDRESS = re.compile(r"\s*([^<>\s,;\"()]+)\s*")


def header_problem(text: str) -> str | None:
    """Why `text` may not go into an email header, or None when it may. Never repeats the text itself."""
    if "=?" in text:
        return "holds '=?', which mail programs read as the start of an encoded header word"
    for ch in text:
        if ch in _LINE_BREAKS:
            return "holds a line break"
        if unicodedata.category(ch) in _UNSAFE_CATEGORIES:
            return f"holds an invisible or control character (U+{ord(ch):04X})"
    return None


def split_address(text: str) -> tuple[str, str] | None:
    """`Name <addr>`, `"Name" <addr>` or `addr` → (display name, address); None for anything else (two
    addresses, a name holding @ ( ) < > " or a backslash, a comment). The address is checked by the caller."""
    m = _NAME_AND_ADDRESS.fullmatch(text)
    if m:
        name = (m.group(1) if m.group(1) is not None else m.group(2)).strip()
        return None if any(c in name for c in '@()<>"\\') else (name, m.group(3))
    m = _BARE_ADDRESS.fullmatch(text)
    return ("", m.group(1)) if m else None
