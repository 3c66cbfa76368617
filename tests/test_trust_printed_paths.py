"""A path cse-pdf prints after writing a file never carries a terminal control character from its name."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import Ran, cse

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "medium-pdfjs.pdf"

NAMES = ["red\x1b[31m.pdf", "bell\x07.pdf", "c1\x9b2J.pdf", "bidi\u202efdp.exe.pdf", "line\nbreak.pdf"]


def cse_pdf(*args: object) -> Ran:
    """The raw bytes it printed, as a terminal would get them."""
    return cse(*args, cwd=REPO, text=False)


def _no_controls(text: bytes) -> bool:
    decoded = text.decode("utf-8", "replace")
    return not any(c in decoded for c in "\x1b\x07\x9b\u202e") and decoded.count("\n") == 1


@pytest.mark.parametrize("name", NAMES, ids=["esc", "bel", "csi", "bidi", "newline"])
@pytest.mark.slow
def test_generate_and_stamp_print_the_written_path_escaped(name: str, tmp_path: Path) -> None:
    blank = tmp_path / name
    made = cse_pdf("generate", "hillingdon-cse", "-o", blank)
    assert made.returncode == 0, made.stderr
    assert blank.exists() and _no_controls(made.stdout), made.stdout
    stamped = tmp_path / ("stamped-" + name)
    done = cse_pdf("stamp", SAMPLE, "-o", stamped)
    assert done.returncode == 0, done.stderr
    assert stamped.exists() and _no_controls(done.stdout), done.stdout
