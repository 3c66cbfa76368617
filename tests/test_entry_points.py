"""The command as it is started: `python -m cse_pdf` and the installed `cse-pdf` console script.

Subprocesses on purpose: every other CLI test runs in process (tests/helpers/cli.py), so these are
where the entry points themselves run, and where in-process and real runs are held to one answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import cse


def test_python_dash_m_answers_as_the_in_process_command_does() -> None:
    done = subprocess.run([sys.executable, "-m", "cse_pdf", "forms"], capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == cse("forms").stdout and done.stdout.strip()


def test_a_refusal_is_the_same_line_and_exit_code_in_process_and_as_a_process(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pdf"
    done = subprocess.run([sys.executable, "-m", "cse_pdf", "read", str(missing)], capture_output=True, text=True)
    here = cse("read", missing)
    assert (done.returncode, done.stdout, done.stderr) == (here.returncode, here.stdout, here.stderr)
    assert done.returncode != 0 and done.stderr.startswith("cse-pdf: error: ")


def test_the_installed_console_script_runs() -> None:
    script = shutil.which("cse-pdf") or str(Path(sys.executable).with_name("cse-pdf"))
    if not Path(script).exists():
        if os.environ.get("CI"):
            pytest.fail("the cse-pdf console script is not installed (pip install -e .)")
        pytest.skip("the cse-pdf console script is not installed here")
    done = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "version" in done.stdout, done.stderr


def test_starting_the_command_loads_no_database_or_web_stack() -> None:
    """Every command, `generate` included, starts by importing the CLI: the store (SQLAlchemy, Alembic) and
    the web app (Starlette, Jinja2, uvicorn, argon2) load only in the commands that use them. Importing them
    up front once doubled `cse-pdf generate`'s start-up (about half a second more)."""
    heavy = ("sqlalchemy", "alembic", "starlette", "jinja2", "uvicorn", "argon2", "openpyxl", "matplotlib")
    code = f"import sys, cse_pdf.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
