"""A returned form is a claim, not a fact: what was changed outside the form is flagged, never trusted.

Each case starts from a real return (samples/low-pdfium.pdf, Chrome's engine) changed with pypdf as
someone editing the file by hand would; the reader must flag it (warnings are shown by `score`, on
the stamped summary page, and mark an ingested form for review) and must not crash or guess.
"""

from __future__ import annotations

from pathlib import Path

from helpers.cli import cse
from helpers.forms import REPO
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from cse_pdf.assess.claims import assess_return
from cse_pdf.form.blocks import IDENTITY_FIELD
from cse_pdf.form.identity import Identity
from cse_pdf.pdf.fields import collect_fields
from cse_pdf.returned.read import read_form

SAMPLE = REPO / "samples" / "low-pdfium.pdf"


def changed(tmp_path: Path, change) -> Path:
    writer = PdfWriter(clone_from=PdfReader(SAMPLE))
    change(writer)
    out = tmp_path / "changed.pdf"
    with open(out, "wb") as fh:
        writer.write(fh)
    return out


def test_a_radio_set_to_a_value_the_form_never_offered(tmp_path: Path) -> None:
    def set_nine(writer):
        f = collect_fields(writer)["risk.drug_use"]
        f.node[NameObject("/V")] = NameObject("/9")
        for w in f.widgets:
            w[NameObject("/AS")] = NameObject("/Off")
        f.widgets[0][NameObject("/AS")] = NameObject("/9")

    response = read_form(changed(tmp_path, set_nine))

    assert response.values["risk.drug_use"] is None
    assert any("risk.drug_use holds a value that is not one of its options" in w for w in response.warnings)
    assert "risk.drug_use" in assess_return(response).unanswered


def test_a_category_typed_outside_the_list_does_not_break_scoring(tmp_path: Path) -> None:
    def category_nine(writer):
        collect_fields(writer)["risk.category"].node[NameObject("/V")] = TextStringObject("9")

    response = read_form(changed(tmp_path, category_nine))
    assessment = assess_return(response)

    assert response.values["risk.category"] is None and assessment.stated_level is None
    assert any("risk.category holds a value that is not one of its options" in w for w in response.warnings)


def test_a_field_renamed_and_one_added_are_both_reported(tmp_path: Path) -> None:
    def rename_and_add(writer):
        collect_fields(writer)["client.postcode"].node[NameObject("/T")] = TextStringObject("postcode2")
        extra = DictionaryObject({NameObject("/T"): TextStringObject("secret_note"), NameObject("/FT"): NameObject("/Tx"),
                                  NameObject("/V"): TextStringObject("anything"),
                                  NameObject("/Subtype"): NameObject("/Widget"),
                                  NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4)})
        ref = writer._add_object(extra)
        writer._root_object["/AcroForm"]["/Fields"].append(ref)

    response = read_form(changed(tmp_path, rename_and_add))

    assert "field client.postcode is missing from the PDF" in response.warnings
    [extra] = [w for w in response.warnings if "does not have" in w]
    assert "2 field(s)" in extra and "client.postcode2" in extra and "secret_note" in extra
    assert "anything" not in " ".join(response.warnings)  # never the contents


def test_an_identity_edited_to_another_layout_hash_is_flagged(tmp_path: Path) -> None:
    def edit_hash(writer):
        node = collect_fields(writer)[IDENTITY_FIELD].node
        ident = Identity.decode(str(node["/V"]))
        node[NameObject("/V")] = TextStringObject(Identity(ident.form, ident.version, "0" * 16, ident.instance).encode())

    response = read_form(changed(tmp_path, edit_hash))

    assert any("differs from layout hillingdon-cse" in w for w in response.warnings)


def test_score_prints_the_flags_and_still_exits_zero(tmp_path: Path) -> None:
    """A changed form is read and scored (its flags say what to check), not refused."""
    def category_nine(writer):
        collect_fields(writer)["risk.category"].node[NameObject("/V")] = TextStringObject("9")

    done = cse("score", changed(tmp_path, category_nine))

    assert done.returncode == 0, done.stderr
    assert "not one of its options" in done.stdout
