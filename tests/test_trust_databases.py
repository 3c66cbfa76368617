"""A database that does not exist is refused by every command that reads one, never made empty.

Only `ingest` and `distribute` make a database, and only the default one gets its folder made:
a mistyped --db (or CSE_PDF_DB) is one line naming it, exit 5, and nothing is left behind.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from helpers.cli import Ran, cse, environment
from helpers.forms import fictional_return, write_return

from cse_pdf.form.catalog import find_form

READERS = {  # every command that reads a database, as a user would type it
    "list": ["list"],
    "list --failed": ["list", "--failed"],
    "show": ["show", "1"],
    "export": ["export", "--format", "csv", "-o", "board.csv"],
    "report": ["report", "-o", "board.pdf"],
    "report html": ["report", "-o", "board.html", "--csv", "tables"],
    "returns": ["returns"],
    "purge": ["purge", "--before", "2020-01-01", "--dry-run"],
}


def run(*args: object, cwd: Path, env: dict[str, str] | None = None) -> Ran:
    """The command with HOME in `cwd`, so the default database is the test's own."""
    return cse(*args, cwd=cwd, env=environment({"HOME": str(cwd), **(env or {})},
                                               without=("CSE_PDF_DB", "XDG_DATA_HOME", "CSE_PDF_DEBUG")))


def refused(done: Ran, *names: str) -> str:
    assert done.returncode == 5, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cse-pdf: error: "), done.stderr
    assert "internal error" not in lines[0] and "Traceback" not in done.stderr
    for name in names:
        assert name in lines[0]
    return lines[0]


def made_nothing(cwd: Path) -> None:
    """No database, no output, no folder was made by a refused command."""
    left = sorted(p.relative_to(cwd).as_posix() for p in cwd.rglob("*") if not p.name.startswith("return"))
    assert left == [], left


@pytest.mark.parametrize("command", READERS, ids=str)
def test_a_mistyped_db_path_is_refused_not_made(tmp_path: Path, command: str) -> None:
    line = refused(run(*READERS[command], "--db", tmp_path / "recrods.sqlite3", cwd=tmp_path), "recrods.sqlite3")
    assert "cse-pdf ingest" in line and "--db" in line
    made_nothing(tmp_path)


@pytest.mark.parametrize("command", READERS, ids=str)
def test_a_db_in_a_missing_folder_is_refused_and_no_folder_made(tmp_path: Path, command: str) -> None:
    refused(run(*READERS[command], "--db", tmp_path / "no" / "such" / "db.sqlite3", cwd=tmp_path), "db.sqlite3")
    made_nothing(tmp_path)


@pytest.mark.parametrize("command", ["list", "report", "purge", "export"])
def test_a_mistyped_database_in_the_environment_is_refused(tmp_path: Path, command: str) -> None:
    refused(run(*READERS[command], cwd=tmp_path, env={"CSE_PDF_DB": str(tmp_path / "typo.sqlite3")}),
            "typo.sqlite3", "CSE_PDF_DB")
    made_nothing(tmp_path)


@pytest.mark.parametrize("command", ["list", "show", "report", "returns", "purge"])
def test_no_default_database_yet_is_refused_and_not_made(tmp_path: Path, command: str) -> None:
    refused(run(*READERS[command], cwd=tmp_path), "cse-pdf.sqlite3", "cse-pdf ingest")
    made_nothing(tmp_path)  # not even ~/.local/share/cse-pdf


@pytest.mark.parametrize("content", [b"", b"SQLite format 3\x00" + b"\x00" * 84], ids=["empty file", "header only"])
@pytest.mark.parametrize("command", ["list", "report", "export"])
def test_a_file_that_is_no_cse_pdf_database_is_refused_and_left_alone(tmp_path: Path, command: str,
                                                                       content: bytes) -> None:
    db = tmp_path / "db.sqlite3"
    db.write_bytes(content)
    refused(run(*READERS[command], "--db", db, cwd=tmp_path), "db.sqlite3")
    assert db.read_bytes() == content
    assert not (tmp_path / "board.pdf").exists() and not (tmp_path / "board.csv").exists()


def test_sqlite_uri_form_is_refused_too(tmp_path: Path) -> None:
    refused(run("list", "--db", f"sqlite:///{tmp_path}/gone.sqlite3", cwd=tmp_path), "gone.sqlite3")
    made_nothing(tmp_path)


def _inbox(tmp_path: Path) -> Path:
    spec = find_form("hillingdon-cse")
    return write_return(tmp_path / "returns" / "return-1.pdf", spec,
                        fictional_return(spec, name="Alex Example", dob="01/02/2010", completed="05/03/2024")).parent


@pytest.mark.parametrize("db", ["no/such/db.sqlite3", "sqlite:///{tmp}/no/such/db.sqlite3"])
def test_ingest_refuses_an_explicit_db_in_a_missing_folder(tmp_path: Path, db: str) -> None:
    inbox = _inbox(tmp_path)
    refused(run("ingest", inbox, "--db", db.format(tmp=tmp_path), "--out", "out", cwd=tmp_path),
            "no/such", "does not exist")
    assert not (tmp_path / "no").exists() and not (tmp_path / "out").exists()


def test_distribute_refuses_an_explicit_db_in_a_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "agencies.csv").write_text("agency,address,cse_lead_contact,send_to\n"
                                           "Example Youth Service,1 Example Road,A. Lead,lead@example.org\n",
                                           encoding="utf-8")
    done = run("distribute", "agencies.csv", "--form", "hillingdon-cse", "--from", "board@example.org",
               "--db", tmp_path / "nowhere" / "db.sqlite3", "--out", "mail", cwd=tmp_path)
    refused(done, "nowhere", "does not exist")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.slow
def test_ingest_makes_the_default_database_and_its_folder_then_readers_open_it(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    assert run("ingest", inbox, "--out", "out", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".local" / "share" / "cse-pdf" / "cse-pdf.sqlite3").is_file()
    listed = run("list", cwd=tmp_path)
    assert listed.returncode == 0 and len(listed.stdout.strip().splitlines()) == 2


@pytest.mark.slow
def test_ingest_makes_an_explicit_database_in_an_existing_folder(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path)
    assert run("ingest", inbox, "--db", "new.sqlite3", "--out", "out", cwd=tmp_path).returncode == 0
    assert run("show", "1", "--db", "new.sqlite3", cwd=tmp_path).returncode == 0


# ---- PostgreSQL ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["list", "show", "export", "report", "returns", "purge"])
def test_postgresql_database_that_does_not_exist_is_refused(postgres, tmp_path: Path, command: str) -> None:
    url = postgres.url.rsplit("/", 1)[0] + f"/missing_{uuid.uuid4().hex[:8]}"
    line = refused(run(*READERS[command], "--db", url, cwd=tmp_path), "missing_")
    assert "does not exist" in line
    made_nothing(tmp_path)


def test_ingest_does_not_create_a_postgresql_database(postgres, tmp_path: Path) -> None:
    name = f"missing_{uuid.uuid4().hex[:8]}"
    url = postgres.url.rsplit("/", 1)[0] + "/" + name
    refused(run("ingest", _inbox(tmp_path), "--db", url, "--out", "out", cwd=tmp_path), name)
    refused(run("list", "--db", url, cwd=tmp_path), name)  # still not there


@pytest.mark.parametrize("command", ["list", "report", "returns", "purge"])
def test_an_empty_postgresql_database_is_refused_and_left_empty(postgres, tmp_path: Path, command: str) -> None:
    import sqlalchemy as sa

    url = postgres.new_database(f"t_{uuid.uuid4().hex[:12]}")
    refused(run(*READERS[command], "--db", url, cwd=tmp_path), "never set up", "cse-pdf ingest")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_postgresql_after_ingest_every_reader_opens_it(postgres, tmp_path: Path) -> None:
    url = postgres.new_database(f"t_{uuid.uuid4().hex[:12]}")
    assert run("ingest", _inbox(tmp_path), "--db", url, "--out", "out", cwd=tmp_path).returncode == 0
    for command in ("list", "show", "export", "returns", "purge"):
        done = run(*READERS[command], "--db", url, cwd=tmp_path)
        assert done.returncode == 0, (command, done.stderr)
