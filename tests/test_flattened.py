"""A returned form printed to PDF: no fields left, values read from the page, and said to be less certain."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers.cli import cse
from helpers.forms import REPO, qpdf_flatten
from pypdf import PdfReader, PdfWriter

from cse_pdf.returned.read import read_form

SAMPLES = [p for p in sorted((REPO / "samples").glob("*.pdf")) if not p.stem.startswith("flat-")]


def expected_values(sample: Path) -> dict:
    return json.loads(sample.with_suffix(".expected.json").read_text(encoding="utf-8"))["values"]


def printable(value: object) -> object:
    """What qpdf's own appearances can print: its Helvetica has no glyph for e.g. Ł or ź, so it prints '?'.
    (Forms whose appearances came from the viewer or from cse-pdf keep every character.)"""
    if not isinstance(value, str):
        return value
    return "".join(ch if ch.encode("cp1252", "ignore") else "?" for ch in value)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.slow
def test_a_flattened_return_reads_back_every_answer(sample: Path, tmp_path: Path) -> None:
    flat = tmp_path / "flat.pdf"
    qpdf_flatten(sample, flat)
    assert "/AcroForm" not in PdfReader(flat).trailer["/Root"] or not PdfReader(flat).get_fields()

    response = read_form(flat)

    assert response.flattened
    acroform = PdfReader(sample).trailer["/Root"]["/AcroForm"]
    qpdf_drew_text = acroform.get("/NeedAppearances", False) == True  # noqa: E712 (a PDF boolean)
    expected = expected_values(sample)
    assert response.values == ({k: printable(v) for k, v in expected.items()} if qpdf_drew_text else expected)
    assert "flattened copy" in response.warnings[0] and "less certain" in response.warnings[0]
    assert response.to_dict()["flattened"] is True


@pytest.mark.parametrize("sample", SAMPLES[:2] + SAMPLES[-2:], ids=lambda p: p.stem)
@pytest.mark.slow
def test_a_locked_stamped_copy_reads_back_past_its_summary_pages(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "locked.pdf"
    stamped = cse("stamp", sample, "-o", out, "--flatten")
    assert stamped.returncode == 0, stamped.stderr
    response = read_form(out)
    assert response.values == expected_values(sample)  # the worker's own category included


@pytest.mark.slow
def test_a_missing_page_is_reported_and_its_answers_read_blank(tmp_path: Path) -> None:
    sample = REPO / "samples" / "high-mupdf.pdf"
    flat = tmp_path / "flat.pdf"
    qpdf_flatten(sample, flat)
    writer = PdfWriter()
    for i, page in enumerate(PdfReader(flat).pages):
        if i != 2:  # drop the page with the first eight risk areas
            writer.add_page(page)
    short = tmp_path / "short.pdf"
    writer.write(short)

    response = read_form(short)

    assert any("page 3 of the form is missing" in w for w in response.warnings)
    assert response.values["risk.missing_episodes"] is None
    assert response.values["client.name"] == "Zoë Łódź"


def test_a_pdf_with_neither_fields_nor_our_footer_is_still_refused(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 30, "Some other form · Page 1")
    c.save()
    path = tmp_path / "other.pdf"
    path.write_bytes(buf.getvalue())
    from cse_pdf.base.errors import NotACsePdfFormError

    with pytest.raises(NotACsePdfFormError):
        read_form(path)
