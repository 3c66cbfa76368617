"""`cse-pdf distribute` as one call: an agency list file and options in, every agency's copy out.

The order matters and is kept here, not in the command: the addresses and the list are checked,
and every `.eml` that would be replaced is refused, before the database is opened or a mail
server is reached; only then is each copy made, delivered and recorded (`distribute`).

The store is not imported here (outreach and the store are independent stages): the command
passes `open_register`, which opens the database only when it is needed (never on a dry run).
What the command shows as the run goes comes back through a `DistributionView`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from cse_pdf.base.errors import ValuesError
from cse_pdf.base.private_files import check_output, check_output_dir
from cse_pdf.form.catalog import find_form
from cse_pdf.outreach.agencies import AgencyList, AgencyListError, read_agencies
from cse_pdf.outreach.distribute import (
    FAILED,
    SENT,
    WOULD_SEND,
    WRITTEN,
    DistributionReport,
    IssueRegister,
    Outcome,
    Sending,
    distribute,
    refuse_non_layout,
)
from cse_pdf.outreach.headers import header_problem, split_address
from cse_pdf.outreach.mail import SmtpSender, SmtpSettings

DEFAULT_MAIL_FOLDER = Path("cse-pdf-mail")


@dataclass(frozen=True)
class DistributionRequest:
    """The command's options, as given."""

    agencies_csv: Path
    form: str  # a form id or a layout YAML, never a PDF
    sender: str
    return_to: str | None = None  # default: the sender
    out: Path | None = None  # where .eml files go (default: cse-pdf-mail/) when not sending through a server
    smtp: str | None = None  # HOST[:PORT] or smtps://HOST[:PORT]
    allow_plain: bool = False
    ca_file: Path | None = None
    dry_run: bool = False
    force: bool = False


class DistributionView(Protocol):
    """What the command shows as the run goes: the list's problems before anything is made, the mail server
    once connected, and each agency's outcome as it happens."""

    def list_read(self, listed: AgencyList) -> None: ...

    def connected(self, settings: SmtpSettings, encrypted: bool) -> None: ...

    def outcome(self, outcome: Outcome) -> None: ...


@dataclass(frozen=True)
class DistributionResult:
    report: DistributionReport  # its `skipped` holds the list's rows that were skipped
    listed: AgencyList
    by_smtp: bool
    folder: Path  # where the .eml files went (or would go)
    dry_run: bool

    @property
    def done(self) -> int:
        """Agencies whose copy went (or, on a dry run, would go)."""
        return sum(len(self.report.of(kind)) for kind in (SENT, WRITTEN, WOULD_SEND))

    @property
    def rows(self) -> int:
        return len(self.listed.agencies) + len(self.listed.problems)

    @property
    def failed(self) -> int:
        return len(self.report.of(FAILED))


def checked_address(option: str, text: str) -> str:
    """One address, safe in a mail header (see cse_pdf.outreach.headers), or a one-line refusal of the whole
    run naming the option it came from."""
    from email_validator import EmailNotValidError, validate_email

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


def distribute_list(request: DistributionRequest, open_register: Callable[[], AbstractContextManager[IssueRegister]],
                    view: DistributionView) -> DistributionResult:
    """Check everything that can be checked, then make, deliver and record one copy per agency of the list."""
    refuse_non_layout(request.form)
    spec = find_form(request.form)
    sending = Sending(checked_address("--from", request.sender),
                      checked_address("--return-to", request.return_to or request.sender))
    listed = read_agencies(request.agencies_csv, spec.field_map.keys())
    view.list_read(listed)
    if not listed.agencies:
        raise AgencyListError("has no agency that can be sent to; fix the rows above", request.agencies_csv)
    settings = (SmtpSettings.from_options(request.smtp, request.allow_plain, request.ca_file) if request.smtp
                else None)
    folder = request.out or DEFAULT_MAIL_FOLDER
    if settings is None and not request.dry_run:  # before the database is opened or anything is made
        check_output_dir(folder, make=False)
        for agency in listed.agencies if folder.is_dir() else ():
            check_output(folder / f"{agency.slug}.eml", request.force)
    with ExitStack() as stack:
        register = None if request.dry_run else stack.enter_context(open_register())
        smtp = stack.enter_context(SmtpSender(settings)) if settings is not None else None
        if smtp is not None and settings is not None:
            view.connected(settings, smtp.encrypted)
        report = distribute(spec, listed.agencies, sending, out=None if settings else folder, smtp=smtp,
                            dry_run=request.dry_run, register=register, on_outcome=view.outcome,
                            force=request.force)
    report.skipped = listed.problems
    return DistributionResult(report, listed, settings is not None, folder, request.dry_run)
