"""`cse-pdf export`: the Board's spreadsheet, one row per current assessment."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from helpers.cli import Ran, cse
from helpers.forms import fictional_return, write_return

from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import ingest
from cse_pdf.store import Store

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"
FORMULA = '=HYPERLINK("http://example.invalid","click")'


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with a review over time, a corrected re-submission, an unreadable date and a formula."""
    tmp = tmp_path_factory.mktemp("export")
    hil, rv = find_form(HIL), find_form(RV)
    person = dict(name="Ada Testperson", dob="14/07/2010")
    files = [
        write_return(tmp / "1.pdf", hil, fictional_return(hil, **person, completed="10/01/2024", pick=0,
                                                          checked=False)),
        write_return(tmp / "2.pdf", hil, fictional_return(hil, **person, completed="20/05/2024", pick=0,
                                                          checked=False, client__disability=FORMULA)),
        write_return(tmp / "3.pdf", hil, fictional_return(hil, name="Bram Fictional", dob="sometime in 2011",
                                                          completed="20/05/2024")),
        write_return(tmp / "4.pdf", rv, fictional_return(rv, name="Cleo Madeup", dob="30/09/2009",
                                                         completed="12/04/2024")),
    ]
    url = str(tmp / "db.sqlite3")
    with Store.open(url) as store:
        ingest(files, store, tmp / "out", workers=1)
        # the May assessment, corrected: risk rose after all
        fixed = write_return(tmp / "5.pdf", hil, fictional_return(hil, **person, completed="20/05/2024", pick=-1,
                                                                 checked=False, client__disability=FORMULA))
        ingest([fixed], store, tmp / "out", workers=1)
    return url


def export(db: str, fmt: str, out: Path, *extra: str) -> Ran:
    result = cse("export", "--db", db, "--format", fmt, "-o", out, *extra)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_json_is_one_document_keyed_by_form_with_typed_values(db: str, tmp_path: Path) -> None:
    out = tmp_path / "board.json"
    export(db, "json", out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {HIL, RV} and len(doc[HIL]) == 3 and len(doc[RV]) == 1  # current assessments only

    may = next(r for r in doc[HIL] if r["client.name"] == "Ada Testperson" and r["Date completed"] == "2024-05-20")
    assert may["Revision"] == 2 and may["client.dob"] == "2010-07-14"
    assert may["concern.disclosure"] is False and may["Flattened"] is False
    assert may["Previous date completed"] == "2024-01-10" and may["Trend"] == "rose"
    assert may["Previous level"] < may["Suggested level"] and may["Previous label"]
    assert isinstance(may["Reasons"], list) and may["Suggested label"].startswith("Risk Category")

    bram = next(r for r in doc[HIL] if r["client.name"] == "Bram Fictional")
    assert bram["client.dob"] is None and bram["Unreadable dates"] == ["client.dob"]
    assert bram["Previous record"] is None and "unidentified" in bram["Needs review because"]


@pytest.mark.slow
def test_csv_is_one_file_per_form_with_booleans_iso_dates_and_no_formulas(db: str, tmp_path: Path) -> None:
    result = export(db, "csv", tmp_path / "board.csv")
    files = {p.name: p for p in tmp_path.glob("board-*.csv")}
    assert set(files) == {f"board-{HIL}.csv", f"board-{RV}.csv"}
    assert result.stdout.count("wrote") == 2
    rows = list(csv.DictReader(io.StringIO(files[f"board-{HIL}.csv"].read_text(encoding="utf-8-sig"))))
    may = next(r for r in rows if r["Date completed"] == "2024-05-20" and r["client.name"] == "Ada Testperson")
    assert may["client.dob"] == "2010-07-14" and may["concern.disclosure"] == "false"
    assert may["client.disability"] == "'" + FORMULA  # shown as text, never run
    assert may["Trend"] == "rose" and may["Previous date completed"] == "2024-01-10"
    bram = next(r for r in rows if r["client.name"] == "Bram Fictional")
    assert bram["client.dob"] == "" and bram["Unreadable dates"] == "client.dob"
    assert stat.S_IMODE(files[f"board-{HIL}.csv"].stat().st_mode) == 0o600

    single = tmp_path / "only.csv"
    export(db, "csv", single, "--form", RV)
    assert single.is_file() and len(list(csv.DictReader(io.StringIO(single.read_text("utf-8-sig"))))) == 1


@pytest.mark.slow
def test_xlsx_is_a_sheet_per_form_with_real_dates_and_booleans(db: str, tmp_path: Path) -> None:
    out = tmp_path / "board.xlsx"
    export(db, "xlsx", out)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [RV, HIL, "People", "Codebook"]  # a sheet per form, the people involved, the codebook
    ws = wb[HIL]
    header = [c.value for c in ws[1]]  # the fields' labels (their ids are in the codebook)
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 3
    may = next(r for r in rows if r["Client’s Name"] == "Ada Testperson" and r["Revision"] == 2)
    assert may["Date of Birth"] in (date(2010, 7, 14), datetime(2010, 7, 14))
    assert may["Disclosure of exploitation"] is False
    assert may["Disability (if known, please specify)"] == FORMULA  # kept as typed, stored as text
    cell = ws.cell(row=2 + rows.index(may), column=header.index("Disability (if known, please specify)") + 1)
    assert cell.data_type == "s"
    assert may["Trend"] == "rose"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.slow
def test_an_unknown_form_is_refused(db: str, tmp_path: Path) -> None:
    result = cse("export", "--db", db, "--format", "csv", "--form", "no-such-form", "-o", tmp_path / "x.csv")
    assert result.returncode == 3 and "cse-pdf forms" in result.stderr and not (tmp_path / "x.csv").exists()
