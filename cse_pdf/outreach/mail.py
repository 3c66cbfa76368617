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
from email import policy
from email.errors import NonASCIILocalPartDefect
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Mapping

from email_validator import EmailNotValidError, validate_email

from cse_pdf.base.errors import CsePdfError
from cse_pdf.base.exit_codes import ExitCode
from cse_pdf.outreach.headers import header_problem, split_address

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

    exit_code = ExitCode.NOT_SENT


class MessageRefused(CsePdfError):
    """The server refused one message (for example its recipient); the others can still go."""

    exit_code = ExitCode.NOT_SENT


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


class HeaderRefused(CsePdfError):
    """A value would reach an email header unsafely, or the message read back is not the one composed: that
    message is refused, the others still go."""

    exit_code = ExitCode.NOT_SENT


def subject_of(letter: Letter) -> str:
    return f"Blank CSE risk assessment form for {letter.agency}"


def needs_smtputf8(address: str) -> bool:
    """Whether an address can only travel with SMTPUTF8: a non-ASCII part before the @. (A non-ASCII domain
    alone goes as its ASCII form, xn--…, everywhere.)"""
    return not address.rpartition("@")[0].isascii()


def wire_address(address: str, utf8: bool, what: str = "address to send to") -> str:
    """The address as it goes into the message: as written for SMTPUTF8, else its ASCII form."""
    if utf8 or address.isascii():
        return address
    try:
        ascii_form = validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError:
        ascii_form = None
    if not ascii_form:
        raise HeaderRefused(f"the {what} has non-ASCII characters before the @, which only a mail server "
                            "offering SMTPUTF8 can carry (an .eml file cannot); send with --smtp through such a "
                            "server, or give an ASCII address")
    return ascii_form


def _sender_parts(text: str, what: str) -> tuple[str, str]:
    why = header_problem(text)
    parts = split_address(text)
    if why or parts is None:
        raise HeaderRefused(f"the {what} address {why or 'is not one address'}; give it as name@domain or "
                            "Name <name@domain>")
    return parts


def _check_values(letter: Letter, filename: str) -> None:
    """Refuse, before the email package sees them, values that would not reach a header as one line of text."""
    for what, value in (("agency name", letter.agency), ("address to send to", letter.recipient),
                        ("display name of the address to send to", letter.recipient_name),
                        ("attachment's file name", filename), ("form reference", letter.instance_id)):
        why = header_problem(value)
        if why:
            raise HeaderRefused(f"the {what} {why}; not sent")


def compose(letter: Letter, pdf: bytes, filename: str, draft: bool = False, utf8: bool = False) -> EmailMessage:
    """A plain-text message with the PDF attached. `draft` marks an .eml for the officer's mail program to open
    as a new message, ready to send (X-Unsent). `utf8`: for a server offering SMTPUTF8 (an address with
    non-ASCII characters before the @ is refused without it). Every value bound for a header is checked by
    cse-pdf itself first (`headers.header_problem`), whatever the Python version."""
    _check_values(letter, filename)
    from_name, from_addr = _sender_parts(letter.sender, "--from")
    reply_name, reply_addr = _sender_parts(letter.return_to, "--return-to")
    msg = EmailMessage(policy=policy.SMTPUTF8 if utf8 else policy.default)
    msg["From"] = _address(from_name, wire_address(from_addr, utf8, "--from address"))
    msg["To"] = _address(letter.recipient_name, wire_address(letter.recipient, utf8))
    msg["Reply-To"] = _address(reply_name, wire_address(reply_addr, utf8, "--return-to address"))
    msg["Subject"] = subject_of(letter)
    msg["Date"] = formatdate(localtime=True)
    domain = None if needs_smtputf8(from_addr) else wire_address(from_addr, False).rpartition("@")[2]
    msg["Message-ID"] = make_msgid(idstring=letter.instance_id, domain=domain)
    if draft:
        msg["X-Unsent"] = "1"
    text = body_text(letter)
    msg.set_content(text, cte="7bit" if text.isascii() else "quoted-printable")
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return msg


def _address(name: str, address: str) -> Address | str:
    """A header value for one address. Python's Address refuses a non-ASCII part before the @ even for an
    SMTPUTF8 message, so that one is written out here (its name already holds no quote or backslash)."""
    if not needs_smtputf8(address):
        return Address(name, addr_spec=address)
    if any(c in name for c in '"\\<>'):
        raise HeaderRefused("the display name of the address holds a quote, bracket or backslash; not sent")
    return f'"{name}" <{address}>' if name else address


_TOP = {"from", "to", "reply-to", "subject", "date", "message-id", "mime-version", "content-type"}
_PARTS = ({"content-type", "content-transfer-encoding"},
          {"content-type", "content-transfer-encoding", "content-disposition"})


def checked_bytes(msg: EmailMessage, letter: Letter, filename: str, *, draft: bool, smtp: bool = False,
                  utf8: bool = False) -> bytes:
    """The message as it will be written or sent, read back with Python's parser and refused unless its
    headers are exactly the ones composed and its only recipient is the agency's address: a second line of
    defence, in case a value got past `compose`'s checks."""
    out_policy = policy.SMTPUTF8 if utf8 else policy.SMTP if smtp else policy.default
    raw = msg.as_bytes(policy=out_policy)
    if utf8:  # RFC 6532: headers in UTF-8, which the bytes parser would keep as undecodable bytes
        try:
            parsed = Parser(policy=policy.default).parsestr(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise HeaderRefused("the message is not UTF-8; not sent") from None
    else:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
    problem = _mismatch(parsed, letter, filename, draft, utf8)
    if problem:
        raise HeaderRefused(f"the message read back {problem}; not sent")
    return raw


def _mismatch(parsed: EmailMessage, letter: Letter, filename: str, draft: bool, utf8: bool) -> str | None:
    names = [k.lower() for k in parsed.keys()]
    if sorted(names) != sorted(_TOP | ({"x-unsent"} if draft else set())):
        return "has other headers than the ones cse-pdf writes"

    def one(header: str) -> tuple[str, str] | None:
        addresses = parsed[header].addresses
        defects = [d for d in parsed[header].defects if not (utf8 and isinstance(d, NonASCIILocalPartDefect))]
        if len(addresses) != 1 or defects:
            return None
        return addresses[0].display_name, addresses[0].addr_spec

    from_name, from_addr = split_address(letter.sender) or ("", "")
    reply_name, reply_addr = split_address(letter.return_to) or ("", "")
    expect = {"To": (letter.recipient_name, wire_address(letter.recipient, utf8)),
              "From": (from_name, wire_address(from_addr, utf8)),
              "Reply-To": (reply_name, wire_address(reply_addr, utf8))}
    for header, wanted in expect.items():
        if one(header) != wanted:
            return f"has a {header} header other than the one address given"
    if " ".join(str(parsed["Subject"]).split()) != " ".join(subject_of(letter).split()):
        return "has another subject than the one composed"
    parts = list(parsed.iter_parts())
    if len(parts) != 2 or parts[0].get_content_type() != "text/plain" or \
            parts[1].get_content_type() != "application/pdf" or parts[1].get_filename() != filename:
        return "is not one text and one PDF attachment"
    if any(sorted(k.lower() for k in part.keys() if k.lower() != "mime-version") != sorted(allowed)
           or len([k for k in part.keys() if k.lower() == "mime-version"]) > 1
           for part, allowed in zip(parts, _PARTS)):  # Python adds MIME-Version to an attachment's part
        return "has other headers in its parts than the ones cse-pdf writes"
    return None


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

    def offers_smtputf8(self) -> bool:
        """Whether the server carries addresses with non-ASCII characters before the @ (RFC 6531)."""
        if self.smtp is None:
            self.connect()
        assert self.smtp is not None
        return bool(self.smtp.has_extn("smtputf8"))

    def send(self, data: bytes, sender: str, recipient: str, utf8: bool = False) -> None:
        """Send one message, exactly the bytes given, to `recipient` only; a refusal of this message raises
        MessageRefused and leaves the connection usable. `utf8`: with SMTPUTF8, which the server must offer."""
        if self.smtp is None:
            self.connect()
        assert self.smtp is not None
        if utf8 and not self.smtp.has_extn("smtputf8"):
            raise MessageRefused(f"the address has non-ASCII characters before the @ and the mail server "
                                 f"{self.settings.where} does not offer SMTPUTF8 to carry it; not sent")
        try:
            refused = self.smtp.sendmail(sender, [recipient], data, mail_options=["SMTPUTF8"] if utf8 else [])
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
        except smtplib.SMTPException as exc:  # e.g. SMTPUTF8 or a size the server does not support
            raise MessageRefused(f"the mail server cannot take this message ({_why(exc)}); not sent") from None
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
