"""Every error cse-pdf raises on purpose, in one place.

Each message is one line that names the file and what to do about it, and never
repeats anything typed into a form: these files hold special category data.
"""

from __future__ import annotations

import os
from pathlib import Path

from cse_pdf.base.exit_codes import ExitCode

DEBUG_ENV = "CSE_PDF_DEBUG"


def debugging() -> bool:
    """With CSE_PDF_DEBUG set, a bug keeps its traceback (and files are read in process, where it shows), for
    the developer it is reported to; without it, a bug is one line that quotes nothing from a form."""
    return bool(os.environ.get(DEBUG_ENV))


def internal_error(exc: BaseException, doing: str = "") -> str:
    """The words for a bug, wherever it is reported (the command's one line, a batch's failed file): its
    exception's type only, since its text could quote a form's contents."""
    return f"internal error ({type(exc).__name__}){f' {doing}' if doing else ''}; please report it"


class CsePdfError(Exception):
    """Base class: the CLI turns any of these into one line and a non-zero exit."""

    exit_code = ExitCode.REFUSED

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path else message)

    def __reduce__(self):  # keep message and path apart when sent back from a guarded worker process
        return type(self), (self.message, self.path)


class SpecError(CsePdfError):
    """A layout YAML is not valid; the message points at the bad entry."""

    exit_code = ExitCode.BAD_LAYOUT_OR_VALUES


class UnknownFormError(CsePdfError):
    """No layout with that form id (or that version of it) is installed."""

    exit_code = ExitCode.BAD_LAYOUT_OR_VALUES


class PdfInputError(CsePdfError):
    """A file that cannot be read as a returned cse-pdf form."""

    exit_code = ExitCode.BAD_FILE


class NotAPdfError(PdfInputError):
    pass


class DamagedPdfError(PdfInputError):
    pass


class EncryptedPdfError(PdfInputError):
    pass


class NotACsePdfFormError(PdfInputError):
    pass


class OverLimitError(PdfInputError):
    """Reading the file would take more time, memory or bytes than allowed (guard.py)."""


class ValuesError(CsePdfError):
    """Values given to fill a form do not fit its fields."""

    exit_code = ExitCode.BAD_LAYOUT_OR_VALUES


class OutputError(CsePdfError):
    """A file or folder cannot be written: it exists (give --force), its folder is missing, it is
    read-only, or the disk is full. The message names the path and what to do."""

    exit_code = ExitCode.CANNOT_WRITE


class StoreError(CsePdfError):
    """The database cannot be opened, created or upgraded; the message names it (never a password)."""

    exit_code = ExitCode.DATABASE


class ReviewError(CsePdfError):
    """An agreement, return or comment that the review rules refuse (cse_pdf.agreement): one line naming the
    record by its id and the rule, never the young person."""

    exit_code = ExitCode.REVIEW_REFUSED
