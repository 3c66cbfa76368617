"""`cse-pdf users add|list|disable`: who may sign in to the web app, with argon2id password hashes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers.cli import cse

from cse_pdf.agreement.roles import Role
from cse_pdf.store import Store
from cse_pdf.web.users import add_user, authenticate, disable_user, list_users

PASSWORD = "a long enough passphrase"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "users.sqlite3"
    Store.open(str(path)).close()  # an empty, set-up database
    return path


def add(db: Path, name: str, role: str, password: str = PASSWORD) -> object:
    return cse("users", "add", name, "--role", role, "--password-stdin", "--db", db, input=password + "\n")


def test_a_user_added_lists_with_their_role_and_signs_in(db: Path) -> None:
    ran = add(db, "Tess Manager", "team-manager")
    assert ran.returncode == 0, ran.stderr
    assert "added Tess Manager (team-manager)" in ran.stdout
    listed = cse("users", "list", "--db", db)
    assert listed.returncode == 0
    assert listed.stdout.splitlines()[0] == "name\trole\tstatus\tadded"
    assert listed.stdout.splitlines()[1].startswith("Tess Manager\tteam-manager\tactive\t")
    with Store.open(str(db), create=False) as store:
        user = authenticate(store, "tess manager", PASSWORD)  # names without regard to case
        assert user is not None and user.role is Role.TEAM_MANAGER
        assert authenticate(store, "Tess Manager", PASSWORD + "x") is None


def test_the_password_is_kept_only_as_an_argon2id_hash(db: Path) -> None:
    assert add(db, "ada", "admin").returncode == 0
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_disabled_user_cannot_sign_in_and_lists_as_disabled(db: Path) -> None:
    assert add(db, "vera", "viewer").returncode == 0
    ran = cse("users", "disable", "VERA", "--db", db)
    assert ran.returncode == 0 and "disabled vera" in ran.stdout
    assert "vera\tviewer\tdisabled\t" in cse("users", "list", "--db", db).stdout
    with Store.open(str(db), create=False) as store:
        assert authenticate(store, "vera", PASSWORD) is None


def test_a_name_taken_in_any_case_is_refused(db: Path) -> None:
    assert add(db, "Cal", "cse-prevention-manager").returncode == 0
    ran = add(db, "cal", "viewer")
    assert ran.returncode == 1
    assert ran.stderr.strip() == "cse-pdf: error: there is already a user named 'cal'; choose another name"
    assert len(cse("users", "list", "--db", db).stdout.splitlines()) == 2


@pytest.mark.parametrize("args, password, says", [
    (["--role", "boss"], PASSWORD, "Invalid value for '--role'"),
    (["--role", "viewer"], "short", "a password needs at least 12 characters"),
])
def test_bad_input_is_one_line_and_nothing_is_added(db: Path, args: list[str], password: str, says: str) -> None:
    ran = cse("users", "add", "someone", *args, "--password-stdin", "--db", db, input=password + "\n")
    assert ran.returncode != 0
    assert says in ran.stderr and "Traceback" not in ran.stderr
    assert cse("users", "list", "--db", db).stdout.splitlines() == ["name\trole\tstatus\tadded"]


def test_without_a_terminal_or_password_stdin_no_password_is_guessed(db: Path) -> None:
    ran = cse("users", "add", "someone", "--role", "viewer", "--db", db)
    assert ran.returncode == 1
    assert "--password-stdin" in ran.stderr
    assert list_users_of(db) == []


def test_disabling_an_unknown_user_is_refused(db: Path) -> None:
    ran = cse("users", "disable", "nobody", "--db", db)
    assert ran.returncode == 1 and "no user named 'nobody'" in ran.stderr


def test_library_refuses_a_name_with_control_characters(db: Path) -> None:
    with Store.open(str(db), create=False) as store:
        with pytest.raises(Exception, match="printable characters on one line"):
            add_user(store, "two\nlines", "viewer", PASSWORD)
        add_user(store, "ok", "viewer", PASSWORD)
        assert disable_user(store, " ok ").disabled


def test_users_on_each_database(db_url: str) -> None:
    """The users table, its case-blind names and disabling, on SQLite and PostgreSQL alike."""
    with Store.open(db_url) as store:
        add_user(store, "Pat Prevention", "cse-prevention-manager", PASSWORD)
        with pytest.raises(Exception, match="already a user named"):
            add_user(store, "PAT PREVENTION", "viewer", PASSWORD)
        signed_in = authenticate(store, "pat prevention", PASSWORD)
        assert signed_in is not None and signed_in.role is Role.CSE_PREVENTION_MANAGER
        disable_user(store, "Pat Prevention")
        assert authenticate(store, "Pat Prevention", PASSWORD) is None
        assert [(u.name, u.disabled) for u in list_users(store)] == [("Pat Prevention", True)]


def list_users_of(db: Path) -> list[str]:
    with Store.open(str(db), create=False) as store:
        return [u.name for u in list_users(store)]
