"""Read a returned file in a child process with a time limit, a memory limit and a size limit.

Returned forms come from outside by email; one day one will be built to hurt (a stream that
inflates to gigabytes, a field tree thousands deep, 5,000 pages). Whatever it does, it does in
a forked child that the operating system caps (RLIMIT_AS) and the parent kills at the deadline;
the caller gets the result or a one-line OverLimitError, and the batch goes on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from cse_pdf.base.errors import CsePdfError, OverLimitError, PdfInputError, debugging
from cse_pdf.base.regular_files import too_big

T = TypeVar("T")
MB = 1024 * 1024


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """Per file. The defaults fit a real return (well under a second, under 200 MB) many times over."""

    seconds: float = 60.0
    memory_mb: int = 1536
    max_file_mb: float = 100.0

    @classmethod
    def from_env(cls) -> "Limits":
        """CSE_PDF_TIME_LIMIT (seconds), CSE_PDF_MEMORY_LIMIT_MB, CSE_PDF_MAX_FILE_MB override the defaults."""
        return cls(seconds=_env_number("CSE_PDF_TIME_LIMIT", cls.seconds),
                   memory_mb=int(_env_number("CSE_PDF_MEMORY_LIMIT_MB", cls.memory_mb)),
                   max_file_mb=_env_number("CSE_PDF_MAX_FILE_MB", cls.max_file_mb))


def check_size(path: Path, limits: Limits) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PdfInputError("does not exist", path) from None
    except OSError as exc:
        raise PdfInputError(f"cannot be opened ({exc.strerror})", path) from None
    if size > limits.max_file_mb * MB:
        raise too_big(path, size, int(limits.max_file_mb * MB))


def _attempt(work: Callable[[Path], Any], path: Path) -> tuple[str, Any]:
    """work(path) as a message for the parent: its result, or what stopped it."""
    try:
        return ("ok", work(path))
    except MemoryError:
        return ("memory", None)
    except CsePdfError as exc:
        return ("error", exc)
    except RecursionError:
        return ("error", PdfInputError("is nested too deeply to read (a damaged or hostile file); ask the "
                                       "sender to send it again", path))
    except Exception as exc:  # a bug: the parent says so in one line
        return ("bug", type(exc).__name__)


def _send(conn: Any, message: tuple[str, Any]) -> bool:
    """Send a message to the parent; False when the parent is gone (nobody wants the answer)."""
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("memory", None))
    except OSError:
        return False
    return True


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """End this process the moment `parent` (the pid that started it) dies, however it dies.

    A parent killed with SIGKILL runs no clean-up, so its children must see to it themselves: else
    every `kill -9` of an ingest leaves its workers and their reading children (about 100 MB each)
    waiting for ever. On Linux the kernel sends SIGKILL (prctl PR_SET_PDEATHSIG); elsewhere a thread
    looks every half second. Called first thing in every child: if the parent died before that, the
    child is already an orphan (its parent pid changed) and ends at once. (Linux ties the signal to the
    thread that started the child: cse-pdf starts them all from the main thread, which lives as long as
    the process.)"""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="cse-pdf-parent-watch").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _limit_self(limits: Limits, parents_end: Any, parent: int) -> None:
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parents_end.close()  # else a killed parent leaves the pipe "open" and a send blocks for ever
    limit = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(work: Callable[[Path], Any], path: Path, limits: Limits, conn: Any, parents_end: Any,
           parent: int) -> None:
    _limit_self(limits, parents_end, parent)
    signal.alarm(int(limits.seconds) + 5)  # ends the child even when nobody is left to kill it
    try:
        _send(conn, _attempt(work, path))
    finally:
        conn.close()


def _serve(work: Callable[[Path], Any], limits: Limits, conn: Any, parents_end: Any, parent: int) -> None:
    """A reader that reads file after file, each under the same limits, until its parent closes the pipe."""
    _limit_self(limits, parents_end, parent)
    try:
        while True:
            try:
                path = conn.recv()
            except (EOFError, OSError):  # the parent is done, or gone
                return
            signal.alarm(int(limits.seconds) + 5)
            message = _attempt(work, path)
            signal.alarm(0)
            if not _send(conn, message) or message[0] == "memory":
                return  # after running out of memory, the next file gets a fresh reader
    finally:
        conn.close()


def _outcome(kind: str, payload: Any, path: Path, limits: Limits) -> Any:
    if kind == "ok":
        return payload
    if kind == "memory":
        raise OverLimitError(f"needs more than {limits.memory_mb} MB of memory to read and was stopped (a damaged "
                             "or hostile file?); ask the sender for a new copy (CSE_PDF_MEMORY_LIMIT_MB raises "
                             "the limit)", path)
    if kind == "error":
        raise payload
    raise RuntimeError(f"internal error ({payload}) while reading")


def _too_slow(path: Path, limits: Limits) -> OverLimitError:
    return OverLimitError(f"took longer than {limits.seconds:g} s to read and was stopped (a damaged or hostile "
                          "file?); ask the sender for a new copy (CSE_PDF_TIME_LIMIT raises the limit)", path)


def _stopped(path: Path, code: int | None) -> OverLimitError:
    return OverLimitError(f"stopped the reader (exit {code}); it may be hostile or badly damaged: ask the sender "
                          "for a new copy", path)


def guarded(work: Callable[[Path], T], path: Path, limits: Limits | None = None) -> T:
    """work(path), run in a child process under `limits`; its CsePdfErrors come back as they were."""
    limits = limits or Limits.from_env()
    check_size(path, limits)
    if debugging():  # in process, so a bug's traceback is there to read
        return work(path)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(work, path, limits, send, receive, os.getpid()),
                        daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            raise _too_slow(path, limits)
        try:
            kind, payload = receive.recv()
        except EOFError:
            child.join(5)
            raise _stopped(path, child.exitcode) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receive.close()
    return _outcome(kind, payload, path, limits)


class GuardedReader:
    """`guarded` for file after file: one child reads them in turn, under the same limits for each file.

    Forking a child per file cost an ingest worker more than reading the file did (the child copies the
    pages of the worker's memory it touches: about 30 ms a file, measured). So one child is forked and
    kept while files read normally. It is replaced after a file that timed out, crashed it or ran out
    of memory, and after `max_files` files. A file that ran out of memory in a child that had already
    read others is tried once more in a fresh one, so what earlier files left behind never counts
    against it."""

    def __init__(self, work: Callable[[Path], T], limits: Limits | None = None, max_files: int = 200) -> None:
        self.work = work
        self.limits = limits or Limits.from_env()
        self.max_files = max_files
        self._child: Any = None
        self._conn: Any = None
        self._served = 0

    def read(self, path: Path) -> Any:
        check_size(path, self.limits)
        if debugging():
            return self.work(path)
        kind, payload = self._ask(path)
        if kind == "memory" and self._served > 1:
            kind, payload = self._ask(path)  # in a fresh child: now it is this file's own doing
        return _outcome(kind, payload, path, self.limits)

    def _ask(self, path: Path) -> tuple[str, Any]:
        if self._child is None or not self._child.is_alive() or self._served >= self.max_files:
            self._start()
        self._served += 1
        try:
            self._conn.send(path)
            if not self._conn.poll(self.limits.seconds):
                self.close()
                raise _too_slow(path, self.limits)
            message = self._conn.recv()
        except (EOFError, OSError):
            code = self._child.exitcode if self._child is not None else None
            self.close()
            raise _stopped(path, code) from None
        if message[0] == "memory":
            self.close()  # it ends itself; the next file gets a fresh reader
        return message

    def _start(self) -> None:
        self.close()
        ctx = multiprocessing.get_context("fork")
        self._conn, childs_end = ctx.Pipe(duplex=True)
        self._child = ctx.Process(target=_serve, args=(self.work, self.limits, childs_end, self._conn, os.getpid()),
                                  daemon=True)
        self._child.start()
        childs_end.close()
        self._served = 0

    def close(self) -> None:
        """End the child (it is waiting for the next file, or it is stopped)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._child is not None:
            self._child.join(1)
            if self._child.is_alive():
                self._child.kill()
                self._child.join(5)
            self._child = None
