"""Issue 14 §1: a field that could read two ways is never read one way silently.

Each hostile return is a real filled sample with something added: a second terminal of the same name,
a duplicate widget, a hidden (Hidden/NoView) or zero-size widget. What a viewer shows wins where it shows
one value; every disagreement is a warning naming the field id only, and the review code
`conflicting-values`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pikepdf
import pytest
from helpers.cli import cse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from cse_pdf.assess.claims import assess_return
from cse_pdf.assess.person import keys_of
from cse_pdf.assess.review import review_reasons
from cse_pdf.assess.review_codes import REASONS
from cse_pdf.ingest import NEEDS_REVIEW, ingest
from cse_pdf.pdf.fields import collect_fields
from cse_pdf.returned.read import read_form
from cse_pdf.store import Store

REPO = Path(__file__).resolve().parent.parent
HIGH = REPO / "samples" / "high-mupdf.pdf"  # risk.drug_use 5, client.dob 11/11/2012, risk.category 3, disclosure ticked
RV = REPO / "samples" / "rv-high-chromium.pdf"
HIDDEN, NO_VIEW = 2, 32


def page_holding(pdf: pikepdf.Pdf, widget: pikepdf.Object) -> pikepdf.Object:
    return next(p.obj for p in pdf.pages if any(a.objgen == widget.objgen for a in p.obj.get("/Annots", [])))


def copy_widget(pdf: pikepdf.Pdf, widget: pikepdf.Object, **changes: object) -> pikepdf.Object:
    """A second widget like `widget` (same parent, same page, same appearances), with `changes`, placed."""
    new = pikepdf.Dictionary({k: widget[k] for k in widget.keys()})
    for key, value in changes.items():
        new["/" + key] = value
    ref = pdf.make_indirect(new)
    page_holding(pdf, widget).Annots.append(ref)
    if "/Parent" in widget:  # a radio kid, or a merged field under its parent: a sibling of the same name
        widget.Parent.Kids.append(ref)
    else:
        pdf.Root.AcroForm.Fields.append(ref)
    return ref


def kid_for(pdf: pikepdf.Pdf, name: str, state: str) -> pikepdf.Object:
    f = collect_fields(pdf)[name]
    return next(w for w in f.widgets if f.on_state(w) == state)


def hostile(tmp_path: Path, change: Callable[[pikepdf.Pdf], None], source: Path = HIGH) -> Path:
    out = tmp_path / "hostile.pdf"
    with pikepdf.open(source) as pdf:
        change(pdf)
        pdf.save(out)
    return out


def conflicts(path: Path) -> list[str]:
    return [w for w in read_form(path).warnings if "could be read more than one way" in w]


# -- what a viewer shows wins, and the other reading is reported ----------------------------------------------

def hidden_group_first_in_fields(pdf: pikepdf.Pdf) -> None:
    """A terminal of the same name, at the top of /Fields (another hierarchy path: a dotted /T), no widget."""
    pdf.Root.AcroForm.Fields.insert(0, pdf.make_indirect(pikepdf.Dictionary(
        T=pikepdf.String("risk.drug_use"), FT=pikepdf.Name.Btn, Ff=49152, V=pikepdf.Name("/1"))))


def hidden_kid_on(flags: int) -> Callable[[pikepdf.Pdf], None]:
    def change(pdf: pikepdf.Pdf) -> None:
        copy_widget(pdf, kid_for(pdf, "risk.drug_use", "1"), AS=pikepdf.Name("/1"), F=flags)
    return change


def zero_size_kid_on(pdf: pikepdf.Pdf) -> None:
    copy_widget(pdf, kid_for(pdf, "risk.drug_use", "1"), AS=pikepdf.Name("/1"), Rect=[300, 300, 300, 300])


def off_page_kid_on(pdf: pikepdf.Pdf) -> None:
    """Drawn far outside the page (and its crop box): on the page's list, never on the screen."""
    copy_widget(pdf, kid_for(pdf, "risk.drug_use", "1"), AS=pikepdf.Name("/1"), Rect=[-500, -500, -480, -480])


def cropped_away_text_twin(pdf: pikepdf.Pdf) -> None:
    """Inside the MediaBox but outside a CropBox given to its page: viewers show the crop box only."""
    dob = collect_fields(pdf)["client.dob"].node
    page = page_holding(pdf, dob)
    width, height = (float(v) for v in page.MediaBox[2:4])
    page.CropBox = [0, 20, width, height]
    copy_widget(pdf, dob, V=pikepdf.String("01/01/2001"), Rect=[50, 2, 200, 18])


def hidden_text_twin(pdf: pikepdf.Pdf) -> None:
    dob = collect_fields(pdf)["client.dob"].node
    copy_widget(pdf, dob, V=pikepdf.String("01/01/2001"), F=HIDDEN)


def zero_size_dropdown_twin_first(pdf: pikepdf.Pdf) -> None:
    """risk.category again as a merged field at the top level, on the page but with no area, read first."""
    category = collect_fields(pdf)["risk.category"].node
    new = pikepdf.Dictionary({k: category[k] for k in category.keys() if k != "/Parent"})
    new.T, new.V, new.Rect = pikepdf.String("risk.category"), pikepdf.String("0"), [10, 10, 10, 10]
    ref = pdf.make_indirect(new)
    page_holding(pdf, category).Annots.append(ref)
    pdf.Root.AcroForm.Fields.insert(0, ref)


def hidden_checkbox_twin_off(pdf: pikepdf.Pdf) -> None:
    box = collect_fields(pdf)["concern.disclosure"].node
    copy_widget(pdf, box, AS=pikepdf.Name.Off, V=pikepdf.Name.Off, F=NO_VIEW)


def ticked_twin_without_widget(pdf: pikepdf.Pdf) -> None:
    """An unticked box, and in /Fields a bare field of the same name claiming it ticked."""
    pdf.Root.AcroForm.Fields.append(pdf.make_indirect(pikepdf.Dictionary(
        T=pikepdf.String("concern.older_relationship"), FT=pikepdf.Name.Btn, V=pikepdf.Name("/Yes"))))


SHOWN_WINS = {  # change → (field id, the value every viewer shows)
    "hidden-terminal-first-in-fields": (hidden_group_first_in_fields, "risk.drug_use", "5"),
    "hidden-radio-kid-on": (hidden_kid_on(HIDDEN), "risk.drug_use", "5"),
    "noview-radio-kid-on": (hidden_kid_on(NO_VIEW | 4), "risk.drug_use", "5"),
    "zero-size-radio-kid-on": (zero_size_kid_on, "risk.drug_use", "5"),
    "off-page-radio-kid-on": (off_page_kid_on, "risk.drug_use", "5"),
    "cropped-away-text-twin": (cropped_away_text_twin, "client.dob", "11/11/2012"),
    "hidden-text-twin": (hidden_text_twin, "client.dob", "11/11/2012"),
    "zero-size-dropdown-twin-first": (zero_size_dropdown_twin_first, "risk.category", "3"),
    "hidden-checkbox-twin-off": (hidden_checkbox_twin_off, "concern.disclosure", True),
    "ticked-checkbox-twin-without-widget": (ticked_twin_without_widget, "concern.older_relationship", False),
}


@pytest.mark.parametrize("case", SHOWN_WINS)
def test_the_value_a_viewer_shows_wins_and_the_other_is_reported(case: str, tmp_path: Path) -> None:
    change, fid, shown = SHOWN_WINS[case]
    path = hostile(tmp_path, change)

    response = read_form(path)

    assert response.values == read_form(HIGH).values  # every answer as shown, this one included
    assert response.values[fid] == shown
    (warning,) = conflicts(path)
    assert warning.startswith(f"field {fid} could be read more than one way")
    assert "conflicting-values" in review_reasons(response, assess_return(response),
                                                  keys_of(response.spec, response.values))


def test_the_warning_names_the_field_and_never_its_values(tmp_path: Path) -> None:
    (warning,) = conflicts(hostile(tmp_path, hidden_text_twin))
    assert "11/11/2012" not in warning and "01/01/2001" not in warning and "2012" not in warning


# -- where what is shown is itself ambiguous, no value is picked ---------------------------------------------

def visible_kid_on(pdf: pikepdf.Pdf) -> None:
    copy_widget(pdf, kid_for(pdf, "risk.drug_use", "1"), AS=pikepdf.Name("/1"))


def only_a_hidden_kid_on(pdf: pikepdf.Pdf) -> None:
    f = collect_fields(pdf)["risk.drug_use"]
    for w in f.widgets:
        w.AS = pikepdf.Name.Off
    del f.node["/V"]
    copy_widget(pdf, kid_for(pdf, "risk.drug_use", "1"), AS=pikepdf.Name("/1"), F=HIDDEN)


def visible_text_twin(pdf: pikepdf.Pdf) -> None:
    copy_widget(pdf, collect_fields(pdf)["client.dob"].node, V=pikepdf.String("01/01/2001"))


def visible_checkbox_twin_off(pdf: pikepdf.Pdf) -> None:
    box = collect_fields(pdf)["concern.disclosure"].node
    copy_widget(pdf, box, AS=pikepdf.Name.Off, V=pikepdf.Name.Off)


AMBIGUOUS = {
    "two-visible-radio-kids-on": (visible_kid_on, "risk.drug_use"),
    "visible-kids-off-hidden-kid-on": (only_a_hidden_kid_on, "risk.drug_use"),
    "two-visible-text-fields": (visible_text_twin, "client.dob"),
    "two-visible-checkboxes": (visible_checkbox_twin_off, "concern.disclosure"),
}


@pytest.mark.parametrize("case", AMBIGUOUS)
def test_disagreement_in_what_is_shown_reads_as_unanswered_and_is_reported(case: str, tmp_path: Path) -> None:
    change, fid = AMBIGUOUS[case]
    path = hostile(tmp_path, change)
    response = read_form(path)
    assert response.values[fid] is None
    assert [w.split(" could be read")[0] for w in conflicts(path)] == [f"field {fid}"]
    assert len(response.warnings) == 1  # said once, not also as "not one of its options"


# -- a copy that agrees with itself is no news --------------------------------------------------------------

def hidden_twins_that_agree(pdf: pikepdf.Pdf) -> None:
    copy_widget(pdf, kid_for(pdf, "risk.drug_use", "5"), AS=pikepdf.Name("/5"), F=HIDDEN)
    copy_widget(pdf, collect_fields(pdf)["client.dob"].node, F=HIDDEN)
    copy_widget(pdf, collect_fields(pdf)["concern.disclosure"].node, Rect=[0, 0, 0, 0])


def test_hidden_copies_saying_the_same_are_not_flagged(tmp_path: Path) -> None:
    path = hostile(tmp_path, hidden_twins_that_agree)
    assert read_form(path).values == read_form(HIGH).values
    assert conflicts(path) == []


def test_the_other_form_and_another_writer_too(tmp_path: Path) -> None:
    """A Risk and Vulnerability return saved by Chromium, with a hidden second copy of a scored radio."""
    before = read_form(RV)
    radio = next(f for f in before.spec.fields if f.type == "radio" and before.values.get(f.id) is not None)
    answer = before.values[radio.id]
    other = next(o.value for o in radio.options if o.value != answer)

    def change(pdf: pikepdf.Pdf) -> None:
        copy_widget(pdf, kid_for(pdf, radio.id, other), AS=pikepdf.Name("/" + other), F=HIDDEN)

    path = hostile(tmp_path, change, RV)
    assert read_form(path).values == before.values
    assert len(conflicts(path)) == 1 and radio.id in conflicts(path)[0]


def test_a_duplicate_added_with_pypdf_is_caught_too(tmp_path: Path) -> None:
    """Another library's way of adding a field: pypdf, a merged text widget hidden in /Fields first."""
    writer = PdfWriter(clone_from=PdfReader(HIGH))
    twin = writer._add_object(_pypdf_text_field("client.dob", "02/02/2002"))
    writer._root_object["/AcroForm"]["/Fields"].insert(0, twin)
    path = tmp_path / "pypdf.pdf"
    writer.write(path)
    assert read_form(path).values["client.dob"] == "11/11/2012"
    assert len(conflicts(path)) == 1


def _pypdf_text_field(name: str, value: str):
    from pypdf.generic import DictionaryObject

    return DictionaryObject({NameObject("/T"): TextStringObject(name), NameObject("/FT"): NameObject("/Tx"),
                             NameObject("/V"): TextStringObject(value)})


# -- through score and ingest --------------------------------------------------------------------------------

def test_score_counts_what_is_shown_and_says_why(tmp_path: Path) -> None:
    path = hostile(tmp_path, hidden_group_first_in_fields)
    done = cse("score", path)
    original = cse("score", HIGH)
    assert done.returncode == original.returncode, done.stderr
    out, before = json.loads(done.stdout), json.loads(original.stdout)
    assert out["assessment"]["total"] == before["assessment"]["total"]  # the 5 counted, not the hidden 1
    assert any("risk.drug_use could be read more than one way" in w for w in out["warnings"])


@pytest.mark.slow
def test_ingest_puts_such_a_return_in_needs_review(tmp_path: Path, db_url: str) -> None:
    path = hostile(tmp_path, hidden_kid_on(HIDDEN))
    with Store.open(db_url) as store:
        report = ingest([path], store, tmp_path / "out", workers=1)
    (outcome,) = report.outcomes
    assert outcome.kind == NEEDS_REVIEW
    assert "conflicting-values" in outcome.review
    assert "reading-warnings" not in outcome.review  # said precisely, once


def test_the_review_code_is_described_in_plain_words() -> None:
    assert "hidden" in REASONS["conflicting-values"] and "two ways" in REASONS["conflicting-values"]


@pytest.mark.parametrize("case", ["hidden-terminal-first-in-fields", "hidden-text-twin", "off-page-radio-kid-on"])
def test_the_stamped_copy_says_so_and_reads_as_shown(case: str, tmp_path: Path) -> None:
    from cse_pdf.stamp.stamped_copy import stamp

    change, fid, shown = SHOWN_WINS[case]
    stamped = stamp(hostile(tmp_path, change))
    copy = tmp_path / "stamped.pdf"
    copy.write_bytes(stamped.pdf)
    summary = " ".join((PdfReader(copy).pages[0].extract_text() or "").split())
    assert f"{fid} could be read more than one way" in summary
    assert read_form(copy).values == read_form(HIGH).values
    assert conflicts(copy) == []  # every twin now holds what was read, so the copy reads one way


def test_a_second_form_identity_is_reported_too(tmp_path: Path) -> None:
    """The hidden identity field names the form, version and layout hash: a twin claiming another is news."""
    def change(pdf: pikepdf.Pdf) -> None:
        marker = collect_fields(pdf)["cse_pdf_form"].node
        other = str(marker.V).replace("hash=78ccaec7", "hash=00000000")
        pdf.Root.AcroForm.Fields.append(pdf.make_indirect(pikepdf.Dictionary(
            T=pikepdf.String("cse_pdf_form"), FT=pikepdf.Name.Tx, V=pikepdf.String(other))))

    path = hostile(tmp_path, change)
    response = read_form(path)
    assert response.values == read_form(HIGH).values
    assert any(w.startswith("the form's identity field could be read more than one way") for w in response.warnings)
    assert "conflicting-values" in review_reasons(response, assess_return(response),
                                                  keys_of(response.spec, response.values))
