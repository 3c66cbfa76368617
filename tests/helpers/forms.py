"""Fictional returns: a complete set of answers, a filled-in PDF of them, and a "printed" (flattened) copy."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from cse_pdf.blank.generate import generate
from cse_pdf.form.spec import FormSpec

REPO = Path(__file__).resolve().parents[2]


def every_answer(spec: FormSpec, *, checked: bool = True, pick: int = -1) -> dict[str, object]:
    """A fictional person's answers to every field: each checkbox `checked`, each radio and dropdown
    its option at index `pick`, text with non-Latin letters and multiline notes."""
    values: dict[str, object] = {}
    for f in spec.fields:
        if f.type == "checkbox":
            values[f.id] = checked
        elif f.type in ("radio", "dropdown"):
            values[f.id] = f.options[pick].value
        elif f.type == "date":
            values[f.id] = "05/03/2024"
        elif f.type == "multiline":
            values[f.id] = "First line of notes.\nSecond line – Ngozi Okonkwo-Ødegård.\n\nAfter a blank line."
        else:
            values[f.id] = "Zoë Łódź"
    return values


def qpdf_flatten(src: Path, dst: Path) -> None:
    """"Print to PDF" a returned form: qpdf draws every widget's own appearance into the page.

    --generate-appearances: pdf.js once left fields without appearances (NeedAppearances), which qpdf
    would otherwise refuse to flatten; a print driver draws them anyway. Poppler saves /AS /N on text
    widgets; qpdf then looks for an appearance state named N, finds none and draws nothing, where a
    print driver draws the text: that one key is dropped first (the drawing itself is untouched)."""
    if shutil.which("qpdf") is None:
        pytest.fail("qpdf is needed (apt-get install qpdf); .ci/run installs it")
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            parent = annot.get("/Parent")
            kind = annot.get("/FT") or (parent.get_object().get("/FT") if parent is not None else None)
            if kind in ("/Tx", "/Ch"):
                annot.pop("/AS", None)
    staged = dst.with_name(dst.stem + ".staged.pdf")
    with open(staged, "wb") as fh:
        writer.write(fh)
    done = subprocess.run(["qpdf", "--generate-appearances", "--flatten-annotations=all", str(staged), str(dst)],
                          capture_output=True, text=True)
    staged.unlink()
    assert done.returncode in (0, 3), done.stderr  # 3: done, with warnings (e.g. appearances it had to make)


def fictional_return(spec: FormSpec, *, name: str, dob: str, completed: str, agency: str = "Example Youth Service",
                     checked: bool = True, pick: int = -1, **changes: object) -> dict[str, object]:
    """A fictional young person's complete return: every question answered (`every_answer`), the person,
    dates and agency as given, `changes` applied (ids with "." written as "__"), and the worker's stated
    level set to the suggested one, so that nothing in it needs review."""
    from cse_pdf.assess.score import assess

    values = every_answer(spec, checked=checked, pick=pick)
    s = spec.summary
    values.update({s.name: name, s.dob: dob, s.completed: completed, s.agency: agency})
    values.update({k.replace("__", "."): v for k, v in changes.items()})
    if spec.scoring and spec.scoring.stated:
        values[spec.scoring.stated] = str(assess(spec, values).level)
    return values


def write_return(path: Path, spec: FormSpec, values: dict[str, object], instance: str = "") -> Path:
    """The return as a PDF: the form filled in as a viewer would (appearances drawn, still editable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generate(spec, values, instance))
    return path
