"""Sending blank forms to agencies, as the distribute tests drive it: a fictional agency list, the command
run with no CSE_PDF_ settings from the developer's shell, and the .eml files and copies it makes read back.

Every agency, address and person here is fictional (the .example domains are reserved).
"""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

from cse_pdf.form.catalog import find_form
from cse_pdf.pdf.fill import fill_bytes
from helpers.cli import Ran, cse, environment

SENDER = "Safeguarding Board <cse-board@board.example>"
AGENCIES = """\
agency,address,cse_lead_contact,send_to
Brookfield Youth Trust,"1 Fictional Road
Exampletown EX1 1AA",01234 567890,lead@brookfield.example
Larkspur Academy,2 Imaginary Lane,safeguarding@larkspur.example,dsl@larkspur.example
Harbour Street Clinic,3 Harbour Street,07700 900123,Nurse Lead <nurse.lead@harbour.example>
"""


def cli(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Ran:
    return cse(*args, env=environment(env, without_prefix="CSE_PDF_"), cwd=cwd)


def write_list(tmp_path: Path, text: str, name: str = "agencies.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def parse_eml(path: Path) -> EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def attachment(msg: EmailMessage) -> tuple[str, bytes]:
    parts = list(msg.iter_attachments())
    assert len(parts) == 1
    return parts[0].get_filename(), parts[0].get_content()


def fill_copy(pdf: bytes, spec_id: str, values: dict[str, object]) -> bytes:
    """What a worker at the agency does: open the copy, type into it, save."""
    return fill_bytes(pdf, find_form(spec_id), values)
