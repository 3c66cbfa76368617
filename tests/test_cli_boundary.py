"""One error boundary: every command's failure is one line and a named exit code, handled in one place.

In-process through click's CliRunner, with the library patched to fail in the ways a command can: a bug,
a refusal, Ctrl-C. And `distribute` as one library call that records through a register it is handed.
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

import cse_pdf.cli.forms as forms_commands
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.blank.generate import generate
from cse_pdf.cli import main
from cse_pdf.form.catalog import current_forms
from cse_pdf.outreach.agencies import AgencyList
from cse_pdf.outreach.distribute import WOULD_SEND, WRITTEN, Outcome
from cse_pdf.outreach.distribute_list import DistributionRequest, distribute_list
from cse_pdf.outreach.mail import SmtpSettings

SECRET = "Alex Example 01/02/2010"  # stands for form contents a bug's message might quote


@pytest.fixture(autouse=True)
def no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSE_PDF_DEBUG", raising=False)


def run(*args: str | Path) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_bug_is_one_line_naming_only_its_type_and_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(forms_commands, "current_forms", broken)
    result = run("forms")
    assert result.exit_code == ExitCode.INTERNAL_ERROR
    assert result.stderr.splitlines() == ["cse-pdf: internal error (RuntimeError); please report it, with "
                                          "CSE_PDF_DEBUG=1 set for the details"]
    assert SECRET not in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_with_cse_pdf_debug_a_bug_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list:
        raise RuntimeError(SECRET)

    monkeypatch.setattr(forms_commands, "current_forms", broken)
    monkeypatch.setenv("CSE_PDF_DEBUG", "1")
    result = run("forms")
    assert isinstance(result.exception, RuntimeError) and str(result.exception) == SECRET


def test_ctrl_c_in_any_command_is_exit_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> list:
        raise KeyboardInterrupt

    monkeypatch.setattr(forms_commands, "current_forms", interrupted)
    result = run("forms")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stderr.splitlines() == ["cse-pdf: interrupted"]


def test_a_refusal_is_its_own_line_and_code() -> None:
    result = run("fields", "no-such-form")
    assert result.exit_code == ExitCode.BAD_LAYOUT_OR_VALUES
    [line] = result.stderr.splitlines()
    assert line.startswith("cse-pdf: error: ") and "no-such-form" in line


def test_click_keeps_its_own_usage_errors() -> None:
    result = run("read")  # FILES missing
    assert result.exit_code == ExitCode.BAD_FILE and "Usage:" in result.stderr  # click's own 2 and "internal error" not in result.stderr


def test_a_bug_on_one_file_of_several_is_that_file_s_line_and_the_rest_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = current_forms()[0]
    good = tmp_path / "good.pdf"
    good.write_bytes(generate(spec))
    bad = tmp_path / "bad.pdf"
    shutil.copy(good, bad)
    real_read = forms_commands.read_form

    def read_form(path: Path, *args: object) -> object:
        if Path(path).name == "bad.pdf":
            raise TypeError(SECRET)
        return real_read(path, *args)

    monkeypatch.setattr(forms_commands, "read_form", read_form)  # the reading child is forked after this
    result = run("read", bad, good)
    assert result.exit_code == ExitCode.INTERNAL_ERROR  # the worst of the files' codes
    [line] = result.stderr.splitlines()
    assert line.startswith(f"cse-pdf: error: {bad}: internal error (") and "please report it" in line
    assert SECRET not in result.stderr + result.stdout
    [printed] = result.stdout.splitlines()
    assert json.loads(printed)["file"] == str(good)


class FakeRegister:
    def __init__(self) -> None:
        self.copies: list[dict[str, str]] = []
        self.opened = 0

    def record(self, **copy: str) -> None:
        self.copies.append(copy)

    @contextmanager
    def open(self) -> Iterator["FakeRegister"]:
        self.opened += 1
        yield self


class SeenView:
    def __init__(self) -> None:
        self.listed: list[AgencyList] = []
        self.outcomes: list[Outcome] = []

    def list_read(self, listed: AgencyList) -> None:
        self.listed.append(listed)

    def connected(self, settings: SmtpSettings, encrypted: bool) -> None:
        raise AssertionError("no mail server in these runs")

    def outcome(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)


AGENCIES = ("agency,address,cse_lead_contact,send_to\n"
            "Brookfield Youth Trust,1 Fictional Road,01234 567890,lead@brookfield.example\n"
            "Larkspur Academy,2 Imaginary Lane,,dsl@larkspur.example\n"
            "No Address Here,3 Nowhere,,not-an-address\n")


def _distributable_form() -> str:
    return next(s.id for s in current_forms() if s.summary and s.summary.agency)


def test_distribute_records_each_copy_through_the_register_it_is_given(tmp_path: Path) -> None:
    listing = tmp_path / "agencies.csv"
    listing.write_text(AGENCIES, encoding="utf-8")
    (tmp_path / "mail").mkdir()
    register, view = FakeRegister(), SeenView()
    form = _distributable_form()
    done = distribute_list(DistributionRequest(listing, form, "Board <cse@board.example>", out=tmp_path / "mail"),
                           register.open, view)
    assert register.opened == 1
    assert [(c["agency_name"], c["recipient"], c["method"], c["form_id"]) for c in register.copies] == [
        ("Brookfield Youth Trust", "lead@brookfield.example", "eml", form),
        ("Larkspur Academy", "dsl@larkspur.example", "eml", form)]
    assert [o.kind for o in view.outcomes] == [WRITTEN, WRITTEN]
    assert [c["instance_id"] for c in register.copies] == [o.instance_id for o in view.outcomes]
    assert len(view.listed) == 1 and len(view.listed[0].problems) == 1  # shown before any copy was made
    assert (done.done, done.rows, done.failed) == (2, 3, 0)
    assert done.report.exit_code == ExitCode.BAD_LAYOUT_OR_VALUES  # a row was skipped


def test_a_dry_run_never_opens_the_register(tmp_path: Path) -> None:
    listing = tmp_path / "agencies.csv"
    listing.write_text(AGENCIES, encoding="utf-8")
    register, view = FakeRegister(), SeenView()
    done = distribute_list(DistributionRequest(listing, _distributable_form(), "cse@board.example",
                                               out=tmp_path / "mail", dry_run=True), register.open, view)
    assert register.opened == 0 and register.copies == []
    assert [o.kind for o in view.outcomes] == [WOULD_SEND, WOULD_SEND] and done.done == 2
    assert not (tmp_path / "mail").exists()


def test_ctrl_c_during_ingest_says_what_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cse_pdf.ingest

    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "blank.pdf").write_bytes(generate(current_forms()[0]))
    monkeypatch.setattr(cse_pdf.ingest, "ingest", interrupted)
    result = run("ingest", tmp_path / "in", "--db", tmp_path / "db.sqlite3", "--out", tmp_path / "out")
    assert result.exit_code == ExitCode.INTERRUPTED
    assert result.stderr.splitlines()[-1] == ("cse-pdf: interrupted; every form finished so far is recorded: run "
                                              "the same command again to finish")
