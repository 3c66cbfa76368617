"""Messages and formats a person reads: commands that agree with each other, and say what they accept."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from helpers.cli import cse
from helpers.forms import fictional_return, write_return

from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import ingest
from cse_pdf.store import Store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def empty_db(tmp_path: Path) -> str:
    url = str(tmp_path / "db.sqlite3")
    with Store.open(url, create=True):
        pass
    return url


def test_gitignore_holds_what_the_readme_first_command_writes() -> None:
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert "samples-ingested/" in ignored and "assessments.xlsx" in ignored


def test_list_of_an_unknown_form_is_refused_as_export_refuses_it(empty_db: str, tmp_path: Path) -> None:
    listed = cse("list", "--db", empty_db, "--form", "nosuch")
    exported = cse("export", "--db", empty_db, "--form", "nosuch", "--format", "csv", "-o", tmp_path / "a.csv")
    assert listed.returncode == exported.returncode == 3
    assert listed.stdout == ""
    assert listed.stderr == exported.stderr and "no form with id 'nosuch'" in listed.stderr


@pytest.mark.parametrize("command", [["purge", "--yes", "--before"], ["report", "-o", "r.pdf", "--from"],
                                     ["report", "-o", "r.pdf", "--to"]])
def test_a_bad_date_is_exit_3_in_every_command(empty_db: str, tmp_path: Path, command: list[str]) -> None:
    result = cse(*command, "31/02/2024", "--db", empty_db, cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert "is not a date; give YYYY-MM-DD or DD/MM/YYYY" in result.stderr


@pytest.mark.parametrize("command", ["report", "purge"])
def test_help_names_both_date_forms(command: str) -> None:
    shown = " ".join(cse(command, "--help").stdout.split())
    assert "YYYY-MM-DD or DD/MM/YYYY" in shown


@pytest.mark.parametrize("fmt, name", [("xlsx", "a.csv"), ("csv", "a.json"), ("json", "a.xlsx"),
                                       ("xlsx", "a.CSV")])
def test_export_refuses_a_format_the_file_name_contradicts(empty_db: str, tmp_path: Path, fmt: str,
                                                           name: str) -> None:
    result = cse("export", "--db", empty_db, "--format", fmt, "-o", name, cwd=tmp_path)
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert f"--format {fmt} does not match" in result.stderr
    assert list(tmp_path.glob("a.*")) == []


@pytest.mark.parametrize("name, opens_as", [("a.csv", "csv"), ("a.xlsx", "xlsx"), ("a.json", "json")])
def test_export_without_format_writes_what_the_extension_says(empty_db: str, tmp_path: Path, name: str,
                                                              opens_as: str) -> None:
    result = cse("export", "--db", empty_db, "--form", "hillingdon-cse", "-o", name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / name).read_bytes()
    starts = {"csv": b"\"", "xlsx": b"PK\x03\x04", "json": b"{"}[opens_as]
    assert data.lstrip(b"\xef\xbb\xbf").startswith(starts)


def test_export_without_format_or_extension_asks_for_one(empty_db: str, tmp_path: Path) -> None:
    result = cse("export", "--db", empty_db, "-o", "board", cwd=tmp_path)
    assert result.returncode == 3 and "give --format csv, xlsx or json" in result.stderr
    assert not (tmp_path / "board").exists()


def test_prefill_takes_a_json_number_equal_to_an_option(tmp_path: Path) -> None:
    (tmp_path / "values.json").write_text('{"risk.drug_use": 3}')
    made = cse("generate", "hillingdon-cse", "--prefill", "values.json", "-o", "f.pdf", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    read = cse("read", tmp_path / "f.pdf")
    assert json.loads(read.stdout)["values"]["risk.drug_use"] == "3"


@pytest.mark.parametrize("number", [7, 2.5, True])
def test_prefill_refuses_a_number_that_is_no_option(tmp_path: Path, number: object) -> None:
    (tmp_path / "values.json").write_text(json.dumps({"risk.drug_use": number}))
    made = cse("generate", "hillingdon-cse", "--prefill", "values.json", "-o", "f.pdf", cwd=tmp_path)
    assert made.returncode == 3 and "risk.drug_use: not one of its options (1, 2, 3, 4, 5)" in made.stderr
    assert not (tmp_path / "f.pdf").exists()


def test_malformed_prefill_json_says_where_and_what(tmp_path: Path) -> None:
    (tmp_path / "values.json").write_text('{\n  "client.name": "Ada Secretname",\n  "risk.drug_use" 3\n}')
    made = cse("generate", "hillingdon-cse", "--prefill", "values.json", "-o", "f.pdf", cwd=tmp_path)
    assert made.returncode == 3 and made.stderr.count("\n") == 1
    assert "values.json: not valid JSON at line 3, column 19: Expecting ':' delimiter" in made.stderr
    assert "Secretname" not in made.stderr


@pytest.fixture(scope="module")
def three_of_one_name(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Three young people called Zoë Łódź, told apart only by their dates of birth."""
    tmp = tmp_path_factory.mktemp("namesakes")
    spec = find_form("hillingdon-cse")
    files = [write_return(tmp / f"{n}.pdf", spec, fictional_return(spec, name="Zoë Łódź", dob=dob,
                                                                   completed="10/01/2024"))
             for n, dob in enumerate(["01/02/2010", "03/04/2011", "05/06/2012"])]
    url = str(tmp / "db.sqlite3")
    with Store.open(url, create=True) as store:
        ingest(files, store, tmp / "out", workers=1)
    return url


@pytest.mark.slow
def test_list_tells_three_people_of_one_name_apart(three_of_one_name: str) -> None:
    lines = [line.split("\t") for line in cse("list", "--db", three_of_one_name).stdout.splitlines()]
    assert lines[0][:5] == ["record", "form", "name", "date of birth", "date completed"]
    assert sorted((row[2], row[3]) for row in lines[1:]) == [
        ("Zoë Łódź", "01/02/2010"), ("Zoë Łódź", "03/04/2011"), ("Zoë Łódź", "05/06/2012")]


@pytest.mark.slow
def test_list_never_logs_a_name(three_of_one_name: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    listed = cse("list", "--db", three_of_one_name)
    assert "Łódź" in listed.stdout and "Łódź" not in listed.stderr
    assert not any("Łódź" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("dob, problem", [("31/02/2010", "not a real calendar date"),
                                          ("31 April 2010", "not a real calendar date"),
                                          ("sometime in 2010", "not in the form DD/MM/YYYY")])
def test_generate_prefill_warns_of_a_date_that_cannot_be_read(tmp_path: Path, dob: str, problem: str) -> None:
    (tmp_path / "values.json").write_text(json.dumps({"client.dob": dob}))
    made = cse("generate", "hillingdon-cse", "--prefill", "values.json", "-o", "f.pdf", cwd=tmp_path)
    assert made.returncode == 0 and (tmp_path / "f.pdf").is_file()
    assert made.stderr == (f"cse-pdf: warning: client.dob: {problem}; written as given, but no age or date rule "
                           "can use it until it is corrected\n")
    assert dob not in made.stderr


@pytest.mark.parametrize("dob", ["28/02/2010", "5 March 2010", "2010-03-05"])
def test_generate_prefill_is_quiet_about_a_real_date(tmp_path: Path, dob: str) -> None:
    (tmp_path / "values.json").write_text(json.dumps({"client.dob": dob}))
    made = cse("generate", "hillingdon-cse", "--prefill", "values.json", "-o", "f.pdf", cwd=tmp_path)
    assert made.returncode == 0 and made.stderr == ""


def test_a_month_name_date_counts_for_the_under_13_rule() -> None:
    from cse_pdf.assess.score import assess

    spec = find_form("hillingdon-cse")
    named = fictional_return(spec, name="Ada Testperson", dob="5 March 2013", completed="1 April 2024", pick=0)
    numeric = {**named, spec.summary.dob: "05/03/2013", spec.summary.completed: "01/04/2024"}
    by_name, by_number = assess(spec, named), assess(spec, numeric)
    assert by_name.level == by_number.level >= 2  # under 13: at least category 2, whatever the answers
    assert [r.text for r in by_name.reasons] == [r.text for r in by_number.reasons]
    assert any("was 11" in r.text for r in by_name.reasons)


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if "cse-pdf " in line]


def test_readme_examples_name_only_files_a_fresh_clone_has() -> None:
    """The examples read what is in samples/ (or what an earlier example wrote), never a file that is not there."""
    commands = "\n".join(_readme_commands())
    for missing in ("returned.pdf", "return.pdf", "returns/", "inbox/"):
        assert not re.search(rf"(?<![\w/-]){re.escape(missing)}", commands), missing
    for sample in set(re.findall(r"samples/[\w.-]+\.(?:pdf|csv)", commands)):
        assert (REPO / sample).is_file(), sample
    assert "read samples/high-mupdf.pdf > values.json" in commands  # --prefill values.json is made first
    assert commands.index("> values.json") < commands.index("--prefill values.json")


def test_readme_report_example_covers_the_samples_dates() -> None:
    report_lines = [c for c in _readme_commands() if c.startswith("cse-pdf report --from")]
    assert report_lines and all("2024" in line for line in report_lines)
