"""`export --format xlsx` is written for people: label headings (ids in a Codebook sheet), choices as labels
(`--codes` for export values), real numbers and dates, review reasons in words, a People sheet, and a layout
a reader can work with (widths, wrapping, autofilter, frozen header and name column). Checked with openpyxl."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from helpers.cli import cse
from helpers.forms import fictional_return, write_return

from cse_pdf.assess.review_codes import REASONS, ReviewCode
from cse_pdf.export import _headings
from cse_pdf.form.blocks import Field
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import ingest
from cse_pdf.store import Store

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"
NOTES = "A long note. " * 12  # longer than a column is wide: it must wrap


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Hillingdon return with an unanswered scored question, and an R&V return naming two of its eight people."""
    tmp = tmp_path_factory.mktemp("readable")
    hil, rv = find_form(HIL), find_form(RV)
    unnamed = {f"people__{n}__{col}": "" for n in range(3, 9) for col in ("name", "relationship", "contact", "notes")}
    unnamed.update({f"people__{n}__role": None for n in range(3, 9)})
    files = [
        write_return(tmp / "hil.pdf", hil, fictional_return(hil, name="Ada Testperson", dob="14/07/2010",
                                                            completed="10/01/2024", pick=1, risk__drug_use=None,
                                                            client__disability=NOTES)),
        write_return(tmp / "rv.pdf", rv, fictional_return(rv, name="Cleo Madeup", dob="30/09/2009",
                                                          completed="12/04/2024", people__2__name="Dev Invented",
                                                          **unnamed)),
    ]
    url = str(tmp / "db.sqlite3")
    with Store.open(url) as store:
        ingest(files, store, tmp / "out", workers=1)
    return url


def workbook(db: str, out: Path, *extra: str) -> openpyxl.Workbook:
    done = cse("export", "--db", db, "--format", "xlsx", "-o", out, *extra)
    assert done.returncode == 0, done.stderr
    return openpyxl.load_workbook(out)


def rows_of(ws: Any) -> list[dict[str, Any]]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]


@pytest.fixture(scope="module")
def book(db: str, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    return workbook(db, tmp_path_factory.mktemp("book") / "board.xlsx")


@pytest.mark.slow
def test_headings_are_labels_and_the_codebook_names_each_columns_id_type_and_options(book: Any) -> None:
    header = [c.value for c in book[HIL][1]]
    assert "Client’s Name" in header and "3) Drug use" in header and not any("." in h and h.islower() for h in header)
    assert "Address (client)" in header and "Address (agency)" in header  # a label two fields share says whose
    codebook = {(r["Sheet"], r["Heading"]): r for r in rows_of(book["Codebook"])}
    drugs = codebook[(HIL, "3) Drug use")]
    assert drugs["Field id"] == "risk.drug_use" and drugs["Type"] == "radio"
    assert drugs["Options (export value = label)"].splitlines()[0] == "1 = No concerns."
    assert header[openpyxl.utils.column_index_from_string(drugs["Column"]) - 1] == "3) Drug use"
    assert codebook[(HIL, "Total")]["Type"] == "calculated by cse-pdf"
    assert codebook[("People", "Name")]["Field id"] == "people.N.name"


@pytest.mark.slow
def test_choices_are_labels_and_codes_gives_their_export_values(book: Any, db: str, tmp_path: Path) -> None:
    [ada] = rows_of(book[HIL])
    gender = find_form(HIL).field_map["client.gender"]
    assert ada["Gender"] == gender.options[1].label != gender.options[1].value
    coded = workbook(db, tmp_path / "codes.xlsx", "--codes")
    [ada_coded] = rows_of(coded[HIL])
    assert ada_coded["Gender"] == gender.options[1].value


@pytest.mark.slow
def test_scores_and_totals_are_numbers_and_times_are_real_datetimes(book: Any, db: str, tmp_path: Path) -> None:
    [ada] = rows_of(book[HIL])
    assert ada["1) Missing Episodes"] == 2 and isinstance(ada["Total"], int)  # pick=1: each score's second option
    assert isinstance(ada["Ingested at (UTC)"], datetime) and isinstance(ada["Date completed"], datetime)
    cell = book[HIL].cell(row=2, column=[c.value for c in book[HIL][1]].index("Ingested at (UTC)") + 1)
    assert cell.number_format == "yyyy-mm-dd hh:mm:ss"

    done = cse("export", "--db", db, "--format", "json", "-o", tmp_path / "board.json")
    assert done.returncode == 0, done.stderr
    [ada_json] = json.loads((tmp_path / "board.json").read_text(encoding="utf-8"))[HIL]
    assert ada_json["risk.missing_episodes"] == 2 and ada_json["risk.drug_use"] is None
    assert datetime.fromisoformat(ada_json["Ingested at"]).utcoffset() is not None  # still an ISO text with offset


@pytest.mark.slow
def test_review_reasons_are_words_and_unanswered_questions_their_labels(book: Any) -> None:
    [ada] = rows_of(book[HIL])
    assert REASONS[ReviewCode.UNANSWERED] in ada["Needs review because"].splitlines()
    assert "3) Drug use" in ada["Unanswered"].splitlines() and "risk.drug_use" not in ada["Unanswered"]


@pytest.mark.slow
def test_every_column_has_a_width_long_text_wraps_and_the_header_and_name_are_frozen(book: Any) -> None:
    for title in (HIL, RV, "People"):
        ws = book[title]
        header = [c.value for c in ws[1]]
        assert ws.auto_filter.ref == ws.dimensions  # the header row and every row below it
        assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width >= 8
                   for c in range(1, len(header) + 1))
    ws = book[HIL]
    header = [c.value for c in ws[1]]
    assert ws.freeze_panes == "C2" and header[:2] == ["Record", "Client’s Name"]
    column = header.index("Disability (if known, please specify)") + 1
    assert ws.cell(row=2, column=column).alignment.wrap_text
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width <= 60 < len(NOTES)
    assert ws.row_dimensions[2].height > 15  # grown for the wrapped lines, which would otherwise overlap row 3
    flattened = ws.cell(row=2, column=header.index("Flattened") + 1)
    assert flattened.value is False and flattened.number_format == '"Yes";"Yes";"No"'  # not 0/1 in LibreOffice


def test_every_printed_page_repeats_the_heading_row_and_the_columns_frozen_on_screen(book: Any) -> None:
    for title in book.sheetnames:
        ws = book[title]
        assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape", title
    assert book[HIL].print_title_cols == "$A:$B"  # the record and the young person's name, as frozen
    assert book["Codebook"].print_title_cols is None  # frozen at A2: no column to repeat


@pytest.mark.slow
def test_people_involved_are_one_sheet_a_row_per_person_linked_by_record(book: Any) -> None:
    assert not any(str(c.value).startswith("Person ") for c in book[RV][1])  # no people.N.* columns
    [cleo] = rows_of(book[RV])
    people = rows_of(book["People"])
    assert [(p["Record"], p["Form"], p["Row"]) for p in people] == [(cleo["Record"], RV, 1), (cleo["Record"], RV, 2)]
    assert people[1]["Name"] == "Dev Invented"
    role = find_form(RV).field_map["people.1.role"]
    assert people[0]["Role in the case"] == role.options[-1].label  # a choice's label here too


def test_a_heading_never_repeats_another_or_one_of_cse_pdfs_own_columns() -> None:
    layout = {fid: Field(id=fid, type="text", label=label) for fid, label in
              (("a.total", "Total"), ("b.address", "Address:"), ("c.address", "Address"), ("c.name", "Name"))}
    assert _headings(list(layout), layout) == {"a.total": "Total (a)", "b.address": "Address (b)",
                                               "c.address": "Address (c)", "c.name": "Name"}
