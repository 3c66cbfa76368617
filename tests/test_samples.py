"""The shipped samples: returned forms filled by real engines, scored as recorded (and worked out by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import cse
from helpers.forms import REPO

SAMPLES = sorted((REPO / "samples").glob("*.pdf"))


ENGINES = {"pypdf", "pdfium", "pdfjs", "mupdf", "poppler", "chromium", "firefox"}


def _expected(sample: Path) -> dict:
    return json.loads(sample.with_suffix(".expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("form_id", ["hillingdon-cse", "cse-risk-vulnerability"])
def test_each_form_has_a_return_from_every_engine_and_every_level(form_id: str) -> None:
    returns = [p for p in SAMPLES if not p.stem.startswith("flat-") and _expected(p)["form"]["id"] == form_id]
    assert {p.stem.rsplit("-", 1)[1] for p in returns} == ENGINES
    levels = {_expected(p)["assessment"]["level"] for p in returns}
    assert levels == ({0, 1, 2, 3} if form_id == "hillingdon-cse" else {0, 1, 2})


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.slow
def test_score_matches_the_expected_json(sample: Path) -> None:
    result = cse("score", sample)
    assert result.returncode == 0, result.stderr
    expected = json.loads(sample.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize("sample, level", [
    ("none-poppler", 0), ("low-pdfium", 1), ("low-firefox", 1), ("medium-pdfjs", 2), ("medium-pypdf", 2),
    ("medium-chromium", 2), ("high-mupdf", 3),
    ("rv-standard-poppler", 0), ("rv-medium-pdfium", 1), ("rv-medium-pypdf", 1), ("rv-raised-mupdf", 1),
    ("rv-raised-firefox", 1), ("rv-high-pdfjs", 2), ("rv-high-chromium", 2)])
def test_sample_levels_are_the_hand_worked_ones(sample: str, level: int) -> None:
    expected = json.loads((REPO / "samples" / f"{sample}.expected.json").read_text(encoding="utf-8"))
    assert expected["assessment"]["level"] == level


def test_risk_vulnerability_samples_carry_their_flags_and_advice() -> None:
    def assessment(name: str) -> dict:
        return json.loads((REPO / "samples" / f"{name}.expected.json").read_text(encoding="utf-8"))["assessment"]

    high, medium, raised = assessment("rv-high-pdfjs"), assessment("rv-medium-pdfium"), assessment("rv-raised-mupdf")
    assert [f.split(":")[0] for f in high["flags"]] == ["Act immediately", "Immediate action"]
    assert len(high["advice"]) == 1 and len(medium["advice"]) == 1 and raised["advice"] == []
    assert (raised["base_level"], raised["level"], raised["stated_differs"]) == (0, 1, True)


def test_each_form_has_a_flattened_sample_read_from_the_page() -> None:
    flats = [json.loads(p.with_suffix(".expected.json").read_text(encoding="utf-8")) for p in SAMPLES
             if p.stem.startswith("flat-")]
    assert {f["form"]["id"] for f in flats} == {"hillingdon-cse", "cse-risk-vulnerability"}
    assert all(f["flattened"] for f in flats)
