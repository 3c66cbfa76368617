"""Read a returned file in a child process with a time limit, a memory limit and a size limit.

Returned forms come from outside by email; one day one will be built to hurt (a stream that
inflates to gigabytes, a field tree thousands deep, 5,000 pages). Whatever it does, it does in
a forked child that the operating system caps (RLIMIT_AS) and the parent kills at the deadline;
the caller gets the result or a one-line OverLimitError, and the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from .errors import CsePdfError, OverLimitError, PdfInputError

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
        raise OverLimitError(f"is {size / MB:.0f} MB, over the {limits.max_file_mb:g} MB limit for a returned form; "
                             "check it is the right file (CSE_PDF_MAX_FILE_MB raises the limit)", path)


def _child(work: Callable[[Path], Any], path: Path, limits: Limits, conn: Any, parents_end: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parents_end.close()  # else a killed parent leaves the pipe "open" and a send blocks for ever
    signal.alarm(int(limits.seconds) + 5)  # ends the child even when nobody is left to kill it
    limit = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        message: tuple[str, Any] = ("ok", work(path))
    except MemoryError:
        message = ("memory", None)
    except CsePdfError as exc:
        message = ("error", exc)
    except RecursionError:
        message = ("error", PdfInputError("is nested too deeply to read (a damaged or hostile file); ask the "
                                          "sender to send it again", path))
    except Exception as exc:  # a bug: the parent says so in one line
        message = ("bug", type(exc).__name__)
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("memory", None))
    except OSError:  # the parent is gone: nobody wants the answer
        pass
    finally:
        conn.close()


def guarded(work: Callable[[Path], T], path: Path, limits: Limits | None = None) -> T:
    """work(path), run in a child process under `limits`; its CsePdfErrors come back as they were."""
    limits = limits or Limits.from_env()
    check_size(path, limits)
    if os.environ.get("CSE_PDF_DEBUG"):  # in process, so a bug's traceback is there to read
        return work(path)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(work, path, limits, send, receive), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limits.seconds):
            raise OverLimitError(f"took longer than {limits.seconds:g} s to read and was stopped (a damaged or "
                                 "hostile file?); ask the sender for a new copy (CSE_PDF_TIME_LIMIT raises the "
                                 "limit)", path)
        try:
            kind, payload = receive.recv()
        except EOFError:
            child.join(5)
            code = child.exitcode
            raise OverLimitError(f"stopped the reader (exit {code}); it may be hostile or badly damaged: ask the "
                                 "sender for a new copy", path) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)
        receive.close()
    if kind == "ok":
        return payload
    if kind == "memory":
        raise OverLimitError(f"needs more than {limits.memory_mb} MB of memory to read and was stopped (a damaged "
                             "or hostile file?); ask the sender for a new copy (CSE_PDF_MEMORY_LIMIT_MB raises "
                             "the limit)", path)
    if kind == "error":
        raise payload
    raise RuntimeError(f"internal error ({payload}) while reading")
