"""The `cse-pdf` command: thin click wrappers that call one library function each and print."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NoReturn

import click

from cse_pdf.assess.claims import assess_return
from cse_pdf.base.errors import CsePdfError, OutputError, PdfInputError, ValuesError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.private_files import check_folder_of, check_output, check_output_dir, same_file, write_output
from cse_pdf.base.safe_names import path_from_stored, printable, shown
from cse_pdf.blank.generate import generate as generate_pdf
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.form.spec import FormSpec
from cse_pdf.pdf.encryption import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_ENV,
    READ_PASSWORD_ENV,
    Passwords,
    check_output_password,
    encrypt_pdf,
)
from cse_pdf.returned.guard import GuardedReader, guarded
from cse_pdf.returned.read import read_form
from cse_pdf.stamp.stamped_copy import stamp as stamp_form

if TYPE_CHECKING:
    from cse_pdf.purge import FileCounts, PurgeSummary
    from cse_pdf.store import Store


def _dump(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(exc: CsePdfError) -> None:
    """The one line for a refusal: whatever a path or name in it holds, no control character reaches the
    terminal (a file name can carry ESC sequences or bidi overrides) and no byte fails to print."""
    click.echo(printable(f"cse-pdf: error: {exc}"), err=True)


BROKEN_PIPE = ExitCode.BROKEN_PIPE  # as a shell reports a command ended by SIGPIPE: what reads the output went away


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
    sys.exit(BROKEN_PIPE)


def _run(action: Callable[[], None]) -> None:
    """One line on stderr and a meaningful exit code for every failure; never a traceback."""
    try:
        action()
    except BrokenPipeError:
        _broken_pipe()
    except CsePdfError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug, not bad input: say so in one line, never echo form contents
        if os.environ.get("CSE_PDF_DEBUG"):
            raise
        click.echo(f"cse-pdf: internal error ({type(exc).__name__}); please report it, with CSE_PDF_DEBUG=1 "
                   "set for the details", err=True)
        sys.exit(ExitCode.INTERNAL_ERROR)


def _layout(layout: str | None) -> FormSpec | None:
    return find_form(layout) if layout else None


def _for_each_file(files: tuple[Path, ...], layout: str | None, make: Callable[[Path, FormSpec | None], dict]) -> None:
    """One JSON document for one file; JSON lines for several. A bad file never stops the rest."""
    try:
        spec = _layout(layout)
    except CsePdfError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)
    codes: list[int] = []  # one exit code per file that failed
    reader = GuardedReader(lambda p: make(p, spec))  # one child for all the files, each under the limits
    try:
        for path in files:
            _read_one(reader, path, len(files) == 1, codes)
    finally:
        reader.close()
    if codes:
        sys.exit(max(codes))


def _read_one(reader: GuardedReader, path: Path, alone: bool, codes: list[int]) -> None:
    try:
        result = reader.read(path)
    except CsePdfError as exc:
        _fail(exc)
        codes.append(exc.exit_code)
        return
    except Exception as exc:  # one file's bug must not stop the others
        if os.environ.get("CSE_PDF_DEBUG"):
            raise
        click.echo(f"cse-pdf: error: {shown(path)}: internal error ({type(exc).__name__}); please report it",
                   err=True)
        codes.append(ExitCode.INTERNAL_ERROR)
        return
    if alone:
        _dump(result)
    else:
        click.echo(json.dumps({"file": shown(path), **result}, ensure_ascii=False))


LAYOUT_OPTION = click.option("--layout", metavar="YAML", help="Read with this layout file instead of the installed ones.")
PASSWORD_OPTION = click.option("--password", "ask_password", is_flag=True,
                               help=f"Open returned forms sent with a password: taken from ${READ_PASSWORD_ENV}, "
                               "else asked for (never given on the command line, where others could see it).")
ENCRYPT_OPTION = click.option("--encrypt", is_flag=True,
                              help=f"AES-256 encrypt what is written, with a password taken from ${PASSWORD_ENV}, "
                              f"else asked for twice; at least {MIN_PASSWORD_LENGTH} characters.")


def _password(env: str, prompt: str, confirm: bool) -> str:
    """From the environment, else typed at a terminal; an argument would show in `ps` and shell history."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CsePdfError(f"no password: set {env}, or run at a terminal to be asked for it")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)


def _passwords(ask_password: bool, encrypt: bool) -> Passwords:
    read = _password(READ_PASSWORD_ENV, "Password of the returned forms", False) if ask_password else None
    output = (check_output_password(_password(PASSWORD_ENV, "Password for the encrypted output", True))
              if encrypt else None)
    return Passwords(read, output)


def _asked(ask_password: bool, encrypt: bool = False) -> Passwords:
    """`_passwords` for commands that have not started: a refusal is one line and its exit code."""
    try:
        return _passwords(ask_password, encrypt)
    except CsePdfError as exc:
        _fail(exc)
        sys.exit(exc.exit_code)


class _Group(click.Group):
    """Every command: a closed output pipe ends it quietly, wherever the write happened."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:  # what is still buffered goes now, where a closed pipe can be caught, not at exit
                sys.stdout.flush()
                sys.stderr.flush()
        except BrokenPipeError:
            _broken_pipe()


FORCE_OPTION = click.option("--force", is_flag=True, help="Replace files that already exist (without it, an "
                            "existing file is never replaced: exit 7).")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cse-pdf")
def main() -> None:
    """Fillable PDF forms for CSE risk assessment: generate blanks, read returned forms, score and stamp them."""


@main.command()
def forms() -> None:
    """List the available forms: id, version and title."""

    def action() -> None:
        for spec in current_forms():
            click.echo(f"{spec.id}\t{spec.version}\t{spec.title}")

    _run(action)


@main.command()
@click.argument("form")
def fields(form: str) -> None:
    """Print every field of FORM (an id or a layout YAML path) as JSON."""

    def action() -> None:
        spec = find_form(form)
        _dump({
            "form": {"id": spec.id, "version": spec.version, "title": spec.title},
            "fields": [
                {"id": f.id, "type": f.type, "label": f.label, "tooltip": f.help_text, "required": f.required,
                 "options": [{"value": o.value, "label": o.label} for o in f.options]}
                for f in spec.fields
            ],
        })

    _run(action)


def _load_values(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValuesError(f"cannot read prefill values as JSON ({type(exc).__name__})", path) from None
    if isinstance(data, dict) and isinstance(data.get("values"), dict):
        data = data["values"]  # the output of `cse-pdf read` works as it is
    if not isinstance(data, dict):
        raise ValuesError("prefill values must be a JSON object of field id → value", path)
    return data


@main.command()
@click.argument("form")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the PDF (default: FORM-ID.pdf here).")
@click.option("--prefill", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON of field id → value (the shape `cse-pdf read` prints) to fill in; still editable.")
@click.option("--instance", default="", metavar="ID", help="A copy id to carry in the form (letters, digits, - _ .).")
@FORCE_OPTION
def generate(form: str, output: Path | None, prefill: Path | None, instance: str, force: bool) -> None:
    """Write the fillable PDF of FORM (an id or a layout YAML path)."""

    def action() -> None:
        spec = find_form(form)
        out = output or Path(f"{spec.id}.pdf")
        inputs = [p for p in (prefill, Path(form)) if p is not None and p.exists()]
        check_output(out, force, inputs)  # before any work: a file there is kept unless --force
        values = _load_values(prefill) if prefill else None
        try:
            data = generate_pdf(spec, values, instance)
        except ValueError as exc:
            raise ValuesError(str(exc)) from None
        write_output(out, data, force, private=bool(values))  # a prefilled form may hold case data
        click.echo(f"wrote {shown(out)} ({spec.id} version {spec.version}{', prefilled' if values else ''})")

    _run(action)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LAYOUT_OPTION
@PASSWORD_OPTION
def read(files: tuple[Path, ...], layout: str | None, ask_password: bool) -> None:
    """Print the form identity and every value of returned FILES as JSON."""
    password = _asked(ask_password).read
    _for_each_file(files, layout, lambda path, spec: read_form(path, spec, password).to_dict())


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@LAYOUT_OPTION
@PASSWORD_OPTION
def score(files: tuple[Path, ...], layout: str | None, ask_password: bool) -> None:
    """Like `read`, plus the assessment: suggested level, total, reasons, unanswered questions."""
    password = _asked(ask_password).read

    def make(path: Path, spec: FormSpec | None) -> dict:
        response = read_form(path, spec, password)
        return {**response.to_dict(), "assessment": assess_return(response).to_dict()}

    _for_each_file(files, layout, make)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the stamped copy (created readable by you only).")
@click.option("--flatten", is_flag=True, help="Lock the stamped copy: answers drawn into the pages, no fields left.")
@LAYOUT_OPTION
@PASSWORD_OPTION
@ENCRYPT_OPTION
@FORCE_OPTION
def stamp(file: Path, output: Path, flatten: bool, layout: str | None, ask_password: bool, encrypt: bool,
          force: bool) -> None:
    """Write FILE with a summary page in front and the suggested risk category filled in."""

    def action() -> None:
        if os.path.lexists(output) and same_file(output, file) and not force:
            raise OutputError("the stamped copy must not overwrite the returned form it is made from; choose "
                              "another -o (or give --force to replace the return with its stamped copy)", output)
        if not same_file(output, file):
            check_output(output, force, [Path(layout)] if layout else [])
        spec = _layout(layout)
        passwords = _passwords(ask_password, encrypt)

        def work(path: Path) -> tuple[bytes, str, bool]:
            result = stamp_form(path, flatten_fields=flatten, spec=spec, password=passwords.read)
            pdf = encrypt_pdf(result.pdf, passwords.output) if passwords.output else result.pdf
            return pdf, result.assessment.label, result.assessment.differs

        pdf, label, differs = guarded(work, file)
        write_output(output, pdf, force)  # atomic: even replacing its own return (--force) leaves one whole file
        flag = " (differs from the worker's category)" if differs else ""
        locked = ", AES-256 encrypted" if encrypt else ""
        click.echo(f"wrote {shown(output)}{locked}: suggested {label}{flag}")

    _run(action)


def _open_store(db: str | None, create: bool = False) -> "Store":
    """The database for a command. Only `ingest` and `distribute` make one (`create`), and only the default
    database's folder is ever made: a mistyped --db is refused, never turned into a new, empty database."""
    from cse_pdf.store import Store
    from cse_pdf.store.engine import is_default

    return Store.open(db, create=create, make_folder=is_default(db))


DB_OPTION = click.option("--db", metavar="URL", help="The database: a file path, sqlite:///PATH or postgresql://… "
                         "(default: $CSE_PDF_DB, else ~/.local/share/cse-pdf/cse-pdf.sqlite3).")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@DB_OPTION
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("cse-pdf-out"),
              show_default=True, help="Where stamped copies (stamped/FORM/) and set-aside files (quarantine/) go.")
@click.option("--workers", type=click.IntRange(1, 64), default=min(4, os.cpu_count() or 1), show_default=True,
              help="Processes reading, scoring and stamping at once.")
@click.option("--no-stamp", "no_stamp", is_flag=True,
              help="Record the forms without writing stamped copies (faster; `cse-pdf stamp FILE` makes one later).")
@click.option("-v", "--verbose", is_flag=True, help="Log each file's outcome as it happens (paths, record ids and "
              "reason codes; never anything typed into a form).")
@PASSWORD_OPTION
@ENCRYPT_OPTION
def ingest(paths: tuple[Path, ...], db: str | None, out: Path, workers: int, no_stamp: bool, verbose: bool,
           ask_password: bool, encrypt: bool) -> None:
    """Read, score, stamp and record every returned form in PATHS (files, or folders searched for *.pdf).

    Only regular files are read; cse-pdf's own stamped copies and the OUT folder are skipped, never recorded
    again. Exit code 0 when every file was ingested, already known or skipped, 4 when some recorded forms need
    review, 2 when some files failed (they are copied to OUT/quarantine with the reason)."""
    from tqdm import tqdm

    from cse_pdf.ingest import discover
    from cse_pdf.ingest import ingest as ingest_files

    if verbose:
        _log_to_stderr()

    def action() -> None:
        passwords = _passwords(ask_password, encrypt)
        found = discover(paths, exclude=out)
        files = found.files
        if not files and not found.refused:
            raise PdfInputError("no *.pdf files in " + ", ".join(map(shown, paths)) + "; give returned forms or "
                                "folders that hold them")
        with _open_store(db, create=True) as store:
            check_output_dir(out, parents=True)  # a read-only or unmakeable --out: one line now, not a failed batch
            copies = "no stamped copies" if no_stamp else f"stamped copies in {shown(out)}"
            click.echo(f"ingesting {len(files)} file(s) into {printable(store.where)}; {copies}", err=True)
            with tqdm(total=len(files), unit="file", file=sys.stderr, disable=not sys.stderr.isatty(),
                      dynamic_ncols=True) as bar:
                try:
                    report = ingest_files(files, store, out, workers, on_outcome=lambda _: bar.update(1),
                                          passwords=passwords, stamps=not no_stamp)
                except KeyboardInterrupt:
                    bar.close()
                    click.echo("cse-pdf: interrupted; every form finished so far is recorded: run the same command "
                               "again to finish", err=True)
                    sys.exit(ExitCode.INTERRUPTED)
        report.outcomes[:0] = found.refused  # said before the files that were read, as found
        _closing_table(report, out, stamped=not no_stamp)
        sys.exit(report.exit_code)

    _run(action)


def _log_to_stderr() -> None:
    """cse-pdf's own log (and Alembic's migration steps) on stderr; the libraries that read PDFs stay quiet,
    since their messages can quote a file's bytes, and SQLAlchemy is built to hide bound values."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("cse-pdf: %(levelname)s: %(message)s"))
    for name in ("cse_pdf", "alembic"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)


def _closing_table(report: Any, out: Path, stamped: bool) -> None:
    from cse_pdf.ingest import FAILED, INGESTED, KNOWN, NEEDS_REVIEW, SKIPPED

    for label, kind in (("ingested", INGESTED), ("already known", KNOWN), ("needs review", NEEDS_REVIEW),
                        ("failed", FAILED), ("skipped", SKIPPED)):
        click.echo(f"{label:<14}{len(report.of(kind)):>6}")
    if report.of(NEEDS_REVIEW):
        done = "recorded and stamped" if stamped else "recorded"
        click.echo(f"\nNeeds review ({done}; `cse-pdf show RECORD` says why):")
        for o in report.of(NEEDS_REVIEW):
            click.echo(f"  record {o.record_id}\t{shown(o.path)}\t{', '.join(o.review)}")
    if report.of(SKIPPED):
        click.echo("\nSkipped (not returned forms; nothing recorded):")
        for o in report.of(SKIPPED):
            click.echo(f"  {shown(o.path)}: skipped: {printable(o.reason or '')}")
    if report.of(FAILED):
        where = f"copied to {shown(out / 'quarantine')} with the reason where it could be read"
        click.echo(f"\nFailed ({where}):")
        for o in report.of(FAILED):
            click.echo(f"  {shown(o.path)}: {printable(o.reason or '')}")


@main.command(name="list")
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form.")
@click.option("--name", metavar="NAME", help="Only this young person (compared as ingest compares names).")
@click.option("--all", "include_all", is_flag=True, help="Include earlier revisions, not only current ones.")
@click.option("--failed", is_flag=True, help="List the files that failed instead.")
def list_records(db: str | None, form: str | None, name: str | None, include_all: bool, failed: bool) -> None:
    """List recorded assessments: record id, form, date completed, level, status."""

    def action() -> None:
        with _open_store(db) as store:
            if failed:
                click.echo("file\tattempts\treason")
                for f in store.failures():
                    click.echo(f"{shown(path_from_stored(f.source_path))}\t{f.attempts}\t{printable(f.reason)}")
                return
            click.echo("record\tform\tdate completed\tlevel\tstatus\trevision")
            for r in store.records(form, name, include_all):
                status = r.status.replace("_", " ") + ("" if r.current else ", superseded")
                done = r.date_completed.isoformat() if r.date_completed else "-"
                click.echo(f"{r.record_id}\t{r.form_id}\t{done}\t{r.label}\t{status}\t{r.revision}")

    _run(action)


@main.command()
@click.argument("record", type=int)
@DB_OPTION
def show(record: int, db: str | None) -> None:
    """Print everything recorded about RECORD (an id from `cse-pdf list`) as JSON, without opening a PDF."""

    def action() -> None:
        with _open_store(db) as store:
            detail = store.record_detail(record)
            if detail is None:
                raise CsePdfError(f"no record {record} in {store.where}; see `cse-pdf list`")
        _dump(detail)

    _run(action)


@main.command(name="export")
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form (default: every form).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (csv without --form: one file per form, FILE-STEM-FORM.csv; with --encrypt, "
              "csv and json go into one encrypted FILE.zip).")
@ENCRYPT_OPTION
@FORCE_OPTION
def export_command(db: str | None, form: str | None, fmt: str, output: Path, encrypt: bool, force: bool) -> None:
    """Write every current assessment: one row each, a column per field, then the assessment and its
    previous one (date, level, trend)."""
    from cse_pdf.export import export

    def action() -> None:
        check_folder_of(output)  # refused before the database is read; each file is checked before any is written
        password = _passwords(False, encrypt).output
        with _open_store(db) as store:
            written = export(store, fmt, output, form, password, force)  # type: ignore[arg-type]
        for path, rows in written:
            click.echo(f"wrote {shown(path)} ({rows} assessment{'s' if rows != 1 else ''})")

    _run(action)


# ---- retention ---------------------------------------------------------------------------------


def _files(counts: "FileCounts", kind: str) -> str:
    return f"{counts.inside} {kind} file(s)"


def _left(summary: "PurgeSummary", out: Path) -> str:
    """Files purge will not or could not delete, as counts: outside --out (or via a link), already gone."""
    outside = summary.stamped.outside + summary.quarantined.outside
    missing = summary.stamped.missing + summary.quarantined.missing
    parts = ([f"{outside} file(s) recorded outside {out} (or reached through a link) left in place"] if outside
             else []) + ([f"{missing} file(s) already gone"] if missing else [])
    return "; ".join(parts)


@main.command()
@click.option("--before", "before_text", required=True, metavar="DATE",
              help="Delete what is older than DATE (YYYY-MM-DD or DD/MM/YYYY): records whose assessment was "
              "completed before it (a record with no readable date completed: ingested before it, UTC), and "
              "failures last seen before it.")
@DB_OPTION
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("cse-pdf-out"),
              show_default=True, help="The folder ingest wrote to: only files inside it are ever deleted.")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when not at a terminal).")
def purge(before_text: str, db: str | None, out: Path, dry_run: bool, yes: bool) -> None:
    """Delete records, stamped copies and quarantined files past a retention date.

    A record goes with its values, its assessment and every revision of that assessment (all share its
    date completed); an assessment with a revision to keep is kept whole. Stamped and quarantined files are
    deleted only inside --out, never through a link. The register of copies sent by `distribute` is kept.
    Shows counts only, then asks; exit 1 when refused or not confirmed."""
    from cse_pdf.purge import plan_purge, summarise
    from cse_pdf.purge import purge as run_purge

    try:
        before = _day("--before", before_text)
    except ValuesError as exc:
        _fail(exc)
        sys.exit(ExitCode.BAD_FILE)

    def action() -> None:
        with _open_store(db) as store:
            planned = plan_purge(store, before)
            due = summarise(planned, out)
            click.echo(f"{'would delete' if dry_run or not yes else 'deleting'} (before {before.isoformat()}, "
                       f"from {store.where}): {due.records} record(s), {due.failures} failure record(s), "
                       f"{_files(due.stamped, 'stamped')}, {_files(due.quarantined, 'quarantined')}", err=True)
            if left := _left(due, out):
                click.echo(f"  {left}", err=True)
            if dry_run:
                click.echo("dry run: nothing deleted", err=True)
                return
            if not (planned.submissions or planned.failures):
                click.echo("nothing to delete", err=True)
                return
            if not yes:
                if not sys.stdin.isatty():
                    raise CsePdfError("purge deletes records and files: not at a terminal to confirm, so nothing "
                                      "was deleted; give --yes (after --dry-run)")
                if not click.confirm("Delete these for good?", default=False, err=True):
                    click.echo("cse-pdf: nothing deleted", err=True)
                    sys.exit(ExitCode.REFUSED)
            done = run_purge(store, planned, out)
        click.echo(f"deleted {done.records} record(s), {done.failures} failure record(s), "
                   f"{_files(done.stamped, 'stamped')}, {_files(done.quarantined, 'quarantined')}"
                   + (f"; {left}" if (left := _left(done, out)) else ""))

    _run(action)


# ---- distribution to partner agencies, returns, the Board's report ------------------------------


def _checked_address(option: str, text: str) -> str:
    """One address, safe in a mail header (see cse_pdf.outreach.headers), or a one-line refusal of the whole run."""
    from email_validator import EmailNotValidError, validate_email

    from cse_pdf.outreach.headers import header_problem, split_address

    why = header_problem(text)
    if why:
        raise ValuesError(f"{option} {why}; give one address as name@domain or 'Name <name@domain>'")
    parts = split_address(text)
    if parts is None:
        raise ValuesError(f"{option} {text!r} is not one email address; give it as name@domain or "
                          "'Name <name@domain>'")
    try:
        validate_email(parts[1], check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValuesError(f"{option} {text!r} is not a valid email address ({exc})") from None
    return text


@main.command()
@click.argument("agencies_csv", metavar="AGENCIES.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--form", "form", required=True, metavar="ID", help="The form to send (an id from `cse-pdf forms`).")
@click.option("--from", "sender", envvar="CSE_PDF_MAIL_FROM", required=True, metavar="ADDRESS",
              help="Who the messages are from, e.g. 'Safeguarding Board <cse@board.example>' "
                   "(or $CSE_PDF_MAIL_FROM).")
@click.option("--return-to", metavar="ADDRESS", help="Where agencies email completed forms (default: --from).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write one .eml per agency here, for your mail program to send (the default: cse-pdf-mail/).")
@click.option("--smtp", metavar="HOST[:PORT]", help="Send through this mail server instead (port 587 with STARTTLS "
              "unless given; port 465 or smtps://HOST[:PORT] for TLS from the first byte); "
              "login from $CSE_PDF_SMTP_USER and $CSE_PDF_SMTP_PASSWORD if set.")
@click.option("--allow-plain", is_flag=True, help="Send even if the server does not offer STARTTLS (a relay on a "
              "trusted network only; a password is still never sent unencrypted).")
@click.option("--ca-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Trust the mail server's certificate if signed by this authority (PEM), or $CSE_PDF_SMTP_CA_FILE.")
@click.option("--dry-run", is_flag=True, help="Check the list, make every copy and (with --smtp) log in to the "
              "server, but write, send and record nothing.")
@DB_OPTION
@FORCE_OPTION
def distribute(agencies_csv: Path, form: str, sender: str, return_to: str | None, out: Path | None,
               smtp: str | None, allow_plain: bool, ca_file: Path | None, dry_run: bool, db: str | None,
               force: bool) -> None:
    """Send each partner agency in AGENCIES.csv a blank FORM with its agency block filled in.

    The CSV's first row names the columns: agency, address, cse_lead_contact, send_to. Every copy has its own
    instance id and is recorded in the database, so `cse-pdf returns` can tell which came back. Exit code 0 when
    every agency got its copy, 3 when rows of the list were skipped, 6 when a message could not be sent."""
    from contextlib import ExitStack

    from cse_pdf.outreach.agencies import AgencyListError, read_agencies
    from cse_pdf.outreach.distribute import FAILED, SENT, WOULD_SEND, WRITTEN, Outcome, Sending, refuse_non_layout
    from cse_pdf.outreach.distribute import distribute as run
    from cse_pdf.outreach.mail import SmtpSender, SmtpSettings
    from cse_pdf.store.distribution import IssuedCopy, record_issued

    def action() -> None:
        refuse_non_layout(form)
        spec = find_form(form)
        sending = Sending(_checked_address("--from", sender), _checked_address("--return-to", return_to or sender))
        listed = read_agencies(agencies_csv, spec.field_map.keys())
        if listed.ignored_columns:
            click.echo(f"{agencies_csv}: ignored column(s): {', '.join(listed.ignored_columns)}", err=True)
        for problem in listed.problems:
            click.echo(f"cse-pdf: skipped {problem}", err=True)
        if not listed.agencies:
            raise AgencyListError("has no agency that can be sent to; fix the rows above", agencies_csv)
        settings = SmtpSettings.from_options(smtp, allow_plain, ca_file) if smtp else None
        target = out or Path("cse-pdf-mail")
        if settings is None and not dry_run:  # before the database is opened or anything is made
            check_output_dir(target, make=False)
            for agency in listed.agencies if target.is_dir() else ():
                check_output(target / f"{agency.slug}.eml", force)
        with ExitStack() as stack:
            store = None if dry_run else stack.enter_context(_open_store(db, create=True))
            sender_conn = stack.enter_context(SmtpSender(settings)) if settings else None
            if sender_conn is not None:
                tls = (("TLS" if settings.implicit_tls else "STARTTLS") if sender_conn.encrypted  # type: ignore[union-attr]
                       else "UNENCRYPTED (--allow-plain)")
                click.echo(f"connected to {settings.where} ({tls})", err=True)  # type: ignore[union-attr]

            def record(agency, instance: str, method: str) -> None:  # type: ignore[no-untyped-def]
                assert store is not None
                record_issued(store, IssuedCopy(instance, spec.id, spec.version, agency.name, agency.email, method))

            def show(o: Outcome) -> None:
                who = f"{o.agency.name} <{o.agency.email}>"
                if o.kind == FAILED:
                    click.echo(f"cse-pdf: {agencies_csv}:{o.agency.line}: {who}: {o.reason}", err=True)
                elif o.kind == WRITTEN:
                    click.echo(f"wrote   {shown(o.path)}\t{who}\tcopy {o.instance_id}")
                elif o.kind == SENT:
                    click.echo(f"sent    {who}\tcopy {o.instance_id}")
                else:
                    click.echo(f"would {'send' if settings else 'write'} {o.path or who}\t{who}")

            report = run(spec, listed.agencies, sending, out=None if settings else target, smtp=sender_conn,
                         dry_run=dry_run, record=None if dry_run else record, on_outcome=show, force=force)
        report.skipped = listed.problems
        done = len(report.of(SENT)) + len(report.of(WRITTEN)) + len(report.of(WOULD_SEND))
        verb = "would go" if dry_run else ("sent" if settings else "written")
        click.echo(f"{done} of {len(listed.agencies) + len(listed.problems)} agencies: {verb}; "
                   f"{len(report.of(FAILED))} failed; {len(listed.problems)} row(s) skipped"
                   + ("" if dry_run or settings else f". Open the .eml files in {target} to send them."), err=True)
        sys.exit(report.exit_code)

    _run(action)


@main.command()
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form.")
def returns(db: str | None, form: str | None) -> None:
    """Per agency: blank copies sent, copies returned (matched by instance id at ingest) and outstanding."""
    from cse_pdf.store.distribution import returns_by_agency, unmatched_returns

    def action() -> None:
        if form:
            find_form(form)
        with _open_store(db) as store:
            rows = returns_by_agency(store, form)
            unmatched = unmatched_returns(store, form)
        if not rows:
            click.echo("no copies have been sent" + (f" of {form}" if form else "") + "; see `cse-pdf distribute`")
        else:
            heads = ("agency", "form", "sent", "returned", "outstanding", "forms received", "last sent")
            table = [(r.agency, r.form_id, str(r.sent), str(r.returned), str(r.outstanding), str(r.received),
                      r.last_sent.date().isoformat()) for r in rows]
            table.append(("total", "", str(sum(r.sent for r in rows)), str(sum(r.returned for r in rows)),
                          str(sum(r.outstanding for r in rows)), str(sum(r.received for r in rows)), ""))
            widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(heads)]
            for line in (heads, *table):
                click.echo("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                                     enumerate(zip(line, widths))).rstrip())
        if unmatched:
            click.echo(f"\n{unmatched} recorded assessment(s) came from copies not sent by `cse-pdf distribute`.")

    _run(action)


def _day(option: str, text: str | None):  # type: ignore[no-untyped-def]
    from cse_pdf.form.dates import DateUnreadable, parse_date

    if text is None:
        return None
    try:
        return parse_date(text)
    except DateUnreadable:
        raise ValuesError(f"{option} {text!r} is not a date; give YYYY-MM-DD or DD/MM/YYYY") from None


@main.command()
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form (default: every form).")
@click.option("--from", "date_from", metavar="DATE", help="Only assessments completed on or after DATE (YYYY-MM-DD).")
@click.option("--to", "date_to", metavar="DATE", help="Only assessments completed on or before DATE.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The report file to write (created readable by you only).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]),
              help="pdf or html (default: from the output's extension, else pdf).")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write each table as CSV into this folder.")
@click.option("--no-suppression", is_flag=True, help="Show small numbers exactly: for internal use only, never to "
              "share; every page says so.")
@FORCE_OPTION
def report(db: str | None, form: str | None, date_from: str | None, date_to: str | None, output: Path,
           fmt: str | None, csv_dir: Path | None, no_suppression: bool, force: bool) -> None:
    """Write the Board's report: counts and charts of current assessments by level, by the young people's
    circumstances, month by month, reviews, incomplete forms and flags. Counts from 1 to 4 are shown as <5 and
    no count can be worked out by subtraction; the report holds no names or dates of birth."""
    from cse_pdf.report import build_report, write_report
    from cse_pdf.report.csv_out import write_csv

    def action() -> None:
        start, end = _day("--from", date_from), _day("--to", date_to)
        if start and end and start > end:
            raise ValuesError(f"--from {date_from} is after --to {date_to}; swap them")
        if form:
            find_form(form)
        kind = fmt or ("html" if output.suffix.lower() in (".html", ".htm") else "pdf")
        check_output(output, force)  # before the database is read
        if csv_dir is not None:
            check_output_dir(csv_dir, make=False)
            for existing in (p for p in csv_dir.glob("*.csv") if p.name == "index.csv" or "--" in p.name):
                check_output(existing, force)  # any table of an earlier report: kept unless --force
        with _open_store(db) as store:
            built = build_report(store, form, start, end, suppression=not no_suppression)
        write_report(built, output, kind, force)  # type: ignore[arg-type]
        counts = ", ".join(f"{s.form_id} {s.count_shown}" for s in built.sections)
        click.echo(f"wrote {shown(output)} ({kind}; {built.period}: {counts})")
        if csv_dir is not None:
            files = write_csv(built, csv_dir, force)
            click.echo(f"wrote {len(files)} CSV files to {shown(csv_dir)} (index.csv lists them)")
        if no_suppression:
            click.echo("cse-pdf: warning: small numbers are not suppressed: for internal use only, do not "
                       "circulate", err=True)

    _run(action)


if __name__ == "__main__":
    main()
