"""Blank forms for partner agencies: one copy per agency, its agency block filled in, its own instance id.

Each copy is written as an `.eml` file for the officer's mail program (the default)
or sent over SMTP, and recorded in the database as issued (agency, instance id,
date) so that `cse-pdf returns` can tell which copies came back. A bad row of the
agency list is skipped with its line number; a message the server refuses is
reported for that agency only; the other agencies still get their copies.

Nothing from the agency list reaches a header unchecked: `agencies` skips rows whose
name or address could not go into one safely, `mail.compose` checks every header value
again itself, and each message is read back with Python's parser before it is written or
sent (`mail.checked_bytes`): its headers must be exactly the ones composed and its one
recipient the agency's address. An address with non-ASCII characters before the @ goes
out only over SMTP with SMTPUTF8, where the server offers it; otherwise that agency is
reported with the reason (an .eml file is never written for it), and the others go.

Only blank forms ever leave: a copy is made here from the layout, never from a
file; the only values written into it are the agency block's; and before it is
attached it is read back and refused if any other field holds anything.

The agency block is the layout's to declare (`distribute: agency: {name, address,
contact}`, checked when the layout loads): a form whose layout declares none cannot
be distributed, rather than have its fields guessed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

from cse_pdf.base.errors import CsePdfError, ValuesError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.private_files import check_output, check_output_dir, write_output
from cse_pdf.blank.generate import generate
from cse_pdf.form.identity import new_instance_id
from cse_pdf.form.spec import FormSpec
from cse_pdf.outreach.agencies import Agency, RowProblem
from cse_pdf.outreach.headers import split_address
from cse_pdf.outreach.mail import (
    Letter,
    MessageRefused,
    SmtpSender,
    attachment_name,
    checked_bytes,
    compose,
    needs_smtputf8,
    wire_address,
)
from cse_pdf.returned.read import parse_pdf, read_opened

SENT, WRITTEN, WOULD_SEND, FAILED = "sent", "written", "would send", "failed"


class NotBlankError(CsePdfError):
    """A copy about to leave holds something besides the agency block: refused, never sent."""

    exit_code = ExitCode.BAD_LAYOUT_OR_VALUES


@dataclass(frozen=True)
class AgencyBlock:
    """The form's fields for the agency's name, postal address and CSE lead's phone/email."""

    name: str
    address: str | None
    contact: str | None

    def values(self, agency: Agency) -> dict[str, str]:
        out = {self.name: agency.name}
        if self.address and agency.address:
            out[self.address] = agency.address
        if self.contact and agency.contact:
            out[self.contact] = agency.contact
        return out

    @property
    def fields(self) -> set[str]:
        return {f for f in (self.name, self.address, self.contact) if f}


def agency_block(spec: FormSpec) -> AgencyBlock:
    """Where the agency's details go on this form; a form whose layout declares no agency block cannot be
    distributed."""
    if spec.distribute is None:
        raise CsePdfError(f"form {spec.id} declares no agency block (`distribute: agency:` in its layout), so it "
                          "cannot be pre-addressed; add one, or send the blank from `cse-pdf generate`")
    fields = spec.distribute.agency
    return AgencyBlock(fields.name, fields.address, fields.contact)


def blank_copy(spec: FormSpec, agency: Agency, instance: str) -> bytes:
    """The form with only the agency block filled in (still editable), checked blank before it is used."""
    block = agency_block(spec)
    values = block.values(agency)
    try:
        pdf = generate(spec, values, instance)
    except ValueError as exc:  # identity or values refused: name the agency's line, never its text
        raise ValuesError(f"line {agency.line}: cannot make a copy ({exc})") from None
    check_blank(pdf, spec, values, instance)
    return pdf


def check_blank(pdf: bytes, spec: FormSpec, allowed: dict[str, str], instance: str) -> None:
    """Read the copy back as a returned form would be read: refuse it unless it is this form, this copy, and
    holds nothing but the agency block's values."""
    where = Path(f"copy {instance}")
    with parse_pdf(pdf, where) as opened:
        response = read_opened(opened, where, spec)
    if response.identity.form != spec.id or response.identity.instance != instance:
        raise NotBlankError("is not the copy that was made; not sent", where)
    extra = sorted(fid for fid, v in response.values.items()
                   if v not in (None, "", False) and allowed.get(fid) != v)
    if extra:
        raise NotBlankError(f"holds values in {', '.join(extra)}: only blank forms are sent; not sent", where)


@dataclass(frozen=True)
class Outcome:
    """What became of one agency's copy; a failure names the agency's line and why."""

    agency: Agency
    kind: str  # SENT, WRITTEN, WOULD_SEND or FAILED
    instance_id: str | None = None
    path: Path | None = None  # the .eml written
    reason: str | None = None


@dataclass
class DistributionReport:
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[RowProblem] = field(default_factory=list)

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]

    @property
    def exit_code(self) -> int:
        """0 when every row went out; 6 when a message failed; 3 when rows of the list were skipped."""
        if self.of(FAILED):
            return ExitCode.NOT_SENT
        return ExitCode.BAD_LAYOUT_OR_VALUES if self.skipped else ExitCode.OK


@dataclass(frozen=True)
class Sending:
    """Who the messages are from and how completed forms come back."""

    sender: str
    return_to: str
    signature: str = ""


class IssueRegister(Protocol):
    """Where a copy that went out is recorded: the store's register of issued copies
    (cse_pdf.store.distribution.IssueRegister). A protocol, because outreach and the store are
    independent stages: the command joins them."""

    def record(self, *, instance_id: str, form_id: str, form_version: str, agency_name: str, recipient: str,
               method: str) -> None: ...


def distribute(spec: FormSpec, agencies: Iterable[Agency], sending: Sending, *, out: Path | None = None,
               smtp: SmtpSender | None = None, dry_run: bool = False, register: IssueRegister | None = None,
               on_outcome: Callable[[Outcome], None] | None = None, force: bool = False) -> DistributionReport:
    """Make and deliver one copy per agency: to `smtp` when given, else as `.eml` files in `out`.

    A copy is recorded (in `register`) only once it has been sent or written; on a dry run nothing is
    written, sent or recorded, but every copy is still made and checked.

    Before anything is made or sent, every `.eml` to be written in `out` is checked: one that exists
    (from an earlier run) is replaced only with `force`, so no copy is sent twice by accident."""
    if smtp is None and out is None:
        raise CsePdfError("give an output folder for the .eml files or a mail server to send through")
    agency_block(spec)  # a form that cannot be pre-addressed is refused once, not once per agency
    report = DistributionReport()
    agencies = list(agencies)
    if smtp is None and out is not None:
        if not dry_run:
            check_output_dir(out)
        if out.is_dir():
            for agency in agencies:
                check_output(out / f"{agency.slug}.eml", force)

    def add(outcome: Outcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    sender_address = (split_address(sending.sender) or ("", sending.sender))[1]
    return_address = (split_address(sending.return_to) or ("", sending.return_to))[1]
    for agency in agencies:
        instance = new_instance_id()
        try:
            # an address with non-ASCII before the @ travels only over SMTPUTF8; an .eml refuses it (see mail)
            utf8 = smtp is not None and any(needs_smtputf8(a) for a in (agency.email, sender_address, return_address))
            if utf8 and smtp is not None and not smtp.offers_smtputf8():
                raise MessageRefused(f"the address has non-ASCII characters before the @ and the mail server "
                                     f"{smtp.settings.where} does not offer SMTPUTF8 to carry it; not sent")
            pdf = blank_copy(spec, agency, instance)
            letter = Letter(sender=sending.sender, return_to=sending.return_to, form_title=spec.title,
                            issuer=spec.issuer, instance_id=instance, agency=agency.name, recipient=agency.email,
                            recipient_name=agency.display_name, signature=sending.signature or _name_of(sending.sender))
            filename = attachment_name(spec.id, agency.slug)
            msg = compose(letter, pdf, filename, draft=smtp is None, utf8=utf8)
            data = checked_bytes(msg, letter, filename, draft=smtp is None, smtp=smtp is not None, utf8=utf8)
        except CsePdfError as exc:
            add(Outcome(agency, FAILED, reason=exc.message if exc.path is None else str(exc)))
            continue
        if dry_run:
            add(Outcome(agency, WOULD_SEND, instance,
                        path=None if smtp is not None or out is None else out / f"{agency.slug}.eml"))
            continue
        if smtp is not None:
            try:
                smtp.send(data, wire_address(sender_address, utf8, "--from address"),
                          wire_address(agency.email, utf8), utf8)
            except MessageRefused as exc:
                add(Outcome(agency, FAILED, reason=exc.message))
                continue
            kind, method, path = SENT, "smtp", None
        else:
            assert out is not None
            path = out / f"{agency.slug}.eml"
            # A full disk or a read-only folder ends the run (OutputError, one line): every later copy would
            # fail the same way. The copies written before it are recorded; this one is neither.
            write_output(path, data, force)
            kind, method = WRITTEN, "eml"
        if register is not None:
            try:
                register.record(instance_id=instance, form_id=spec.id, form_version=spec.version,
                                agency_name=agency.name, recipient=agency.email, method=method)
            except CsePdfError as exc:
                add(Outcome(agency, FAILED, instance, path, reason=f"{kind}, but {exc}"))
                continue
        add(Outcome(agency, kind, instance, path))
    return report


def _name_of(sender: str) -> str:
    return (split_address(sender) or ("", ""))[0].strip()


def refuse_non_layout(form: str) -> None:
    """`--form` must name a layout (an id or a YAML file); a PDF could hold a filled-in form."""
    if form.lower().endswith(".pdf") or (os.path.exists(form) and Path(form).suffix.lower() not in (".yaml", ".yml")):
        raise CsePdfError(f"{form}: distribute sends only blank forms made from a layout; give a form id "
                          "(see `cse-pdf forms`) or a layout YAML, never a PDF")
