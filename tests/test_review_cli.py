"""The review loop in the terminal: the queue, agree, return, comment, audit, and `show`/`list` gaining the
state and agreed level; bad input one line on stderr and exit 8, naming the record, never the child."""

from __future__ import annotations

import json

import pytest
from helpers.cli import cse
from helpers.reviews import CHILD, record_hillingdon, record_rv

from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.store import Store


def refused(*args: object) -> str:
    done = cse(*args)
    assert done.returncode == ExitCode.REVIEW_REFUSED, (done.returncode, done.stderr)
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and CHILD not in line and done.stdout == ""
    return line


def rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines()]


def test_two_managers_agree_from_the_terminal_and_show_and_list_say_so(db_url: str) -> None:
    with Store.open(db_url) as store:
        rid = record_hillingdon(store, "cli-loop", review=("unanswered",), agency="Brookfield Youth Trust")
    queue = rows(cse("review", "--db", db_url).stdout)
    assert queue[0] == ["record", "form", "state", "waiting for", "since", "suggested", "stated", "agency", "reasons"]
    assert queue[1][:4] == [str(rid), "hillingdon-cse", "needs review", "Team Manager, CSE Prevention Manager"]
    assert queue[1][5:8] == ["2", "2", "Brookfield Youth Trust"] and "left unanswered" in queue[1][8]

    first = cse("agree", rid, "--level", "2", "--role", "team-manager", "--by", "Ann Manager", "--db", db_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (f"record {rid}: Team Manager agreed level 2 (Risk Category 2 (medium)); "
                                    "awaiting agreement, waiting for CSE Prevention Manager")
    second = cse("agree", rid, "--level", "risk category 2 (medium)", "--role", "CSE Prevention Manager",
                 "--by", "Bo Prevention", "--db", db_url)
    assert second.stdout.strip().endswith("agreed: level 2 (Risk Category 2 (medium))")

    assert rows(cse("review", "--db", db_url).stdout)[1:] == []
    assert [r[0] for r in rows(cse("review", "--state", "agreed", "--db", db_url).stdout)[1:]] == [str(rid)]
    shown = json.loads(cse("show", rid, "--db", db_url).stdout)["agreement"]
    assert (shown["state"], shown["agreed_level"], shown["waiting_for"]) == ("agreed", 2, [])
    assert [(a["role"], a["by"]) for a in shown["agreements"]] == [("team-manager", "Ann Manager"),
                                                                   ("cse-prevention-manager", "Bo Prevention")]
    listed = rows(cse("list", "--db", db_url).stdout)
    assert listed[0][-2:] == ["review", "agreed"] and listed[1][-2:] == ["agreed", "Risk Category 2 (medium)"]


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "db.sqlite3")


def test_each_bad_agreement_is_one_line_and_exit_8(db: str) -> None:
    with Store.open(db) as store:
        old = record_hillingdon(store, "old")
        rid = record_hillingdon(store, "new")  # the same assessment again: `old` is superseded
    agree = ("agree", rid, "--db", db, "--role", "team-manager", "--by")
    assert "no level 'extreme'" in refused(*agree, "Ann", "--level", "extreme")
    assert "give a note" in refused(*agree, "Ann", "--level", "3")
    assert "superseded" in refused("agree", old, "--db", db, "--level", "2", "--role", "team-manager", "--by", "Ann")
    assert cse(*agree, "Ann", "--level", "2").returncode == 0
    assert "already agreed" in refused(*agree, "Cy", "--level", "2")
    assert "different person" in refused("agree", rid, "--db", db, "--level", "2", "--role",
                                         "cse-prevention-manager", "--by", "ANN")
    assert "no record 77" in refused("agree", 77, "--db", db, "--level", "2", "--role", "team-manager", "--by", "A")
    assert "no role 'boss'" in refused("agree", rid, "--db", db, "--level", "2", "--role", "boss", "--by", "Bo")


def test_return_comment_and_the_audit_trail(db: str) -> None:
    with Store.open(db) as store:
        rid = record_rv(store, "rv")
    said = cse("comment", rid, "Asked for the chronology", "--by", "Ann", "--role", "team-manager", "--db", db)
    assert said.stdout.strip() == f"record {rid}: comment added; awaiting agreement, waiting for Team Manager"
    assert "a reason" in refused("return", rid, "--reason", "", "--by", "Ann", "--db", db)
    back = cse("return", rid, "--reason", "Complete section 2, then send it again", "--by", "Ann", "--db", db)
    assert back.stdout.strip() == f"record {rid}: returned"
    assert "returned to the worker" in refused("agree", rid, "--db", db, "--level", "2", "--role", "team-manager",
                                               "--by", "Ann", "--note", "n")
    trail = rows(cse("audit", rid, "--db", db).stdout)
    assert trail[0] == ["at", "event", "role", "by", "level", "text"]
    assert [r[1:] for r in trail[1:]] == [["comment", "Team Manager", "Ann", "-", "Asked for the chronology"],
                                          ["return", "-", "Ann", "-", "Complete section 2, then send it again"]]
    as_json = json.loads(cse("audit", rid, "--json", "--db", db).stdout)
    assert [(e["record"], e["kind"]) for e in as_json] == [(rid, "comment"), (rid, "return")]
    assert [r[0] for r in rows(cse("review", "--state", "returned", "--db", db).stdout)[1:]] == [str(rid)]
    assert "no record 5" in refused("audit", 5, "--db", db)


def test_the_queue_refuses_an_unknown_form_and_a_state_it_does_not_know(db: str) -> None:
    with Store.open(db) as store:
        record_rv(store, "rv")
    assert cse("review", "--form", "nosuch", "--db", db).returncode == ExitCode.BAD_LAYOUT_OR_VALUES
    assert cse("review", "--state", "approved", "--db", db).returncode == ExitCode.BAD_FILE  # click's usage error
    only_rv = rows(cse("review", "--form", "cse-risk-vulnerability", "--db", db).stdout)
    assert len(only_rv) == 2 and only_rv[1][1] == "cse-risk-vulnerability"
