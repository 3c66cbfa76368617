"""Data protection: encrypted files in and out, owner-only files, safe output names, quiet logs.

Everything here is about fictional young people; the names and dates below must never leave the
files that are meant to hold them.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import msoffcrypto
import openpyxl
import pdfplumber
import pytest
import pyzipper
from helpers.cli import Ran, cse, environment
from helpers.forms import fictional_return, qpdf_flatten, write_return
from pypdf import PdfReader, PdfWriter

from cse_pdf.base.safe_names import safe_file, safe_part
from cse_pdf.form.catalog import find_form
from cse_pdf.returned.read import read_form

HIL = "hillingdon-cse"
PASSWORD = "correct horse battery staple"
NAME, DOB, NOTE = "Imogen Testcase", "11/11/2011", "Seen at the bus station twice"
SECRETS = ["Imogen", "Testcase", "11/11/2011", "2011-11-11", "bus station"]


def cse_pdf(*args: object, cwd: Path, **env: str) -> Ran:
    """The command as a user runs it, away from any real database, with no terminal to prompt on."""
    return cse(*args, env=environment({"HOME": str(cwd), **env}, without=("XDG_DATA_HOME",),
                                      without_prefix="CSE_PDF_"), cwd=cwd, input="")


def a_return(path: Path, name: str = NAME, dob: str = DOB, instance: str = "") -> Path:
    spec = find_form(HIL)
    values = fictional_return(spec, name=name, dob=dob, completed="05/03/2024")
    values[next(f.id for f in spec.fields if f.type == "multiline")] = NOTE
    return write_return(path, spec, values, instance)


def locked(src: Path, dst: Path, password: str = PASSWORD) -> Path:
    """`src` as a sender would lock it in Acrobat: AES-256, opened only with the password."""
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=password, algorithm="AES-256")
    with open(dst, "wb") as f:
        writer.write(f)
    return dst


def aes256(path: Path) -> bool:
    enc = PdfReader(path).trailer["/Encrypt"].get_object()
    return enc["/V"] == 5 and enc["/R"] == 6 and enc["/CF"]["/StdCF"]["/CFM"] == "/AESV3"


# ---- returned forms sent with a password -------------------------------------------------------------


@pytest.mark.slow
def test_a_form_sent_with_a_password_is_read_with_the_password_from_the_environment(tmp_path: Path) -> None:
    plain = a_return(tmp_path / "return.pdf")
    sent = locked(plain, tmp_path / "sent.pdf")

    without = cse_pdf("read", sent, cwd=tmp_path)
    assert without.returncode != 0 and without.stdout == ""
    assert without.stderr.count("\n") == 1 and "sent.pdf" in without.stderr and "--password" in without.stderr

    wrong = cse_pdf("read", sent, "--password", cwd=tmp_path, CSE_PDF_PASSWORD="not the password at all")
    assert wrong.returncode != 0 and "does not open it" in wrong.stderr and wrong.stderr.count("\n") == 1

    no_source = cse_pdf("read", sent, "--password", cwd=tmp_path)  # no variable, no terminal to ask on
    assert no_source.returncode != 0 and "CSE_PDF_PASSWORD" in no_source.stderr

    right = cse_pdf("read", sent, "--password", cwd=tmp_path, CSE_PDF_PASSWORD=PASSWORD)
    assert right.returncode == 0, right.stderr
    assert json.loads(right.stdout)["values"] == read_form(plain).to_dict()["values"]


@pytest.mark.slow
def test_a_flattened_copy_sent_with_a_password_is_read_from_its_pages(tmp_path: Path) -> None:
    flat = tmp_path / "flat.pdf"
    qpdf_flatten(a_return(tmp_path / "return.pdf"), flat)
    response = read_form(locked(flat, tmp_path / "sent.pdf"), password=PASSWORD)
    assert response.flattened and response.values[find_form(HIL).summary.name] == NAME


# ---- encrypted outputs -------------------------------------------------------------------------------


@pytest.mark.slow
def test_stamp_encrypt_writes_an_aes256_copy_that_opens_only_with_the_password(tmp_path: Path) -> None:
    sent = locked(a_return(tmp_path / "return.pdf"), tmp_path / "sent.pdf")
    done = cse_pdf("stamp", sent, "-o", "stamped.pdf", "--password", "--encrypt", cwd=tmp_path,
                   CSE_PDF_PASSWORD=PASSWORD, CSE_PDF_OUTPUT_PASSWORD="another long passphrase")
    assert done.returncode == 0, done.stderr
    stamped = tmp_path / "stamped.pdf"
    assert aes256(stamped)
    assert not any(s.encode() in stamped.read_bytes() for s in SECRETS)
    with pytest.raises(Exception):
        with pdfplumber.open(stamped) as pdf:
            pdf.pages[0].extract_text()
    with pdfplumber.open(stamped, password="another long passphrase") as pdf:
        assert "Summary page" in pdf.pages[0].extract_text()
    assert read_form(stamped, password="another long passphrase").values[find_form(HIL).summary.name] == NAME


def test_a_short_output_password_or_none_at_all_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    a_return(tmp_path / "return.pdf")
    short = cse_pdf("stamp", "return.pdf", "-o", "s.pdf", "--encrypt", cwd=tmp_path,
                    CSE_PDF_OUTPUT_PASSWORD="short")
    assert short.returncode != 0 and "at least 12 characters" in short.stderr
    none = cse_pdf("stamp", "return.pdf", "-o", "s.pdf", "--encrypt", cwd=tmp_path)
    assert none.returncode != 0 and "CSE_PDF_OUTPUT_PASSWORD" in none.stderr
    assert not (tmp_path / "s.pdf").exists()


@pytest.mark.slow
def test_ingest_encrypt_locks_every_stamped_copy(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    a_return(inbox / "one.pdf")
    locked(a_return(tmp_path / "two.pdf", name="Jules Inventedname"), inbox / "two.pdf")
    done = cse_pdf("ingest", inbox, "--db", tmp_path / "db.sqlite3", "--out", "out", "--password", "--encrypt",
                   cwd=tmp_path, CSE_PDF_PASSWORD=PASSWORD, CSE_PDF_OUTPUT_PASSWORD=PASSWORD)
    assert done.returncode in (0, 4), done.stderr
    stamped = sorted((tmp_path / "out" / "stamped").rglob("*.pdf"))
    assert len(stamped) == 2 and all(aes256(p) for p in stamped)
    names = {read_form(p, password=PASSWORD).values[find_form(HIL).summary.name] for p in stamped}
    assert names == {NAME, "Jules Inventedname"}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A database holding one fictional assessment."""
    db = tmp_path / "db.sqlite3"
    a_return(tmp_path / "inbox" / "one.pdf")
    done = cse_pdf("ingest", tmp_path / "inbox", "--db", db, "--out", "out", cwd=tmp_path)
    assert done.returncode in (0, 4), done.stderr
    return db


@pytest.mark.slow
def test_export_encrypt_xlsx_is_an_excel_encrypted_workbook(tmp_path: Path, database: Path) -> None:
    done = cse_pdf("export", "--db", database, "--format", "xlsx", "-o", "board.xlsx", "--encrypt", cwd=tmp_path,
                   CSE_PDF_OUTPUT_PASSWORD=PASSWORD)
    assert done.returncode == 0, done.stderr
    data = (tmp_path / "board.xlsx").read_bytes()
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    assert office.is_encrypted()
    with pytest.raises(Exception):
        openpyxl.load_workbook(io.BytesIO(data))
    office.load_key(password=PASSWORD)
    plain = io.BytesIO()
    office.decrypt(plain)
    sheet = openpyxl.load_workbook(plain)[HIL]
    assert NAME in [c.value for c in sheet[2]]


@pytest.mark.parametrize("fmt, asked, written, members", [
    ("csv", "board.csv", "board.csv.zip", ["board-cse-risk-vulnerability.csv", "board-hillingdon-cse.csv"]),
    ("json", "board.zip", "board.zip", ["board.json"]),
])
@pytest.mark.slow
def test_export_encrypt_csv_and_json_go_into_an_aes256_zip(tmp_path: Path, database: Path, fmt: str, asked: str,
                                                          written: str, members: list[str]) -> None:
    done = cse_pdf("export", "--db", database, "--format", fmt, "-o", asked, "--encrypt", cwd=tmp_path,
                   CSE_PDF_OUTPUT_PASSWORD=PASSWORD)
    assert done.returncode == 0, done.stderr
    archive = tmp_path / written
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file() and p.name.startswith("board")) == [written]
    assert not any(s.encode() in archive.read_bytes() for s in SECRETS)
    with pyzipper.AESZipFile(archive) as zf:
        assert sorted(zf.namelist()) == members
        assert all(info.flag_bits & 1 and info.wz_aes_strength == 3 for info in zf.infolist())  # 3: AES-256
        with pytest.raises(RuntimeError):
            zf.read(members[-1])  # no password
        zf.setpassword(PASSWORD.encode())
        assert NAME in zf.read(members[-1]).decode("utf-8")


# ---- file modes --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_everything_written_that_holds_case_data_is_owner_only(tmp_path: Path) -> None:
    os.umask(0o022)  # the usual default, under which a careless writer makes world-readable files
    a_return(tmp_path / "inbox" / "one.pdf")
    (tmp_path / "inbox" / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    values = tmp_path / "values.json"
    values.write_text(json.dumps({find_form(HIL).summary.name: NAME}))
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("agency,address,cse_lead_contact,send_to\nA Youth Trust,1 Road,0123,lead@trust.example\n")
    db = tmp_path / "data" / "db.sqlite3"
    db.parent.mkdir(mode=0o700)  # an explicit --db is never given a folder that is missing
    commands = [
        ("generate", HIL, "--prefill", values, "-o", "w/prefilled.pdf"),
        ("stamp", "inbox/one.pdf", "-o", "w/stamped.pdf"),
        ("ingest", "inbox", "--db", db, "--out", "w/out"),
        ("export", "--db", db, "--format", "xlsx", "-o", "w/board.xlsx"),
        ("export", "--db", db, "--format", "csv", "-o", "w/board.csv"),
        ("export", "--db", db, "--format", "json", "-o", "w/board.json"),
        ("report", "--db", db, "-o", "w/report.pdf", "--csv", "w/tables"),
        ("distribute", agencies, "--form", HIL, "--from", "board@board.example", "--out", "w/mail"),
    ]
    (tmp_path / "w").mkdir()
    os.chmod(tmp_path / "w", 0o755)
    for command in commands:
        done = cse_pdf(*command, cwd=tmp_path)
        assert done.returncode in (0, 2, 4), (command[0], done.stderr)
    written = [p for p in [*(tmp_path / "w").rglob("*"), *(tmp_path / "data").rglob("*")]]
    names = sorted(str(p.relative_to(tmp_path)) for p in written if p.is_file())
    assert len(names) >= 13, " ".join(names)  # with one assessment the report withholds its tables
    loose = [str(p.relative_to(tmp_path)) for p in written if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []


# ---- output names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("../../etc/x", "etc-x"), ("CON", "CON_"), ("lpt1", "lpt1_"), ("..", "x"), ("", "x"),
    ("a" * 300, "a" * 40), ("Zoë Łódź", "Zo-d"), ("a\nb\x00c", "a-b-c"),
])
def test_a_name_part_is_short_safe_ascii(text: str, expected: str) -> None:
    assert safe_part(text) == expected


def test_safe_file_stays_in_its_folder(tmp_path: Path) -> None:
    for parts in [("../../etc/x",), ("/", ".."), ("CON",), ("x" * 300, "y" * 300)]:
        path = safe_file(tmp_path, *parts, suffix=".pdf")
        assert path.parent == tmp_path and len(path.name) < 100


@pytest.mark.slow
def test_written_names_never_reuse_the_senders_file_names_and_stay_in_the_output_folder(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    a_return(inbox / "Imogen Testcase CSE form.pdf")
    a_return(inbox / "CON.pdf", name="Kit Madeupname")
    a_return(inbox / ("n" * 240 + ".pdf"), name="Lior Fakename", instance="..")
    a_return(inbox / "a..b.pdf", name="Mo Notreal", instance="." * 300)
    (inbox / "Imogen Testcase letter.pdf").write_bytes(b"Dear colleague\n")
    agencies = tmp_path / "agencies.csv"
    agencies.write_text("agency,address,cse_lead_contact,send_to\n"
                        "../../etc/x,1 Road,0123,a@one.example\nCON,2 Road,0123,b@two.example\n"
                        f"{'Long Name ' * 12},3 Road,0123,c@three.example\n")

    ingested = cse_pdf("ingest", inbox, "--db", tmp_path / "db.sqlite3", "--out", "out", cwd=tmp_path)
    assert ingested.returncode == 2, ingested.stderr  # the letter failed; the rest were recorded
    sent = cse_pdf("distribute", agencies, "--form", HIL, "--from", "board@board.example", "--out", "mail",
                   cwd=tmp_path)
    assert sent.returncode == 0, sent.stderr

    for folder in (tmp_path / "out", tmp_path / "mail"):
        written = [p for p in folder.rglob("*") if p.is_file()]
        assert written
        for p in written:
            assert p.resolve().is_relative_to(folder.resolve())
            assert "Testcase" not in p.name and "Imogen" not in p.name and len(p.name) < 120
            assert p.stem.split(".")[0].lower() not in {"con", "prn", "aux", "nul"}
    assert len(list((tmp_path / "out" / "stamped").rglob("*.pdf"))) == 4
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 3
    assert not (tmp_path / "etc").exists()


# ---- logs --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_verbose_ingest_logs_outcomes_and_never_what_the_forms_say(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    a_return(inbox / "one.pdf")
    spec = find_form(HIL)
    unfinished = fictional_return(spec, name="Nia Fictionperson", dob="01/02/2012", completed="05/03/2024")
    unfinished[spec.scoring.stated] = None  # no level agreed yet: needs review
    write_return(inbox / "two.pdf", spec, unfinished)
    whole = (inbox / "one.pdf").read_bytes()
    (inbox / "cut.pdf").write_bytes(whole[: len(whole) // 3])

    done = cse_pdf("ingest", inbox, "--db", tmp_path / "db.sqlite3", "--out", "out", "-v", "--workers", "2",
                   cwd=tmp_path)
    assert done.returncode == 2
    log = done.stderr
    assert "one.pdf: ingested as record" in log and "two.pdf: ingested as record" in log
    assert "cut.pdf: failed: " in log and "to read with 2 worker(s)" in log
    reasons = "".join(p.read_text() for p in (tmp_path / "out" / "quarantine").glob("*.reason.txt"))
    everything = done.stdout + log + reasons
    for secret in [*SECRETS, "Nia", "Fictionperson", "01/02/2012", "2012-02-01"]:
        assert secret not in everything, secret
