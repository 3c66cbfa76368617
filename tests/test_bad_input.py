"""Files that are not a returned cse-pdf form: one line naming the file, a non-zero exit, no traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers.cli import Ran, cse
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas


def run(*args: str | Path) -> Ran:
    return cse(*args)


def other_tools_form() -> bytes:
    """A form made by another tool, with a field named like ours."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 800, "Referral form")
    c.acroForm.textfield(name="client_name", x=72, y=700, width=200, height=20)
    c.save()
    return buf.getvalue()


def encrypted(blank: Path, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(blank))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


CASES = {
    "not_a_pdf": (lambda blank: b"Dear colleague, please find attached...\n", "is not a PDF file"),
    "empty": (lambda blank: b"", "is not a PDF file"),
    "truncated": (lambda blank: blank.read_bytes()[: len(blank.read_bytes()) // 2], "truncated or damaged"),
    "encrypted": (lambda blank: encrypted(blank, "user-secret"), "password-protected"),
    "other_tool": (lambda blank: other_tools_form(), "is not a cse-pdf form"),
}


@pytest.mark.parametrize("command", ["read", "score"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.slow
def test_bad_file_gives_one_line_and_nonzero_exit(case, command, blank_pdf: Path, tmp_path: Path) -> None:
    make, expected = CASES[case]
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(make(blank_pdf))

    result = run(command, path)

    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_stamp_refuses_a_bad_file_without_writing_anything(blank_pdf: Path, tmp_path: Path) -> None:
    bad = tmp_path / "letter.pdf"
    bad.write_bytes(b"not a pdf")
    result = run("stamp", bad, "-o", tmp_path / "out.pdf")
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.pdf").exists()


def test_a_pdf_locked_only_against_editing_still_reads(blank_pdf: Path, tmp_path: Path) -> None:
    """Owner-password-only files open without a password in every viewer: so here too."""
    path = tmp_path / "owner_only.pdf"
    path.write_bytes(encrypted(blank_pdf, ""))
    result = run("read", path)
    assert result.returncode == 0, result.stderr


def test_one_bad_file_does_not_stop_the_others(blank_pdf: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"junk")
    result = run("read", blank_pdf, bad, blank_pdf)
    assert result.returncode != 0
    assert len(result.stdout.strip().splitlines()) == 2  # one JSON line per good file
    assert result.stderr.count("\n") == 1


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = run("read", tmp_path / "nowhere.pdf")
    assert result.returncode != 0 and "nowhere.pdf" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_form_id_is_refused(tmp_path: Path) -> None:
    result = run("generate", "no-such-form", "-o", tmp_path / "x.pdf")
    assert result.returncode != 0 and "cse-pdf forms" in result.stderr


@pytest.mark.parametrize("values, expected", [
    ({"no.such_field": "x"}, "is not a field of form hillingdon-cse"),
    ({"risk.drug_use": "9"}, "not one of its options"),
    ({"concern.disclosure": "yes"}, "takes true or false"),
])
def test_bad_prefill_values_are_refused_by_field(values, expected, tmp_path: Path) -> None:
    import json

    prefill = tmp_path / "values.json"
    prefill.write_text(json.dumps(values), encoding="utf-8")
    result = run("generate", "hillingdon-cse", "-o", tmp_path / "x.pdf", "--prefill", prefill)
    assert result.returncode == 3
    assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.pdf").exists()
