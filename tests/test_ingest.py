"""`cse-pdf ingest`: a folder of returned forms read, scored, stamped and recorded in one command."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from helpers.cli import Ran, cse, environment
from helpers.forms import REPO, fictional_return, write_return

from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import CRASHED, FAILED, INGESTED, NEEDS_REVIEW, discover, ingest, process_file
from cse_pdf.store import Store

SAMPLES = sorted((REPO / "samples").glob("*.pdf"))
HIL, RV = "hillingdon-cse", "cse-risk-vulnerability"


def run(*args: object, home: Path) -> Ran:
    """The command as an administrator runs it; HOME points away from any real database."""
    return cse(*args, env=environment({"HOME": str(home)}, without=("CSE_PDF_DB", "XDG_DATA_HOME")))


def counts(stdout: str) -> dict[str, int]:
    """The closing table: ingested, already known, needs review, failed."""
    found = dict(re.findall(r"^(ingested|already known|needs review|failed)\s+(\d+)$", stdout, re.M))
    return {k: int(v) for k, v in found.items()}


def summary_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(t for t in (p.extract_text() or "" for p in pdf.pages) if "Summary page" in t)


# The fictional people of these tests, and what was typed about them: none of it may leave the database.
PEOPLE = [("Ada Testperson", "14/07/2010"), ("Bram Fictional", "02/02/2011"), ("Cleo Madeup", "30/09/2009")]
SECRETS = ["Testperson", "Fictional", "Madeup", "14/07/2010", "02/02/2011", "30/09/2009", "Okonkwo", "Zoë",
           "Łódź", "Second line"]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """What an administrator finds in the shared folder: returns from several engines (the samples, two
    of them flattened), fresh returns, a letter saved as .pdf, a truncated download, one form sent twice,
    and a file that is not a PDF at all."""
    box = tmp_path / "inbox"
    (box / "engines").mkdir(parents=True)
    for sample in SAMPLES:
        shutil.copy(sample, box / "engines" / sample.name)
    spec = find_form(HIL)
    for i, (name, dob) in enumerate(PEOPLE):
        write_return(box / "fresh" / f"return-{i}.pdf", spec, fictional_return(spec, name=name, dob=dob,
                                                                                completed="05/03/2024"))
    shutil.copy(box / "fresh" / "return-0.pdf", box / "resent-return-0.pdf")
    (box / "letter.pdf").write_bytes(b"Dear colleague, the form is attached...\n")
    whole = (box / "fresh" / "return-1.pdf").read_bytes()
    (box / "download.pdf").write_bytes(whole[: len(whole) // 2])
    (box / "notes.txt").write_text("not a form, not named .pdf: never picked up")
    return box


@pytest.mark.slow
def test_a_folder_of_returns_is_ingested_recorded_and_the_bad_ones_set_aside(inbox: Path, tmp_path: Path,
                                                                            db_url: str) -> None:
    out = tmp_path / "out"
    result = run("ingest", inbox, "--db", db_url, "--out", out, "--workers", "2", home=tmp_path)

    assert result.returncode == 2, result.stderr  # some files failed
    table = counts(result.stdout)
    assert table["already known"] == 1 and table["failed"] == 2
    assert table["ingested"] + table["needs review"] == len(SAMPLES) + len(PEOPLE)
    assert re.search(r"letter\.pdf: is not a PDF file", result.stdout)
    assert re.search(r"download\.pdf: is truncated or damaged", result.stdout)
    for name in ("flat-high-mupdf.pdf", "flat-rv-medium-pdfium.pdf"):  # recorded, flagged, counted apart
        assert re.search(rf"record \d+\t\S*{name}\t.*flattened", result.stdout), result.stdout

    with Store.open(db_url) as store:
        rows = store.records(include_superseded=True)
        assert len(rows) == len(SAMPLES) + len(PEOPLE)
        fresh = [r for r in rows if r.status == "ingested"]
        assert len(fresh) >= len(PEOPLE)  # the fresh returns need no review
        detail = store.record_detail(fresh[0].record_id)
        assert set(detail["values"]) == {f.id for f in find_form(detail["form"]["id"]).fields}
        assert Path(detail["file"]["stamped"]).is_file()
        failures = store.failures()
        assert sorted(Path(f.source_path).name for f in failures) == ["download.pdf", "letter.pdf"]

    quarantined = sorted(p.name for p in (out / "quarantine").iterdir())
    assert len(quarantined) == 4 and sum(n.endswith(".reason.txt") for n in quarantined) == 2
    reason = next(text for p in (out / "quarantine").glob("failed-*.reason.txt")
                  if (text := p.read_text()).startswith("letter.pdf: "))
    assert reason.count("\n") == 1 and "is not a PDF file" in reason
    stamped = sorted((out / "stamped").rglob("*.pdf"))
    assert len(stamped) == len(SAMPLES) + len(PEOPLE)

    everything = result.stdout + result.stderr + "".join(
        p.read_text() for p in (out / "quarantine").glob("*.reason.txt"))
    for secret in SECRETS:
        assert secret not in everything, secret

    again = run("ingest", inbox, "--db", db_url, "--out", out, home=tmp_path)
    assert counts(again.stdout) == {"ingested": 0, "already known": len(SAMPLES) + len(PEOPLE) + 1,
                                    "needs review": 0, "failed": 2}
    with Store.open(db_url) as store:
        assert len(store.records(include_superseded=True)) == len(SAMPLES) + len(PEOPLE)
        assert sorted(f.attempts for f in store.failures()) == [2, 2]


@pytest.mark.slow
def test_exit_code_says_whether_everything_was_ingested(tmp_path: Path) -> None:
    spec = find_form(HIL)
    good = write_return(tmp_path / "good" / "a.pdf", spec, fictional_return(spec, name="Ada Testperson",
                                                                          dob="14/07/2010", completed="05/03/2024"))
    db, out = tmp_path / "db.sqlite3", tmp_path / "out"

    first = run("ingest", good, "--db", db, "--out", out, home=tmp_path)
    assert first.returncode == 0 and counts(first.stdout)["ingested"] == 1, first.stdout + first.stderr
    assert run("ingest", good, "--db", db, "--out", out, home=tmp_path).returncode == 0  # already known

    review = run("ingest", REPO / "samples" / "flat-high-mupdf.pdf", "--db", db, "--out", out, home=tmp_path)
    assert review.returncode == 4 and counts(review.stdout)["needs review"] == 1

    missing = run("ingest", tmp_path / "nowhere", "--db", db, "--out", out, home=tmp_path)
    assert missing.returncode == 2 and "nowhere: no such file or folder" in missing.stdout


@pytest.mark.slow
def test_the_default_database_is_created_owner_only_under_the_home_folder(tmp_path: Path) -> None:
    spec = find_form(RV)
    src = write_return(tmp_path / "in" / "rv.pdf", spec, fictional_return(spec, name="Bram Fictional",
                                                                         dob="02/02/2011", completed="12/04/2024"))
    out = tmp_path / "out"
    result = run("ingest", src, "--out", out, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    db = tmp_path / ".local" / "share" / "cse-pdf" / "cse-pdf.sqlite3"
    assert db.is_file()
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    for f in db.parent.iterdir():  # the database and its -wal / -shm companions
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name
    for d in [out, *(p for p in out.rglob("*") if p.is_dir())]:
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    for f in (p for p in out.rglob("*") if p.is_file()):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f

    env_db = tmp_path / "elsewhere.sqlite3"
    listed = cse("list", env={"HOME": str(tmp_path), "CSE_PDF_DB": str(env_db)})
    assert listed.returncode == 5 and not env_db.exists() and str(env_db) in listed.stderr  # never a new, empty one


@pytest.mark.slow
def test_a_corrected_resubmission_is_a_new_revision_and_the_earlier_one_is_kept(tmp_path: Path,
                                                                               db_url: str) -> None:
    spec = find_form(HIL)
    first = fictional_return(spec, name="Ada Testperson", dob="14/07/2010", completed="05/03/2024", pick=0)
    corrected = fictional_return(spec, name="  ADA   testperson ", dob="14/07/2010", completed="05/03/2024", pick=0,
                                 risk__drug_use="5")  # the same person, as normalised
    other_child = fictional_return(spec, name="Bram Fictional", dob="02/02/2011", completed="05/03/2024", pick=0)
    other_agency = {**first, "agency.name": "Example School"}
    # One blank, one copy id, filled for different children: the copy id never makes two returns the same.
    paths = [write_return(tmp_path / "in" / f"{n}.pdf", spec, v, instance="copy-for-example-school")
             for n, v in (("1-first", first), ("2-other-child", other_child), ("3-other-agency", other_agency))]
    out = tmp_path / "out"
    assert run("ingest", *paths, "--db", db_url, "--out", out, home=tmp_path).returncode == 0

    fixed = write_return(tmp_path / "in" / "4-corrected.pdf", spec, corrected, instance="copy-for-example-school")
    result = run("ingest", fixed, "--db", db_url, "--out", out, home=tmp_path)
    assert counts(result.stdout)["ingested"] == 1, result.stdout

    listed = run("list", "--db", db_url, "--form", HIL, home=tmp_path).stdout.splitlines()[1:]
    everything = run("list", "--db", db_url, "--all", home=tmp_path).stdout.splitlines()[1:]
    assert len(listed) == 3 and len(everything) == 4
    # status and revision, then (issue 17) the review state and the agreed level
    assert any(line.endswith("superseded\t1\tsuperseded\t-") for line in everything)
    assert any(line.endswith("ingested\t2\tawaiting agreement\t-") for line in listed)

    with Store.open(db_url) as store:
        ada = store.records(name="ada testperson")
        assert len(ada) == 2  # two agencies' assessments; the corrected one is current
        current = store.record_detail(max(r.record_id for r in ada if r.revision == 2))
        assert current["values"]["risk.drug_use"] == "5"
        assert [r["revision"] for r in current["revisions"]] == [1, 2]
        assert [r["current"] for r in current["revisions"]] == [False, True]


@pytest.mark.slow
def test_a_review_over_time_shows_the_previous_assessment_and_the_trend(tmp_path: Path, db_url: str) -> None:
    spec = find_form(HIL)
    earlier = fictional_return(spec, name="Cleo Madeup", dob="30/09/2009", completed="10/01/2024", pick=0)
    later = fictional_return(spec, name="Cleo Madeup", dob="30/09/2009", completed="20/05/2024", pick=-1)
    # Both in one batch: the later one is read while the earlier one is not yet recorded.
    write_return(tmp_path / "in" / "a-january.pdf", spec, earlier)
    write_return(tmp_path / "in" / "b-may.pdf", spec, later)
    out = tmp_path / "out"
    result = run("ingest", tmp_path / "in", "--db", db_url, "--out", out, "--workers", "1", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    with Store.open(db_url) as store:
        stamped = {r.date_completed.isoformat(): Path(store.record_detail(r.record_id)["file"]["stamped"])
                   for r in store.records()}
        may_id = max(r.record_id for r in store.records())
        previous = store.record_detail(may_id)["previous"]
    may = summary_text(stamped["2024-05-20"])
    assert "Previous assessment" in may and "10/01/2024" in may and "RISEN" in may
    assert "Previous assessment" not in summary_text(stamped["2024-01-10"])
    assert previous["date_completed"] == "2024-01-10" and previous["trend"] == "rose"


@pytest.mark.slow
def test_no_stamp_records_every_form_and_writes_no_copy(tmp_path: Path) -> None:
    spec = find_form(HIL)
    src = write_return(tmp_path / "in" / "a.pdf", spec, fictional_return(spec, name="Ada Testperson",
                                                                       dob="14/07/2010", completed="05/03/2024"))
    rv = find_form(RV)
    write_return(tmp_path / "in" / "b.pdf", rv, fictional_return(rv, name="Bram Fictional", dob="02/02/2011",
                                                                  completed="12/04/2024"))
    db, out = tmp_path / "db.sqlite3", tmp_path / "out"

    result = run("ingest", tmp_path / "in", "--no-stamp", "--db", db, "--out", out, home=tmp_path)
    assert result.returncode == 0 and counts(result.stdout)["ingested"] == 2, result.stdout + result.stderr
    assert "no stamped copies" in result.stderr
    assert not (out / "stamped").exists() or not any((out / "stamped").rglob("*.pdf"))
    records = [json.loads(run("show", str(i), "--db", db, home=tmp_path).stdout) for i in (1, 2)]
    assert [r["file"]["stamped"] for r in records] == [None, None]
    assert {r["form"]["id"] for r in records} == {HIL, RV}

    again = run("ingest", src, "--db", db, "--out", out, home=tmp_path)  # the same file, stamping this time
    assert again.returncode == 0 and counts(again.stdout)["already known"] == 1


@pytest.mark.slow
def test_the_stamp_command_still_needs_no_database(tmp_path: Path) -> None:
    out = tmp_path / "stamped.pdf"
    result = run("stamp", REPO / "samples" / "low-pdfium.pdf", "-o", out, home=tmp_path)
    assert result.returncode == 0 and out.is_file()
    assert not (tmp_path / ".local").exists()
    assert "Previous assessment" not in summary_text(out)


@pytest.mark.slow
def test_show_prints_a_record_without_opening_a_pdf_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    from cse_pdf.assess.score import assess

    spec = find_form(RV)
    values = fictional_return(spec, name="Bram Fictional", dob="02/02/2011", completed="12/04/2024")
    src = write_return(tmp_path / "in" / "rv.pdf", spec, values)
    db = tmp_path / "db.sqlite3"
    run("ingest", src, "--db", db, "--out", tmp_path / "out", home=tmp_path)
    src.unlink()
    shutil.rmtree(tmp_path / "out")

    shown = run("show", "1", "--db", db, home=tmp_path)
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["form"]["id"] == RV and record["values"]["child.name"] == "Bram Fictional"
    assert record["assessment"] == assess(spec, values).to_dict() and record["status"] == "ingested"

    unknown = run("show", "99", "--db", db, home=tmp_path)
    assert unknown.returncode != 0 and "no record 99" in unknown.stderr and unknown.stderr.count("\n") == 1


@pytest.mark.slow
def test_the_progress_bar_shows_on_a_terminal_only(tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    src = REPO / "samples" / "low-pdfium.pdf"
    quiet = run("ingest", src, "--db", tmp_path / "a.sqlite3", "--out", tmp_path / "a", home=tmp_path)
    assert "%|" not in quiet.stderr and "\r" not in quiet.stderr

    # A subprocess: the bar shows only on a real terminal, which CliRunner's streams are not.
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    proc = subprocess.Popen([sys.executable, "-m", "cse_pdf", "ingest", str(src), "--db", str(tmp_path / "b.sqlite3"),
                             "--out", str(tmp_path / "b")], stdout=subprocess.PIPE, stderr=follower,
                            env={**os.environ, "HOME": str(tmp_path)})
    os.close(follower)
    proc.wait(timeout=120)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert b"1/1" in seen and b"100%" in seen


def crash_on_marked_files(path: str):
    """What a worker does, except that a file named *crash* kills it outright (like a segfault would)."""
    if "crash" in Path(path).name:
        os._exit(9)
    return process_file(path)


@pytest.mark.slow
def test_a_worker_that_dies_on_one_file_costs_only_that_file(tmp_path: Path) -> None:
    spec = find_form(HIL)
    files = [write_return(tmp_path / "in" / f"{name}.pdf", spec,
                          fictional_return(spec, name=f"Person {i} Fictional", dob="01/01/2010",
                                           completed="05/03/2024"))
             for i, name in enumerate(["a", "b", "crash-me", "d", "e"])]
    seen = []
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        report = ingest(files, store, tmp_path / "out", workers=2, on_outcome=seen.append,
                        process=crash_on_marked_files)
        assert len(store.records()) == 4
    kinds = {o.path.name: o.kind for o in report.outcomes}
    assert kinds == {"a.pdf": INGESTED, "b.pdf": INGESTED, "crash-me.pdf": FAILED, "d.pdf": INGESTED,
                     "e.pdf": INGESTED}
    assert report.of(FAILED)[0].reason == CRASHED and report.exit_code == 2
    assert report.of(FAILED)[0].quarantined.is_file()
    assert len(seen) == 5  # the progress callback heard of every file


def test_discover_searches_folders_for_pdfs_and_skips_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "in" / "deep" / "er").mkdir(parents=True)
    for name in ("a.pdf", "deep/b.PDF", "deep/er/c.pdf", "deep/notes.txt", ".hidden.pdf"):
        (tmp_path / "in" / name).write_bytes(b"%PDF-")
    (tmp_path / "in" / "out" / "stamped").mkdir(parents=True)
    (tmp_path / "in" / "out" / "stamped" / "s.pdf").write_bytes(b"%PDF-")
    named = tmp_path / "letter.docx"
    named.write_bytes(b"x")

    files, missing = discover([tmp_path / "in", named, tmp_path / "gone.pdf"], exclude=tmp_path / "in" / "out")
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "in/a.pdf", "in/deep/b.PDF", "in/deep/er/c.pdf", "letter.docx"]
    assert missing == [tmp_path / "gone.pdf"]


@pytest.mark.slow
def test_needs_review_reasons_are_codes_that_say_why(tmp_path: Path) -> None:
    spec = find_form(HIL)
    values = fictional_return(spec, name="Ada Testperson", dob="14/07/2010", completed="05/03/2024")
    values.update({"risk.category": "0", "client.dob": "the 14th of July", "risk.engagement": None})
    src = write_return(tmp_path / "odd.pdf", spec, values)
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        report = ingest([src], store, tmp_path / "out", workers=1)
    (outcome,) = report.outcomes
    assert outcome.kind == NEEDS_REVIEW and report.exit_code == 4
    assert outcome.review == ("date-problems", "unanswered", "level-differs", "unidentified")
