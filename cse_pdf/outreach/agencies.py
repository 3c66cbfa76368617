"""The Board officer's list of partner agencies, read from a CSV file, with each bad row named by its line.

The first row names the columns (case and spacing do not matter):

    agency            the agency's name (required)
    address           its postal address (may run over several lines inside quotes)
    cse_lead_contact  the phone number or email of its CSE lead, printed on the form
    send_to           the email address the blank form is sent to (required)

A few other spellings are accepted (`agency name`, `phone/email`, `email`, …). Other
columns are ignored, except a column named like one of the form's fields, which is
refused: `distribute` fills in the agency block and nothing else. A row without a
name or an address to send to, with an address that is not valid, with a name or
address that could not safely go into an email header (see `headers`), or naming an
agency already listed is reported with its line number and skipped; the other rows
still go out. Files saved by Excel work as they are: UTF-8 with or without a BOM,
Windows-1252, commas or semicolons.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from email_validator import EmailNotValidError, validate_email

from cse_pdf.assess.person import normalise_name
from cse_pdf.base.errors import CsePdfError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.base.safe_names import WINDOWS_DEVICES
from cse_pdf.outreach.headers import header_problem, split_address

COLUMNS = {
    "agency": ("agency", "agency_name", "name", "partner_agency"),
    "address": ("address", "agency_address", "postal_address"),
    "contact": ("cse_lead_contact", "contact", "cse_lead", "lead_contact", "phone_email", "phone_or_email",
                "cse_lead_phone_email", "cse_lead_phone_or_email"),
    "send_to": ("send_to", "email", "email_to_send_to", "send_to_email", "to"),
}
REQUIRED = ("agency", "send_to")
MAX_NAME = 120
_HEADING = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AgencyListError(CsePdfError):
    """The agency list as a whole cannot be used (missing, unreadable, no required column)."""

    exit_code = ExitCode.BAD_LAYOUT_OR_VALUES


@dataclass(frozen=True)
class Agency:
    """One partner agency, as its row in the list gives it."""

    line: int
    name: str
    address: str
    contact: str
    email: str  # the address to send to, normalised
    display_name: str = ""  # "CSE Lead" from "CSE Lead <lead@agency.example>"
    slug: str = "agency"  # for file names: ascii, lower case, hyphens


@dataclass(frozen=True)
class RowProblem:
    """A row that was skipped, and why; never stops the others."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class AgencyList:
    agencies: list[Agency]
    problems: list[RowProblem]
    ignored_columns: list[str]


def slugify(name: str, limit: int = 50) -> str:
    """An agency name as a safe, readable piece of a file name: `St Mary's Youth Club` → `st-marys-youth-club`."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.replace("'", "").replace("’", "")).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    if slug in WINDOWS_DEVICES:  # `con.eml` cannot be opened on Windows
        slug = f"{slug}-agency"
    return slug or "agency"


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows


def _heading_key(text: str) -> str:
    return _HEADING.sub("_", text.strip().lower()).strip("_")


def read_agencies(path: Path, form_fields: Iterable[str] = ()) -> AgencyList:
    """Read the agency list; whole-file problems raise AgencyListError, bad rows are returned as problems."""
    try:
        text = _decode(Path(path).read_bytes())
    except IsADirectoryError:
        raise AgencyListError("is a folder; give the agency list as a CSV file", path) from None
    except OSError as exc:
        raise AgencyListError(f"cannot be read ({exc.strerror}); check the path", path) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise AgencyListError("is empty; the first row must name the columns (agency, address, cse_lead_contact, "
                              "send_to)", path) from None
    except csv.Error as exc:
        raise AgencyListError(f"is not a readable CSV file ({exc})", path) from None

    fields = set(form_fields)
    where: dict[str, int] = {}
    ignored: list[str] = []
    for i, heading in enumerate(header):
        key = _heading_key(heading)
        column = next((c for c, names in COLUMNS.items() if key in names), None)
        if column is not None and column not in where:
            where[column] = i
        elif heading.strip() in fields or heading.strip().lower() in fields:
            raise AgencyListError(f"column {heading.strip()!r} is a field of the form; distribute fills in the "
                                  "agency block only and sends blank forms: remove that column", path)
        elif heading.strip():
            ignored.append(heading.strip())
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        raise AgencyListError(f"line 1 has no {' or '.join(repr(c) for c in missing)} column; the first row must "
                              "name the columns: agency, address, cse_lead_contact, send_to", path)

    agencies: list[Agency] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    slugs: set[str] = set()
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(RowProblem(path, line, f"cannot be read as CSV ({exc}); check its quotes"))
            break
        if not any(cell.strip() for cell in row):
            continue  # a blank line, as spreadsheets leave at the end

        def cell(column: str, row: list[str] = row) -> str:
            i = where.get(column)
            return row[i].strip() if i is not None and i < len(row) else ""

        problem = _check_row(cell("agency"), cell("address"), cell("contact"), cell("send_to"))
        if isinstance(problem, str):
            problems.append(RowProblem(path, line, problem))
            continue
        name, email, display = problem
        key = normalise_name(name) or ""
        if key in seen:
            problems.append(RowProblem(path, line, f"{name!r} is already listed on line {seen[key]}; each agency "
                                       "gets one copy per run: remove one of the two rows"))
            continue
        seen[key] = line
        slug = base = slugify(name)
        n = 2
        while slug in slugs:
            slug, n = f"{base}-{n}", n + 1
        slugs.add(slug)
        agencies.append(Agency(line, name, _lines(cell("address")), cell("contact"), email, display, slug))
    return AgencyList(agencies, problems, ignored)


def _lines(text: str) -> str:
    return "\n".join(part.strip() for part in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                     if part.strip())


def _check_row(name: str, address: str, contact: str, send_to: str) -> str | tuple[str, str, str]:
    """(name, email, display name) for a good row; else the one-line reason it is skipped.

    The name and the address to send to reach the email's headers (Subject, To), so they are held to
    `headers.header_problem` here, before the email package sees them; a refusal never repeats them."""
    if not name:
        return "no agency name; fill in the agency column"
    if _CONTROL.search(name) or len(name) > MAX_NAME:
        return f"the agency name must be one line of at most {MAX_NAME} characters"
    why = header_problem(name)
    if why:
        return f"the agency name {why}; it would go into the email's subject: retype the name"
    if _CONTROL.search(contact):
        return "the CSE lead's phone/email must be on one line"
    if _CONTROL.search(address.replace("\n", "").replace("\r", "").replace("\t", " ")):
        return "the address holds control characters; retype it"
    if not send_to:
        return f"no email address to send to for {name!r}; fill in the send_to column"
    if _CONTROL.search(send_to):
        return f"the email address to send to for {name!r} must be on one line"
    why = header_problem(send_to)
    if why:
        return f"the email address to send to for {name!r} {why}; retype it as name@domain"
    if "," in send_to or ";" in send_to:
        return f"give one email address to send to for {name!r}, not a list ({send_to!r})"
    parts = split_address(send_to)
    if parts is None:
        return (f"the email address to send to for {name!r} ({send_to!r}) is not valid; give one address, as "
                "name@domain or Name <name@domain>")
    display, address_part = parts
    try:
        checked = validate_email(address_part, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"the email address to send to for {name!r} ({send_to!r}) is not valid: {exc}"
    return name, checked.normalized, display.strip()
