"""Broken, strange and hostile files (tests/helpers/hostile_corpus.py) through `cse-pdf read`, and through one
`cse-pdf ingest` mixed with good returns: every file ends as the right values or one clear line; never
a traceback, a hang or a memory blow-up; and nothing in a file is run or followed outside it."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers.forms import REPO
from helpers.hostile_corpus import SOURCES, Case, build_corpus

from cse_pdf.returned.read import read_form

# Tight limits so the traps end quickly here; the defaults are looser (guard.Limits).
pytestmark = pytest.mark.slow  # a corpus of ninety hostile files, each read in a process of its own

LIMITS = {"CSE_PDF_TIME_LIMIT": "20", "CSE_PDF_MEMORY_LIMIT_MB": "1024", "CSE_PDF_MAX_FILE_MB": "100"}


class Listener:
    """A loopback port that counts every connection: a file that reached out would show here."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture(scope="module")
def listener() -> Listener:
    return Listener()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, listener: Listener) -> dict[Path, Case]:
    folder = tmp_path_factory.mktemp("corpus")
    return build_corpus(folder / "files", marker=folder / "launched", port=listener.port)


@pytest.fixture(scope="module")
def truth() -> dict[str, dict]:
    return {name: read_form(path).values for name, path in SOURCES.items()}


def run(*args: object, home: Path) -> subprocess.CompletedProcess:
    """A subprocess: hostile files may crash, hang or blow up a reader; the limits and the timeout
    hold a process that can be stopped, not this one."""
    env = {k: v for k, v in os.environ.items() if k not in ("CSE_PDF_DB", "XDG_DATA_HOME", "CSE_PDF_DEBUG")}
    env.update(LIMITS, HOME=str(home))
    return subprocess.run([sys.executable, "-m", "cse_pdf", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=1800)


def outcomes(done: subprocess.CompletedProcess) -> dict[str, tuple[str, object]]:
    """file → ("values", values) from the JSON lines, or ("reason", line) from the error lines."""
    found: dict[str, tuple[str, object]] = {}
    for line in done.stdout.splitlines():
        doc = json.loads(line)
        assert doc["file"] not in found
        found[doc["file"]] = ("values", doc["values"])
    for line in done.stderr.splitlines():
        m = re.match(r"cse-pdf: error: (.+?\.pdf): (.+)$", line)
        assert m, f"not a one-line reason naming the file: {line[:200]}"
        assert m.group(1) not in found, f"{m.group(1)} has two outcomes"
        found[m.group(1)] = ("reason", m.group(2))
    return found


def test_every_file_is_read_right_or_refused_in_one_line(corpus: dict[Path, Case], truth: dict[str, dict],
                                                         listener: Listener, tmp_path: Path) -> None:
    done = run("read", *sorted(corpus), home=tmp_path)

    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr[-2000:]
    found = outcomes(done)
    assert set(found) == {str(p) for p in corpus}
    for path, case in corpus.items():
        kind, what = found[str(path)]
        if case.expect == "values":
            assert kind == "values", f"{case.name}: {what}"
            assert what == truth[case.source], case.name
        elif case.expect == "reason":
            assert kind == "reason", f"{case.name} was read"
            assert case.reason in str(what), f"{case.name}: {what}"
    assert done.returncode == 2  # input errors only: no bug (70), no crash
    refused = sum(kind == "reason" for kind, _ in found.values())
    assert 0 < refused < len(corpus)
    assert listener.connections == 0
    assert not (next(iter(corpus)).parent.parent / "launched").exists()


def test_one_ingest_of_the_corpus_with_good_returns_loses_no_good_form(corpus: dict[Path, Case],
                                                                      listener: Listener, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(next(iter(corpus)).parent, inbox / "corpus")
    good = sorted((REPO / "samples").glob("*.pdf"))
    for sample in good:
        shutil.copy(sample, inbox / sample.name)
    out = tmp_path / "out"

    done = run("ingest", inbox, "--db", tmp_path / "db.sqlite3", "--out", out, "--workers", "2", home=tmp_path)

    assert "Traceback" not in done.stdout + done.stderr and "internal error" not in done.stdout + done.stderr
    assert done.returncode != 0
    table = dict(re.findall(r"^(ingested|already known|needs review|failed)\s+(\d+)$", done.stdout, re.M))
    assert sum(map(int, table.values())) == len(corpus) + len(good)
    failed = re.findall(r"^  (.+?\.pdf): (.+)$", done.stdout, re.M)
    assert int(table["failed"]) == len(failed)
    failed_names = {Path(p).name for p, _ in failed}
    must_fail = {f"{c.name}.pdf" for c in corpus.values() if c.expect == "reason"}
    assert must_fail <= failed_names
    assert not failed_names & {p.name for p in good}  # every good return got in, wherever it sat
    quarantine = out / "quarantine"
    reasons = list(quarantine.glob("*.reason.txt"))
    assert len(reasons) == len(failed)
    assert all(len(r.read_text().strip().splitlines()) <= 3 for r in reasons)
    listed = run("list", "--db", tmp_path / "db.sqlite3", home=tmp_path)
    assert listed.returncode == 0
    assert listener.connections == 0
