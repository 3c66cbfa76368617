"""Email for partner agencies: the plain message that carries a blank form, and sending it over SMTP.

Sending is safe by default. The connection is upgraded with STARTTLS whenever the
server offers it, and a server that does not offer it is refused unless the user
says `--allow-plain` (a relay on a trusted network). The server's certificate is
always verified, against the system's authorities or against the CA file given
(`--ca-file` or CSE_PDF_SMTP_CA_FILE) for a server with a private certificate;
verification is never turned off. A user name and password come only from the
environment (CSE_PDF_SMTP_USER, CSE_PDF_SMTP_PASSWORD), never from arguments that
other users can see in the process list, and are never sent over a plain connection.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import textwrap
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Mapping

from .errors import CsePdfError

USER_ENV = "CSE_PDF_SMTP_USER"
PASSWORD_ENV = "CSE_PDF_SMTP_PASSWORD"
CA_FILE_ENV = "CSE_PDF_SMTP_CA_FILE"
DEFAULT_PORT = 587  # mail submission; 25 is for relays between servers
SMTPS_PORT = 465  # submission over TLS from the first byte (RFC 8314), what many providers offer
SMTPS_SCHEME = "smtps://"
TIMEOUT = 60
WRAP = 72  # plain text lines, readable in any mail program and in the raw .eml


class MailError(CsePdfError):
    """The mail server cannot be used at all (unreachable, no STARTTLS, login refused, bad settings)."""

    exit_code = 6


class MessageRefused(CsePdfError):
    """The server refused one message (for example its recipient); the others can still go."""

    exit_code = 6


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = DEFAULT_PORT
    allow_plain: bool = False
    ca_file: Path | None = None
    user: str | None = None
    password: str | None = None
    implicit_tls: bool = False  # TLS from the first byte (port 465 or smtps://), not upgraded by STARTTLS

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def from_options(cls, server: str, allow_plain: bool = False, ca_file: Path | None = None,
                     env: Mapping[str, str] | None = None) -> "SmtpSettings":
        """`HOST[:PORT]` (IPv6 as `[::1]:PORT`; `smtps://` or port 465 for TLS from the first byte), the CA
        file from the option or CSE_PDF_SMTP_CA_FILE, and the credentials from the environment only."""
        env = os.environ if env is None else env
        implicit = server.strip().lower().startswith(SMTPS_SCHEME)
        host, port = _host_port(server.strip()[len(SMTPS_SCHEME):] if implicit else server,
                                SMTPS_PORT if implicit else DEFAULT_PORT)
        ca = ca_file or (Path(env[CA_FILE_ENV]) if env.get(CA_FILE_ENV) else None)
        if ca is not None and not ca.is_file():
            raise MailError("the CA file does not exist; give the PEM file of the authority that signed the mail "
                            "server's certificate", ca)
        user, password = env.get(USER_ENV) or None, env.get(PASSWORD_ENV) or None
        if password and not user:
            raise MailError(f"{PASSWORD_ENV} is set but {USER_ENV} is not; set both, or neither for a server "
                            "that needs no login")
        if user and not password:
            raise MailError(f"{USER_ENV} is set but {PASSWORD_ENV} is not; set the password in the environment")
        return cls(host, port, allow_plain, ca, user, password, implicit or port == SMTPS_PORT)


def _host_port(server: str, default_port: int) -> tuple[str, int]:
    text = server.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    else:
        host, port_text = text, ""
    if not host:
        raise MailError(f"--smtp {server!r} names no host; give HOST or HOST:PORT")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise MailError(f"--smtp {server!r}: the port must be a number from 1 to 65535")
    return host, int(port_text)


# ---- the message ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    """What the message says, besides the attachment: who it is from and how to send the form back."""

    sender: str  # "Name <address>" or an address
    return_to: str  # where completed forms go (also the Reply-To)
    form_title: str
    issuer: str
    instance_id: str
    agency: str
    recipient: str
    recipient_name: str = ""
    signature: str = ""  # the sender's name, else "Safeguarding Children Board"


def body_text(letter: Letter) -> str:
    """The plain text the agency reads: what the form is for, how to fill it in, how to return it."""
    greeting = f"Dear {letter.recipient_name}," if letter.recipient_name else f"Dear CSE lead at {letter.agency},"
    sign = letter.signature or "Safeguarding Children Board"
    issuer = f" ({letter.issuer})" if letter.issuer else ""
    paragraphs = [
        greeting,
        f"Please find attached a blank copy of the {letter.form_title}{issuer}, made for {letter.agency}.",
        "What it is for\n"
        "Use it when you are worried that a child or young person you work with may be at risk of, or "
        "experiencing, child sexual exploitation. It helps you record what you know and suggests a level of risk "
        "for you to agree with your manager and safeguarding lead. It does not replace your agency's child "
        "protection procedures.",
        "How to fill it in\n"
        "Save the attached PDF, then open it in a PDF reader (Adobe Acrobat Reader, Microsoft Edge, Google "
        "Chrome, Firefox or Preview on a Mac), type into the boxes and save. Your agency's details are already "
        "filled in: please correct them if anything is wrong. Keep this copy blank and save a new copy for each "
        "young person.",
        "How to return it\n"
        f"Email the completed form, as the PDF attachment, to {letter.return_to} using your secure email. Please "
        "do not put the young person's name in the subject line or the body of the email, and do not scan or "
        "photograph a printed copy.",
        "If a child or young person is in immediate danger, call the Police on 999. If you think a child is at "
        "risk of significant harm, refer to Children's Social Care straight away: do not wait to send this form.",
        f"Form reference: {letter.instance_id}\n(This lets us match the forms you return to your agency. It is "
        "not about any child.)",
        f"Thank you,\n{sign}",
    ]
    wrapped = ["\n".join(textwrap.fill(line, WRAP, break_on_hyphens=False, break_long_words=False)
                         for line in p.split("\n")) for p in paragraphs]
    return "\n\n".join(wrapped) + "\n"


def attachment_name(form_id: str, agency_slug: str) -> str:
    return f"CSE-assessment-{form_id}-{agency_slug}.pdf"


def compose(letter: Letter, pdf: bytes, filename: str, draft: bool = False) -> EmailMessage:
    """A plain-text message with the PDF attached. `draft` marks an .eml for the officer's mail program to open
    as a new message, ready to send (X-Unsent)."""
    msg = EmailMessage()
    msg["From"] = letter.sender
    msg["To"] = Address(letter.recipient_name, addr_spec=letter.recipient) if letter.recipient_name \
        else letter.recipient
    msg["Reply-To"] = letter.return_to
    msg["Subject"] = f"Blank CSE risk assessment form for {letter.agency}"
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(letter.sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(idstring=letter.instance_id, domain=domain)
    if draft:
        msg["X-Unsent"] = "1"
    text = body_text(letter)
    msg.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


# ---- sending ----------------------------------------------------------------------------------


class SmtpSender:
    """One connection to the mail server for a whole run; reconnects if the server hangs up between messages."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.encrypted = False

    def __enter__(self) -> "SmtpSender":
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tls_context(self) -> ssl.SSLContext:
        s = self.settings
        try:
            return ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        except (ssl.SSLError, OSError):
            raise MailError("the CA file is not a PEM certificate file", s.ca_file) from None

    def connect(self) -> None:
        """Connect, upgrade with STARTTLS (or refuse a plain server), and log in if credentials are set."""
        s = self.settings
        self.encrypted = False
        try:
            if s.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=self._tls_context())
                self.encrypted = True
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
        except ssl.SSLCertVerificationError as exc:
            raise MailError(f"the mail server {s.where}'s certificate is not trusted ({exc.verify_message}); if it "
                            f"has a private certificate, give its authority with --ca-file or {CA_FILE_ENV}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"cannot connect to the mail server {s.where} ({_why(exc)}); check --smtp") from None
        try:
            smtp.ehlo()
            if not self.encrypted and smtp.has_extn("starttls"):  # TLS from the first byte needs no upgrade
                smtp.starttls(context=self._tls_context())
                smtp.ehlo()
                self.encrypted = True
            elif not self.encrypted and not s.allow_plain:
                raise MailError(f"the mail server {s.where} does not offer STARTTLS, so messages would cross the "
                                "network unencrypted; use a server that offers it, or --allow-plain for a relay on "
                                "a trusted network")
            if s.user:
                if not self.encrypted:
                    raise MailError(f"will not send the password for {USER_ENV} to {s.where} over an unencrypted "
                                    "connection; use a server that offers STARTTLS")
                try:
                    _login(smtp, s.user, s.password or "")
                except smtplib.SMTPAuthenticationError as exc:
                    raise MailError(f"the mail server {s.where} refused the login ({exc.smtp_code}); check "
                                    f"{USER_ENV} and {PASSWORD_ENV}") from None
                except smtplib.SMTPNotSupportedError:
                    raise MailError(f"the mail server {s.where} offers no login cse-pdf can use (PLAIN or LOGIN); "
                                    f"unset {USER_ENV} and {PASSWORD_ENV} if it needs none") from None
        except MailError:
            _quietly_close(smtp)
            raise
        except ssl.SSLCertVerificationError as exc:
            _quietly_close(smtp)
            raise MailError(f"the mail server {s.where}'s certificate is not trusted ({exc.verify_message}); if it "
                            f"has a private certificate, give its authority with --ca-file or {CA_FILE_ENV}") from None
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(smtp)
            raise MailError(f"the mail server {s.where} failed while setting up ({_why(exc)})") from None
        self.smtp = smtp

    def send(self, msg: EmailMessage) -> None:
        """Send one message; a refusal of this message raises MessageRefused and leaves the connection usable."""
        if self.smtp is None:
            self.connect()
        assert self.smtp is not None
        try:
            refused = self.smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (0, b""))
            raise MessageRefused(f"the mail server refused the recipient ({code} {_text(text)})") from None
        except smtplib.SMTPSenderRefused as exc:
            raise MessageRefused(f"the mail server refused the sender address ({exc.smtp_code} "
                                 f"{_text(exc.smtp_error)}); check --from") from None
        except smtplib.SMTPResponseException as exc:
            raise MessageRefused(f"the mail server refused the message ({exc.smtp_code} {_text(exc.smtp_error)})") \
                from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()  # the next message reconnects
            raise MessageRefused(f"the connection to the mail server was lost ({_why(exc)}); not sent") from None
        if refused:
            raise MessageRefused("the mail server refused the recipient")

    def close(self) -> None:
        if self.smtp is not None:
            _quietly_close(self.smtp)
            self.smtp = None


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in with one mechanism (PLAIN, else LOGIN), over the encrypted connection only.

    smtplib's own `login` tries each mechanism in turn after a refusal, and some servers
    drop or stall the connection on the second try, which hides the real answer."""
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError("no PLAIN or LOGIN authentication offered")
    smtp.user, smtp.password = user, password
    smtp.auth(mechanism, smtp.auth_plain if mechanism == "PLAIN" else smtp.auth_login)


def _quietly_close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
