"""The web app's security, point by point (issue 17): binding, cookies, CSRF, throttling, idle timeout,
headers, roles, not-found for what a user may not see, and nothing of a child in a URL or the access log."""

from __future__ import annotations

import base64
import json
import logging
import re
from pathlib import Path

import pytest
from helpers.cli import cse
from helpers.web import (
    PASSWORD,
    USERS,
    Clock,
    WebDb,
    as_role,
    client_for,
    copy_web_db,
    csrf_of,
    shared_template,
    sign_in,
)

from cse_pdf.agreement import audit_trail, review_queue
from cse_pdf.agreement.roles import Role
from cse_pdf.form.catalog import current_forms
from cse_pdf.store import Store
from cse_pdf.web.security import ACCESS_LOG


@pytest.fixture
def web(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> WebDb:
    """This test's own copy of the samples' database with one user per role."""
    return copy_web_db(shared_template(tmp_path_factory), tmp_path / "web")


def first_record(web: WebDb) -> int:
    with Store.open(str(web.db), create=False) as store:
        return review_queue(store)[0].record_id


def events(web: WebDb, record: int) -> list[str]:
    with Store.open(str(web.db), create=False) as store:
        return [e.kind.value for e in audit_trail(store, record)]


# ---- binding --------------------------------------------------------------------------------------


def test_serve_binds_loopback_unless_told_otherwise(web: WebDb, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert cse("serve", "--db", web.db).returncode == 0
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8000
    assert calls[-1]["access_log"] is False  # uvicorn's would log query strings; ours logs paths only
    assert cse("serve", "--db", web.db, "--host", "0.0.0.0", "--port", "8123").returncode == 0
    assert calls[-1]["host"] == "0.0.0.0" and calls[-1]["port"] == 8123


def test_serve_refuses_a_database_that_does_not_exist(tmp_path: Path) -> None:
    ran = cse("serve", "--db", tmp_path / "typo.sqlite3")
    assert ran.returncode == 5 and "no database here" in ran.stderr
    assert not (tmp_path / "typo.sqlite3").exists()


# ---- the session cookie ---------------------------------------------------------------------------


def _session_cookie(response) -> str:  # noqa: ANN001
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("cse_pdf_session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_samesite_strict_and_not_secure_over_http(web: WebDb) -> None:
    with client_for(web) as client:
        cookie = _session_cookie(sign_in(client, USERS[Role.VIEWER])).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie.replace("samesite", "")


@pytest.mark.parametrize("how", ["https request", "--secure-cookies"])
def test_session_cookie_is_secure_over_https_or_when_told(web: WebDb, how: str) -> None:
    settings = {"secure_cookies": True} if how == "--secure-cookies" else {}
    with client_for(web, **settings) as client:
        if how == "https request":
            client.base_url = "https://testserver"  # type: ignore[assignment]
        token = csrf_of(client.get("/sign-in").text)
        response = client.post("/sign-in", data={"name": USERS[Role.VIEWER], "password": PASSWORD,
                                                 "csrf_token": token})
        cookie = _session_cookie(response).lower()
    assert "; secure" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_a_forged_session_cookie_is_not_a_session(web: WebDb) -> None:
    """The cookie is signed: a session claiming to be the admin, re-using a real cookie's signature, is none."""
    with client_for(web) as client:
        as_role(client, Role.VIEWER)
        assert client.get("/queue").status_code == 200
        payload, signature = client.cookies["cse_pdf_session"].split(".", 1)
        claimed = json.loads(base64.b64decode(payload)) | {"user": USERS[Role.ADMIN]}
        forged = base64.b64encode(json.dumps(claimed).encode()).decode()
        client.cookies.clear()
        client.cookies.set("cse_pdf_session", f"{forged}.{signature}")
        response = client.get("/queue")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


# ---- CSRF -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_post_without_the_right_csrf_token_is_refused(web: WebDb, token: str | None) -> None:
    record = first_record(web)
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        data = {"level": "1", "note": "forged"} | ({"csrf_token": token} if token else {})
        for path, form in ((f"/records/{record}/agree", data), (f"/records/{record}/comment", {"text": "x"}),
                           (f"/records/{record}/return", {"reason": "x"}), ("/sign-out", {})):
            if token:
                form = form | {"csrf_token": token}
            response = client.post(path, data=form)
            assert response.status_code == 403, path
            assert "did not come from this site" in response.text or path == "/sign-out"
        assert client.get("/queue").status_code == 200  # still signed in: sign-out was refused too
    assert "agree" not in events(web, record) and "comment" not in events(web, record)


def test_sign_in_without_the_csrf_token_is_refused(web: WebDb) -> None:
    with client_for(web) as client:
        client.get("/sign-in")
        response = client.post("/sign-in", data={"name": USERS[Role.ADMIN], "password": PASSWORD})
        assert response.status_code == 403
        assert client.get("/queue").status_code == 303


def test_upload_without_the_csrf_token_is_refused(web: WebDb) -> None:
    with client_for(web) as client:
        as_role(client, Role.ADMIN)
        response = client.post("/upload", files=[("files", ("a.pdf", b"%PDF-1.7\n", "application/pdf"))])
    assert response.status_code == 403
    assert not (web.out / "uploads").exists()


def test_every_form_on_every_page_carries_the_csrf_token(web: WebDb) -> None:
    record = first_record(web)
    with client_for(web) as client:
        pages = [client.get("/sign-in").text]
        as_role(client, Role.ADMIN)
        pages += [client.get(p).text for p in ("/queue", f"/records/{record}", "/upload", "/downloads")]
        client.post("/sign-out", data={"csrf_token": csrf_of(pages[-1])})
        as_role(client, Role.TEAM_MANAGER)
        pages.append(client.get(f"/records/{record}").text)
    posts = 0
    for html in pages:
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, re.S):
            if 'method="post"' in form:
                posts += 1
                assert 'name="csrf_token"' in form, form[:200]
    assert posts >= 6  # sign-in, sign-out, upload, agree, return, comment


# ---- sign-in throttling ---------------------------------------------------------------------------


@pytest.mark.slow  # eight argon2id verifications
def test_sign_in_is_throttled_after_five_failures_per_name_and_client(web: WebDb) -> None:
    clock = Clock()
    with client_for(web, clock) as client:
        for _ in range(5):
            assert sign_in(client, USERS[Role.TEAM_MANAGER], "wrong password!!").status_code == 401
        refused = sign_in(client, USERS[Role.TEAM_MANAGER], PASSWORD)  # even the right password
        assert refused.status_code == 429
        assert "Too many failed attempts" in refused.text
        assert client.get("/queue").status_code == 303  # not signed in
        assert sign_in(client, USERS[Role.VIEWER]).status_code == 303  # another name is not throttled
        clock.advance(15 * 60 + 1)
        assert sign_in(client, USERS[Role.TEAM_MANAGER]).status_code == 303


@pytest.mark.slow  # ten argon2id verifications
def test_a_success_forgives_earlier_failures(web: WebDb) -> None:
    with client_for(web) as client:
        for _ in range(4):
            sign_in(client, USERS[Role.ADMIN], "not the password")
        assert sign_in(client, USERS[Role.ADMIN]).status_code == 303
        for _ in range(4):
            assert sign_in(client, USERS[Role.ADMIN], "not the password").status_code == 401
        assert sign_in(client, USERS[Role.ADMIN]).status_code == 303


def test_unknown_and_disabled_names_fail_as_a_wrong_password_does(web: WebDb) -> None:
    from cse_pdf.web.users import disable_user

    with Store.open(str(web.db), create=False) as store:
        disable_user(store, USERS[Role.VIEWER])
    with client_for(web) as client:
        wrong = sign_in(client, USERS[Role.ADMIN], "not the password")
        unknown = sign_in(client, "nobody at all")
        disabled = sign_in(client, USERS[Role.VIEWER])
    assert wrong.status_code == unknown.status_code == disabled.status_code == 401
    line = "The name or password is not right, or this user cannot sign in."
    assert all(line in r.text for r in (wrong, unknown, disabled))


# ---- sessions time out ----------------------------------------------------------------------------


def test_a_session_times_out_after_30_idle_minutes(web: WebDb) -> None:
    clock = Clock()
    with client_for(web, clock) as client:
        as_role(client, Role.TEAM_MANAGER)
        clock.advance(29 * 60)
        assert client.get("/queue").status_code == 200  # a request renews it
        clock.advance(29 * 60)
        assert client.get("/queue").status_code == 200
        clock.advance(30 * 60 + 1)
        response = client.get("/queue")
        assert response.status_code == 303 and response.headers["location"] == "/sign-in"
        assert "signed out after a time without activity" in client.get("/sign-in").text
        assert client.get("/queue").status_code == 303  # and stays signed out


def test_the_idle_timeout_is_configurable(web: WebDb) -> None:
    clock = Clock()
    with client_for(web, clock, idle_seconds=60) as client:
        as_role(client, Role.VIEWER)
        clock.advance(61)
        assert client.get("/queue").status_code == 303


def test_disabling_a_user_ends_their_session(web: WebDb) -> None:
    from cse_pdf.web.users import disable_user

    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        with Store.open(str(web.db), create=False) as store:
            disable_user(store, USERS[Role.TEAM_MANAGER])
        assert client.get("/queue").status_code == 303


# ---- headers ------------------------------------------------------------------------------------


def _check_headers(response) -> None:  # noqa: ANN001
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_every_response_sends_the_security_headers(web: WebDb) -> None:
    record = first_record(web)
    with client_for(web) as client:
        responses = [client.get("/sign-in"), client.get("/queue"), client.get("/static/style.css"),
                     client.get("/no/such/page"), client.post("/sign-in", data={})]
        as_role(client, Role.ADMIN)
        responses += [client.get(p) for p in ("/queue", f"/records/{record}", f"/records/{record}/stamped.pdf",
                                              f"/records/{record}/audit", "/records/999999", "/upload",
                                              "/downloads", "/downloads/report.html")]
    assert {r.status_code for r in responses} >= {200, 303, 403, 404}
    for response in responses:
        _check_headers(response)


# ---- roles and rights ---------------------------------------------------------------------------


def test_a_viewer_cannot_agree(web: WebDb) -> None:
    record = first_record(web)
    with client_for(web) as client:
        as_role(client, Role.VIEWER)
        page = client.get(f"/records/{record}")
        assert page.status_code == 200 and f'action="/records/{record}/agree"' not in page.text
        token = csrf_of(page.text)
        forged = client.post(f"/records/{record}/agree", data={"level": "1", "note": "n", "csrf_token": token})
        assert forged.status_code == 403
        for path, form in ((f"/records/{record}/return", {"reason": "r"}), (f"/records/{record}/comment",
                                                                              {"text": "t"})):
            assert client.post(path, data=form | {"csrf_token": token}).status_code == 403
    assert events(web, record) == ["opened"]


def test_an_admin_may_comment_and_return_but_agrees_nothing(web: WebDb) -> None:
    record = first_record(web)
    with client_for(web) as client:
        as_role(client, Role.ADMIN)
        token = csrf_of(client.get(f"/records/{record}").text)
        assert f'action="/records/{record}/agree"' not in client.get(f"/records/{record}").text
        assert client.post(f"/records/{record}/agree", data={"level": "1", "note": "n", "csrf_token": token}
                           ).status_code == 403
        assert client.post(f"/records/{record}/comment", data={"text": "t", "csrf_token": token}).status_code == 303
    assert [k for k in events(web, record) if k != "opened"] == ["comment"]


def test_only_an_admin_uploads(web: WebDb) -> None:
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        assert client.get("/upload").status_code == 404
        token = csrf_of(client.get("/queue").text)
        response = client.post("/upload", data={"csrf_token": token},
                               files=[("files", ("a.pdf", b"%PDF-1.7\n", "application/pdf"))])
        assert response.status_code == 403
        assert 'href="/upload"' not in client.get("/queue").text
    assert not (web.out / "uploads").exists()


def test_what_a_user_may_not_see_is_not_found_exactly_as_what_does_not_exist(web: WebDb) -> None:
    record = first_record(web)
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        missing = client.get("/records/987654")
        not_theirs = client.get(f"/records/{record}/audit")  # the audit trail is the admin's
        missing_pdf = client.get("/records/987654/stamped.pdf")
    assert missing.status_code == not_theirs.status_code == missing_pdf.status_code == 404

    def body(html: str) -> str:
        return re.search(r"<main.*</main>", html, re.S).group(0)  # type: ignore[union-attr]
    assert body(missing.text) == body(not_theirs.text) == body(missing_pdf.text)


def test_a_post_to_a_record_that_does_not_exist_is_not_found(web: WebDb) -> None:
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        token = csrf_of(client.get("/queue").text)
        response = client.post("/records/987654/agree", data={"level": "1", "csrf_token": token})
    assert response.status_code == 404


# ---- nothing of a child in URLs or the access log -------------------------------------------------


def _children(web: WebDb) -> set[str]:
    """The names and dates of birth typed into the recorded forms."""
    ids = {f for spec in current_forms() if spec.summary for f in (spec.summary.name, spec.summary.dob) if f}
    with Store.open(str(web.db), create=False) as store:
        typed = {t.strip() for t in store.field_texts(ids).values() if t.strip()}
    words = {w for t in typed for w in t.split() if len(w) > 3}
    assert words, "the samples hold names"
    return typed | words


def test_access_log_and_urls_carry_record_ids_only(web: WebDb, caplog: pytest.LogCaptureFixture) -> None:
    children = _children(web)
    with Store.open(str(web.db), create=False) as store:
        queue = review_queue(store)
    agency = next(item.agency for item in queue if item.agency)
    caplog.set_level(logging.INFO, logger=ACCESS_LOG)
    pages: list[str] = []
    with client_for(web) as client:
        as_role(client, Role.ADMIN)
        pages.append(client.get("/queue", params={"form": queue[0].form_id, "state": "needs-review",
                                                  "agency": agency}).text)
        for item in queue:
            pages.append(client.get(f"/records/{item.record_id}").text)
            pages.append(client.get(f"/records/{item.record_id}/audit").text)
            client.get(f"/records/{item.record_id}/stamped.pdf")
        pages.append(client.get("/downloads").text)
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOG]
    assert len(lines) >= 3 * len(queue)
    for line in lines:
        assert re.fullmatch(r"(GET|POST) /[a-z0-9./-]* \d{3}", line), line
        assert agency not in line  # not even the query string
    urls = [u for html in pages for u in re.findall(r'(?:href|src|action|data)="([^"]*)"', html)]
    assert urls
    for url in urls:
        # this server's paths (record ids, form ids, states), the skip links, and the empty icon (no request)
        assert re.fullmatch(r"(/[a-z0-9./-]*(\?[a-z]+=[a-z0-9-]+(&amp;[a-z]+=[a-z0-9-]+)*)?|#main|#after-pdf|data:,)",
                            url), url
        assert not any(child in url for child in children)


def test_no_page_asks_for_anything_outside_this_server(web: WebDb) -> None:
    record = first_record(web)
    with client_for(web) as client:
        pages = [client.get("/sign-in").text]
        as_role(client, Role.ADMIN)
        pages += [client.get(p).text for p in ("/queue", f"/records/{record}", f"/records/{record}/audit",
                                               "/upload", "/downloads")]
        css = client.get("/static/style.css").text
    for text in [*pages, css]:
        assert "//" not in re.sub(r"<!--.*?-->|/\*.*?\*/", "", text, flags=re.S).replace("<!DOCTYPE html>", "")
        assert "<script" not in text and " style=" not in text and "<style" not in text
