"""Commands on the database of recorded forms: ingest, list, show, export, purge."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cse_pdf.base.errors import CsePdfError, PdfInputError, UnknownFormError, ValuesError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.private_files import check_folder_of, check_output_dir
from cse_pdf.base.safe_names import path_from_stored, printable, shown
from cse_pdf.cli.boundary import note_on_interrupt
from cse_pdf.cli.common import (
    DB_OPTION,
    ENCRYPT_OPTION,
    FORCE_OPTION,
    PASSWORD_OPTION,
    date_option,
    dump,
    open_store,
    passwords,
)
from cse_pdf.cli.review import review_json
from cse_pdf.form.catalog import find_form

if TYPE_CHECKING:
    from cse_pdf.ingest import BatchReport
    from cse_pdf.purge import FileCounts, PurgeSummary

EXPORT_FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json"}


@click.command()
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
    given = passwords(ask_password, encrypt)
    found = discover(paths, exclude=out)
    files = found.files
    if not files and not found.refused:
        raise PdfInputError("no *.pdf files in " + ", ".join(map(shown, paths)) + "; give returned forms or "
                            "folders that hold them")
    with open_store(db, create=True) as store:
        check_output_dir(out, parents=True)  # a read-only or unmakeable --out: one line now, not a failed batch
        copies = "no stamped copies" if no_stamp else f"stamped copies in {shown(out)}"
        click.echo(f"ingesting {len(files)} file(s) into {printable(store.where)}; {copies}", err=True)
        note_on_interrupt("every form finished so far is recorded: run the same command again to finish")
        with tqdm(total=len(files), unit="file", file=sys.stderr, disable=not sys.stderr.isatty(),
                  dynamic_ncols=True) as bar:
            report = ingest_files(files, store, out, workers, on_outcome=lambda _: bar.update(1),
                                  passwords=given, stamps=not no_stamp)
    report.outcomes[:0] = found.refused  # said before the files that were read, as found
    _closing_table(report, out, stamped=not no_stamp)
    sys.exit(report.exit_code)


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


def _closing_table(report: "BatchReport", out: Path, stamped: bool) -> None:
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


@click.command(name="list")
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form.")
@click.option("--name", metavar="NAME", help="Only this young person (compared as ingest compares names).")
@click.option("--all", "include_all", is_flag=True, help="Include earlier revisions, not only current ones.")
@click.option("--failed", is_flag=True, help="List the files that failed instead.")
def list_records(db: str | None, form: str | None, name: str | None, include_all: bool, failed: bool) -> None:
    """List recorded assessments: record id, form, the young person's name and date of birth (as typed, so
    that people with one name can be told apart; shown here only, never logged), date completed, level,
    status, revision, review state and agreed level."""
    from cse_pdf.agreement import reviews_for

    if form:
        find_form(form)  # an unknown id is refused as `export` and `report` refuse it, not listed as nothing
    with open_store(db) as store:
        if failed:
            click.echo("file\tattempts\treason")
            for f in store.failures():
                click.echo(f"{shown(path_from_stored(f.source_path))}\t{f.attempts}\t{printable(f.reason)}")
            return
        records = store.records(form, name, include_all)
        person_fields = _person_fields({r.form_id for r in records})
        typed = store.field_texts(f for pair in person_fields.values() for f in pair if f)
        reviews = reviews_for(store, [r.record_id for r in records])
        click.echo("record\tform\tname\tdate of birth\tdate completed\tlevel\tstatus\trevision\treview\tagreed")
        for r in records:  # names stay on this terminal: never logged
            name_id, dob_id = person_fields.get(r.form_id, ("", ""))
            person = "\t".join(printable(typed.get((r.record_id, fid), "").strip()) or "-" for fid in (name_id, dob_id))
            status = r.status.replace("_", " ") + ("" if r.current else ", superseded")
            done = r.date_completed.isoformat() if r.date_completed else "-"
            review = reviews.get(r.record_id)
            state = review.state.label if review else "-"
            agreed = "-" if review is None or review.agreed_label is None else review.agreed_label
            click.echo(f"{r.record_id}\t{r.form_id}\t{person}\t{done}\t{r.label}\t{status}\t{r.revision}\t"
                       f"{state}\t{agreed}")


def _person_fields(form_ids: set[str]) -> dict[str, tuple[str, str]]:
    """form id → its name and date of birth field ids, for the installed forms among `form_ids`."""
    fields: dict[str, tuple[str, str]] = {}
    for form_id in form_ids:
        try:
            summary = find_form(form_id).summary
        except UnknownFormError:  # a form no longer installed: its records list without a name
            continue
        if summary is not None:
            fields[form_id] = (summary.name, summary.dob or "")
    return fields


@click.command()
@click.argument("record", type=int)
@DB_OPTION
def show(record: int, db: str | None) -> None:
    """Print everything recorded about RECORD (an id from `cse-pdf list`) as JSON, without opening a PDF."""
    from cse_pdf.agreement import record_review

    with open_store(db) as store:
        detail = store.record_detail(record)
        if detail is None:
            raise CsePdfError(f"no record {record} in {store.where}; see `cse-pdf list`")
        detail["agreement"] = review_json(record_review(store, record))  # "review" stays the reasons it needs review
    dump(detail)


@click.command(name="export")
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form (default: every form).")
@click.option("--format", "fmt", type=click.Choice(list(EXPORT_FORMATS.values())),
              help="csv, xlsx or json (default: from the output's extension; a format that contradicts the "
              "extension is refused).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write (csv without --form: one file per form, FILE-STEM-FORM.csv; with --encrypt, "
              "csv and json go into one encrypted FILE.zip).")
@click.option("--codes", is_flag=True, help="xlsx: choices as their export values (codes), not their labels.")
@ENCRYPT_OPTION
@FORCE_OPTION
def export_command(db: str | None, form: str | None, fmt: str | None, output: Path, codes: bool, encrypt: bool,
                   force: bool) -> None:
    """Write every current assessment: one row each, a column per field, then the assessment and its
    previous one (date, level, trend)."""
    from cse_pdf.export import export

    fmt = export_format(fmt, output, encrypt)
    check_folder_of(output)  # refused before the database is read; each file is checked before any is written
    password = passwords(False, encrypt).output
    with open_store(db) as store:
        written = export(store, fmt, output, form, password, force, codes)  # type: ignore[arg-type]
    for path, rows in written:
        click.echo(f"wrote {shown(path)} ({rows} assessment{'s' if rows != 1 else ''})")


def export_format(fmt: str | None, output: Path, encrypt: bool) -> str:
    """The format to write: --format, else the output's extension. Excel written into a `.csv` name opens as
    garbage or not at all, so a --format that contradicts a known extension is refused before anything runs."""
    named = output.with_suffix("") if encrypt and output.suffix.lower() == ".zip" else output  # board.csv.zip
    implied = EXPORT_FORMATS.get(named.suffix.lower())
    if fmt is None:
        if implied is None:
            raise ValuesError(f"cannot tell the format of {shown(output)}: give --format csv, xlsx or json, or "
                              "an output ending .csv, .xlsx or .json")
        return implied
    if implied is not None and implied != fmt:
        raise ValuesError(f"--format {fmt} does not match {shown(output)}: name the output .{fmt}, or leave "
                          "--format out to write what the extension says")
    return fmt


def _files(counts: "FileCounts", kind: str) -> str:
    return f"{counts.inside} {kind} file(s)"


def _left(summary: "PurgeSummary", out: Path) -> str:
    """Files purge will not or could not delete, as counts: outside --out (or via a link), already gone."""
    outside = summary.stamped.outside + summary.quarantined.outside
    missing = summary.stamped.missing + summary.quarantined.missing
    parts = ([f"{outside} file(s) recorded outside {out} (or reached through a link) left in place"] if outside
             else []) + ([f"{missing} file(s) already gone"] if missing else [])
    return "; ".join(parts)


@click.command()
@click.option("--before", "before_text", required=True, metavar="DATE",
              help="Delete what is older than DATE (YYYY-MM-DD or DD/MM/YYYY): records whose assessment was "
              "completed before it (a record with no readable date completed: ingested before it, UTC), and "
              "failures last seen before it.")
@DB_OPTION
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("cse-pdf-out"),
              show_default=True, help="The folder ingest wrote to: only files inside it are ever deleted.")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when not at a terminal).")
@click.option("--by", "by", metavar="NAME", help="Who purges, as the purge event in each record's audit trail "
              "names them (default: purge).")
def purge(before_text: str, db: str | None, out: Path, dry_run: bool, yes: bool, by: str | None) -> None:
    """Delete records, stamped copies and quarantined files past a retention date.

    A record goes with its values, its assessment and every revision of that assessment (all share its
    date completed); an assessment with a revision to keep is kept whole. Stamped and quarantined files are
    deleted only inside --out, never through a link. The register of copies sent by `distribute` is kept.
    Each record's review events go too, and a `purge` event keeps the fact (`cse-pdf audit ID`).
    Shows counts only, then asks; exit 1 when refused or not confirmed."""
    from cse_pdf.purge import plan_purge, summarise
    from cse_pdf.purge import purge as run_purge

    before = date_option("--before", before_text)
    assert before is not None  # a required option
    with open_store(db) as store:
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
        done = run_purge(store, planned, out, by=" ".join(by.split())[:200] if by else None)
    click.echo(f"deleted {done.records} record(s), {done.failures} failure record(s), "
               f"{_files(done.stamped, 'stamped')}, {_files(done.quarantined, 'quarantined')}"
               + (f"; {left}" if (left := _left(done, out)) else ""))
