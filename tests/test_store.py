"""The database layer: which database, its schema from the shipped migrations, refusals in one line."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from helpers.cli import cse
from helpers.forms import REPO

from cse_pdf.base.errors import StoreError
from cse_pdf.store import Store, default_db_path, resolve_url
from cse_pdf.store.models import Base


def test_the_migrations_build_exactly_the_models_tables(db_url: str) -> None:
    with Store.open(db_url) as store, store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert differences == []
    assert tables == {"alembic_version", "submissions", "assessments", "submission_values", "failures",
                      "issued_copies", "settings", "review_events", "users"}


def test_opening_again_migrates_nothing_and_a_newer_schema_is_refused(db_url: str) -> None:
    Store.open(db_url).close()
    Store.open(db_url).close()  # already at head
    with Store.open(db_url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError) as exc:
        Store.open(db_url)
    assert "newer cse-pdf" in str(exc.value) and "\n" not in str(exc.value)


def test_where_the_database_is(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url("postgresql://u:secret@db.example/cse").drivername == "postgresql+psycopg"
    assert resolve_url("postgres://u@db.example/cse").drivername == "postgresql+psycopg"
    assert resolve_url("records.sqlite3").database == str(Path("records.sqlite3").resolve())
    assert resolve_url("sqlite:///records.sqlite3").database == str(Path("records.sqlite3").resolve())
    with pytest.raises(StoreError, match="not a supported database"):
        resolve_url("mysql://u:secret@db.example/cse")
    assert default_db_path().name == "cse-pdf.sqlite3"
    monkeypatch.setenv("XDG_DATA_HOME", "/srv/data")
    assert str(default_db_path()) == "/srv/data/cse-pdf/cse-pdf.sqlite3"


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    with socket_closed_port() as port:
        result = cse("list", "--db", f"postgresql://cse:hunter2@127.0.0.1:{port}/x")
    assert result.returncode == 5
    assert result.stderr.count("\n") == 1 and "cannot open the database" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


class socket_closed_port:
    """A loopback port nothing listens on."""

    def __enter__(self) -> int:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *exc: object) -> None:
        pass


def test_a_database_file_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cse("list", "--db", blocker / "db.sqlite3")
    assert result.returncode == 5 and result.stderr.count("\n") == 1 and "--db" in result.stderr


@pytest.mark.slow
def test_an_installed_wheel_carries_its_migrations_and_uses_them(tmp_path: Path) -> None:
    """Built as for release, unpacked away from this checkout: the migrations are package resources.

    Subprocesses: the installed package has to be imported fresh, from the unpacked wheel alone."""
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(dist)],
                           cwd=REPO, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "cse_pdf/store/migrations/env.py" in names
    assert any(n.startswith("cse_pdf/store/migrations/versions/0001_") for n in names)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import cse_pdf, sys; from cse_pdf.store import Store; s = Store.open(sys.argv[1]); "
            "print(cse_pdf.__file__); print(len(s.records())); s.close()")
    env = {**os.environ, "PYTHONPATH": str(site)}
    ran = subprocess.run([sys.executable, "-c", code, str(tmp_path / "db.sqlite3")], capture_output=True,
                         text=True, env=env, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    module_file, count = ran.stdout.split()
    assert module_file.startswith(str(site)) and count == "0"
