"""A returned form → the same form with a summary page in front, every answer kept as the worker gave it.

The original returned file is never changed; the stamped copy is a new file,
readable only by its owner, since it holds case data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pikepdf

from .fill import fill, fill_calculated
from .flatten import flatten
from .live import assess_return, live_outputs
from .history import PreviousAssessment
from .private_files import write_private  # noqa: F401  (kept importable from here for callers)
from .disarm import disarm
from .errors import DamagedPdfError
from .read import QPDF_ERRORS, OpenedPdf, Response, open_pdf, raise_if_out_of_memory, read_opened
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
    """Stamp a form already opened and read: the stamp is made in the very document it was read from
    (qpdf's), which is changed by it, so nothing is parsed twice.

    Saving touches all of the file, not only the fields read: a hostile or broken structure that
    reading got past can stop it, and says so in one line."""
    try:
        return _stamp_read(opened, response, assessment, flatten_fields, previous, cautions)
    except QPDF_ERRORS as exc:
        raise_if_out_of_memory(exc)
        raise DamagedPdfError(f"was read but cannot be stamped: its structure is damaged or nested too deeply "
                              f"({type(exc).__name__}); ask the sender for a new copy", path) from None


def _stamp_read(opened: OpenedPdf, response: Response, assessment: Assessment, flatten_fields: bool,
                previous: PreviousAssessment | None, cautions: Sequence[str]) -> Stamped:
    spec, pdf = response.spec, opened.pdf
    if not response.flattened:  # a flattened copy has no fields left to write into
        # Rewrite every answer as read: fresh appearances everywhere (some viewers delete them). The
        # worker's own category among them, never the suggestion: that lives on the summary page and in the
        # calculated boxes, so scoring the stamped copy finds what scoring the return found (issue 14).
        fill(pdf, spec, dict(response.values), opened.fields())
        fill_calculated(pdf, live_outputs(spec, assessment), opened.fields())  # cse-pdf's result, not the viewer's claim
        if "/NeedAppearances" in pdf.Root.AcroForm:  # every widget has its appearance now
            del pdf.Root.AcroForm["/NeedAppearances"]
    disarm(pdf, spec)  # the copy is opened in Acrobat: nothing added to the return may run there (nor XFA)
    with pikepdf.open(io.BytesIO(render_summary(response, assessment, previous=previous,
                                                cautions=cautions))) as summary:
        for i, page in enumerate(summary.pages):
            pdf.pages.insert(i, page)
        if flatten_fields:
            flatten(pdf)
        out = io.BytesIO()
        # Saved unencrypted: a return opened with its password (or only restricted by an owner password)
        # is stamped as a plain copy, which ingest encrypts itself when asked to. The appearance streams
        # just written are left uncompressed: a third less saving time for a file about 4% larger.
        pdf.save(out, encryption=False, compress_streams=False)
    return Stamped(response, assessment, out.getvalue())
