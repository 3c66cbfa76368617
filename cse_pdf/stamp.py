"""A returned form → the same form with a summary page in front and the suggested category written in.

The original returned file is never changed; the stamped copy is a new file,
readable only by its owner, since it holds case data.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from .fill import fill, fill_calculated
from .flatten import flatten
from .live import assess_return, live_outputs
from .read import Response, open_pdf, read_opened
from .score import Assessment
from .spec import FormSpec
from .summary import render_summary


@dataclass
class Stamped:
    response: Response
    assessment: Assessment
    pdf: bytes


def stamp(path: Path | str, flatten_fields: bool = False, spec: FormSpec | None = None) -> Stamped:
    """Read, score and stamp one returned form (PDF bytes in the result)."""
    path = Path(path)
    reader = open_pdf(path)
    response = read_opened(reader, path, spec)
    spec = response.spec
    assessment = assess_return(response)
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
    for i, page in enumerate(PdfReader(io.BytesIO(render_summary(response, assessment))).pages):
        writer.insert_page(page, i)
    if flatten_fields:
        flatten(writer)
    out = io.BytesIO()
    writer.write(out)
    return Stamped(response, assessment, out.getvalue())


def write_private(path: Path, data: bytes) -> None:
    """Create (or replace) a file readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)
