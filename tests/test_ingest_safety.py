"""Ingest never loses or doubles a form: not when killed mid-batch, not when two run at once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers.forms import fictional_return, write_return
from pypdf import PdfReader

from cse_pdf.base.private_files import is_temp_name
from cse_pdf.form.catalog import find_form
from cse_pdf.store import Store

pytestmark = pytest.mark.slow  # batches of thirty returns, killed mid-write and run twice at once

HIL = "hillingdon-cse"


@pytest.fixture(scope="module")
def many_returns(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Thirty distinct returns of fictional young people."""
    spec = find_form(HIL)
    folder = tmp_path_factory.mktemp("returns")
    return [write_return(folder / f"return-{i:02d}.pdf", spec,
                         fictional_return(spec, name=f"Young Person {i} Fictional", dob="01/06/2010",
                                          completed="05/03/2024", pick=i % 2 - 1))
            for i in range(30)]


def ingest_cmd(paths: list[Path] | Path, db: str, out: Path, workers: int = 1) -> list[str]:
    """`cse-pdf ingest` as a process of its own: these tests kill it mid-write, or run two at once."""
    paths = [paths] if isinstance(paths, Path) else paths
    return [sys.executable, "-m", "cse_pdf", "ingest", *map(str, paths), "--db", db, "--out", str(out),
            "--workers", str(workers)]


def recorded(db: str) -> int:
    with Store.open(db, migrate=False) as store, store.engine.connect() as conn:
        try:
            return conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar_one()
        except sa.exc.OperationalError:
            return 0  # not created yet
        except sa.exc.ProgrammingError:
            return 0


def counts(stdout: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^(ingested|already known|needs review|failed)\s+(\d+)$", stdout, re.M)}


def assert_every_form_recorded_once_and_nothing_half_done(db: str, out: Path, files: list[Path]) -> None:
    spec = find_form(HIL)
    with Store.open(db) as store:
        rows = store.records(include_superseded=True)
        assert len(rows) == len(files)
        details = [store.record_detail(r.record_id) for r in rows]
    assert sorted(Path(d["file"]["source"]).name for d in details) == sorted(p.name for p in files)
    for d in details:  # each record whole: every value, its assessment, its stamped copy
        assert len(d["values"]) == len(spec.fields)
        assert d["assessment"]["label"]
        assert len(PdfReader(d["file"]["stamped"]).pages) > 1
    stamped = sorted(str(p) for p in (out / "stamped").rglob("*.pdf"))
    assert stamped == sorted(d["file"]["stamped"] for d in details)  # no stray copies either
    leftovers = [p for p in out.rglob("*") if is_temp_name(p.name)]
    assert leftovers == []


def test_killed_mid_batch_then_run_again_every_form_is_recorded_exactly_once(many_returns: list[Path],
                                                                              tmp_path: Path) -> None:
    db, out = str(tmp_path / "db.sqlite3"), tmp_path / "out"
    folder = many_returns[0].parent
    for kill_after in (3, 12):  # twice, at different points, like a machine that keeps being switched off
        proc = subprocess.Popen(ingest_cmd(folder, db, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        deadline = time.monotonic() + 240
        while recorded(db) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its workers, mid-write
        proc.wait()
        assert kill_after <= recorded(db) < len(many_returns)

    done_before = recorded(db)
    finish = subprocess.run(ingest_cmd(folder, db, out), capture_output=True, text=True)
    assert finish.returncode == 0, finish.stdout + finish.stderr
    assert counts(finish.stdout) == {"ingested": len(many_returns) - done_before, "already known": done_before,
                                     "needs review": 0, "failed": 0}
    assert_every_form_recorded_once_and_nothing_half_done(db, out, many_returns)


@pytest.mark.parametrize("workers", [1, 2])
def test_two_ingests_at_once_on_overlapping_folders_lose_nothing(many_returns: list[Path], tmp_path: Path,
                                                                 db_url: str, workers: int) -> None:
    out = tmp_path / "out"
    first, second = many_returns[:20], many_returns[10:]  # ten files in both
    procs = [subprocess.Popen(ingest_cmd(files, db_url, out, workers), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for files in (first, second)]
    results = [(p.communicate(timeout=600), p.returncode) for p in procs]
    tables = []
    for (stdout, stderr), code in results:
        assert code == 0, stdout + stderr
        tables.append(counts(stdout))
    assert [t["ingested"] + t["already known"] for t in tables] == [20, 20]
    assert sum(t["ingested"] for t in tables) == len(many_returns)  # each file recorded by one of them
    assert_every_form_recorded_once_and_nothing_half_done(db_url, out, many_returns)


def test_temporary_files_of_dead_writers_are_swept_and_live_ones_left(many_returns: list[Path],
                                                                      tmp_path: Path) -> None:
    from cse_pdf.ingest import ingest

    out = tmp_path / "out"
    folder = out / "stamped" / HIL
    folder.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a process id that has certainly ended
    dead.wait()
    orphan = folder / f".return-00-0123456789ab.pdf.tmp-{dead.pid}-0badc0de"
    live = folder / f".return-00-0123456789ab.pdf.tmp-{os.getppid()}-0badc0de"  # pytest's parent: still running
    for p in (orphan, live):
        p.write_bytes(b"half a PDF")
    with Store.open(str(tmp_path / "db.sqlite3")) as store:
        ingest(many_returns[:1], store, out)
    assert not orphan.exists() and live.exists()
