"""Output file names that cannot leak a child's name or escape their folder.

A returned file's own name is often the child's name ("Zoe Smith CSE form.pdf"), and
anything inside a returned file is the sender's to choose. So names of what cse-pdf
writes are built only from parts it controls or has checked: the form id, the copy's
instance id (letters, digits, '.', '_', '-'), a content hash, a record id. Each part
is reduced to a short run of safe ASCII, and the result is checked to stay inside its
folder, Windows device names included (an output folder may be a shared drive).
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import CsePdfError

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
