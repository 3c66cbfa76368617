"""Forms by id and version: a copy filled from an older version still reads with that version."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cse_pdf.base.errors import SpecError, UnknownFormError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.blank.generate import generate
from cse_pdf.cli import main
from cse_pdf.form import catalog
from cse_pdf.returned.read import read_form

LAYOUT = """
id: tiny-form
version: "{version}"
title: A tiny form
sections:
  - title: Only section
    blocks:
      - fields:
          - {{id: person.name, type: text, label: Name}}
{extra}
"""


@pytest.fixture
def layouts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "layouts"
    (root / "archive").mkdir(parents=True)
    (root / "tiny.yaml").write_text(LAYOUT.format(
        version="2", extra="          - {id: person.age, type: text, label: Age}"), encoding="utf-8")
    (root / "archive" / "tiny-v1.yaml").write_text(LAYOUT.format(version="1", extra=""), encoding="utf-8")
    monkeypatch.setattr(catalog, "layouts_dir", lambda: root)
    return root


def test_only_the_current_version_is_offered(layouts: Path) -> None:
    assert [(s.id, s.version) for s in catalog.current_forms()] == [("tiny-form", "2")]
    assert catalog.find_form("tiny-form").version == "2"


def test_a_copy_of_the_old_version_reads_with_the_old_layout(layouts: Path, tmp_path: Path) -> None:
    old = catalog.find_form("tiny-form", "1")
    path = tmp_path / "old.pdf"
    path.write_bytes(generate(old, {"person.name": "Pat Example"}))

    response = read_form(path)

    assert response.identity.version == "1"
    assert response.values == {"person.name": "Pat Example"}
    assert response.warnings == ["made from version 1 of form tiny-form (current: 2); values are read and keyed "
                                 "by version 1's fields"]


def test_an_unknown_version_says_how_to_fix_it(layouts: Path) -> None:
    with pytest.raises(UnknownFormError, match="layouts/archive"):
        catalog.find_form("tiny-form", "7")


# ---- $CSE_PDF_LAYOUTS: a Board's own folders, read after the installed one ------------------------


def _board_folder(root: Path, version: str = "1", archived: tuple[str, ...] = ()) -> Path:
    (root / "archive").mkdir(parents=True, exist_ok=True)
    (root / "board.yaml").write_text(LAYOUT.format(version=version, extra=""), encoding="utf-8")
    for old in archived:
        (root / "archive" / f"board-v{old}.yaml").write_text(LAYOUT.format(version=old, extra=""), encoding="utf-8")
    return root


def test_forms_in_the_variable_s_folders_join_the_installed_ones(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    installed = [s.id for s in catalog.current_forms()]
    board = _board_folder(tmp_path / "board", version="3", archived=("1", "2"))
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, f":{board}:")  # empty entries are skipped, as in PATH

    assert [s.id for s in catalog.current_forms()] == [*installed, "tiny-form"]
    assert catalog.find_form("tiny-form").version == "3"
    assert catalog.find_form("tiny-form", "1").version == "1"  # from the folder's own archive/
    assert catalog.find_form("tiny-form", "2").version == "2"

    monkeypatch.delenv(catalog.LAYOUTS_VARIABLE)  # the variable is part of the cache's key
    assert [s.id for s in catalog.current_forms()] == installed
    with pytest.raises(UnknownFormError):
        catalog.find_form("tiny-form")


def test_a_relative_folder_is_taken_from_where_the_command_runs(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _board_folder(tmp_path / "board")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, "board")
    assert catalog.find_form("tiny-form").version == "1"
    monkeypatch.chdir(tmp_path / "board")  # same text, another folder: no longer found, not served stale
    with pytest.raises(SpecError, match="no such layouts folder"):
        catalog.find_form("tiny-form")


def test_one_form_id_current_in_two_folders_is_refused_naming_both_files(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = _board_folder(tmp_path / "first"), _board_folder(tmp_path / "second", version="2")
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, f"{first}:{second}")
    with pytest.raises(SpecError) as caught:
        catalog.current_forms()
    message = str(caught.value)
    assert "form id tiny-form is current in two layouts" in message
    assert str(first / "board.yaml") in message and str(second / "board.yaml") in message


def test_one_version_in_two_files_is_refused_even_in_an_archive(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    board = _board_folder(tmp_path / "board", version="2", archived=("2",))
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, str(board))
    with pytest.raises(SpecError, match="form tiny-form version 2 is in two layouts") as caught:
        catalog.find_form("tiny-form")
    assert str(board / "board.yaml") in str(caught.value) and str(board / "archive" / "board-v2.yaml") in str(
        caught.value)


def test_an_installed_form_cannot_be_shadowed_by_a_board_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    board = tmp_path / "board"
    board.mkdir()
    installed = catalog.layouts_dir() / "hillingdon-cse.yaml"
    (board / "copy.yaml").write_text(installed.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, str(board))
    with pytest.raises(SpecError, match="current in two layouts"):
        catalog.find_form("hillingdon-cse")


def test_the_installed_folder_named_again_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = [s.id for s in catalog.current_forms()]
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, f"{catalog.layouts_dir()}:{catalog.layouts_dir()}")
    assert [s.id for s in catalog.current_forms()] == installed


def test_a_missing_folder_is_one_line_naming_it_and_a_non_zero_exit(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "not-there"
    monkeypatch.setenv(catalog.LAYOUTS_VARIABLE, str(missing))
    for args in (["forms"], ["fields", "hillingdon-cse"], ["generate", "hillingdon-cse", "-o", f"{tmp_path}/x.pdf"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == ExitCode.BAD_LAYOUT_OR_VALUES, (args, result.output)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and str(missing) in lines[0] and "no such layouts folder" in lines[0], lines
    assert not (tmp_path / "x.pdf").exists()
