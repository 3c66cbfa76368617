"""Every engine that fills forms, listed once: the tests parametrize over it, the benches print it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .mupdf_fill import fill_with_mupdf
from .pdfium_fill import fill_with_pdfium
from .pdfjs_fill import fill_with_pdfjs, require_pdfjs
from .poppler_fill import fill_with_poppler, require_poppler
from .pypdf_fill import fill_with_pypdf

Filler = Callable[[Path, Path, dict], None]

FILLERS: dict[str, Filler] = {
    "pypdf": fill_with_pypdf,
    "pdfium": fill_with_pdfium,
    "pdfjs": fill_with_pdfjs,
    "mupdf": fill_with_mupdf,
    "poppler": fill_with_poppler,
}
NAMES = {"pypdf": "pypdf", "pdfium": "PDFium", "pdfjs": "pdf.js", "mupdf": "MuPDF", "poppler": "Poppler"}
_REQUIRES: dict[str, Callable[[], None]] = {"pdfjs": require_pdfjs, "poppler": require_poppler}


def fill(engine: str, src: Path, dst: Path, values: dict) -> None:
    """In a test: skip (or, under CI, fail) when the engine is not installed, else fill."""
    _REQUIRES.get(engine, lambda: None)()
    FILLERS[engine](src, dst, values)
