"""Forms by id and version: a copy filled from an older version still reads with that version."""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_pdf.base.errors import UnknownFormError
from cse_pdf.blank.generate import generate
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
