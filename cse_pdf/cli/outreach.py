"""Commands for partner agencies: distribute blank forms to an agency list, and see which came back."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import click

from cse_pdf.base.safe_names import shown
from cse_pdf.cli.common import DB_OPTION, FORCE_OPTION, open_store
from cse_pdf.form.catalog import find_form

if TYPE_CHECKING:  # outreach (mail, the address checker) is imported when `distribute` runs, not by every command
    from cse_pdf.outreach.agencies import AgencyList
    from cse_pdf.outreach.distribute import IssueRegister, Outcome
    from cse_pdf.outreach.mail import SmtpSettings


class _Progress:
    """`distribute`'s lines as the run goes: the list's problems on stderr, each copy on stdout."""

    def __init__(self, agencies_csv: Path, by_smtp: bool) -> None:
        self.agencies_csv = agencies_csv
        self.by_smtp = by_smtp

    def list_read(self, listed: AgencyList) -> None:
        if listed.ignored_columns:
            click.echo(f"{self.agencies_csv}: ignored column(s): {', '.join(listed.ignored_columns)}", err=True)
        for problem in listed.problems:
            click.echo(f"cse-pdf: skipped {problem}", err=True)

    def connected(self, settings: SmtpSettings, encrypted: bool) -> None:
        tls = ("TLS" if settings.implicit_tls else "STARTTLS") if encrypted else "UNENCRYPTED (--allow-plain)"
        click.echo(f"connected to {settings.where} ({tls})", err=True)

    def outcome(self, o: Outcome) -> None:
        from cse_pdf.outreach.distribute import FAILED, SENT, WRITTEN

        who = f"{o.agency.name} <{o.agency.email}>"
        if o.kind == FAILED:
            click.echo(f"cse-pdf: {self.agencies_csv}:{o.agency.line}: {who}: {o.reason}", err=True)
        elif o.kind == WRITTEN:
            click.echo(f"wrote   {shown(o.path)}\t{who}\tcopy {o.instance_id}")
        elif o.kind == SENT:
            click.echo(f"sent    {who}\tcopy {o.instance_id}")
        else:
            click.echo(f"would {'send' if self.by_smtp else 'write'} {o.path or who}\t{who}")


@contextmanager
def _issue_register(db: str | None) -> Iterator[IssueRegister]:
    """The database's register of issued copies, made if need be (opened only when a copy will go)."""
    from cse_pdf.store.distribution import IssueRegister as StoreRegister

    with open_store(db, create=True) as store:
        yield StoreRegister(store)


@click.command()
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
    from cse_pdf.outreach.distribute_list import DistributionRequest, distribute_list

    request = DistributionRequest(agencies_csv, form, sender, return_to, out, smtp, allow_plain, ca_file, dry_run,
                                  force)
    done = distribute_list(request, partial(_issue_register, db), _Progress(agencies_csv, by_smtp=bool(smtp)))
    verb = "would go" if dry_run else ("sent" if done.by_smtp else "written")
    click.echo(f"{done.done} of {done.rows} agencies: {verb}; {done.failed} failed; "
               f"{len(done.listed.problems)} row(s) skipped"
               + ("" if dry_run or done.by_smtp else f". Open the .eml files in {done.folder} to send them."),
               err=True)
    sys.exit(done.report.exit_code)


@click.command()
@DB_OPTION
@click.option("--form", metavar="ID", help="Only this form.")
def returns(db: str | None, form: str | None) -> None:
    """Per agency: blank copies sent, copies returned (matched by instance id at ingest) and outstanding."""
    from cse_pdf.store.distribution import returns_by_agency, unmatched_returns

    if form:
        find_form(form)
    with open_store(db) as store:
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
