"""A Board's own form, from a YAML file alone: no Python change, nothing in the installed package.

A tiny layout is written into a temporary folder named by $CSE_PDF_LAYOUTS, and goes through every
command a Board uses, in process: generate, a fill, read, score, stamp, ingest, export and report.
"""

from __future__ import annotations

import csv
import json
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.cli import main
from cse_pdf.form.catalog import LAYOUTS_VARIABLE, find_form
from cse_pdf.pdf.fill import fill_bytes

FORM_ID = "wellbeing-check"
LAYOUT = """\
id: wellbeing-check
version: "1"
title: Youth Club Wellbeing Check
issuer: Example Safeguarding Board
sections:
  - title: About the young person
    blocks:
      - fields:
          - {id: person.name, type: text, label: Name}
          - {id: person.dob, type: date, label: Date of birth}
          - {id: check.agency, type: text, label: Agency}
          - {id: check.date, type: date, label: Date of the check}
          - id: person.setting
            type: dropdown
            label: Where we met
            options: [{value: club, label: Youth club}, {value: outreach, label: Street outreach}]
  - title: Questions
    blocks:
      - scale:
          id: q.missing
          type: radio
          label: Goes missing
          options: [{value: 0, label: Never}, {value: 1, label: Sometimes}, {value: 2, label: Often}]
      - scale:
          id: q.money
          type: radio
          label: Unexplained money or gifts
          options: [{value: 0, label: Never}, {value: 1, label: Sometimes}, {value: 2, label: Often}]
      - checklist: signs
        label: Signs seen
        items: [{id: older_friends, label: Older friends}, {id: new_phone, label: New phone}]
scoring:
  levels:
    - {level: 0, label: Keep in touch, guidance: Nothing more to do now.}
    - {level: 1, label: Talk to the lead, guidance: Talk to the club's safeguarding lead this week.}
    - {level: 2, label: Refer today, guidance: Refer to children's social care today.}
  groups:
    answers: [q.missing, q.money]
    signs: [signs.older_friends, signs.new_phone]
  total: answers
  rules:
    - {kind: total, of: answers, bands: [{upto: 0, level: 0}, {upto: 2, level: 1}, {level: 2}],
       reason: "Total score {total}"}
    - {kind: count, of: signs, checked: true, count_at_least: 2, flag: "Both signs seen: call the lead now"}
summary:
  name: person.name
  dob: person.dob
  completed: check.date
  agency: check.agency
  unanswered_warning: Answer every question you can.
"""
REPORT_SECTION = """\
report:
  breakdowns:
    - {checklist: signs, title: Signs the worker saw}
    - {field: person.setting}
"""
UNSCORED = """\
id: contact-log
version: "1"
title: Contact log
sections:
  - title: Contact
    blocks:
      - fields:
          - {id: contact.name, type: text, label: Name}
          - {id: contact.date, type: date, label: Date}
"""
PEOPLE = [  # fictional: (name, date of birth, answers to the two questions, signs ticked, setting)
    ("Sam Fictional", "01/02/2012", ("0", "0"), (), "club"),
    ("Alex Example", "03/04/2010", ("1", "1"), ("older_friends",), "club"),
    ("Jo Placeholder", "05/06/2009", ("2", "1"), ("older_friends", "new_phone"), "outreach"),
]


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, (args, result.output)
    return result


@pytest.fixture(params=["report section", "default report"])
def board_folder(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "board-layouts"
    folder.mkdir()
    text = LAYOUT + (REPORT_SECTION if request.param == "report section" else "")
    (folder / f"{FORM_ID}.yaml").write_text(text, encoding="utf-8")
    (folder / "contact-log.yaml").write_text(UNSCORED, encoding="utf-8")  # beside it: must not stop the others
    monkeypatch.setenv(LAYOUTS_VARIABLE, str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


def test_a_board_form_from_a_yaml_file_goes_through_every_command(board_folder: Path, tmp_path: Path) -> None:
    declared = "report:" in (board_folder / f"{FORM_ID}.yaml").read_text(encoding="utf-8")
    listed = run("forms").stdout
    assert f"{FORM_ID}\t1\tYouth Club Wellbeing Check" in listed and "contact-log\t1\tContact log" in listed

    # generate, then fill as a worker's viewer would
    blank = tmp_path / "blank.pdf"
    assert FORM_ID in run("generate", FORM_ID, "-o", blank).stdout
    spec = find_form(FORM_ID)
    returns = tmp_path / "returns"
    returns.mkdir()
    for i, (name, dob, (missing, money), signs, setting) in enumerate(PEOPLE):
        values: dict[str, object] = {"person.name": name, "person.dob": dob, "check.agency": "Example Youth Club",
                                     "check.date": f"1{i}/03/2026", "person.setting": setting,
                                     "q.missing": missing, "q.money": money}
        values.update({f"signs.{s}": True for s in signs})
        (returns / f"return-{i}.pdf").write_bytes(fill_bytes(blank.read_bytes(), spec, values))
    third = returns / "return-2.pdf"

    # read and score
    read = json.loads(run("read", third).stdout)
    assert read["form"]["id"] == FORM_ID
    assert read["values"]["q.missing"] == "2" and read["values"]["signs.new_phone"] is True
    assessment = json.loads(run("score", third).stdout)["assessment"]
    assert (assessment["level"], assessment["label"], assessment["total"]) == (2, "Refer today", 3)
    assert assessment["flags"] == ["Both signs seen: call the lead now"]

    # stamp: the summary page in front, in the form's own words
    stamped = tmp_path / "stamped.pdf"
    assert "suggested Refer today" in run("stamp", third, "-o", stamped).stdout
    summary = PdfReader(stamped).pages[0].extract_text()
    assert "Youth Club Wellbeing Check" in summary and "Refer today" in summary
    assert "Both signs seen: call the lead now" in summary

    # ingest, export
    db, out = tmp_path / "records.sqlite3", tmp_path / "ingested"
    ingested = run("ingest", returns, "--db", db, "--out", out, "--workers", "1")
    assert ingested.stdout.split()[:2] == ["ingested", "3"], ingested.output
    exported = tmp_path / "export.json"
    run("export", "--db", db, "--format", "json", "-o", exported)
    rows = json.loads(exported.read_text(encoding="utf-8"))[FORM_ID]
    assert sorted(r["Suggested label"] for r in rows) == ["Keep in touch", "Refer today", "Talk to the lead"]
    assert all(r["Status"] == "ingested" for r in rows), [r["Needs review because"] for r in rows]
    assert len(list(out.rglob("*.pdf"))) == 3  # a stamped copy of each

    # the report: a section for the form, with the tables its layout asks for (or the default ones)
    tables = tmp_path / "tables"
    tables.mkdir()
    run("report", "--db", db, "-o", tmp_path / "report.html", "--csv", tables, "--no-suppression")
    html = unescape((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert "Youth Club Wellbeing Check" in html
    index = {row[0]: row[2] for row in csv.reader((tables / "index.csv").open(encoding="utf-8"))}
    ours = {name.removeprefix(f"{FORM_ID}--").removesuffix(".csv"): title for name, title in index.items()
            if name.startswith(f"{FORM_ID}--")}
    if declared:
        assert ours["signs"] == "Signs the worker saw" and "age-band" not in ours
        assert counts(tables, "signs") == {"Older friends": "2", "New phone": "1", "None ticked": "1"}
    else:
        assert "signs" not in ours and ours["age-band"] == "Age on the date of the assessment"
        assert counts(tables, "age-band")["13 to 14"] == "1"
    assert ours["person-setting"] == "Where we met"
    assert counts(tables, "person-setting") == {"Youth club": "2", "Street outreach": "1", "Not answered": "0"}
    assert counts(tables, "suggested-level") == {"Keep in touch": "1", "Talk to the lead": "1", "Refer today": "1"}
    assert counts(tables, "flags")["Both signs seen: call the lead now"] == "1"
    for title in ours.values():
        assert title in html


def counts(tables: Path, table_id: str) -> dict[str, str]:
    with (tables / f"{FORM_ID}--{table_id}.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {row[0]: row[1] for row in rows[1:-1]}  # between the header and the total


def test_a_layout_without_scoring_is_refused_by_score_in_one_line(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Listed, generated and read like any form, but there is nothing to score: say so, not "internal error"."""
    (tmp_path / "contact-log.yaml").write_text(UNSCORED, encoding="utf-8")
    monkeypatch.setenv(LAYOUTS_VARIABLE, str(tmp_path))
    blank = tmp_path / "blank.pdf"
    run("generate", "contact-log", "-o", blank)
    filled = tmp_path / "filled.pdf"
    filled.write_bytes(fill_bytes(blank.read_bytes(), find_form("contact-log"), {"contact.name": "Pat Fictional"}))
    assert json.loads(run("read", filled).stdout)["values"]["contact.name"] == "Pat Fictional"

    result = CliRunner().invoke(main, ["score", str(filled)])
    assert result.exit_code == ExitCode.BAD_LAYOUT_OR_VALUES
    assert result.stderr.splitlines() == ["cse-pdf: error: form contact-log declares no scoring, so it cannot be "
                                          "scored, stamped or ingested; add a `scoring:` section to its layout"]
