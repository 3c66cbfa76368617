"""`cse-pdf distribute --smtp` against a real SMTP server (aiosmtpd) on loopback, started here.

The STARTTLS server has a certificate from a throwaway authority (trustme); the client
trusts it only through --ca-file, never by turning verification off.
"""

from __future__ import annotations

import email
import ssl
from email import policy
from pathlib import Path
from typing import Iterator

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
trustme = pytest.importorskip("trustme")
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402
from helpers.distribution import AGENCIES, SENDER, cli, write_list  # noqa: E402
from helpers.smtp import Mailbox, serve  # noqa: E402

from cse_pdf.outreach.mail import SmtpSettings  # noqa: E402
from cse_pdf.returned.read import read_form  # noqa: E402
from cse_pdf.store import Store  # noqa: E402
from cse_pdf.store.distribution import returns_by_agency  # noqa: E402

USER, PASSWORD = "board-officer", "correct horse battery staple"
REFUSED = "dsl@larkspur.example"


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    authority = trustme.CA()
    pem = tmp_path_factory.mktemp("ca") / "board-test-ca.pem"
    authority.cert_pem.write_to_path(str(pem))
    return authority, pem


@pytest.fixture
def tls_server(ca: tuple[object, Path]) -> Iterator[tuple[Mailbox, int]]:
    """STARTTLS required, and a login required over it."""
    authority, _ = ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)  # type: ignore[attr-defined]
    box = Mailbox(refuse={REFUSED})
    yield from ((box, port) for port in serve(box, tls_context=context, require_starttls=True, auth_required=True,
                                                 auth_require_tls=True, authenticator=_authenticator))


@pytest.fixture
def implicit_tls_server(ca: tuple[object, Path]) -> Iterator[tuple[Mailbox, int]]:
    """TLS from the first byte, as on port 465 (no STARTTLS), with a login required."""
    authority, _ = ca
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)  # type: ignore[attr-defined]
    box = Mailbox()
    # aiosmtpd knows TLS only from STARTTLS, so it must be told not to hide AUTH on this connection
    yield from ((box, port) for port in serve(box, ssl_context=context, auth_required=True, auth_require_tls=False,
                                                 authenticator=_authenticator))


@pytest.fixture
def plain_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    yield from ((box, port) for port in serve(box))


def send(tmp_path: Path, port: int, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return cli("distribute", write_list(tmp_path, AGENCIES), "--form", "hillingdon-cse", "--from", SENDER,
               "--db", tmp_path / "db.sqlite3", "--smtp", f"127.0.0.1:{port}", *extra, env=env)


def recorded(tmp_path: Path) -> dict[str, int]:
    db = tmp_path / "db.sqlite3"
    if not db.exists():
        return {}
    with Store.open(str(db)) as store:
        return {r.agency: r.sent for r in returns_by_agency(store)}


@pytest.mark.slow
def test_sent_over_starttls_with_login_and_a_refused_recipient(tmp_path: Path, tls_server, ca) -> None:
    box, port = tls_server
    done = send(tmp_path, port, "--ca-file", str(ca[1]),
                env={"CSE_PDF_SMTP_USER": USER, "CSE_PDF_SMTP_PASSWORD": PASSWORD})
    assert done.returncode == 6, done.stderr  # one agency failed; the others went
    assert "(STARTTLS)" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    failures = [line for line in done.stderr.splitlines() if line.startswith("cse-pdf: ")]
    assert len(failures) == 1
    assert failures[0].startswith(f"cse-pdf: {tmp_path / 'agencies.csv'}:4: Larkspur Academy <{REFUSED}>: ")
    assert "550" in failures[0]
    assert sorted(to for (to,), _ in box.messages) == ["lead@brookfield.example", "nurse.lead@harbour.example"]
    for (to,), raw in box.messages:
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert "X-Unsent" not in msg  # sent, not a draft
        body = msg.get_body(("plain",)).get_content()
        (part,) = list(msg.iter_attachments())
        slug = "brookfield-youth-trust" if to.startswith("lead@") else "harbour-street-clinic"
        assert part.get_filename() == f"CSE-assessment-hillingdon-cse-{slug}.pdf"
        pdf = tmp_path / part.get_filename()
        pdf.write_bytes(part.get_content())
        response = read_form(pdf)
        assert response.values["agency.name"] == ("Brookfield Youth Trust" if slug.startswith("brook")
                                                  else "Harbour Street Clinic")
        assert response.values["client.name"] in (None, "")
        assert response.identity.instance and response.identity.instance in body
    assert recorded(tmp_path) == {"Brookfield Youth Trust": 1, "Harbour Street Clinic": 1}


def test_an_untrusted_certificate_is_refused_not_ignored(tmp_path: Path, tls_server) -> None:
    box, port = tls_server
    done = send(tmp_path, port, env={"CSE_PDF_SMTP_USER": USER, "CSE_PDF_SMTP_PASSWORD": PASSWORD})
    assert done.returncode == 6
    assert "certificate is not trusted" in done.stderr and "--ca-file" in done.stderr
    assert box.messages == [] and recorded(tmp_path) == {}


def test_a_wrong_password_stops_before_anything_is_sent(tmp_path: Path, tls_server, ca) -> None:
    box, port = tls_server
    done = send(tmp_path, port, "--ca-file", str(ca[1]),
                env={"CSE_PDF_SMTP_USER": USER, "CSE_PDF_SMTP_PASSWORD": "wrong"})
    assert done.returncode == 6
    assert "refused the login" in done.stderr and "wrong" not in done.stderr
    assert box.messages == [] and recorded(tmp_path) == {}


@pytest.mark.slow
def test_ca_file_from_the_environment_and_dry_run_logs_in_but_sends_nothing(tmp_path: Path, tls_server, ca) -> None:
    box, port = tls_server
    done = send(tmp_path, port, "--dry-run", env={"CSE_PDF_SMTP_USER": USER, "CSE_PDF_SMTP_PASSWORD": PASSWORD,
                                                  "CSE_PDF_SMTP_CA_FILE": str(ca[1])})
    assert done.returncode == 0, done.stderr
    assert "(STARTTLS)" in done.stderr and done.stdout.count("would send") == 3
    assert box.messages == [] and not (tmp_path / "db.sqlite3").exists()


@pytest.mark.slow
def test_a_server_without_starttls_is_refused_unless_allowed(tmp_path: Path, plain_server) -> None:
    box, port = plain_server
    refused = send(tmp_path, port)
    assert refused.returncode == 6
    assert "does not offer STARTTLS" in refused.stderr and "--allow-plain" in refused.stderr
    assert box.messages == []

    no_password_in_clear = send(tmp_path, port, "--allow-plain",
                                env={"CSE_PDF_SMTP_USER": USER, "CSE_PDF_SMTP_PASSWORD": PASSWORD})
    assert no_password_in_clear.returncode == 6 and "unencrypted" in no_password_in_clear.stderr
    assert box.messages == []

    allowed = send(tmp_path, port, "--allow-plain")
    assert allowed.returncode == 0, allowed.stderr
    assert "UNENCRYPTED" in allowed.stderr
    assert len(box.messages) == 3
    assert recorded(tmp_path) == {"Brookfield Youth Trust": 1, "Harbour Street Clinic": 1, "Larkspur Academy": 1}


def test_smtp_settings_come_from_the_environment_only() -> None:
    from cse_pdf.outreach.mail import MailError, SmtpSettings

    s = SmtpSettings.from_options("mail.board.example", env={"CSE_PDF_SMTP_USER": "u", "CSE_PDF_SMTP_PASSWORD": "p"})
    assert (s.host, s.port, s.user, s.password) == ("mail.board.example", 587, "u", "p")
    assert SmtpSettings.from_options("[::1]:2525", env={}).port == 2525
    with pytest.raises(MailError, match="CSE_PDF_SMTP_PASSWORD"):
        SmtpSettings.from_options("mail.board.example", env={"CSE_PDF_SMTP_USER": "u"})
    with pytest.raises(MailError, match="port"):
        SmtpSettings.from_options("mail.board.example:smtp", env={})


# aiosmtpd warns about AUTH without STARTTLS; on this server TLS starts with the first byte
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.slow
def test_sent_over_tls_from_the_first_byte_as_on_port_465(tmp_path: Path, implicit_tls_server, ca) -> None:
    box, port = implicit_tls_server
    env = {"CSE_PDF_SMTP_USER": USER, "CSE_PDF_SMTP_PASSWORD": PASSWORD}
    untrusted = cli("distribute", write_list(tmp_path, AGENCIES), "--form", "hillingdon-cse", "--from", SENDER,
                    "--db", tmp_path / "db.sqlite3", "--smtp", f"smtps://127.0.0.1:{port}", env=env)
    assert untrusted.returncode == 6 and "not trusted" in untrusted.stderr and not box.messages
    done = cli("distribute", write_list(tmp_path, AGENCIES), "--form", "hillingdon-cse", "--from", SENDER,
               "--db", tmp_path / "db.sqlite3", "--smtp", f"smtps://127.0.0.1:{port}", "--ca-file", str(ca[1]),
               env=env)
    assert "(TLS)" in done.stderr
    assert sorted(to for (to,), _ in box.messages) == ["dsl@larkspur.example", "lead@brookfield.example",
                                                       "nurse.lead@harbour.example"]


def test_port_465_means_tls_from_the_first_byte() -> None:
    assert SmtpSettings.from_options("mail.example:465", env={}).implicit_tls
    assert SmtpSettings.from_options("smtps://mail.example", env={}).port == 465
    assert not SmtpSettings.from_options("mail.example", env={}).implicit_tls
