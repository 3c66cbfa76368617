"""The stamped copy: a summary page in front, every answer kept as the worker gave it."""

from __future__ import annotations

import stat
from pathlib import Path

import pdfplumber
import pytest
from helpers.cli import Ran, cse
from pypdf import PdfReader

from cse_pdf.blank.generate import generate
from cse_pdf.returned.read import read_form

HIGH = {
    "client.name": "Zoë Łódź", "client.dob": "14/07/2012", "agency.date_completed": "05/03/2024",
    "risk.missing_episodes": "5", "risk.drug_use": "5", "risk.alcohol_use": "5", "risk.education": "2",
    "risk.category": "1",
}


def stamp(src: Path, out: Path, *extra: str) -> Ran:
    return cse("stamp", src, "-o", out, *extra)


@pytest.fixture
def returned(tmp_path: Path, spec) -> Path:
    path = tmp_path / "returned.pdf"
    path.write_bytes(generate(spec, HIGH))
    return path


def summary_text(path: Path) -> str:
    """The text of the summary pages (one or two, before the form's own first page)."""
    with pdfplumber.open(path) as pdf:
        pages = [p.extract_text() for p in pdf.pages]
    return "\n".join(p for p in pages if "Summary page" in p)


def form_page_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return next(t for t in (p.extract_text() for p in pdf.pages) if "Summary page" not in t)


@pytest.mark.slow
def test_summary_page_comes_first_with_everything_a_manager_needs(returned: Path, tmp_path: Path, spec) -> None:
    out = tmp_path / "stamped.pdf"
    result = stamp(returned, out)
    assert result.returncode == 0, result.stderr
    assert "Risk Category 3 (high)" in result.stdout and "differs" in result.stdout

    text = summary_text(out)
    assert "Zoë Łódź" in text  # the embedded Unicode font maps back to the right characters
    assert "14/07/2012" in text
    assert "Risk Category 3 (high)" in text
    assert "DIFFERS" in text and "Risk Category 1 (low)" in text
    assert "Frequent and prolonged truanting or missing episodes." in text
    assert "Total 17" in text
    assert "Three or more areas scored 5" in text
    assert "under 13" in text
    assert "Unanswered questions: 7 of 13" in text
    assert "less reliable when questions are left unanswered" in text.replace("\n", " ")
    assert "01895 558641" in text
    assert "Response guidance" in text
    summary_pages = text.count("Summary page")
    assert summary_pages in (1, 2)
    assert len(PdfReader(out).pages) == len(PdfReader(returned).pages) + summary_pages


def test_stamped_copy_keeps_the_workers_category_and_every_answer(returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "stamped.pdf"
    stamp(returned, out)
    stamped, original = read_form(out).values, read_form(returned).values
    assert stamped["risk.category"] == "1"  # the worker's own, not the suggested 3
    assert stamped == original


def test_stamped_copy_is_private_and_the_original_untouched(returned: Path, tmp_path: Path) -> None:
    before = returned.read_bytes()
    out = tmp_path / "stamped.pdf"
    stamp(returned, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert returned.read_bytes() == before


def test_flatten_locks_the_copy_and_keeps_the_answers_visible(returned: Path, tmp_path: Path) -> None:
    out = tmp_path / "flat.pdf"
    assert stamp(returned, out, "--flatten").returncode == 0
    reader = PdfReader(out)
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert all(
        a.get_object().get("/Subtype") != "/Widget" for page in reader.pages for a in page.get("/Annots", []))
    form_page = form_page_text(out)
    assert "Zoë Łódź" in form_page and "14/07/2012" in form_page


def test_stamp_will_not_overwrite_the_returned_form(returned: Path) -> None:
    result = stamp(returned, returned)
    assert result.returncode != 0 and "must not overwrite" in result.stderr


@pytest.mark.slow
def test_flags_and_advice_come_first_and_ticked_indicators_carry_their_notes(tmp_path: Path) -> None:
    from helpers.forms import REPO

    out = tmp_path / "rv.pdf"
    assert stamp(REPO / "samples" / "rv-high-pdfjs.pdf", out).returncode == 0
    text = summary_text(out)
    assert text.index("Act immediately") < text.index("Speak to other agencies") < text.index("Young person")
    assert "Immediate action" in text
    assert "Disclosure by the young person – Told her teacher on 10/04/2024 (fictional)." in text
    assert "SUGGESTED LEVEL OF RISK" in text and "High" in text


def test_stamped_ticks_are_drawn_by_cse_pdf_not_by_the_viewer_that_filled_them(tmp_path: Path) -> None:
    """MuPDF's tick appearance is a WinAnsi-encoded ZapfDingbats that Poppler prints as the digit "3"; cse-pdf
    draws its own, as a path with no font (every font in a stamped copy is embedded)."""
    from helpers.forms import REPO

    from cse_pdf.pdf.fields import collect_fields

    out = tmp_path / "stamped.pdf"
    assert stamp(REPO / "samples" / "high-mupdf.pdf", out).returncode == 0
    fields = collect_fields(PdfReader(out))
    box = fields["concern.disclosure"].widgets[0]
    tick = box["/AP"]["/N"]["/Yes"].get_object()
    drawing = tick.get_data()
    assert box["/AS"] == "/Yes"
    assert b" S" in drawing and b" l" in drawing, "cse-pdf's check mark is a stroked path"
    assert b"BT" not in drawing and b"Tf" not in drawing, "and no text: no font that could print wrongly"
    assert "/Font" not in tick["/Resources"]


@pytest.mark.slow
def test_a_flattened_return_is_stamped_with_its_summary_in_front(tmp_path: Path) -> None:
    from helpers.forms import REPO

    src = REPO / "samples" / "flat-high-mupdf.pdf"
    out = tmp_path / "stamped.pdf"
    result = stamp(src, out)
    assert result.returncode == 0, result.stderr
    text = summary_text(out)
    assert "Risk Category 3 (high)" in text and "Zoë Łódź" in text
    assert "flattened copy" in text and "less certain" in text.replace("\n", " ")
    assert len(PdfReader(out).pages) == len(PdfReader(src).pages) + text.count("Summary page")
