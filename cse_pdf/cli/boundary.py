"""The one error boundary of the `cse-pdf` command: every failure becomes one line on stderr and an exit code.

Commands raise; the group (`BoundaryGroup`) catches, once: a refusal (`CsePdfError`) gives its own line and
code, a bug gives "internal error" and 70 (its traceback only with CSE_PDF_DEBUG set), Ctrl-C gives 130, and a
closed output pipe ends the command quietly with 141. Batch commands that go on after one file fails print
that file's line with the same `failure_line`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from cse_pdf.base.errors import DEBUG_ENV, CsePdfError, debugging, internal_error
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.safe_names import printable, shown

_INTERRUPT_NOTE = "cse_pdf.interrupt_note"  # the key in click's shared context meta


def failure_line(exc: BaseException, path: Path | None = None) -> str:
    """The one line for a failure. A refusal says what and where; whatever a path or name in it holds, no
    control character reaches the terminal (a file name can carry ESC sequences or bidi overrides). A bug
    says only its exception's type: its text could quote form contents."""
    if isinstance(exc, CsePdfError):
        return printable(f"cse-pdf: error: {exc}")
    where = f"error: {shown(path)}: " if path is not None else ""
    return f"cse-pdf: {where}{internal_error(exc)}, with {DEBUG_ENV}=1 set for the details"


def show_failure(exc: BaseException, path: Path | None = None) -> None:
    click.echo(failure_line(exc, path), err=True)


def note_on_interrupt(note: str) -> None:
    """What Ctrl-C should add to "cse-pdf: interrupted" for the command running (ingest: what is kept)."""
    click.get_current_context().meta[_INTERRUPT_NOTE] = note


def _broken_pipe() -> NoReturn:
    """What reads our output went away (`cse-pdf list | head -1`): stop quietly. Both streams are pointed
    at /dev/null first, so that Python's flush at exit finds nothing to complain about."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
        os.close(devnull)
    except OSError:
        pass
    sys.exit(ExitCode.BROKEN_PIPE)


class BoundaryGroup(click.Group):
    """Every command runs inside this group's `invoke`, so every failure is handled here and only here."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            except (BrokenPipeError, click.exceptions.ClickException, click.exceptions.Exit,
                    click.exceptions.Abort):
                raise  # a closed pipe: below; click's own usage errors and exits: click's to report
            except KeyboardInterrupt:
                note = ctx.meta.get(_INTERRUPT_NOTE)
                click.echo("cse-pdf: interrupted" + (f"; {note}" if note else ""), err=True)
                sys.exit(ExitCode.INTERRUPTED)
            except CsePdfError as exc:
                show_failure(exc)
                sys.exit(exc.exit_code)
            except Exception as exc:  # a bug, not bad input: say so in one line, never echo form contents
                if debugging():
                    raise
                show_failure(exc)
                sys.exit(ExitCode.INTERNAL_ERROR)
            finally:  # what is still buffered goes now, where a closed pipe can be caught, not at exit
                sys.stdout.flush()
                sys.stderr.flush()
        except BrokenPipeError:
            _broken_pipe()
