"""`cse-pdf purge --before DATE`: records, stamped copies and quarantined files past a retention date deleted,
and nothing else: not a revision of an assessment being kept, not a file outside --out, not the register of
issued copies. Real returns (the samples, and fresh fictional ones), ingested by the real command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers.cli import Ran, cse, environment
from helpers.forms import REPO, fictional_return, write_return

from cse_pdf.form.catalog import find_form
from cse_pdf.store import Store
from cse_pdf.store.distribution import IssuedCopy, record_issued
from cse_pdf.store.models import AssessmentRecord, FailureRecord, IssuedCopyRecord, SubmissionRecord, ValueRecord

SAMPLES = sorted((REPO / "samples").glob("*.pdf"))
HIL = "hillingdon-cse"
BEFORE = date(2024, 5, 1)  # splits the samples: some completed in March and April 2024, some after
LONG_AGO = datetime(2019, 6, 1, 12, 0, tzinfo=timezone.utc)


def cli(*args: object, home: Path, input: str | None = None) -> Ran:
    return cse(*args, env=environment({"HOME": str(home)}, without=("XDG_DATA_HOME",), without_prefix="CSE_PDF_"),
               input=input)


@dataclass
class World:
    db: str
    out: Path
    home: Path
    ids: dict[str, int]  # file name in the inbox → its record id
    failures: dict[str, int]  # file name → failure id

    def purge(self, *extra: object, input: str | None = None) -> Ran:
        return cli("purge", "--before", BEFORE.isoformat(), "--db", self.db, "--out", self.out, *extra,
                   home=self.home, input=input)


def snapshot(w: World) -> tuple:
    """Everything purge could change: every row of every table it touches, and every file under --out."""
    with Store.open(w.db) as store, store.engine.connect() as conn:
        rows = tuple(sorted(conn.execute(sa.select(m.__table__)).all()) for m in  # type: ignore[attr-defined]
                     (SubmissionRecord, AssessmentRecord, ValueRecord, FailureRecord, IssuedCopyRecord))
    files = sorted(p.relative_to(w.out).as_posix() for p in w.out.rglob("*") if p.is_file() or p.is_symlink())
    return tuple(len(r) for r in rows), hash(repr(rows)), tuple(files)


def _set(db: str, model: type, where: sa.ColumnElement[bool], **values: object) -> None:
    with Store.open(db) as store, store.engine.begin() as conn:
        assert conn.execute(sa.update(model).where(where).values(**values)).rowcount >= 1


def build(tmp_path: Path, db: str) -> World:
    """The samples, plus fictional returns with controlled dates, ingested; then some dates moved back."""
    spec = find_form(HIL)
    box = tmp_path / "inbox"
    box.mkdir()
    for sample in SAMPLES:
        shutil.copy(sample, box / sample.name)

    later = tmp_path / "later"  # the corrected revisions arrive in a second batch, so they are the current ones

    def ret(file: str, **kw: object) -> None:
        folder = later if file.endswith("-2.pdf") else box
        write_return(folder / file, spec, fictional_return(spec, **kw))  # type: ignore[arg-type]

    # Ada: one assessment completed in 2019, and a corrected revision of it: both go.
    ret("ada-1.pdf", name="Ada Testperson", dob="14/07/2010", completed="10/01/2019", pick=0)
    ret("ada-2.pdf", name="Ada Testperson", dob="14/07/2010", completed="10/01/2019", pick=0, risk__drug_use="5")
    # Cleo: two revisions of a 2019 assessment; one is then made recent below, so the assessment stays whole.
    ret("cleo-1.pdf", name="Cleo Madeup", dob="30/09/2009", completed="15/02/2019", pick=0)
    ret("cleo-2.pdf", name="Cleo Madeup", dob="30/09/2009", completed="15/02/2019", pick=0, risk__drug_use="5")
    # No readable date completed: their ingest time counts; one is moved back to 2019 below.
    ret("bram-undated-old.pdf", name="Bram Fictional", dob="02/02/2011", completed="")
    ret("dara-undated-new.pdf", name="Dara Invented", dob="03/03/2012", completed="")
    (box / "letter-old.pdf").write_bytes(b"Dear colleague, the form is attached...\n")
    (box / "letter-new.pdf").write_bytes(b"Dear colleague, here is the other one...\n")
    out = tmp_path / "out"
    done = cli("ingest", box, "--db", db, "--out", out, "--workers", "2", home=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr  # the two letters failed; everything else recorded
    done = cli("ingest", later, "--db", db, "--out", out, "--workers", "2", home=tmp_path)
    assert done.returncode in (0, 4), done.stdout + done.stderr  # recorded (a revision may need review)

    with Store.open(db) as store, store.engine.connect() as conn:
        ids = {Path(p).name: i for i, p in conn.execute(sa.select(SubmissionRecord.id, SubmissionRecord.source_path))}
        failures = {Path(p).name: i for i, p in conn.execute(sa.select(FailureRecord.id, FailureRecord.source_path))}
        record_issued(store, IssuedCopy("issued-copy-1", HIL, spec.version, "Brookfield Youth Trust",
                                        "lead@brookfield.example", "eml"), at=LONG_AGO)
    assert len(ids) == len(SAMPLES) + 6 and len(failures) == 2
    _set(db, SubmissionRecord, SubmissionRecord.id == ids["cleo-2.pdf"], date_completed=date(2025, 1, 1))
    _set(db, SubmissionRecord, SubmissionRecord.id == ids["bram-undated-old.pdf"], ingested_at=LONG_AGO)
    _set(db, FailureRecord, FailureRecord.id == failures["letter-old.pdf"], first_failed_at=LONG_AGO,
         last_failed_at=LONG_AGO)
    return World(db, out, tmp_path, ids, failures)


def due(w: World) -> set[str]:
    """The inbox files whose records are past BEFORE, worked out here from the dates the samples declare."""
    gone = {"ada-1.pdf", "ada-2.pdf", "bram-undated-old.pdf"}
    for sample in SAMPLES:
        expected = json.loads(sample.with_suffix("").with_suffix(".expected.json").read_text())
        values = expected.get("values", expected)
        completed = values.get("agency.date_completed") or values.get("assessment.date")
        d, m, y = map(int, completed.split("/"))
        if date(y, m, d) < BEFORE:
            gone.add(sample.name)
    return gone


def counts_line(text: str) -> tuple[int, ...]:
    m = re.search(r"(\d+) record\(s\), (\d+) failure record\(s\), (\d+) stamped file\(s\), (\d+) quarantined file\(s\)",
                  text)
    assert m, text
    return tuple(map(int, m.groups()))


@pytest.mark.slow
def test_dry_run_shows_counts_only_and_changes_nothing(tmp_path: Path, db_url: str) -> None:
    w = build(tmp_path, db_url)
    before = snapshot(w)
    result = w.purge("--dry-run")
    assert result.returncode == 0, result.stderr
    gone = due(w)
    assert 0 < len(gone) - 3 < len(SAMPLES)  # the date really splits the samples
    assert counts_line(result.stderr) == (len(gone), 1, len(gone), 1)
    assert snapshot(w) == before
    for name in [*w.ids, "Testperson", "Fictional", "14/07/2010"]:  # counts only: no names of any kind
        assert name not in result.stdout + result.stderr


@pytest.mark.slow
def test_purge_yes_deletes_exactly_the_records_and_files_past_the_date(tmp_path: Path, db_url: str) -> None:
    w = build(tmp_path, db_url)
    gone = due(w)
    with Store.open(w.db) as store:
        stamped = {name: Path(store.record_detail(i)["file"]["stamped"]) for name, i in w.ids.items()}
        quarantined = {Path(f.source_path).name: Path(f.quarantined_path) for f in store.failures()}
    assert all(p.is_file() for p in [*stamped.values(), *quarantined.values()])

    result = w.purge("--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts_line(result.stdout) == (len(gone), 1, len(gone), 1)

    kept = {name for name in w.ids if name not in gone}
    assert {"cleo-1.pdf", "cleo-2.pdf", "dara-undated-new.pdf"} <= kept  # an assessment with a revision to keep
    with Store.open(w.db) as store, store.engine.connect() as conn:
        assert {r.record_id for r in store.records(include_superseded=True)} == {w.ids[n] for n in kept}
        for model in (AssessmentRecord, ValueRecord):  # nothing left hanging off a deleted record
            orphans = conn.scalar(sa.select(sa.func.count()).select_from(model)
                                  .where(model.submission_id.not_in(sa.select(SubmissionRecord.id))))
            assert orphans == 0
            assert conn.scalar(sa.select(sa.func.count(sa.distinct(model.submission_id)))) == len(kept)
        assert [Path(f.source_path).name for f in store.failures()] == ["letter-new.pdf"]
        assert conn.scalar(sa.select(sa.func.count()).select_from(IssuedCopyRecord)) == 1  # the register stays
        cleo = store.record_detail(w.ids["cleo-2.pdf"])
        assert [r["revision"] for r in cleo["revisions"]] == [1, 2]
    for name, path in stamped.items():
        assert path.exists() == (name in kept), name
    assert not quarantined["letter-old.pdf"].exists()
    assert not Path(str(quarantined["letter-old.pdf"]) + ".reason.txt").exists()  # it names the sender's file
    assert quarantined["letter-new.pdf"].is_file()

    listed = cli("list", "--all", "--db", w.db, home=w.home).stdout.splitlines()[1:]
    assert sorted(int(line.split("\t")[0]) for line in listed) == sorted(w.ids[n] for n in kept)
    exported = cli("export", "--format", "json", "-o", tmp_path / "board.json", "--db", w.db, home=w.home)
    assert exported.returncode == 0, exported.stderr
    rows = [row for form_rows in json.loads((tmp_path / "board.json").read_text()).values() for row in form_rows]
    assert rows and {row["Record"] for row in rows} <= {w.ids[n] for n in kept}
    assert w.ids["cleo-2.pdf"] in {row["Record"] for row in rows}

    again = w.purge("--yes")  # nothing left to do: not an error
    assert again.returncode == 0 and counts_line(again.stderr) == (0, 0, 0, 0), again.stderr


@pytest.mark.slow
def test_files_outside_out_or_reached_through_a_link_are_never_deleted(tmp_path: Path) -> None:
    w = build(tmp_path, str(tmp_path / "db.sqlite3"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    victims = {name: outside / f"{name}.keep" for name in ("ada-1.pdf", "ada-2.pdf", "bram-undated-old.pdf")}
    for v in victims.values():  # files of the same names outside, which must survive
        v.write_bytes(b"not cse-pdf's to delete")
    with Store.open(w.db) as store:
        stamped = {n: Path(store.record_detail(i)["file"]["stamped"]) for n, i in w.ids.items()}
    # 1. the record points outside --out (a database edited, or another run's folder)
    _set(w.db, SubmissionRecord, SubmissionRecord.id == w.ids["ada-1.pdf"], stamped_path=str(victims["ada-1.pdf"]))
    # 2. the stamped copy was replaced by a link to a file outside
    stamped["ada-2.pdf"].unlink()
    stamped["ada-2.pdf"].symlink_to(victims["ada-2.pdf"])
    # 3. a folder on the way is a link to a folder outside, holding a file of the recorded name
    bram = stamped["bram-undated-old.pdf"]
    moved = outside / "moved-folder"
    shutil.move(str(bram.parent), moved)
    bram.parent.symlink_to(moved)
    assert (bram.parent / bram.name).is_file()
    # 4. inside --out, a due record's copy is now a link to a kept record's copy, and another's is a folder
    rv_due = sorted(n for n in due(w) if n.startswith("rv-"))
    rv_kept = sorted(n for n in w.ids if n.startswith("rv-") and n not in due(w))
    assert len(rv_due) >= 2 and rv_kept
    kept_copy = stamped[rv_kept[0]]
    kept_bytes = kept_copy.read_bytes()
    stamped[rv_due[0]].unlink()
    stamped[rv_due[0]].symlink_to(kept_copy)
    stamped[rv_due[1]].unlink()
    stamped[rv_due[1]].mkdir()
    in_moved = sorted(p.name for p in moved.iterdir())
    # every due record's copy in that folder (Bram's and the old samples of that form) is now reached by a link
    linked = {n for n in due(w) if stamped[n].parent == bram.parent} - {"ada-1.pdf", "ada-2.pdf"}
    outside_count = 4 + len(linked)
    assert len(linked) >= 2

    def database_bytes() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite3*"))

    assert b"Ada Testperson" in database_bytes()

    dry = w.purge("--dry-run")
    assert f"{outside_count} file(s) recorded outside" in dry.stderr, dry.stderr
    result = w.purge("--yes")
    assert result.returncode == 0, result.stderr
    assert all(v.read_bytes() == b"not cse-pdf's to delete" for v in victims.values())
    assert stamped["ada-2.pdf"].is_symlink() and sorted(p.name for p in moved.iterdir()) == in_moved
    assert kept_copy.read_bytes() == kept_bytes and stamped[rv_due[0]].is_symlink() and stamped[rv_due[1]].is_dir()
    assert f"{outside_count} file(s) recorded outside" in result.stdout
    # what was purged cannot be read back out of the SQLite file or its write-ahead log
    assert b"Ada Testperson" not in database_bytes() and b"ada testperson" not in database_bytes()
    with Store.open(w.db) as store:  # the records themselves are gone all the same
        assert not {w.ids[n] for n in victims} & {r.record_id for r in store.records(include_superseded=True)}


@pytest.mark.slow
def test_refusing_at_the_prompt_or_having_no_terminal_deletes_nothing(tmp_path: Path) -> None:
    import pty

    w = build(tmp_path, str(tmp_path / "db.sqlite3"))
    before = snapshot(w)

    piped = w.purge(input="y\n")  # stdin is not a terminal: never taken as a yes
    assert piped.returncode != 0 and "give --yes" in piped.stderr
    assert piped.stderr.strip().splitlines()[-1].startswith("cse-pdf: error: ")
    assert snapshot(w) == before

    # A subprocess: the question is asked only on a real terminal, which CliRunner's streams are not.
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSE_PDF_")}
    proc = subprocess.Popen([sys.executable, "-m", "cse_pdf", "purge", "--before", BEFORE.isoformat(), "--db", w.db,
                             "--out", str(w.out)], stdin=follower, stdout=subprocess.PIPE, stderr=follower,
                            env={**env, "HOME": str(tmp_path)})
    os.close(follower)
    seen = b""
    while b"Delete these for good?" not in seen:
        chunk = os.read(leader, 4096)
        assert chunk, seen
        seen += chunk
    os.write(leader, b"n\n")
    assert proc.wait(timeout=120) == 1
    os.close(leader)
    assert snapshot(w) == before


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "31/02/2024"])
def test_a_bad_date_is_one_line_and_exit_3(tmp_path: Path, bad: str) -> None:
    result = cli("purge", "--before", bad, "--db", tmp_path / "db.sqlite3", "--yes", home=tmp_path)
    assert result.returncode == 3 and result.stderr.count("\n") == 1 and "is not a date" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


@pytest.mark.slow
def test_what_falls_due_after_confirming_is_not_deleted_and_no_assessment_is_cut_in_two(tmp_path: Path) -> None:
    """Between the counts shown and the deletion, an ingest records a new revision of a due assessment and a
    new due record: neither was confirmed, so neither goes, and the assessment keeps its earlier revision."""
    from cse_pdf.ingest import ingest
    from cse_pdf.purge import plan_purge, purge

    spec = find_form(HIL)
    box, out = tmp_path / "in", tmp_path / "out"
    first = write_return(box / "ada-1.pdf", spec, fictional_return(spec, name="Ada Testperson", dob="14/07/2010",
                                                                   completed="10/01/2019", pick=0))
    second = write_return(box / "ada-2.pdf", spec, fictional_return(spec, name="Ada Testperson", dob="14/07/2010",
                                                                    completed="10/01/2019", pick=0, risk__drug_use="5"))
    other = write_return(box / "bram.pdf", spec, fictional_return(spec, name="Bram Fictional", dob="02/02/2011",
                                                                  completed="10/01/2019"))
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        ingest([first], store, out)
        confirmed = plan_purge(store, BEFORE)
        assert len(confirmed.submissions) == 1
        ingest([second, other], store, out)  # meanwhile
        done = purge(store, confirmed, out)
        assert done.records == 0 and len(store.records(include_superseded=True)) == 3
        assert all(Path(store.record_detail(r.record_id)["file"]["stamped"]).is_file()
                   for r in store.records(include_superseded=True))
        assert purge(store, plan_purge(store, BEFORE), out).records == 3  # confirmed afresh: all three go
        assert store.records(include_superseded=True) == []
