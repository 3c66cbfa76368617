"""Email headers: nothing from the agency list can add a recipient or a header, on any Python patch level.

Hostile rows are skipped with their line number while the others go out; `compose` refuses hostile values
itself, when handed them directly; every message is read back before it leaves. International addresses go
out over SMTPUTF8 where the server offers it, and are refused with a reason otherwise (and in .eml files).
All agencies, addresses and people are fictional (.example domains are reserved).
"""

from __future__ import annotations

import csv
import io
from email import policy
from email.parser import BytesParser, Parser
from pathlib import Path
from typing import Iterator

import pytest
from helpers.distribution import SENDER, cli, write_list

from cse_pdf.form.catalog import find_form
from cse_pdf.outreach.agencies import Agency, read_agencies
from cse_pdf.outreach.distribute import FAILED, SENT, WRITTEN, Sending, distribute
from cse_pdf.outreach.headers import header_problem
from cse_pdf.outreach.mail import HeaderRefused, Letter, SmtpSender, SmtpSettings, checked_bytes, compose

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
from helpers.smtp import Mailbox, serve  # noqa: E402

EVIL = "evil@attacker.example"
GOOD = [("Brookfield Youth Trust", "lead@brookfield.example"), ("Larkspur Academy", "Safeguarding Lead <dsl@larkspur.example>")]
HOSTILE_NAMES = [
    "Acme =?utf-8?q?=0ABcc=3A_evil@attacker.example?=",
    "Acme =?UTF-8?B?CkJjYzogZXZpbEBhdHRhY2tlci5leGFtcGxl?=",  # base64 of "\nBcc: evil@attacker.example"
    "Acme =?iso-8859-1?q?=0D=0ACc:_evil@attacker.example?=",
    "Acme\u2028Bcc: evil@attacker.example", "Acme\u2029Bcc: evil@attacker.example",
    "Acme\u0085Bcc: evil@attacker.example", "Acme\rBcc: evil@attacker.example", "Acme\nBcc: evil@attacker.example",
    "Acme\x1b[31m", "Acme\x9bTrust", "Acme\u202eTsurt", "Acme\u200bTrust", "Acme\ufeffTrust", "Acme\u2066Trust",
    "Acme\tTrust", "Acme\x7fTrust", "Acme\ue000Trust",
]
HOSTILE_ADDRESSES = [
    "=?utf-8?q?Lead=0ABcc=3A_evil@attacker.example?= <lead@acme.example>",
    '"Lead =?utf-8?q?=0ABcc=3A_evil@attacker.example?=" <lead@acme.example>',
    "lead@acme.example\r\nBcc: evil@attacker.example", "lead@acme.example\nBcc: evil@attacker.example",
    "Lead\u2028Bcc: evil@attacker.example <lead@acme.example>", "Lead\u0085 <lead@acme.example>",
    "lead@acme.example, evil@attacker.example", "lead@acme.example; evil@attacker.example",
    "Lead <lead@acme.example> <evil@attacker.example>", "evil@attacker.example)<lead@acme.example>",
    "evil@attacker.example <lead@acme.example>", "Lead (evil@attacker.example) <lead@acme.example>",
    "Lead\u202e <lead@acme.example>", "lead@acme.example\u200b", "Lead <lead@acme.example>\x00",
]


def agency_csv(rows: list[tuple[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a bare CR stays inside its cell
    w.writerow(["agency", "address", "cse_lead_contact", "send_to"])
    for name, to in rows:
        w.writerow([name, "1 Fictional Road", "01234 567890", to])
    return buf.getvalue()


def start_lines(rows: list[tuple[str, str]]) -> list[int]:
    """The line of the list each row starts on (a cell may hold line breaks)."""
    out, line = [], 2
    for row in rows:
        out.append(line)
        line += len(io.StringIO(agency_csv([row]).split("\n", 1)[1], newline="").readlines())
    return out


def hostile_rows() -> list[tuple[str, str]]:
    rows = [(name, f"lead{i}@acme{i}.example") for i, name in enumerate(HOSTILE_NAMES)]
    rows += [(f"Acme Branch {i}", to) for i, to in enumerate(HOSTILE_ADDRESSES)]
    return rows


def headers_of(raw: bytes) -> list[str]:
    return sorted(k.lower() for k in BytesParser(policy=policy.default).parsebytes(raw).keys())


EML_HEADERS = sorted(["content-type", "date", "from", "message-id", "mime-version", "reply-to", "subject", "to",
                      "x-unsent"])


def assert_one_clean_message(raw: bytes, address: str, headers: list[str] = EML_HEADERS) -> None:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert headers_of(raw) == headers
    assert [a.addr_spec for a in msg["To"].addresses] == [address]
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].lower()
    assert b"attacker" not in head and b"\nbcc:" not in b"\n" + head and b"\ncc:" not in b"\n" + head
    assert not any(k.lower() in ("bcc", "cc") for part in msg.walk() for k in part.keys())


# ---- the list -------------------------------------------------------------------------------------


def test_every_hostile_row_is_skipped_by_its_line_and_the_good_ones_stay(tmp_path: Path) -> None:
    rows = GOOD[:1] + hostile_rows() + GOOD[1:]
    listed = read_agencies(write_list(tmp_path, agency_csv(rows)))
    assert [a.name for a in listed.agencies] == [GOOD[0][0], GOOD[1][0]]
    assert sorted(p.line for p in listed.problems) == start_lines(rows)[1:-1]
    for p in listed.problems:  # one printable line each, never echoing a control or invisible character
        assert p.message.isprintable(), p.message


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_header_problem_names_each_class(text: str) -> None:
    assert header_problem(text)


@pytest.mark.parametrize("text", ["Brookfield Youth Trust", "Café Outreach – North", "St Mary's (Youth)",
                                  "Ærø Ungdom", "学校 Outreach", "O'Neill & Partners, Ltd", "100% = Youth"])
def test_ordinary_names_pass(text: str) -> None:
    assert header_problem(text) is None


def test_distribute_writes_only_the_good_rows_with_clean_headers(tmp_path: Path) -> None:
    path = write_list(tmp_path, agency_csv(GOOD[:1] + hostile_rows() + GOOD[1:]))
    result = cli("distribute", path, "--form", "hillingdon-cse", "--from", SENDER, "--db", tmp_path / "db.sqlite3",
                 "--out", tmp_path / "mail")
    assert result.returncode == 3, result.stderr  # rows skipped
    assert "internal error" not in result.stderr
    emls = sorted((tmp_path / "mail").glob("*.eml"))
    assert [p.name for p in emls] == ["brookfield-youth-trust.eml", "larkspur-academy.eml"]
    assert_one_clean_message(emls[0].read_bytes(), "lead@brookfield.example")
    assert_one_clean_message(emls[1].read_bytes(), "dsl@larkspur.example")
    for line in start_lines(GOOD[:1] + hostile_rows() + GOOD[1:])[1:-1]:
        assert f"{path}:{line}: " in result.stderr


# ---- compose and the read-back, on their own ----------------------------------------------------------

LETTER = Letter(sender=SENDER, return_to="returns@board.example", form_title="CSE risk assessment", issuer="Board",
                instance_id="copy-1", agency="Brookfield Youth Trust", recipient="lead@brookfield.example")


@pytest.mark.parametrize("field", ["agency", "recipient_name", "sender", "return_to"])
@pytest.mark.parametrize("value", ["X =?utf-8?q?=0ABcc=3A_evil@attacker.example?=", "X\u2028Bcc: evil@attacker.example",
                                   "X\u0085Cc: evil@attacker.example", "X\r\nBcc: evil@attacker.example",
                                   "X\u202e"])
def test_compose_refuses_a_hostile_value_handed_to_it_directly(field: str, value: str) -> None:
    if field in ("sender", "return_to"):
        value = f"{value} <board@board.example>"
    letter = Letter(**{**LETTER.__dict__, field: value})
    with pytest.raises(HeaderRefused):
        compose(letter, b"%PDF-1.7\n", "form.pdf", draft=True)


def test_compose_refuses_a_hostile_attachment_name() -> None:
    with pytest.raises(HeaderRefused):
        compose(LETTER, b"%PDF-1.7\n", "form=?utf-8?q?=0A?=.pdf")


def test_the_read_back_refuses_any_header_the_composer_did_not_write() -> None:
    msg = compose(LETTER, b"%PDF-1.7\n", "form.pdf", draft=True)
    assert_one_clean_message(checked_bytes(msg, LETTER, "form.pdf", draft=True), "lead@brookfield.example")
    for header, value in (("Bcc", EVIL), ("Cc", EVIL), ("X-Extra", "1")):
        tampered = compose(LETTER, b"%PDF-1.7\n", "form.pdf", draft=True)
        tampered[header] = value
        with pytest.raises(HeaderRefused):
            checked_bytes(tampered, LETTER, "form.pdf", draft=True)
    tampered = compose(LETTER, b"%PDF-1.7\n", "form.pdf", draft=True)
    tampered.replace_header("To", f"lead@brookfield.example, {EVIL}")
    with pytest.raises(HeaderRefused):
        checked_bytes(tampered, LETTER, "form.pdf", draft=True)
    tampered = compose(LETTER, b"%PDF-1.7\n", "form.pdf", draft=True)
    tampered.replace_header("Subject", "Something else")
    with pytest.raises(HeaderRefused):
        checked_bytes(tampered, LETTER, "form.pdf", draft=True)


@pytest.mark.slow
def test_a_hostile_agency_past_the_list_fails_alone_and_the_others_are_written(tmp_path: Path) -> None:
    spec = find_form("hillingdon-cse")
    agencies = [Agency(2, "Brookfield Youth Trust", "1 Road", "", "lead@brookfield.example", "", "brookfield"),
                Agency(3, "Acme =?utf-8?q?=0ABcc=3A_evil@attacker.example?=", "2 Road", "", "lead@acme.example", "",
                       "acme"),
                Agency(4, "Larkspur Academy", "3 Road", "", "dsl@larkspur.example", "Lead\u2028Bcc: x", "larkspur"),
                Agency(5, "Harbour Street Clinic", "4 Road", "", "nurse@harbour.example", "", "harbour")]
    report = distribute(spec, agencies, Sending(SENDER, "returns@board.example"), out=tmp_path / "mail")
    assert [(o.agency.line, o.kind) for o in report.outcomes] == [(2, WRITTEN), (3, FAILED), (4, FAILED), (5, WRITTEN)]
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == ["brookfield.eml", "harbour.eml"]
    for o in report.outcomes:
        if o.kind == FAILED:
            assert o.reason and "attacker" not in o.reason


# ---- international addresses ----------------------------------------------------------------------

INTL = [("Brookfield Youth Trust", "lead@brookfield.example"), ("Bücher Jugend", "leitung@bücher.example"),
        ("José Outreach", "josé@outreach.example"), ("学校 Outreach", "老师@学校.example")]


@pytest.fixture(params=[True, False], ids=["smtputf8", "no-smtputf8"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[Mailbox, int, bool]]:
    box = Mailbox()
    yield from ((box, port, request.param) for port in serve(box, enable_SMTPUTF8=request.param))


@pytest.mark.slow
def test_international_addresses_go_out_over_smtputf8_or_are_refused_with_a_reason(
        tmp_path: Path, server: tuple[Mailbox, int, bool]) -> None:
    box, port, utf8 = server
    path = write_list(tmp_path, agency_csv(INTL))
    result = cli("distribute", path, "--form", "hillingdon-cse", "--from", SENDER, "--db", tmp_path / "db.sqlite3",
                 "--smtp", f"127.0.0.1:{port}", "--allow-plain")
    assert "internal error" not in result.stderr
    got = {tuple(rcpts): raw for rcpts, raw in box.messages}
    # an international domain alone goes everywhere, as its ASCII form
    assert ("leitung@xn--bcher-kva.example",) in got
    assert ("lead@brookfield.example",) in got
    if utf8:
        assert result.returncode == 0, result.stderr
        assert set(got) == {("lead@brookfield.example",), ("leitung@xn--bcher-kva.example",),
                            ("josé@outreach.example",), ("老师@学校.example",)}
        raw = got[("josé@outreach.example",)]
        assert b"SMTPUTF8" not in raw and "josé@outreach.example".encode() in raw  # raw UTF-8 (RFC 6532)
        msg = Parser(policy=policy.default).parsestr(raw.decode("utf-8"))
        assert [a.addr_spec for a in msg["To"].addresses] == ["josé@outreach.example"]
        assert "bcc" not in {k.lower() for k in msg.keys()}
    else:
        assert result.returncode == 6
        assert len(got) == 2
        for line in (4, 5):
            assert f"{path}:{line}: " in result.stderr and "SMTPUTF8" in result.stderr


@pytest.mark.slow
def test_an_eml_is_never_written_for_an_address_that_needs_smtputf8(tmp_path: Path) -> None:
    path = write_list(tmp_path, agency_csv(INTL))
    result = cli("distribute", path, "--form", "hillingdon-cse", "--from", SENDER, "--db", tmp_path / "db.sqlite3",
                 "--out", tmp_path / "mail")
    assert result.returncode == 6 and "internal error" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "mail").glob("*.eml")) == ["brookfield-youth-trust.eml",
                                                                          "bucher-jugend.eml"]
    raw = (tmp_path / "mail" / "bucher-jugend.eml").read_bytes()
    assert_one_clean_message(raw, "leitung@xn--bcher-kva.example")
    assert raw.isascii()
    assert result.stderr.count("SMTPUTF8") == 2


@pytest.mark.parametrize("sender", ["Board =?utf-8?q?=0ABcc=3A_evil@attacker.example?= <b@board.example>",
                                    "Board\u2028Bcc: evil@attacker.example <b@board.example>",
                                    "b@board.example, evil@attacker.example", "evil@attacker.example)<b@board.example>"])
def test_a_hostile_from_address_stops_the_run_in_one_line(tmp_path: Path, sender: str) -> None:
    path = write_list(tmp_path, agency_csv(GOOD))
    result = cli("distribute", path, "--form", "hillingdon-cse", "--from", sender, "--db", tmp_path / "db.sqlite3",
                 "--out", tmp_path / "mail")
    assert result.returncode == 3, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--from" in result.stderr
    assert not (tmp_path / "mail").exists()


def test_sending_passes_exactly_the_checked_bytes_to_one_recipient(tmp_path: Path) -> None:
    box = Mailbox()
    for port in serve(box):
        spec = find_form("hillingdon-cse")
        agencies = [Agency(2, "Brookfield Youth Trust", "1 Road", "", "lead@brookfield.example", "Lead", "b")]
        with SmtpSender(SmtpSettings("127.0.0.1", port, allow_plain=True)) as conn:
            report = distribute(spec, agencies, Sending(SENDER, "returns@board.example"), smtp=conn)
        assert [o.kind for o in report.outcomes] == [SENT]
    ((rcpts, raw),) = box.messages
    assert rcpts == ["lead@brookfield.example"]
    assert_one_clean_message(raw, "lead@brookfield.example", [h for h in EML_HEADERS if h != "x-unsent"])


@pytest.mark.parametrize("sender, agency, name, to", [
    ("Conseil Protección <x@board.example>", "Ærø Ungdom & Co.", "Lead, CSE", "a@agency.example"),
    ("x@board.example", "St Mary's (Youth) \"Club\": North; East, 100% = ok " + "long words " * 8, "", "a@bücher.example"),
    ("Board <x@board.example>", "学校 Outreach", "老师", "a@agency.example"),
])
def test_ordinary_names_and_addresses_pass_the_read_back(sender: str, agency: str, name: str, to: str) -> None:
    letter = Letter(sender, "returns@board.example", "Form", "Board", "copy-9", agency, to, name)
    for draft in (True, False):
        raw = checked_bytes(compose(letter, b"%PDF-1.7\n", "f.pdf", draft=draft), letter, "f.pdf", draft=draft,
                            smtp=not draft)
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        assert " ".join(str(msg["Subject"]).split()).endswith(" ".join(agency.split()))
        assert msg["To"].addresses[0].display_name == name
