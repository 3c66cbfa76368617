"""The shipped samples: returned forms filled by real engines, scored as recorded (and worked out by hand)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SAMPLES = sorted((REPO / "samples").glob("*.pdf"))


def test_there_are_low_medium_and_high_samples_from_three_engines() -> None:
    names = [p.stem for p in SAMPLES if not p.stem.startswith(("rv-", "flat-"))]
    assert len(names) >= 3
    assert {n.split("-")[0] for n in names} >= {"low", "medium", "high"}
    assert len({n.split("-")[1] for n in names}) >= 3


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_score_matches_the_expected_json(sample: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cse_pdf", "score", str(sample)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    expected = json.loads(sample.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize("sample, level", [("low-pdfium", 1), ("medium-pdfjs", 2), ("high-mupdf", 3),
                                           ("rv-medium-pdfium", 1), ("rv-high-pdfjs", 2), ("rv-raised-mupdf", 1)])
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
