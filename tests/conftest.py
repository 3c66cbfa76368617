"""Shared fixtures: the real form, generated once, and a complete set of fictional answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_pdf.catalog import find_form
from cse_pdf.generate import generate
from cse_pdf.spec import FormSpec

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spec() -> FormSpec:
    return find_form("hillingdon-cse")


@pytest.fixture(scope="session")
def blank_pdf(tmp_path_factory: pytest.TempPathFactory, spec: FormSpec) -> Path:
    path = tmp_path_factory.mktemp("forms") / "hillingdon-cse.pdf"
    path.write_bytes(generate(spec))
    return path


def every_answer(spec: FormSpec, *, checked: bool = True, pick: int = -1) -> dict[str, object]:
    """A fictional person's answers to every field: each checkbox `checked`, each radio and dropdown
    its option at index `pick`, text with non-Latin letters and multiline notes."""
    values: dict[str, object] = {}
    for f in spec.fields:
        if f.type == "checkbox":
            values[f.id] = checked
        elif f.type in ("radio", "dropdown"):
            values[f.id] = f.options[pick].value
        elif f.type == "date":
            values[f.id] = "05/03/2024"
        elif f.type == "multiline":
            values[f.id] = "First line of notes.\nSecond line – Ngozi Okonkwo-Ødegård.\n\nAfter a blank line."
        else:
            values[f.id] = "Zoë Łódź"
    return values
