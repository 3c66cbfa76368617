"""The Board's report: counts and charts of current assessments, small numbers suppressed."""

from __future__ import annotations

from pathlib import Path

import click

from cse_pdf.base.errors import ValuesError
from cse_pdf.base.private_files import check_output, check_output_dir
from cse_pdf.base.safe_names import shown
from cse_pdf.cli.common import DB_OPTION, FORCE_OPTION, date_option, open_store
from cse_pdf.form.catalog import find_form


@click.command()
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form (default: every form).")
@click.option("--from", "date_from", metavar="DATE",
              help="Only assessments completed on or after DATE (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--to", "date_to", metavar="DATE",
              help="Only assessments completed on or before DATE (YYYY-MM-DD or DD/MM/YYYY).")
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

    start, end = date_option("--from", date_from), date_option("--to", date_to)
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
    with open_store(db) as store:
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
