"""CSV injection: `export --format csv` and `report --csv` never hand a spreadsheet a formula, whatever was typed.

Every field is quoted, and the file is read back the way a careless spreadsheet might read it: split on
commas, on semicolons (a European Excel), on tabs; no cell, with its blanks and quotes stripped, may start
a formula.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import pytest
from helpers.cli import cse
from helpers.report_data import _record

from cse_pdf.base.csv_safe import FORMULA_STARTS, encode_rows, neutralise
from cse_pdf.export import export
from cse_pdf.form.catalog import find_form
from cse_pdf.report import build_report
from cse_pdf.report.csv_out import write_csv
from cse_pdf.store import Store

HOSTILE = [
    "=1+1", "+1", "-1+2", "@SUM(A1:A9)", "\t=1", "\r=cmd|' /C calc'!A0", " =1+1", "   @SUM(1)", "\n@SUM(1,2)",
    "\r\n=2", "\u00a0=3", "\u3000+4", "\u200b=5", "\ufeff=6", "\u202e=7", '"=8"', '" =9', "＝10", "＋11", "－12",
    "＠13", "Acme;=HYPERLINK(\"http://evil.example\",\"x\")", "Acme,=1+1", "Acme; -2+3", "Acme\t=1", "Acme\n=cmd",
    "Acme\r+1", "a;b;@c", 'say "hi";=1', "x\u2028=1", "x\u0085=1", "'=already", "-", "=", "@", "+",
    "Ordinary Youth Service", "St Mary's; Larkspur", "-3", "Harbour Street (=main site)",
]
STARTS = tuple(FORMULA_STARTS)


def cells(data: bytes, delimiter: str) -> list[str]:
    text = data.decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for c in row]


def assert_no_formula(data: bytes) -> None:
    for delimiter in (",", ";", "\t"):
        for c in cells(data, delimiter):
            bare = c.strip().strip('"').strip()
            assert not bare.startswith(STARTS), (delimiter, c)
            if delimiter == ",":  # the real cells: a leading tab or CR is refused on its own too
                assert not c.startswith(("\t", "\r")), c


def assert_all_quoted(data: bytes) -> None:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    requoted = io.StringIO()
    csv.writer(requoted, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    assert requoted.getvalue() == text  # what QUOTE_ALL writes, byte for byte


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_text_reads_back_as_text_with_any_delimiter(text: str) -> None:
    data = encode_rows([["Category", "Count"], [text, 3]])
    assert_no_formula(data)
    assert_all_quoted(data)
    back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert back[1][1] == "3"  # a number we wrote stays a number
    assert back[1][0].replace("'", "") == text.replace("'", "")  # only apostrophes added, nothing lost


def test_only_formula_starts_get_an_apostrophe() -> None:
    assert neutralise("Ordinary Youth Service") == "Ordinary Youth Service"
    assert neutralise("Acme - North") == "Acme - North"  # a dash inside a name is not a formula
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise(" =1+1") == "' =1+1"
    assert neutralise("\r=cmd").startswith("'\r")
    assert neutralise("\tplain") == "'\tplain"  # a leading tab or CR is refused on its own
    assert neutralise("Acme;=1") == "Acme;'=1"  # a ; reader would make =1 a cell


def test_typed_negative_numbers_are_text_but_ours_stay_numbers() -> None:
    data = encode_rows([["-3", -3, 2.5, True, None]])
    assert cells(data, ",") == ["'-3", "-3", "2.5", "true", ""]


def test_random_hostile_strings_never_start_a_formula() -> None:
    rng = random.Random(14)
    alphabet = list("=+-@;,\t\r\n \"'ab1()") + ["\u00a0", "\u2028", "\u200b", "＝", "\u0085", "\x0b"]
    rows = [["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(4)]
            for _ in range(400)]
    assert_no_formula(encode_rows(rows))


# ---- through the real commands -------------------------------------------------------------


@pytest.fixture
def hostile_db(db_url: str) -> str:
    """Hillingdon returns whose free text and agency names are all hostile, 6 per agency name."""
    spec = find_form("hillingdon-cse")
    with Store.open(db_url) as store:
        for i, text in enumerate(HOSTILE[:20]):
            for j in range(6):
                values = {"client.name": f"Fictional Child {i:02d}{j}", "client.dob": "01/02/2011",
                          "agency.date_completed": f"{1 + j:02d}/03/2024", "agency.name": text,
                          "client.disability": HOSTILE[-1 - i], "concern.other": text,
                          "agency.worker_name": HOSTILE[(i + j) % len(HOSTILE)]}
                _record(store, spec, values, f"hostile-{i}-{j}")
    return db_url


def test_export_csv_has_no_formula_on_sqlite_and_postgresql(hostile_db: str, tmp_path: Path) -> None:
    with Store.open(hostile_db) as store:
        written = export(store, "csv", tmp_path / "board.csv", form="hillingdon-cse")
    (path, rows), = written
    assert rows == 120
    data = path.read_bytes()
    assert_no_formula(data)
    assert_all_quoted(data)
    typed = {c.replace("'", "") for c in cells(data, ",")}
    assert {t.replace("'", "") for t in HOSTILE[:20]} <= typed  # every value still there, as text


def test_report_csv_has_no_formula_on_sqlite_and_postgresql(hostile_db: str, tmp_path: Path) -> None:
    with Store.open(hostile_db) as store:
        report = build_report(store, "hillingdon-cse", date(2024, 1, 1), date(2024, 12, 31))
    files = write_csv(report, tmp_path / "tables")
    agencies = next(f for f in files if f.name.endswith("--referring-agency.csv"))
    labels = [row[0] for row in csv.reader(io.StringIO(agencies.read_text("utf-8-sig"), newline=""))]
    assert len(labels) > 10  # the hostile agency names are published as rows
    for f in files:
        assert_no_formula(f.read_bytes())
        assert_all_quoted(f.read_bytes())


@pytest.mark.slow
def test_the_cli_export_and_report_write_the_same_safe_csv(hostile_db: str, tmp_path: Path) -> None:
    out = tmp_path / "e.csv"
    r = cse("export", "--db", hostile_db, "--format", "csv", "--form", "hillingdon-cse", "-o", out)
    assert r.returncode == 0, r.stderr
    assert_no_formula(out.read_bytes())
    r = cse("report", "--db", hostile_db, "--form", "hillingdon-cse", "-o", tmp_path / "r.html",
            "--csv", tmp_path / "t")
    assert r.returncode == 0, r.stderr
    for f in (tmp_path / "t").glob("*.csv"):
        assert_no_formula(f.read_bytes())
