"""Output file names that cannot leak a child's name or escape their folder.

A returned file's own name is often the child's name ("Zoe Smith CSE form.pdf"), and
anything inside a returned file is the sender's to choose. So names of what cse-pdf
writes are built only from parts it controls or has checked: the form id, the copy's
instance id (letters, digits, '.', '_', '-'), a content hash, a record id. Each part
is reduced to a short run of safe ASCII, and the result is checked to stay inside its
folder, Windows device names included (an output folder may be a shared drive).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

from cse_pdf.base.errors import CsePdfError

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
# Names Windows keeps for devices, whatever the extension: `CON.pdf` cannot be opened there.
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_part(text: str, limit: int = 40, empty: str = "x") -> str:
    """`text` as a piece of a file name: ASCII letters, digits, '-' and '_' only, at most `limit` long."""
    part = _UNSAFE.sub("-", text).strip("-_")[:limit].strip("-_")
    if not part:
        return empty
    if part.lower() in WINDOWS_DEVICES:
        return f"{part}_"
    return part


def safe_file(folder: Path, *parts: str, suffix: str) -> Path:
    """`folder/PART-PART….suffix`, each part made safe; refuses (rather than writes) anything outside `folder`."""
    name = "-".join(safe_part(p) for p in parts) + suffix
    target = folder / name
    if target.resolve().parent != folder.resolve():
        raise CsePdfError(f"refusing to write {name!r} outside {folder}")
    return target


# ---- names shown on a terminal, and kept in the database ----------------------------------------

# Characters that steer a terminal or reorder what it shows rather than being shown: C0 and C1
# controls, DEL (so no ESC sequence), the bidirectional overrides and isolates (a name can look
# like "evil‮fdp.exe"), line and paragraph separators, and the other invisible format characters.
_STEERING = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def printable(text: str) -> str:
    """`text` safe to print on a terminal: every control, format or lone surrogate character escaped
    as `\\xNN` / `\\uNNNN` (a byte that was not UTF-8 in a file name shows as the byte it was)."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code in _BIDI or unicodedata.category(ch) in _STEERING:
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def shown(path: Path | str | bytes) -> str:
    """A path (or file name) as printed by cse-pdf: whatever bytes it holds, one line with no control
    characters, never an encoding error."""
    return printable(os.fsdecode(path))


STORED_BYTES = "bytes:"  # a source path that is not UTF-8, kept byte for byte (percent-encoded)


def stored_path(path: Path | str) -> str:
    """A path as text any database holds (UTF-8, no NUL), losslessly: a name that is not valid UTF-8
    (a zip made on Windows) becomes `bytes:` and its bytes percent-encoded. See `path_from_stored`."""
    text = os.fsdecode(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return STORED_BYTES + quote_from_bytes(os.fsencode(path), safe="/")
    if text.startswith(STORED_BYTES):  # a real (relative) name that looks like the encoding: encode it too
        return STORED_BYTES + quote_from_bytes(os.fsencode(path), safe="/")
    return text


def path_from_stored(text: str) -> Path:
    """The path `stored_path` kept, byte for byte."""
    if text.startswith(STORED_BYTES):
        return Path(os.fsdecode(unquote_to_bytes(text[len(STORED_BYTES):])))
    return Path(text)
