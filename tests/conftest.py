"""Shared fixtures: the real form generated once, every installed form, and the databases (SQLite, PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cse_pdf.blank.generate import generate
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.spec import FormSpec

# A developer's own Board forms ($CSE_PDF_LAYOUTS in their shell) are not the forms under test; tests that
# want extra folders set the variable themselves (tests/test_third_form.py, test_catalog.py).
os.environ.pop("CSE_PDF_LAYOUTS", None)

FORM_IDS = [spec.id for spec in current_forms()]  # every installed form, none named here


@pytest.fixture(scope="session")
def spec() -> FormSpec:
    return find_form("hillingdon-cse")


@pytest.fixture(scope="session")
def blank_pdf(tmp_path_factory: pytest.TempPathFactory, spec: FormSpec) -> Path:
    path = tmp_path_factory.mktemp("forms") / "hillingdon-cse.pdf"
    path.write_bytes(generate(spec))
    return path


@pytest.fixture(scope="session", params=FORM_IDS)
def each_form(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[FormSpec, Path]:
    """Every installed form with its freshly generated blank: what holds for one form holds for all."""
    spec = find_form(request.param)
    path = tmp_path_factory.mktemp("forms") / f"{spec.id}.pdf"
    path.write_bytes(generate(spec))
    return spec, path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts PostgreSQL is slow (marked here once, not in each file): `db_url`'s postgresql
    case carries the mark itself, and this catches the tests that ask for the server directly."""
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL server for the session; skipped only where none is installed, never under CI."""
    import os

    from helpers.postgres import PostgresServer

    try:
        server = PostgresServer()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run under CI: {exc}")
        pytest.skip(f"PostgreSQL is not installed here: {exc}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database of each kind: a SQLite file path, or a postgresql:// URL."""
    if request.param == "sqlite":
        (tmp_path / "records").mkdir()  # an explicit --db is never given a folder it names but lacks
        return str(tmp_path / "records" / "cse-pdf.sqlite3")
    import uuid

    return request.getfixturevalue("postgres").new_database(f"t_{uuid.uuid4().hex[:12]}")
