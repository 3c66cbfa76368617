"""A returned form → the same form with a summary page in front and the suggested category written in.

The original returned file is never changed; the stamped copy is a new file,
readable only by its owner, since it holds case data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError, PyPdfError

from .fill import fill, fill_calculated
from .flatten import flatten
from .live import assess_return, live_outputs
from .history import PreviousAssessment
from .private_files import write_private  # noqa: F401  (kept importable from here for callers)
from .disarm import disarm
from .errors import DamagedPdfError
from .read import OpenedPdf, Response, open_pdf, read_opened
from .score import Assessment
from .spec import FormSpec
from .summary import render_summary


@dataclass
class Stamped:
    response: Response
    assessment: Assessment
    pdf: bytes


def stamp(path: Path | str, flatten_fields: bool = False, spec: FormSpec | None = None,
          previous: PreviousAssessment | None = None, password: str | None = None,
          cautions: Sequence[str] = ()) -> Stamped:
    """Read, score and stamp one returned form (PDF bytes in the result).

    `previous` is the young person's previous assessment, shown on the summary page when given
    (ingest finds it in the database; `cse-pdf stamp` works without one)."""
    path = Path(path)
    with open_pdf(path, password) as opened:
        response = read_opened(opened, path, spec)
        return stamp_read(opened, response, assess_return(response), flatten_fields, previous, path, cautions)


def stamp_read(opened: OpenedPdf, response: Response, assessment: Assessment, flatten_fields: bool = False,
               previous: PreviousAssessment | None = None, path: Path | None = None,
               cautions: Sequence[str] = ()) -> Stamped:
    """Stamp a form already opened and read, so a caller that read it first need not read it twice.

    Reading is qpdf's (pikepdf); writing stays pypdf's, so the same bytes are parsed again here, once.
    Copying a file touches all of it, not only the fields read: a hostile or broken structure that
    reading got past (a field tree thousands deep) can stop the copy, and says so in one line."""
    try:
        reader = PdfReader(io.BytesIO(opened.plain_bytes()), strict=False)
        if reader.is_encrypted:  # restricted by an owner password only: it opened without one for reading too
            reader.decrypt("")
        return _stamp_read(reader, response, assessment, flatten_fields, previous, cautions)
    except (PdfReadError, PyPdfError, RecursionError, ValueError, KeyError, TypeError, AttributeError,
            IndexError) as exc:
        raise DamagedPdfError(f"was read but cannot be stamped: its structure is damaged or nested too deeply "
                              f"({type(exc).__name__}); ask the sender for a new copy", path) from None


def _stamp_read(reader: PdfReader, response: Response, assessment: Assessment, flatten_fields: bool,
                previous: PreviousAssessment | None, cautions: Sequence[str]) -> Stamped:
    spec = response.spec
    writer = PdfWriter(clone_from=reader)
    if not response.flattened:  # a flattened copy has no fields left to write into
        # Rewrite every answer as read: fresh appearances everywhere (some viewers delete them), and
        # the suggested category in the form's own category field.
        values = dict(response.values)
        if spec.summary and spec.summary.write_category_to:
            values[spec.summary.write_category_to] = str(assessment.level)
        fill(writer, spec, values)
        fill_calculated(writer, live_outputs(spec, assessment))  # cse-pdf's result, not the viewer's claim
        acro = writer._root_object["/AcroForm"].get_object()
        acro.pop("/NeedAppearances", None)
        acro.pop("/XFA", None)
    disarm(writer, spec)  # the copy is opened in Acrobat: nothing added to the return may run there
    for i, page in enumerate(PdfReader(io.BytesIO(render_summary(response, assessment, previous=previous,
                                                                     cautions=cautions))).pages):
        writer.insert_page(page, i)
    if flatten_fields:
        flatten(writer)
    out = io.BytesIO()
    writer.write(out)
    return Stamped(response, assessment, out.getvalue())

