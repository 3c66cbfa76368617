"""What real viewers need from the generated form (shared/PDF_FORMS_NOTES.md), checked on the PDF itself."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.forms import REPO
from pypdf import PdfReader

from cse_pdf.blank.generate import generate
from cse_pdf.form.blocks import IDENTITY_FIELD
from cse_pdf.form.catalog import current_forms
from cse_pdf.form.derived import live_fields
from cse_pdf.pdf.fields import collect_fields, on_states


@pytest.fixture
def spec(each_form):
    return each_form[0]


@pytest.fixture
def blank_pdf(each_form) -> Path:
    return each_form[1]


@pytest.fixture
def reader(blank_pdf: Path) -> PdfReader:
    return PdfReader(blank_pdf)


def _all_nodes(reader: PdfReader):
    stack = list(reader.trailer["/Root"]["/AcroForm"]["/Fields"])
    while stack:
        node = stack.pop().get_object()
        yield node
        stack.extend(node.get("/Kids", []))


def test_every_spec_field_is_in_the_pdf_under_its_id(reader, spec) -> None:
    fields = collect_fields(reader)
    assert set(fields) == {f.id for f in spec.fields} | {IDENTITY_FIELD} | set(_calculated(spec))


def test_partial_names_have_no_periods(reader) -> None:
    names = [str(n["/T"]) for n in _all_nodes(reader) if "/T" in n]
    assert names and all("." not in n for n in names)


def test_nothing_is_required_by_accident_and_text_has_no_maxlen(reader, spec) -> None:
    fields = collect_fields(reader)
    for f in spec.fields:
        node = fields[f.id]
        assert int(node.inherited("/Ff") or 0) & 2 == 0, f.id
        assert "/MaxLen" not in node.node, f.id


def test_every_field_has_a_tooltip_with_its_label(reader, spec) -> None:
    fields = collect_fields(reader)
    for f in spec.fields:
        assert f.label in str(fields[f.id].node["/TU"]), f.id


def test_radio_kids_have_distinct_on_states_matching_the_options(reader, spec) -> None:
    fields = collect_fields(reader)
    for f in spec.fields:
        if f.type == "radio":
            assert on_states(fields[f.id]) == [o.value for o in f.options], f.id


def test_every_widget_has_an_appearance_and_the_form_does_not_ask_viewers_to_make_them(reader) -> None:
    acro = reader.trailer["/Root"]["/AcroForm"]
    assert acro.get("/NeedAppearances", False) == False  # noqa: E712 (a PDF boolean)
    assert "/XFA" not in acro
    assert "/Perms" not in reader.trailer["/Root"]
    for page in reader.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            if annot.get("/T") != IDENTITY_FIELD:
                assert "/AP" in annot


def test_tab_order_follows_reading_order(reader, spec) -> None:
    """Widgets sit in /Annots in the order a reader meets them, page by page."""
    order = []
    for page in reader.pages:
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            fid = _qualified(annot)
            if fid != IDENTITY_FIELD and fid not in order:
                order.append(fid)
    expected = []
    for f in spec.fields:
        expected += [f.id] + (_calculated(spec) if f.id == spec.live_after else [])
    assert order == expected


def _calculated(spec) -> list[str]:
    return [f"calculated.{name}" for name in live_fields(spec)]


def _qualified(annot) -> str:
    node = annot if "/T" in annot else annot["/Parent"].get_object()
    parts = []
    while node is not None:
        parts.append(str(node["/T"]))
        node = node.get("/Parent").get_object() if "/Parent" in node else None
    return ".".join(reversed(parts))


@pytest.mark.skipif(shutil.which("qpdf") is None and not __import__("os").environ.get("CI"), reason="qpdf not installed")
def test_qpdf_finds_no_structural_errors(blank_pdf: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(blank_pdf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_generating_twice_gives_the_same_bytes(spec) -> None:
    assert generate(spec) == generate(spec)


@pytest.mark.parametrize("form", current_forms(), ids=lambda s: s.id)
def test_committed_blank_form_is_up_to_date(form) -> None:
    committed = REPO / "forms" / f"{form.id}.pdf"
    assert committed.read_bytes() == generate(form), f"run: cse-pdf generate {form.id} -o forms/{form.id}.pdf"


def test_blank_identity_names_form_version_and_no_copy(reader, spec) -> None:
    from cse_pdf.form.identity import Identity

    identity = Identity.decode(str(collect_fields(reader)[IDENTITY_FIELD].node["/V"]))
    assert identity == Identity(spec.id, spec.version, spec.content_hash, "")


def test_pages_are_a4(reader) -> None:
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)


def test_text_fields_type_with_an_embedded_font_that_has_every_letter_of_a_name(reader, spec) -> None:
    """Viewers redraw typed text with the /DA font: it must be embedded and map back to Unicode,
    or 'Zoë Łódź' loses letters (tests/test_visibility.py shows it in the engines)."""
    fonts = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]
    fields = collect_fields(reader)
    for f in spec.fields:
        if f.type in ("text", "multiline"):
            assert fields[f.id].inherited("/DA").split()[0] == "/CseSans", f.id
        elif f.type in ("date", "dropdown"):  # WinAnsi holds every value: the font pdftk and qpdf type with too
            assert fields[f.id].inherited("/DA").split()[0] == "/CseSansWin", f.id
    winansi = fonts["/CseSansWin"].get_object()
    assert (winansi["/Subtype"], winansi["/Encoding"]) == ("/TrueType", "/WinAnsiEncoding")
    assert len(winansi["/Widths"]) == 224 and winansi["/FontDescriptor"]["/FontFile2"].get_data()[:4] == b"\x00\x01\x00\x00"
    font = fonts["/CseSans"].get_object()
    cid_font = font["/DescendantFonts"][0].get_object()
    assert cid_font["/FontDescriptor"]["/FontFile2"].get_data()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    to_unicode = font["/ToUnicode"].get_data().decode()
    for ch in "Zoë Łódź Ngozi Okonkwo-Ødegård Şişli Ελένη Ольга":
        assert f"<{ord(ch):04X}>" in to_unicode, ch


def test_free_text_names_the_unicode_font_where_viewers_look_and_the_winansi_font_where_qpdf_looks(
        reader, spec) -> None:
    """One /DA name, /CseSans, looked up in different places: the field's own /DR and the form's /DR (pdf.js,
    pypdf, PDFium, Poppler, MuPDF, Acrobat) give the Unicode font; the empty box's appearance resources, which
    qpdf reads first, give the WinAnsi font, the only kind qpdf encodes text for (form_font.py)."""
    fonts = reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]
    unicode_font, winansi_font = fonts["/CseSans"].get_object(), fonts["/CseSansWin"].get_object()
    fields = collect_fields(reader)
    free_text = [f for f in spec.fields if fields[f.id].inherited("/DA").split()[0] == "/CseSans"]
    assert {f.type for f in free_text} >= {"text", "multiline"}
    for f in free_text:
        for widget in fields[f.id].widgets:
            own = widget.get_object()["/DR"]["/Font"].get_object().get("/CseSans")
            shown = widget.get_object()["/AP"]["/N"].get_object()["/Resources"]["/Font"]
            # a direct copy of the form's Unicode font: pdftk-java treats only an indirect one as the field's
            # font (and cannot draw with a Type0 one), so it falls back to its own Helvetica (form_font.py)
            assert own == unicode_font and not hasattr(own, "indirect_reference"), f.id
            assert shown["/CseSans"].get_object() is winansi_font, f.id
            assert shown["/CseSansU"].get_object() is unicode_font, f.id
