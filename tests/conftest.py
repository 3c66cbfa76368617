"""Shared fixtures: the real form, generated once, and a complete set of fictional answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from cse_pdf.catalog import current_forms, find_form
from cse_pdf.generate import generate
from cse_pdf.spec import FormSpec

REPO = Path(__file__).resolve().parent.parent
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
