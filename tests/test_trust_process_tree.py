"""A cse-pdf killed with SIGKILL leaves no process behind: no ingest worker, no reading child, no
multiprocessing resource tracker (issue 14, section 3). Each run carries a marker in its environment,
so anything it started is found by scanning /proc, not only by the pids seen before the kill."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers.forms import REPO

from cse_pdf.returned.guard import GuardedReader, Limits, guarded

pytestmark = [pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc"),
              pytest.mark.slow]  # process trees started, killed and waited for

MARK = "CSE_PDF_TREE_TEST"
SAMPLES = sorted((REPO / "samples").glob("*.pdf"))


# ---- looking at processes through /proc -----------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid), or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None:
            children.setdefault(stat[1], []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for kid in children.get(todo.pop(), []):
            if kid not in found:
                found.add(kid)
                todo.append(kid)
    return {pid for pid in found if _alive(pid)}


def _marked(mark: str) -> set[int]:
    """Every live process whose environment carries this run's marker (they all inherit it)."""
    needle = f"{MARK}={mark}".encode()
    found = set()
    for pid in _all_pids():
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0") and _alive(pid):
            found.add(pid)
    return found


def _wait_until(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _start(args: list[str], mark: str, tmp_path: Path) -> subprocess.Popen:
    """A subprocess: the test kills it and then looks for what is left of its process tree."""
    env = {k: v for k, v in os.environ.items() if k not in ("CSE_PDF_DB", "CSE_PDF_DEBUG")}
    env.update({MARK: mark, "HOME": str(tmp_path)})
    return subprocess.Popen([sys.executable, "-m", "cse_pdf", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=tmp_path)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _kill_and_check(proc: subprocess.Popen, mark: str, wanted: int, tracker: bool = False) -> None:
    """Wait until `proc` has `wanted` descendants, SIGKILL it alone, and see every one of them end
    (with `tracker`, one of them must be multiprocessing's resource tracker)."""
    try:
        assert _wait_until(lambda: len(_descendants(proc.pid)) >= wanted or proc.poll() is not None, 240)
        assert proc.poll() is None, "finished before it could be killed"
        before = _descendants(proc.pid)
        assert len(before) >= wanted
        if tracker:
            assert sum(b"resource_tracker" in _cmdline(pid) for pid in before) == 1
        os.kill(proc.pid, signal.SIGKILL)  # the parent only: its children must see to themselves
        proc.wait()
        assert _wait_until(lambda: not any(_alive(p) for p in before) and not _marked(mark), 45), \
            f"left behind: {sorted(p for p in before | _marked(mark) if _alive(p))}"
    finally:
        for pid in _marked(mark):  # never leave them running for the next test, whatever happened
            os.kill(pid, signal.SIGKILL)


def _copies(folder: Path, count: int) -> list[Path]:
    """`count` distinct files (not the same bytes twice, which ingest reads once) from the samples."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        source = SAMPLES[i % len(SAMPLES)]
        path = folder / f"copy-{i:02d}.pdf"
        path.write_bytes(source.read_bytes() + b"\n%% copy %d\n" % i)
        out.append(path)
    return out


# ---- whole commands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_a_killed_ingest_leaves_no_worker_reader_or_resource_tracker(tmp_path: Path, workers: int,
                                                                     db_url: str) -> None:
    _copies(tmp_path / "inbox", 80)
    mark = uuid.uuid4().hex
    proc = _start(["ingest", "inbox", "--db", db_url, "--out", "out", "--workers", str(workers)], mark, tmp_path)
    # each worker and its reading child, and the resource tracker
    _kill_and_check(proc, mark, wanted=2 * workers + 1, tracker=True)


def test_an_ingest_killed_while_its_workers_start_leaves_nothing(tmp_path: Path) -> None:
    """Killed before the workers are ready (still importing): they end once they find their parent gone."""
    _copies(tmp_path / "inbox", 80)
    mark = uuid.uuid4().hex
    proc = _start(["ingest", "inbox", "--db", "db.sqlite3", "--out", "out", "--workers", "2"], mark, tmp_path)
    _kill_and_check(proc, mark, wanted=2)


@pytest.mark.parametrize("command", ["read", "score"])
def test_a_killed_read_or_score_of_many_files_leaves_no_reader(tmp_path: Path, command: str) -> None:
    files = _copies(tmp_path / "inbox", 80)
    mark = uuid.uuid4().hex
    proc = _start([command, *map(str, files)], mark, tmp_path)
    _kill_and_check(proc, mark, wanted=1)


# ---- the guard's children, busy in a file when their parent dies ---------------------------------------------


def _sleepy(marker: Path):  # type: ignore[no-untyped-def]
    def work(_: Path) -> int:
        marker.write_text(str(os.getpid()))
        time.sleep(300)  # far past the wait below: only the parent's death can end it in time
        return 0
    return work


def _run_and_kill_parent(target, marker: Path) -> int:  # type: ignore[no-untyped-def]
    parent = multiprocessing.get_context("fork").Process(target=target)
    parent.start()
    assert _wait_until(lambda: marker.exists() and marker.read_text() != "", 60)
    child = int(marker.read_text())
    assert _alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.join()
    return child


def test_a_reader_busy_in_a_file_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"
    limits = Limits(seconds=600)  # its own alarm would come far too late

    def parent() -> None:
        reader = GuardedReader(_sleepy(marker), limits)
        reader.read(SAMPLES[0])

    child = _run_and_kill_parent(parent, marker)
    assert _wait_until(lambda: not _alive(child), 20)


def test_a_single_guarded_read_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "child.pid"

    def parent() -> None:
        guarded(_sleepy(marker), SAMPLES[0], Limits(seconds=600))

    child = _run_and_kill_parent(parent, marker)
    assert _wait_until(lambda: not _alive(child), 20)


def test_a_child_whose_parent_died_before_it_armed_ends_at_once(tmp_path: Path) -> None:
    """The race: the parent dies between the fork and the child's prctl. The child is already an orphan."""
    report = tmp_path / "survived"
    script = (
        "import os, sys, time\n"
        "from cse_pdf.returned.guard import die_with_parent\n"
        "parent = os.getpid()\n"
        "if os.fork() == 0:\n"
        "    while os.getppid() == parent:\n"
        "        time.sleep(0.01)\n"
        "    die_with_parent(parent)\n"
        f"    open({str(report)!r}, 'w').write(str(os.getpid()))\n"
        "    os._exit(0)\n"
        "os._exit(0)\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    time.sleep(2)  # the orphan, had it carried on, would have written the file by now
    assert not report.exists()


def test_a_child_whose_parent_lives_carries_on(tmp_path: Path) -> None:
    report = tmp_path / "carried-on"
    script = (
        "import os\n"
        "from cse_pdf.returned.guard import die_with_parent\n"
        "parent = os.getpid()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    die_with_parent(parent)\n"
        f"    open({str(report)!r}, 'w').write('yes')\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    assert report.read_text() == "yes"


def test_each_reading_child_is_armed_to_die_with_its_parent(tmp_path: Path) -> None:
    """The reading child arms itself: its parent-death signal is SIGKILL (Linux: /proc/PID/status has no
    field for it, so the child reports prctl(PR_GET_PDEATHSIG) itself)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")

    def pdeathsig(_: Path) -> int:
        import ctypes

        value = ctypes.c_int(0)
        ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0)  # PR_GET_PDEATHSIG
        return value.value

    assert guarded(pdeathsig, SAMPLES[0], Limits()) == signal.SIGKILL
    reader = GuardedReader(pdeathsig, Limits())
    try:
        assert reader.read(SAMPLES[0]) == signal.SIGKILL
    finally:
        reader.close()
