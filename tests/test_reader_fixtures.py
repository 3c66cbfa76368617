"""What viewers do to forms, reproduced from a real engine's output: the reader must still get every value.

Each fixture starts from a PDFium-filled return (samples/low-pdfium.pdf, Chrome's engine) and is
altered with pypdf the way the real-world case describes (shared/PDF_FORMS_NOTES.md).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import pytest
from helpers.forms import REPO
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, BooleanObject, NameObject, TextStringObject

from cse_pdf.pdf.fields import collect_fields
from cse_pdf.returned.read import read_form

SAMPLE = REPO / "samples" / "low-pdfium.pdf"
EXPECTED = json.loads(SAMPLE.with_suffix(".expected.json").read_text(encoding="utf-8"))["values"]


def altered(tmp_path: Path, change: Callable[[PdfWriter], None], incremental: bool = False) -> Path:
    writer = PdfWriter(SAMPLE, incremental=incremental) if incremental else PdfWriter(clone_from=PdfReader(SAMPLE))
    change(writer)
    out = tmp_path / "altered.pdf"
    with open(out, "wb") as fh:
        writer.write(fh)
    return out


def field(writer: PdfWriter, fid: str):
    return collect_fields(writer)[fid]


def test_widgets_only_in_page_annots_as_macos_preview_leaves_them(tmp_path: Path) -> None:
    def drop_from_fields(w: PdfWriter) -> None:
        acro = w._root_object["/AcroForm"].get_object()
        acro[NameObject("/Fields")] = ArrayObject(list(acro["/Fields"])[:2])  # Preview kept only a few

    assert read_form(altered(tmp_path, drop_from_fields)).values == EXPECTED


def test_a_kid_value_newer_than_its_parents_as_firefox_wrote_it(tmp_path: Path) -> None:
    def stale_parent(w: PdfWriter) -> None:
        f = field(w, "risk.education")  # was "2"; the worker changed it to "4"
        f.node[NameObject("/V")] = NameObject("/2")
        for kid in f.widgets:
            state = [k for k in kid["/AP"]["/N"] if k != "/Off"][0]
            kid[NameObject("/AS")] = NameObject(state if state == "/4" else "/Off")
            if state == "/4":
                kid[NameObject("/V")] = NameObject("/4")

    assert read_form(altered(tmp_path, stale_parent)).values["risk.education"] == "4"


def test_radio_value_written_as_a_string_as_pypdf_does(tmp_path: Path) -> None:
    def string_value(w: PdfWriter) -> None:
        f = field(w, "risk.drug_use")
        f.node[NameObject("/V")] = TextStringObject("/2")
        for kid in f.widgets:
            kid[NameObject("/V")] = TextStringObject("/2")

    assert read_form(altered(tmp_path, string_value)).values["risk.drug_use"] == "2"


@pytest.mark.parametrize("on_state", ["On", "1", "Ja"])
def test_checkbox_on_states_other_than_yes(on_state: str, tmp_path: Path) -> None:
    def rename(w: PdfWriter) -> None:
        for fid in ("concern.going_missing", "concern.disclosure"):
            widget = field(w, fid).widgets[0]
            normal = widget["/AP"]["/N"]
            normal[NameObject("/" + on_state)] = normal.raw_get("/Yes")
            del normal["/Yes"]
            if widget["/AS"] == "/Yes":
                widget[NameObject("/AS")] = NameObject("/" + on_state)
                widget[NameObject("/V")] = NameObject("/" + on_state)

    values = read_form(altered(tmp_path, rename)).values
    assert (values["concern.going_missing"], values["concern.disclosure"]) == (True, False)


def test_radio_kids_named_by_index_with_export_values_in_opt(tmp_path: Path) -> None:
    def by_index(w: PdfWriter) -> None:
        f = field(w, "client.gender")  # sample: "male", the second option
        exports = []
        for i, kid in enumerate(f.widgets):
            normal = kid["/AP"]["/N"]
            on = [k for k in normal if k != "/Off"][0]
            exports.append(TextStringObject(on[1:]))
            normal[NameObject(f"/{i}")] = normal.raw_get(on)
            del normal[on]
            kid[NameObject("/AS")] = NameObject(f"/{i}" if kid["/AS"] == on else "/Off")
        f.node[NameObject("/Opt")] = ArrayObject(exports)
        f.node[NameObject("/V")] = NameObject("/1")

    assert read_form(altered(tmp_path, by_index)).values["client.gender"] == "male"


def test_text_in_pdfdocencoding(tmp_path: Path) -> None:
    from pypdf.generic import ByteStringObject

    def pdfdoc(w: PdfWriter) -> None:
        field(w, "client.name").node[NameObject("/V")] = ByteStringObject(b"Zo\xeb Example")  # ë in PDFDocEncoding

    assert read_form(altered(tmp_path, pdfdoc)).values["client.name"] == "Zoë Example"


def test_utf16_text_with_bom_and_every_line_ending(tmp_path: Path) -> None:
    from pypdf.generic import ByteStringObject

    def utf16(w: PdfWriter) -> None:
        raw = "Zoë Łódź\r\nline two\rline three\nend".encode("utf-16-be")
        field(w, "client.address").node[NameObject("/V")] = ByteStringObject(b"\xfe\xff" + raw)

    assert read_form(altered(tmp_path, utf16)).values["client.address"] == "Zoë Łódź\nline two\nline three\nend"


def test_a_value_that_is_an_array_of_itself_reads_as_unanswered_and_fast(tmp_path: Path) -> None:
    """A hostile /V: an array holding itself many times is cut off, not followed 2**depth times."""
    from pypdf.generic import IndirectObject

    def self_array(w: PdfWriter) -> None:
        array = ArrayObject()
        ref = w._add_object(array)
        array.extend(IndirectObject(ref.idnum, 0, w) for _ in range(40))
        field(w, "client.name").node[NameObject("/V")] = ref

    started = time.monotonic()
    values = read_form(altered(tmp_path, self_array)).values
    assert values["client.name"] is None
    assert {k: v for k, v in values.items() if k != "client.name"} == \
        {k: v for k, v in EXPECTED.items() if k != "client.name"}
    assert time.monotonic() - started < 10


def test_need_appearances_set_and_appearances_removed(tmp_path: Path) -> None:
    def strip(w: PdfWriter) -> None:
        w._root_object["/AcroForm"].get_object()[NameObject("/NeedAppearances")] = BooleanObject(True)
        for f in collect_fields(w).values():
            for widget in f.widgets:
                if widget.get("/FT", f.inherited("/FT")) == "/Tx":
                    widget.pop("/AP", None)

    assert read_form(altered(tmp_path, strip)).values == EXPECTED


def test_saved_incrementally_twice_the_newest_revision_wins(tmp_path: Path) -> None:
    first = altered(tmp_path, lambda w: field(w, "client.postcode").node.__setitem__(
        NameObject("/V"), TextStringObject("AA1 1AA")), incremental=True)
    second_writer = PdfWriter(first, incremental=True)
    field(second_writer, "client.postcode").node[NameObject("/V")] = TextStringObject("BB2 2BB")
    second = tmp_path / "second.pdf"
    with open(second, "wb") as fh:
        second_writer.write(fh)
    assert second.read_bytes().count(b"%%EOF") >= 3
    assert read_form(second).values["client.postcode"] == "BB2 2BB"


def test_a_return_from_an_older_layout_reads_by_that_layout_with_a_note(tmp_path, monkeypatch) -> None:
    """The Board renames a field and adds one (version 2); a worker returns a copy of version 1 filled in
    Chrome's engine. Its values are read and keyed by version 1's fields, and the reader says so."""
    from cse_pdf.form import catalog

    layouts = tmp_path / "layouts"
    (layouts / "archive").mkdir(parents=True)
    v1 = (REPO / "layouts" / "hillingdon-cse.yaml").read_text(encoding="utf-8")
    (layouts / "archive" / "hillingdon-cse-v1.yaml").write_text(v1, encoding="utf-8")
    v2 = (v1.replace('version: "1"', 'version: "2"', 1)
            .replace("{id: client.disability,", "{id: client.disabilities,", 1)
            .replace("{id: client.postcode, type: text, label: Postcode, width: 0.4}",
                     "{id: client.postcode, type: text, label: Postcode, width: 0.4}\n"
                     "          - {id: client.phone, type: text, label: Phone}", 1))
    assert v2.count('version: "2"') == 1 and "client.disabilities" in v2 and "client.phone" in v2
    (layouts / "hillingdon-cse.yaml").write_text(v2, encoding="utf-8")
    monkeypatch.setattr(catalog, "layouts_dir", lambda: layouts)

    response = read_form(SAMPLE)

    assert (response.spec.version, response.identity.version) == ("1", "1")
    assert response.values == EXPECTED
    assert "client.disability" in response.values and "client.phone" not in response.values
    assert response.warnings == ["made from version 1 of form hillingdon-cse (current: 2); values are read and "
                                 "keyed by version 1's fields"]
