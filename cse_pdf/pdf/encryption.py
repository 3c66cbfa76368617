"""AES-256 encrypted outputs, in formats the recipient's own software opens with a password.

Stamped copies and returned forms are PDFs: PDF 2.0 AES-256 (revision 6), which Acrobat,
every browser viewer and Preview open. A spreadsheet export is an encrypted Office file
(ECMA-376 agile encryption, AES-256 with SHA-512), which Excel and LibreOffice open. CSV
and JSON have no encryption of their own, so they go into an AES-256 zip (WinZip AES),
which 7-Zip, WinZip and macOS's Archive Utility open (Windows Explorer's built-in zip
support does not: say so to the recipient).

Passwords come from the caller, which takes them from an environment variable or a
prompt: never from a command-line argument, which other users can see in `ps`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from cse_pdf.base.errors import CsePdfError

MIN_PASSWORD_LENGTH = 12
PASSWORD_ENV = "CSE_PDF_OUTPUT_PASSWORD"  # to encrypt what cse-pdf writes
READ_PASSWORD_ENV = "CSE_PDF_PASSWORD"  # to open a returned form sent with a password


@dataclass(frozen=True)
class Passwords:
    """What a batch needs: one to open returned forms sent with a password, one to encrypt what it writes."""

    read: str | None = None
    output: str | None = None

    def __repr__(self) -> str:  # never in a traceback or a log
        return f"Passwords(read={'set' if self.read else None}, output={'set' if self.output else None})"


def check_output_password(password: str) -> str:
    """Refuse a password too short to protect case data (the files may travel by email)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CsePdfError(f"the password for encrypted output must be at least {MIN_PASSWORD_LENGTH} characters "
                          f"(a passphrase of three or four words is easy to type and hard to guess)")
    return password


def encrypt_pdf(data: bytes, password: str) -> bytes:
    """The PDF opened only with `password` (AES-256); the holder of the password may fill and print it."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=check_output_password(password), algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypt_xlsx(data: bytes, password: str) -> bytes:
    """An .xlsx workbook encrypted as Excel does it ("Encrypt with Password")."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(check_output_password(password), out)
    return out.getvalue()


def encrypted_zip(files: list[tuple[str, bytes]], password: str) -> bytes:
    """`files` (name, contents) in one zip whose entries are AES-256 encrypted."""
    import pyzipper

    out = io.BytesIO()
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(check_output_password(password).encode("utf-8"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, contents in files:
            zf.writestr(name, contents)
    return out.getvalue()
