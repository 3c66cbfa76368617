"""What several commands share: their common options, passwords, the database, dates given as options."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from cse_pdf.base.errors import CsePdfError, ValuesError
from cse_pdf.form.catalog import find_form
from cse_pdf.form.dates import DateUnreadable, parse_date
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.encryption import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_ENV,
    READ_PASSWORD_ENV,
    Passwords,
    check_output_password,
)

if TYPE_CHECKING:
    from cse_pdf.store import Store

LAYOUT_OPTION = click.option("--layout", metavar="YAML",
                             help="Read with this layout file instead of the installed ones.")
PASSWORD_OPTION = click.option("--password", "ask_password", is_flag=True,
                               help=f"Open returned forms sent with a password: taken from ${READ_PASSWORD_ENV}, "
                               "else asked for (never given on the command line, where others could see it).")
ENCRYPT_OPTION = click.option("--encrypt", is_flag=True,
                              help=f"AES-256 encrypt what is written, with a password taken from ${PASSWORD_ENV}, "
                              f"else asked for twice; at least {MIN_PASSWORD_LENGTH} characters.")
FORCE_OPTION = click.option("--force", is_flag=True, help="Replace files that already exist (without it, an "
                            "existing file is never replaced: exit 7).")
DB_OPTION = click.option("--db", metavar="URL", help="The database: a file path, sqlite:///PATH or postgresql://… "
                         "(default: $CSE_PDF_DB, else ~/.local/share/cse-pdf/cse-pdf.sqlite3).")


def dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def layout_spec(layout: str | None) -> FormSpec | None:
    """The layout given with --layout, else None: each file is then read with the layout it names."""
    return find_form(layout) if layout else None


def _password(env: str, prompt: str, confirm: bool) -> str:
    """From the environment, else typed at a terminal; an argument would show in `ps` and shell history."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CsePdfError(f"no password: set {env}, or run at a terminal to be asked for it")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)


def passwords(ask_password: bool, encrypt: bool = False) -> Passwords:
    """The returned forms' password (with --password) and the output's (with --encrypt), asked for only then."""
    read = _password(READ_PASSWORD_ENV, "Password of the returned forms", False) if ask_password else None
    output = (check_output_password(_password(PASSWORD_ENV, "Password for the encrypted output", True))
              if encrypt else None)
    return Passwords(read, output)


def open_store(db: str | None, create: bool = False) -> "Store":
    """The database for a command. Only `ingest` and `distribute` make one (`create`), and only the default
    database's folder is ever made: a mistyped --db is refused, never turned into a new, empty database."""
    from cse_pdf.store import Store
    from cse_pdf.store.engine import is_default

    return Store.open(db, create=create, make_folder=is_default(db))


def date_option(option: str, text: str | None) -> date | None:
    """A date given as an option (YYYY-MM-DD or DD/MM/YYYY), read by the forms' own strict rule."""
    if text is None:
        return None
    try:
        return parse_date(text)
    except DateUnreadable:
        raise ValuesError(f"{option} {text!r} is not a date; give YYYY-MM-DD or DD/MM/YYYY") from None
