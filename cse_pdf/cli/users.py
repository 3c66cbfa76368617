"""Commands for the web app: `users add|list|disable` (who may sign in) and `serve` (run it)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cse_pdf.agreement.roles import Role
from cse_pdf.base.errors import CsePdfError
from cse_pdf.base.safe_names import printable
from cse_pdf.cli.common import DB_OPTION, open_store

ROLE_NAMES = [role.value for role in Role]


@click.group()
def users() -> None:
    """Who may sign in to the web app (`cse-pdf serve`), and in which role."""


def _new_password(from_stdin: bool) -> str:
    """Typed twice at a terminal, hidden; or one line on stdin for scripts. Never an argument, which `ps` and
    shell history would show."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    if not sys.stdin.isatty():
        raise CsePdfError("no password: run at a terminal to be asked for it, or give --password-stdin")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@users.command(name="add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLE_NAMES),
              help="admin (uploads returns, manages users, reads the audit trail), team-manager or "
              "cse-prevention-manager (agree levels, return, comment), viewer (reads only).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@DB_OPTION
def add(name: str, role: str, password_stdin: bool, db: str | None) -> None:
    """Add NAME, who can then sign in to `cse-pdf serve`; the password is kept as an argon2id hash only."""
    from cse_pdf.web.users import add_user, check_name, check_password, check_role

    check_name(name), check_role(role)  # refused before a password is asked for
    password = check_password(_new_password(password_stdin))
    with open_store(db, create=True) as store:
        user = add_user(store, name, role, password)
    click.echo(f"added {printable(user.name)} ({user.role.value})")


@users.command(name="list")
@DB_OPTION
def list_command(db: str | None) -> None:
    """List users: name, role, whether they may sign in, when added."""
    from cse_pdf.web.users import list_users

    with open_store(db) as store:
        found = list_users(store)
    click.echo("name\trole\tstatus\tadded")
    for u in found:
        click.echo(f"{printable(u.name)}\t{u.role.value}\t{'disabled' if u.disabled else 'active'}\t"
                   f"{u.created_at.date().isoformat()}")


@users.command(name="disable")
@click.argument("name")
@DB_OPTION
def disable(name: str, db: str | None) -> None:
    """Stop NAME signing in; their open sessions end at their next request. Their events stay in the trail."""
    from cse_pdf.web.users import disable_user

    with open_store(db) as store:
        user = disable_user(store, name)
    click.echo(f"disabled {printable(user.name)}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on: this computer only unless told otherwise (0.0.0.0: every network).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@DB_OPTION
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("cse-pdf-out"),
              show_default=True, help="Where uploaded returns (uploads/), stamped copies and quarantine go.")
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure always (behind a TLS proxy "
              "that talks plain HTTP to cse-pdf); it is Secure anyway on a request made over https.")
@click.option("--idle-minutes", type=click.IntRange(1, 24 * 60), default=30, show_default=True,
              help="Sign a user out after this long without a request.")
def serve(host: str, port: int, db: str | None, out: Path, secure_cookies: bool, idle_minutes: int) -> None:
    """Serve the web app: the review queue, records with their stamped PDF, agree/return/comment, uploads,
    exports and the Board report. Add users first (`cse-pdf users add`). Sessions are signed with a key made
    at start: restarting the server signs everyone out."""
    import uvicorn

    from cse_pdf.web.app import WebSettings, create_app
    from cse_pdf.web.security import configure_access_log

    store = open_store(db)
    settings = WebSettings(out=out.resolve(), secure_cookies=secure_cookies, idle_seconds=idle_minutes * 60)
    app = create_app(store, settings)
    configure_access_log()
    click.echo(f"cse-pdf: serving {printable(store.where)} on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        # uvicorn's own access log is off: ours (security.py) logs method, path and status only
        uvicorn.run(app, host=host, port=port, access_log=False, server_header=False, log_level="warning")
    finally:
        store.close()
