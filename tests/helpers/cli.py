"""`cse-pdf` run in this process with click's CliRunner, answering as a finished process would.

`cse(...)` gives `returncode`, `stdout` and `stderr` (text, or bytes with `text=False`), so a test reads
the same whether the command ran here or as a subprocess. What a subprocess would have shown is kept:
- an exception that escapes the command is a traceback on stderr and exit code 1, as Python prints it,
  so "no traceback" assertions still mean something;
- whatever reaches file descriptors 1 and 2 without going through sys.stdout/sys.stderr (C libraries,
  the forked reading child, ingest's spawned workers) is caught too and added to stdout/stderr;
- the environment, working folder and the log handlers a command adds are put back afterwards.
"""

from __future__ import annotations

import logging
import os
import tempfile
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from cse_pdf.cli import main

LOGGERS = ("cse_pdf", "alembic")  # the ones `ingest -v` gives a handler


@dataclass(frozen=True)
class Ran:
    """What a finished `cse-pdf` left: its exit code and both streams."""

    returncode: int
    stdout: str | bytes
    stderr: str | bytes


@contextmanager
def _fds_caught() -> Iterator[list[bytes]]:
    """Everything written to fds 1 and 2 while inside; the list gets (stdout, stderr) bytes on the way out."""
    caught: list[bytes] = []
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(out_file.fileno(), 1)
            os.dup2(err_file.fileno(), 2)
            yield caught
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            for fh in (out_file, err_file):
                fh.seek(0)
                caught.append(fh.read())


def environment(env: Mapping[str, str] | None = None, *, without: tuple[str, ...] = (),
                without_prefix: str | None = None) -> dict[str, str | None]:
    """The changes CliRunner makes to os.environ for one run: `env` set, `without` (and every variable
    starting `without_prefix`) removed (None)."""
    changes: dict[str, str | None] = {name: None for name in without if name in os.environ}
    if without_prefix:
        changes.update({name: None for name in os.environ if name.startswith(without_prefix)})
    changes.update(env or {})
    return changes


def cse(*args: object, env: Mapping[str, str | None] | None = None, cwd: Path | str | None = None,
        input: str | bytes | None = None, text: bool = True) -> Ran:
    """`cse-pdf ARGS` in this process: `env` is changes to os.environ (None removes a variable), as
    `environment()` builds them; `cwd` the folder it runs in; `input` its stdin (empty if None)."""
    runner = CliRunner()
    handlers = {name: list(logging.getLogger(name).handlers) for name in LOGGERS}
    before = Path.cwd()
    failure = ""
    try:
        if cwd is not None:
            os.chdir(cwd)
        with _fds_caught() as fd_output:
            result = runner.invoke(main, [os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args],
                                   input=input, env=dict(env or {}), prog_name="cse-pdf", catch_exceptions=True)
    finally:
        os.chdir(before)
        for name, kept in handlers.items():
            logging.getLogger(name).handlers[:] = kept
    code = int(result.exit_code)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        exc = result.exception
        failure = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        code = 1
    stdout = result.stdout_bytes + fd_output[0]
    stderr = result.stderr_bytes + fd_output[1] + failure.encode()
    if text:
        return Ran(code, stdout.decode("utf-8"), stderr.decode("utf-8"))  # strict, as subprocess text mode
    return Ran(code, stdout, stderr)
