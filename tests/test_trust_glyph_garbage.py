"""Issue 14 §1: glyph garbage is not an answer.

A flattened copy is read from its printed pages. Text that did not map to real characters (pdfminer's
`(cid:N)`, U+FFFD, private-use or control characters) is unanswered, with a warning and the review code
`unreadable-text`; so is a choice box whose text matches none of its options (it once crashed `score`)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pikepdf
import pytest
from helpers.cli import cse
from helpers.forms import REPO, fictional_return, qpdf_flatten, write_return
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from cse_pdf.assess.claims import assess_return
from cse_pdf.assess.person import keys_of
from cse_pdf.assess.review import review_reasons
from cse_pdf.blank.layout import placements_by_field
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import NEEDS_REVIEW, ingest
from cse_pdf.pdf.fonts import UNICODE_FONT, register_unicode_font
from cse_pdf.returned.printed import _layout
from cse_pdf.returned.read import read_form
from cse_pdf.store import Store

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"


def no_character_maps(src: Path, dst: Path) -> Path:
    """The copy as some tools print it: its Unicode fonts without a /ToUnicode map, and without the font
    program's own character table either (here: no embedded program), so their text reads as (cid:N)."""
    with pikepdf.open(src) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Subtype") == "/Type0" and "/ToUnicode" in obj:
                del obj["/ToUnicode"]
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        del obj[key]
        pdf.save(dst)
    return dst


def flat_return(tmp_path: Path, form: str, **changes: object) -> tuple[Path, dict]:
    """A fictional return, flattened as "print to PDF" does; notes kept to one line, so none overflows its
    box into the next (a flattened copy cannot tell such an overflow from text typed in the next box)."""
    spec = find_form(form)
    values = fictional_return(spec, name="Dana Whitlow", dob="03/04/2009", completed="05/03/2024",
                              **{f.id.replace(".", "__"): "Two adults (fictional)"
                                 for f in spec.fields if f.type == "multiline"} | changes)
    flat = tmp_path / "flat.pdf"
    qpdf_flatten(write_return(tmp_path / "return.pdf", spec, values), flat)
    return flat, values


def write_in_box(src: Path, dst: Path, form: str, fid: str, text: str, font: str = "Helvetica") -> Path:
    """`text` printed inside field `fid`'s box, as a tool that flattened the form might have drawn it."""
    place = placements_by_field(_layout(find_form(form), legacy=False)[0])[fid][0]
    writer = PdfWriter(clone_from=PdfReader(src))
    page = writer.pages[place.page]  # a flattened return: its pages are the form's, in order
    overlay = io.BytesIO()
    c = canvas.Canvas(overlay, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
    register_unicode_font()
    c.setFont(font, 9)
    x0, y0, x1, y1 = place.rect
    c.drawString(x0 + 3, (y0 + y1) / 2 - 3, text)
    c.save()
    page.merge_page(PdfReader(overlay).pages[0])
    writer.write(dst)
    return dst


def unreadable_notes(path: Path) -> list[str]:
    return [w for w in read_form(path).warnings if "did not map to real characters" in w
            or "matches none of its options" in w]


def codes(path: Path) -> list[str]:
    response = read_form(path)
    return review_reasons(response, assess_return(response), keys_of(response.spec, response.values))


# -- (cid:N): a font without a character map ------------------------------------------------------------------

@pytest.mark.slow
def test_a_name_that_reads_as_cid_codes_is_unanswered(tmp_path: Path) -> None:
    """The committed flattened sample, its fonts' character maps removed: the name was printed in DejaVu."""
    path = no_character_maps(REPO / "samples" / "flat-high-mupdf.pdf", tmp_path / "cid.pdf")
    response = read_form(path)
    assert response.values["client.name"] is None
    assert not any("(cid:" in str(v) for v in response.values.values())
    assert any(w.startswith("client.name: the text in its box did not map") for w in response.warnings)
    assert "unreadable-text" in codes(path)


@pytest.mark.slow
def test_the_summary_page_never_prints_cid_codes(tmp_path: Path) -> None:
    path = no_character_maps(REPO / "samples" / "flat-high-mupdf.pdf", tmp_path / "cid.pdf")
    out = tmp_path / "stamped.pdf"
    done = cse("stamp", path, "-o", out)
    assert done.returncode == 0, done.stderr
    assert "(cid:" not in (PdfReader(out).pages[0].extract_text() or "")


@pytest.mark.parametrize("form", [HIL, RV])
@pytest.mark.slow
def test_every_box_printed_without_a_character_map_is_unanswered(form: str, tmp_path: Path) -> None:
    """A fictional return flattened, then its Unicode fonts stripped of their character maps: no value
    read may hold a (cid:N) marker, and each box that did is named in a note."""
    flat, values = flat_return(tmp_path, form)
    path = no_character_maps(flat, tmp_path / "cid.pdf")
    with pikepdf.open(flat) as pdf:
        assert any(isinstance(o, pikepdf.Dictionary) and o.get("/Subtype") == "/Type0" for o in pdf.objects)
    response = read_form(path)
    named = {w.split(":")[0] for w in unreadable_notes(path)}
    assert named, "some box was printed in a Unicode font"
    assert all(response.values[fid] is None for fid in named)
    assert not any("(cid:" in str(v) for v in response.values.values())
    assert "unreadable-text" in codes(path)


@pytest.mark.parametrize("garbage", ["\ufffd\ufffd\ufffd", "Ana \ufffdlvarez", "\ue000\ue001\ue002",
                                     "Ben\x01\x02", "Bo\x85b"], ids=["fffd", "fffd-in-a-name", "private-use",
                                                                     "c0-controls", "c1-control"])
@pytest.mark.slow
def test_replacement_private_use_and_control_characters_are_no_answer(garbage: str, tmp_path: Path) -> None:
    flat, _ = flat_return(tmp_path, HIL, client__address=None)
    path = write_in_box(flat, tmp_path / "garbage.pdf", HIL, "client.address", garbage, UNICODE_FONT)
    response = read_form(path)
    assert response.values["client.address"] is None
    assert [w.split(":")[0] for w in unreadable_notes(path)] == ["client.address"]


@pytest.mark.slow
def test_real_text_beside_it_still_reads(tmp_path: Path) -> None:
    flat, values = flat_return(tmp_path, HIL, client__address=None)
    path = write_in_box(flat, tmp_path / "fine.pdf", HIL, "client.address", "12 Łódź Road", UNICODE_FONT)
    assert read_form(path).values["client.address"] == "12 Łódź Road"
    assert unreadable_notes(path) == []


# -- a choice box whose text matches no option ----------------------------------------------------------------

@pytest.mark.parametrize("form,fid,text", [
    (HIL, "risk.category", "Very high"),  # the worker's own category: once 'internal error' in score
    (HIL, "risk.category", "Risk Category"),  # a label cut short
    (HIL, "client.ethnicity", "Martian"),
    (RV, None, "Something else"),
], ids=["category-words", "category-cut-short", "ethnicity", "rv-choice"])
@pytest.mark.slow
def test_a_choice_matching_no_option_is_unanswered_and_score_does_not_crash(form: str, fid: str | None, text: str,
                                                                           tmp_path: Path) -> None:
    spec = find_form(form)
    if fid is None:
        fid = next(f.id for f in spec.fields if f.type == "dropdown")
    flat, _ = flat_return(tmp_path, form, **{fid.replace(".", "__"): None})
    path = write_in_box(flat, tmp_path / "choice.pdf", form, fid, text)

    response = read_form(path)
    assert response.values[fid] is None
    assert any(w.startswith(f"{fid}: the text in its box matches none of its options") for w in response.warnings)
    assert text not in " ".join(response.warnings)
    done = cse("score", path)
    assert "internal error" not in done.stderr and done.returncode != 70, done.stderr
    assert json.loads(done.stdout)["values"][fid] is None


@pytest.mark.slow
def test_ingest_records_it_for_review(tmp_path: Path, db_url: str) -> None:
    flat, _ = flat_return(tmp_path, HIL, risk__category=None)
    path = write_in_box(flat, tmp_path / "choice.pdf", HIL, "risk.category", "Very high")
    cid = no_character_maps(REPO / "samples" / "flat-high-mupdf.pdf", tmp_path / "cid.pdf")
    with Store.open(db_url) as store:
        report = ingest([path, cid], store, tmp_path / "out", workers=1)
    assert [o.kind for o in report.outcomes] == [NEEDS_REVIEW, NEEDS_REVIEW]
    assert all("unreadable-text" in o.review for o in report.outcomes)
