"""The register of issued copies, checked at ingest: a return claiming to be a copy cse-pdf never issued
is recorded but flagged `not-issued`, shown on the stamped summary page and by `show`; never silently trusted.

Every person and agency here is fictional."""

from __future__ import annotations

import email
import json
import re
from email import policy
from pathlib import Path

import pdfplumber
import pytest
from helpers.cli import Ran, cse, environment
from helpers.distribution import fill_copy
from helpers.forms import fictional_return, write_return

from cse_pdf.form.catalog import find_form
from cse_pdf.returned.read import read_form

HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"
SENDER = "Safeguarding Board <cse-board@board.example>"
AGENCIES = """\
agency,address,cse_lead_contact,send_to
Brookfield Youth Trust,1 Fictional Road,01234 567890,lead@brookfield.example
Larkspur Academy,2 Imaginary Lane,safeguarding@larkspur.example,dsl@larkspur.example
"""


def cli(*args: object, home: Path) -> Ran:
    return cse(*args, env=environment({"HOME": str(home)}, without=("XDG_DATA_HOME",), without_prefix="CSE_PDF_"))


def issued_copy(eml: Path) -> bytes:
    """The blank PDF attached to a message `distribute` wrote."""
    msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    (part,) = list(msg.iter_attachments())  # type: ignore[attr-defined]
    return part.get_content()


def summary_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(t for t in (p.extract_text() or "" for p in pdf.pages) if "Summary page" in t)


def ingested(result: Ran) -> dict[str, list[str]]:
    """record id → review codes, from the closing table of `ingest` (records needing no review: [])."""
    return {m[0]: m[1].split(", ") for m in re.findall(r"^  record (\d+)\t\S+\t(.+)$", result.stdout, re.M)}


def distribute(tmp_path: Path, db: Path, form_id: str = HIL) -> Path:
    agencies = tmp_path / "agencies.csv"
    agencies.write_text(AGENCIES, encoding="utf-8")
    mail = tmp_path / f"mail-{form_id}"
    done = cli("distribute", agencies, "--form", form_id, "--from", SENDER, "--db", db, "--out", mail,
               home=tmp_path)
    assert done.returncode == 0, done.stderr
    return mail


@pytest.mark.slow
def test_a_return_from_an_issued_copy_passes_and_a_forged_copy_id_needs_review(tmp_path: Path) -> None:
    db, out, inbox = tmp_path / "db.sqlite3", tmp_path / "out", tmp_path / "inbox"
    mail = distribute(tmp_path, db)
    inbox.mkdir()
    spec = find_form(HIL)
    genuine = fictional_return(spec, name="Ada Testperson", dob="14/07/2010", completed="05/03/2024",
                               agency="Brookfield Youth Trust")
    (inbox / "a-genuine.pdf").write_bytes(fill_copy(issued_copy(mail / "brookfield-youth-trust.eml"), HIL, genuine))
    forged = fictional_return(spec, name="Bram Fictional", dob="02/02/2011", completed="05/03/2024")
    write_return(inbox / "b-forged.pdf", spec, forged, instance="f0f0f0f0-not-a-copy-we-sent")
    blank = fictional_return(spec, name="Cleo Madeup", dob="30/09/2009", completed="05/03/2024")
    write_return(inbox / "c-website-blank.pdf", spec, blank)  # no copy id: claims to be no copy, so not flagged

    result = cli("ingest", inbox, "--db", db, "--out", out, "--workers", "1", home=tmp_path)
    assert result.returncode == 4, result.stdout + result.stderr  # recorded, but one needs review
    assert re.search(r"^ingested\s+2$", result.stdout, re.M) and re.search(r"^needs review\s+1$", result.stdout, re.M)
    flagged = ingested(result)
    assert list(flagged.values()) == [["not-issued"]], result.stdout
    assert all("genuine" not in line for line in result.stdout.splitlines() if line.startswith("  record "))

    for record, codes in flagged.items():
        shown = cli("show", record, "--db", db, home=tmp_path)
        detail = json.loads(shown.stdout)
        assert detail["status"] == "needs_review"
        (review,) = detail["review"]
        assert review["code"] == "not-issued" and "not a copy cse-pdf issued" in review["reason"]
        page = summary_text(Path(detail["file"]["stamped"]))
        assert "NOT AN ISSUED COPY" in page, page
    listed = cli("list", "--db", db, home=tmp_path).stdout.splitlines()[1:]
    unflagged = [line.split("\t")[0] for line in listed if line.split("\t")[0] not in flagged]
    assert len(unflagged) == 2  # the genuine copy and the website blank
    for record in unflagged:
        detail = json.loads(cli("show", record, "--db", db, home=tmp_path).stdout)
        assert detail["status"] == "ingested" and detail["review"] == []
        assert "NOT AN ISSUED COPY" not in summary_text(Path(detail["file"]["stamped"]))


@pytest.mark.slow
def test_without_a_register_for_the_form_no_copy_is_flagged(tmp_path: Path) -> None:
    """The Board sent only the other form through `distribute`: this form's copies cannot be checked."""
    db, out = tmp_path / "db.sqlite3", tmp_path / "out"
    distribute(tmp_path, db, RV)
    spec = find_form(HIL)
    src = write_return(tmp_path / "in" / "return.pdf", spec,
                       fictional_return(spec, name="Ada Testperson", dob="14/07/2010", completed="05/03/2024"),
                       instance="a-copy-made-with-generate")
    result = cli("ingest", src, "--db", db, "--out", out, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not-issued" not in result.stdout


@pytest.mark.slow
def test_an_issued_copy_of_one_form_does_not_vouch_for_another_form(tmp_path: Path) -> None:
    """A copy id is issued for one form: the same id inside the other form is not an issued copy of it."""
    db, out = tmp_path / "db.sqlite3", tmp_path / "out"
    hil_mail = distribute(tmp_path, db, HIL)
    distribute(tmp_path, db, RV)
    hil_copy = tmp_path / "hil-copy.pdf"
    hil_copy.write_bytes(issued_copy(hil_mail / "larkspur-academy.eml"))
    issued_id = read_form(hil_copy).identity.instance
    spec = find_form(RV)
    src = write_return(tmp_path / "in" / "rv.pdf", spec,
                       fictional_return(spec, name="Bram Fictional", dob="02/02/2011", completed="12/04/2024"),
                       instance=issued_id)
    result = cli("ingest", src, "--db", db, "--out", out, home=tmp_path)
    assert result.returncode == 4 and list(ingested(result).values()) == [["not-issued"]], result.stdout


@pytest.mark.slow
def test_a_copy_issued_while_a_return_was_being_read_is_checked_again_when_recorded(tmp_path: Path) -> None:
    """The register is asked again when the record is written: a `distribute` run after a worker looked
    (here, before any register existed) still flags a return that is not one of its copies, and restamps it."""
    from cse_pdf.ingest import NEEDS_REVIEW, Batch, process_file
    from cse_pdf.store import Store
    from cse_pdf.store.distribution import IssuedCopy, record_issued

    spec = find_form(HIL)
    src = write_return(tmp_path / "in" / "return.pdf", spec,
                       fictional_return(spec, name="Ada Testperson", dob="14/07/2010", completed="05/03/2024"),
                       instance="made-before-the-register")
    read_without_register = process_file(str(src))  # no database: the worker found no register
    assert read_without_register.submission.review == []  # type: ignore[union-attr]
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        record_issued(store, IssuedCopy("issued-meanwhile", HIL, spec.version, "Larkspur Academy",
                                        "dsl@larkspur.example", "eml"))
        batch = Batch(store, tmp_path / "out")
        batch.finish(src, read_without_register)  # type: ignore[arg-type]
        (outcome,) = batch.report.outcomes
        assert outcome.kind == NEEDS_REVIEW and outcome.review == ("not-issued",)
        assert store.record_detail(outcome.record_id)["review"][0]["code"] == "not-issued"  # type: ignore[index]
    assert "NOT AN ISSUED COPY" in summary_text(outcome.stamped)  # type: ignore[arg-type]
