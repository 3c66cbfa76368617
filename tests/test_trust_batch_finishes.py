"""Issue 14 §3: every batch finishes; everything before a file's guarded read is as safe as the read.

Discovery, stat, hashing, the quarantine copy and the error path meet whatever a folder of returns can
hold: names that are not UTF-8 or that carry terminal escapes, FIFOs, devices and links to them, link
loops, dangling links, sockets, terabyte sparse files, unreadable folders, files that vanish or turn
into a FIFO mid-batch. Each is one line; the good forms are recorded; nothing hangs (the subprocess
timeouts below are hang guards, not timed assertions).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.forms import REPO, fictional_return, write_return

from cse_pdf.base import regular_files
from cse_pdf.base.errors import OverLimitError, PdfInputError
from cse_pdf.base.regular_files import read_regular
from cse_pdf.base.safe_names import path_from_stored, printable, shown, stored_path
from cse_pdf.cli import main
from cse_pdf.form.catalog import find_form
from cse_pdf.ingest import FAILED, INGESTED, SKIPPED, discover, ingest, sha256_of
from cse_pdf.store import Store

HIL = "hillingdon-cse"
HANG_GUARD = 300  # seconds: a batch that is still running then has hung (it takes a few seconds)
STEERING = ["\x1b", "\u202e", "\u2066", "\x9b", "\x07", "\r"]
NON_UTF8 = os.fsdecode(b"\xff\xfe form from windows.pdf")
ESCAPES = "esc\x1b[31m red \u202efdp.exe\u2066.pdf"


def cse(*args: object, env: dict[str, str] | None = None, timeout: float = HANG_GUARD) -> subprocess.CompletedProcess:
    """A subprocess: a FIFO or device opened by mistake blocks for ever, and only a process can be killed
    when the hang guard runs out (in this process the whole test run would hang)."""
    base = {k: v for k, v in os.environ.items() if k not in ("CSE_PDF_DB", "XDG_DATA_HOME")}
    return subprocess.run([sys.executable, "-m", "cse_pdf", *map(os.fsencode, map(str, args))], capture_output=True,
                          env={**base, **(env or {})}, timeout=timeout)


def text(done: subprocess.CompletedProcess) -> tuple[str, str]:
    """stdout and stderr, which must be plain UTF-8 whatever the names held."""
    return done.stdout.decode("utf-8"), done.stderr.decode("utf-8")


def table(stdout: str) -> dict[str, int]:
    return {k: int(v) for k, v in
            re.findall(r"^(ingested|already known|needs review|failed|skipped)\s+(\d+)$", stdout, re.M)}


def sparse(path: Path, size: int = 2 ** 40) -> Path:
    """A file of `size` bytes (a terabyte) that takes no disk: reading it whole would take hours."""
    with open(path, "wb") as fh:
        try:
            fh.truncate(size)
        except OSError as exc:  # a file system with a smaller maximum file size
            assert exc.errno == errno.EFBIG
            fh.truncate(2 ** 34)
    return path


def hostile_inbox(root: Path) -> tuple[Path, list[str], list[str]]:
    """(folder, names of the good forms, names of the hostile entries)."""
    inbox = root / "inbox"
    (inbox / "deeper").mkdir(parents=True)
    spec = find_form(HIL)
    good = ["good.pdf", NON_UTF8, ESCAPES]
    shutil.copy(REPO / "samples" / "low-pdfium.pdf", inbox / good[0])
    for i, name in enumerate(good[1:]):
        write_return(inbox / name, spec, fictional_return(spec, name=f"Person {i} Fictional", dob="01/06/2010",
                                                          completed="05/03/2024"))
    os.mkfifo(inbox / "fifo.pdf")
    os.mkfifo(inbox / "deeper" / "pipe.pdf")
    (inbox / "null.pdf").symlink_to("/dev/null")
    (inbox / "zero.pdf").symlink_to("/dev/zero")
    (inbox / "link-to-fifo.pdf").symlink_to(inbox / "fifo.pdf")
    (inbox / "loop.pdf").symlink_to("loop.pdf")
    (inbox / "ping.pdf").symlink_to("pong.pdf")
    (inbox / "pong.pdf").symlink_to("ping.pdf")
    (inbox / "dangling.pdf").symlink_to("nowhere/at-all.pdf")
    sparse(inbox / "huge-sparse.pdf")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(inbox / "socket.pdf"))
    bad = ["fifo.pdf", "pipe.pdf", "null.pdf", "zero.pdf", "link-to-fifo.pdf", "loop.pdf", "ping.pdf", "pong.pdf",
           "dangling.pdf", "huge-sparse.pdf", "socket.pdf"]
    return inbox, good, bad


@pytest.mark.slow
def test_a_batch_of_hostile_entries_finishes_records_the_good_forms_and_says_one_line_for_each(
        tmp_path: Path, db_url: str) -> None:
    inbox, good, bad = hostile_inbox(tmp_path)
    out = tmp_path / "out"

    done = cse("ingest", inbox, "--db", db_url, "--out", out, "--workers", "2")
    stdout, stderr = text(done)

    assert done.returncode == 2, stdout + stderr  # some files failed
    assert table(stdout) == {"ingested": 3, "already known": 0, "needs review": 0, "failed": len(bad), "skipped": 0}
    lines = stdout.splitlines()
    for name in bad:
        assert sum(line.startswith("  ") and f"/{name}: " in line for line in lines) == 1, name
    assert "internal error" not in stdout + stderr
    for ch in STEERING:  # names shown escaped, every one of them
        assert ch not in stdout + stderr
    with Store.open(db_url) as store:
        rows = store.records()
        assert len(rows) == 3
        sources = {path_from_stored(store.record_detail(r.record_id)["file"]["source"]) for r in rows}
    assert sources == {(inbox / name).resolve() for name in good}  # byte for byte

    again = cse("ingest", inbox, "--db", db_url, "--out", out)
    assert again.returncode == 2
    assert table(text(again)[0])["already known"] == 3
    with Store.open(db_url) as store:
        huge = [f for f in store.failures() if f.source_path.endswith("huge-sparse.pdf")]
        assert len(huge) == 1 and huge[0].attempts == 2 and huge[0].sha256 is None  # never read, one row


@pytest.mark.slow
def test_names_that_are_not_utf8_or_hold_escapes_are_shown_escaped_in_every_line(tmp_path: Path,
                                                                                    db_url: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / NON_UTF8).write_bytes(b"Dear colleague, not a PDF")
    (inbox / ESCAPES).write_bytes(b"%PDF-1.7 cut short")
    shutil.copy(REPO / "samples" / "none-poppler.pdf", inbox / f"review \x1b]0;owned\x07 me.pdf")

    out = tmp_path / "out \x1b[1m\u202e"  # the folder names the administrator typed are shown escaped too
    done = cse("ingest", inbox, "--db", db_url, "--out", out, "-v")
    stdout, stderr = text(done)

    assert done.returncode == 2
    for ch in STEERING:
        assert ch not in stdout + stderr
    assert "\\xff\\xfe form from windows.pdf: is not a PDF file" in stdout
    assert "esc\\x1b[31m red \\u202efdp.exe\\u2066.pdf: is truncated or damaged" in stdout
    assert "review \\x1b]0;owned\\x07 me.pdf" in stderr  # the verbose log too
    assert "out \\x1b[1m\\u202e/quarantine" in stdout
    reasons = "".join(p.read_text("utf-8") for p in (out / "quarantine").glob("*.reason.txt"))
    assert "\x1b" not in reasons and "\\xff\\xfe form from windows.pdf: is not a PDF file" in reasons
    with Store.open(db_url) as store:
        failed = {path_from_stored(f.source_path).name for f in store.failures()}
    assert failed == {NON_UTF8, ESCAPES}  # stored losslessly, on both databases

    listed = cse("list", "--failed", "--db", db_url)
    assert listed.returncode == 0 and "\\xff\\xfe form from windows.pdf" in text(listed)[0]
    assert not any(ch in text(listed)[0] for ch in STEERING)


@pytest.mark.parametrize("command", ["read", "score"])
@pytest.mark.slow
def test_read_and_score_refuse_hostile_files_in_one_escaped_line_each_and_never_hang(tmp_path: Path,
                                                                                     command: str) -> None:
    os.mkfifo(tmp_path / "fifo.pdf")
    (tmp_path / "zero.pdf").symlink_to("/dev/zero")
    (tmp_path / "loop.pdf").symlink_to("loop.pdf")
    (tmp_path / NON_UTF8).write_bytes(b"not a pdf")
    (tmp_path / ESCAPES).write_bytes(b"not a pdf either")
    shutil.copy(REPO / "samples" / "low-firefox.pdf", tmp_path / f"good \x1b[2J.pdf")
    names = ["fifo.pdf", "zero.pdf", "loop.pdf", NON_UTF8, ESCAPES, "good \x1b[2J.pdf"]

    done = cse(command, *(tmp_path / n for n in names), env={"CSE_PDF_TIME_LIMIT": "120"})
    stdout, stderr = text(done)

    assert done.returncode == 2
    assert len(stderr.splitlines()) == 5 and "internal error" not in stderr
    for ch in STEERING:
        assert ch not in stdout + stderr
    [line] = stdout.splitlines()  # the one good file, its name escaped
    assert json.loads(line)["file"] == str(tmp_path / "good \\x1b[2J.pdf")


# ---- the pieces, one by one -------------------------------------------------------------------------------


def test_printable_escapes_every_character_that_steers_a_terminal_and_keeps_real_letters() -> None:
    assert printable("Zoë Łódź – Ngozi Okonkwo-Ødegård ✓ 日本語.pdf") == "Zoë Łódź – Ngozi Okonkwo-Ødegård ✓ 日本語.pdf"
    cases = {"a\x1b[31mb": "a\\x1b[31mb", "bell\x07": "bell\\x07", "cr\rlf\n": "cr\\x0dlf\\x0a", "tab\t": "tab\\x09",
             "del\x7f": "del\\x7f", "csi\x9b2J": "csi\\x9b2J", "nel\x85": "nel\\x85", "rlo\u202e": "rlo\\u202e",
             "lre\u202a": "lre\\u202a", "pdf\u202c": "pdf\\u202c", "fsi\u2068": "fsi\\u2068", "pdi\u2069": "pdi\\u2069",
             "ls\u2028ps\u2029": "ls\\u2028ps\\u2029", "zw\u200b": "zw\\u200b", "lrm\u200e": "lrm\\u200e",
             "bom\ufeff": "bom\\ufeff"}
    for raw, escaped in cases.items():
        assert printable(raw) == escaped, raw
    assert shown(b"\xff\xfe\x1b.pdf") == "\\xff\\xfe\\x1b.pdf"
    assert shown(Path(os.fsdecode(b"caf\xe9.pdf"))) == "caf\\xe9.pdf"


def test_stored_names_come_back_byte_for_byte_from_either_database(db_url: str) -> None:
    import random

    rng = random.Random(14)
    names = [bytes(rng.choice([*range(1, 47), *range(48, 256)]) for _ in range(rng.randint(1, 40)))
             for _ in range(60)]
    names += [b"\xff\xfe.pdf", b"bytes:not-encoded.pdf", "Zoë.pdf".encode(), b"%FF.pdf", b"a\\x41.pdf"]
    paths = [Path("/inbox") / os.fsdecode(n) for n in names]
    with Store.open(db_url) as store:
        for i, path in enumerate(paths):
            store.record_failure(stored_path(path), f"{i:064x}", "is not a PDF file", 2, None)
        back = {path_from_stored(f.source_path) for f in store.failures()}
    assert back == set(paths)
    assert all(os.fsencode(p.name) in names for p in back)


def test_a_file_over_the_size_limit_is_refused_before_a_byte_is_read(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024))
    sparse(tmp_path / "sparse.pdf")
    monkeypatch.setenv("CSE_PDF_MAX_FILE_MB", "2")

    def no_reading(*_: object) -> bytes:
        raise AssertionError("read a byte of a file over the limit")

    monkeypatch.setattr(regular_files.os, "read", no_reading)
    for path in (big, tmp_path / "sparse.pdf"):
        assert sha256_of(path) is None
        with pytest.raises(OverLimitError, match="over the 2 MB limit"):
            read_regular(path, 2 * 1024 * 1024)


def test_opening_never_blocks_on_a_fifo_a_device_or_a_link_to_one(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "to-fifo").symlink_to(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    for name, kind in (("fifo", "named pipe"), ("to-fifo", "named pipe"), ("zero", "character device")):
        with pytest.raises(PdfInputError, match=kind):
            read_regular(tmp_path / name)  # a FIFO opened for reading without O_NONBLOCK waits for ever
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(PdfInputError, match="link loop"):
        read_regular(tmp_path / "loop")


def test_an_unreadable_subfolder_is_reported_and_the_rest_is_found(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("in/a.pdf", "in/locked/hidden-from-us.pdf", "in/open/b.pdf", "top-locked/c.pdf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"%PDF-")
    real = os.scandir
    locked = {str(tmp_path / "in" / "locked"), str(tmp_path / "top-locked")}

    def scandir(path: object = ".") -> object:  # what chmod 000 does to anyone but root
        if os.fspath(path) in locked:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = discover([tmp_path / "in", tmp_path / "top-locked"])
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == ["in/a.pdf", "in/open/b.pdf"]
    assert [(o.path.name, o.kind) for o in found.refused] == [("locked", FAILED), ("top-locked", FAILED)]
    assert all("cannot be read (permission denied)" in o.reason and "not ingested" in o.reason
               for o in found.refused)


@pytest.mark.slow
def test_ingest_command_reports_an_unreadable_subfolder_and_exits_2(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in" / "locked").mkdir(parents=True)
    shutil.copy(REPO / "samples" / "low-pdfium.pdf", tmp_path / "in" / "good.pdf")
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda p=".": (_ for _ in ()).throw(
        PermissionError(errno.EACCES, "Permission denied", os.fspath(p))) if os.fspath(p).endswith("locked")
        else real(p))
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "in"), "--db", str(tmp_path / "db.sqlite3"),
                                       "--out", str(tmp_path / "out"), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert table(result.stdout)["ingested"] == 1 and table(result.stdout)["failed"] == 1
    assert re.search(r"^  \S*/in/locked: is a folder that cannot be read \(permission denied\)", result.stdout, re.M)


def test_links_to_folders_are_said_not_silently_passed_over(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.pdf").write_bytes(b"%PDF-")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "shared").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "in" / "self").symlink_to(tmp_path / "in")  # followed, this would never end
    found = discover([tmp_path / "in"])
    assert found.files == []
    assert sorted((o.path.name, o.kind) for o in found.refused) == [("self", SKIPPED), ("shared", SKIPPED)]


SCRIPT = """
import os, sys
from pathlib import Path
from cse_pdf.ingest import discover, ingest
from cse_pdf.store import Store
inbox, db, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
found = discover([inbox])
(inbox / "vanishes.pdf").unlink()            # deleted between discovery and reading
(inbox / "becomes-fifo.pdf").unlink()
os.mkfifo(inbox / "becomes-fifo.pdf")        # swapped for a FIFO: opening it to hash would block
(inbox / "becomes-loop.pdf").unlink()
(inbox / "becomes-loop.pdf").symlink_to("becomes-loop.pdf")
with Store.open(db) as store:
    report = ingest(found.files, store, out, workers=1)
for o in report.outcomes:
    print(o.path.name, o.kind, o.reason, sep="|")
"""


@pytest.mark.slow
def test_a_file_that_vanishes_or_changes_kind_after_discovery_is_one_failed_line(tmp_path: Path,
                                                                                   db_url: str) -> None:
    spec = find_form(HIL)
    inbox = tmp_path / "inbox"
    for i, name in enumerate(["kept", "vanishes", "becomes-fifo", "becomes-loop"]):
        write_return(inbox / f"{name}.pdf", spec, fictional_return(spec, name=f"Person {i} Fictional",
                                                                   dob="01/06/2010", completed="05/03/2024"))
    # A subprocess for the hang guard (see cse() above): the FIFO it makes would block this process.
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(inbox), db_url, str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=HANG_GUARD)
    assert done.returncode == 0, done.stderr
    outcomes = {line.split("|")[0]: line.split("|")[1:] for line in done.stdout.splitlines()}
    assert outcomes["kept.pdf"][0] == INGESTED
    assert outcomes["vanishes.pdf"][0] == FAILED and "does not exist" in outcomes["vanishes.pdf"][1]
    assert outcomes["becomes-fifo.pdf"][0] == FAILED and "named pipe" in outcomes["becomes-fifo.pdf"][1]
    assert outcomes["becomes-loop.pdf"][0] == FAILED and "link loop" in outcomes["becomes-loop.pdf"][1]
    with Store.open(db_url) as store:
        assert len(store.records()) == 1


def test_a_file_over_the_size_limit_is_set_aside_whole_and_fails_as_one_row(tmp_path: Path, db_url: str,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSE_PDF_MAX_FILE_MB", "1")
    big = tmp_path / "in" / "big.pdf"
    big.parent.mkdir()
    big.write_bytes(b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024 + 17))
    sparse(tmp_path / "in" / "sparse.pdf")
    with Store.open(db_url) as store:
        for _ in range(2):
            report = ingest(discover([big.parent]).files, store, tmp_path / "out", workers=1)
        failures = {path_from_stored(f.source_path).name: f for f in store.failures()}
    outcomes = {o.path.name: o for o in report.outcomes}
    assert outcomes["big.pdf"].kind == FAILED and "over the 1 MB limit" in outcomes["big.pdf"].reason
    assert outcomes["big.pdf"].quarantined.read_bytes() == big.read_bytes()  # copied whole, in chunks
    note = Path(str(outcomes["big.pdf"].quarantined) + ".reason.txt").read_text()
    assert note.startswith("big.pdf: is 3 MB, over the 1 MB limit")
    assert outcomes["sparse.pdf"].kind == FAILED and outcomes["sparse.pdf"].quarantined is None  # a terabyte: not copied
    assert failures["big.pdf"].attempts == 2 and failures["sparse.pdf"].attempts == 2
