"""Reading runs in a child process with limits: a file that would take too long, too much memory or
too many bytes is stopped with one line, and the next file is read as usual."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.cli import cse
from helpers.forms import REPO

from cse_pdf.base.errors import DamagedPdfError, OverLimitError
from cse_pdf.returned.guard import Limits, guarded

SAMPLE = REPO / "samples" / "low-pdfium.pdf"


def test_a_result_comes_back_from_the_child() -> None:
    assert guarded(lambda p: p.stat().st_size, SAMPLE, Limits()) == SAMPLE.stat().st_size


def test_too_slow_is_stopped_at_the_deadline() -> None:
    started = time.monotonic()
    with pytest.raises(OverLimitError, match=r"low-pdfium.pdf: took longer than 0.5 s"):
        guarded(lambda p: time.sleep(30), SAMPLE, Limits(seconds=0.5))
    assert time.monotonic() - started < 10


def test_too_much_memory_is_stopped() -> None:
    with pytest.raises(OverLimitError, match=r"needs more than 300 MB of memory"):
        guarded(lambda p: bytearray(2 * 1024**3), SAMPLE, Limits(memory_mb=300))


@pytest.mark.slow
def test_qpdf_out_of_memory_is_the_memory_limit_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """qpdf (C++) reports std::bad_alloc as a warning and reads on: it must not read as a blank or foreign form.
    (The bomb check, stream_limits.py, would refuse this file first: it is lifted here to reach qpdf.)"""
    from helpers.hostile_corpus import object_stream_bomb

    from cse_pdf.returned.read import read_form

    monkeypatch.setenv("CSE_PDF_MAX_STREAM_MB", "100000")

    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(object_stream_bomb())
    with pytest.raises(OverLimitError, match=r"bomb.pdf: needs more than 300 MB of memory"):
        guarded(lambda p: read_form(p), bomb, Limits(memory_mb=300))


def test_too_big_a_file_is_not_opened(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    with open(big, "wb") as fh:
        fh.truncate(3 * 1024 * 1024)
    with pytest.raises(OverLimitError, match=r"big.pdf: is 3 MB, over the 2 MB limit"):
        guarded(lambda p: None, big, Limits(max_file_mb=2))


def test_our_own_errors_come_back_whole() -> None:
    def fail(p: Path) -> None:
        raise DamagedPdfError("is damaged", p)

    with pytest.raises(DamagedPdfError) as caught:
        guarded(fail, SAMPLE, Limits())
    assert caught.value.path == SAMPLE and str(caught.value) == f"{SAMPLE}: is damaged"


def test_the_cli_stops_one_file_and_reads_the_next(tmp_path: Path) -> None:
    big = tmp_path / "huge.pdf"
    with open(big, "wb") as fh:
        fh.truncate(3 * 1024 * 1024)
    done = cse("read", big, SAMPLE, env={"CSE_PDF_MAX_FILE_MB": "2"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"cse-pdf: error: {big}: is 3 MB, over the 2 MB limit for a returned "
                                                "form; check it is the right file (CSE_PDF_MAX_FILE_MB raises the limit)"]
    assert '"file": "' + str(SAMPLE) in done.stdout


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state


def test_a_reader_whose_parent_is_killed_ends_itself(tmp_path: Path) -> None:
    """An ingest worker killed mid-file must not leave its reading child behind for ever (seen: a child
    blocked writing a stamped copy into a pipe that nobody would read)."""
    import multiprocessing
    import os
    import signal

    marker = tmp_path / "child.pid"

    def work(_: Path) -> bytes:
        marker.write_text(str(os.getpid()))
        time.sleep(1)
        return b"x" * 1_000_000  # far more than a pipe holds

    parent = multiprocessing.get_context("fork").Process(
        target=lambda: guarded(work, SAMPLE, Limits(seconds=3)))
    parent.start()
    for _ in range(100):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.05)
    os.kill(parent.pid, signal.SIGKILL)
    parent.join()
    child = int(marker.read_text())
    deadline = time.monotonic() + 15
    while not _ended(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _ended(child)


# ---- one reader, file after file (ingest's workers) ------------------------------------------------------


def _files(tmp_path: Path, *names: str) -> list[Path]:
    paths = [tmp_path / f"{name}.pdf" for name in names]
    for path in paths:
        path.write_bytes(SAMPLE.read_bytes())
    return paths


def _work(p: Path) -> int:
    import os

    if p.stem.startswith("slow"):
        time.sleep(30)
    if p.stem.startswith("hungry"):
        bytearray(2 * 1024**3)
    if p.stem.startswith("damaged"):
        raise DamagedPdfError("is damaged", p)
    return os.getpid()


@pytest.mark.slow
def test_one_reader_reads_file_after_file_and_a_bad_file_costs_only_itself(tmp_path: Path) -> None:
    from cse_pdf.returned.guard import GuardedReader

    a, b, slow, c, hungry, d, damaged, e = _files(tmp_path, "a", "b", "slow", "c", "hungry", "d", "damaged", "e")
    reader = GuardedReader(_work, Limits(seconds=1, memory_mb=400))
    try:
        first = reader.read(a)
        assert reader.read(b) == first  # the same child, not one per file
        with pytest.raises(OverLimitError, match=r"slow.pdf: took longer than 1 s"):
            reader.read(slow)
        after_slow = reader.read(c)
        assert after_slow != first  # the stuck child was stopped; a fresh one reads on
        with pytest.raises(OverLimitError, match=r"hungry.pdf: needs more than 400 MB of memory"):
            reader.read(hungry)
        assert reader.read(d) not in (first, after_slow)
        with pytest.raises(DamagedPdfError, match=r"damaged.pdf: is damaged"):
            reader.read(damaged)
        assert reader.read(e) == reader.read(d)  # our own errors leave the child reading
    finally:
        reader.close()


_kept: list[bytearray] = []


def _leaky(p: Path) -> int:
    """Keeps 150 MB from every file it reads, as a reader with a leak would."""
    _kept.append(bytearray(150 * 1024**2))
    return len(_kept)


@pytest.mark.slow
def test_memory_left_behind_by_earlier_files_never_counts_against_the_next(tmp_path: Path) -> None:
    from cse_pdf.returned.guard import GuardedReader

    reader = GuardedReader(_leaky, Limits(memory_mb=int(_baseline_mb() + 400)))
    try:
        kept = [reader.read(p) for p in _files(tmp_path, *"abcdef")]
    finally:
        reader.close()
    assert kept[:2] == [1, 2] and 1 in kept[2:]  # a child ran out; the file was read again in a fresh one


def _baseline_mb() -> float:
    """This process's address space now: a forked reader starts with the same."""
    return sum(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmSize:")) / 1024


def test_a_waiting_reader_whose_parent_is_killed_ends_itself(tmp_path: Path) -> None:
    """Between files the reader waits for the next one: its parent's death must end that wait."""
    import multiprocessing
    import os
    import signal

    from cse_pdf.returned.guard import GuardedReader

    marker = tmp_path / "child.pid"

    def parent() -> None:
        reader = GuardedReader(lambda p: os.getpid())
        marker.write_text(str(reader.read(SAMPLE)))
        time.sleep(60)

    proc = multiprocessing.get_context("fork").Process(target=parent)
    proc.start()
    for _ in range(200):
        if marker.exists() and marker.read_text():
            break
        time.sleep(0.05)
    child = int(marker.read_text())
    assert not _ended(child)  # read one file, and waits for the next
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    deadline = time.monotonic() + 15
    while not _ended(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _ended(child)
