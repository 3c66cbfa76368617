"""The web app's pages through starlette's TestClient: the queue, a record, the review loop in forms,
uploads, downloads and the audit trail, and the markup every page must have to be usable without a mouse."""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
import sys
import zipfile
from csv import DictReader
from html.parser import HTMLParser
from pathlib import Path

import pytest
from helpers.web import FEW_SAMPLES, SAMPLES, USERS, WebDb, as_role, client_for, copy_web_db, csrf_of, shared_template
from openpyxl import load_workbook

from cse_pdf.agreement import audit_trail, record_review, review_queue
from cse_pdf.agreement.roles import Role
from cse_pdf.agreement.states import ReviewState
from cse_pdf.store import Store


@pytest.fixture
def web(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> WebDb:
    return copy_web_db(shared_template(tmp_path_factory), tmp_path / "web")


def queue(web: WebDb, **filters: object) -> list:
    with Store.open(str(web.db), create=False) as store:
        return review_queue(store, **filters)  # type: ignore[arg-type]


def needing_review(web: WebDb, form: str = "hillingdon-cse") -> int:
    return next(i.record_id for i in queue(web, form=form, state=ReviewState.NEEDS_REVIEW))


def event_kinds(web: WebDb, record: int) -> list[str]:
    with Store.open(web.url, create=False) as store:
        return [e.kind.value for e in audit_trail(store, record)]


def post(client, path: str, **form: str):  # noqa: ANN001, ANN201
    token = csrf_of(client.get("/queue").text)
    return client.post(path, data=form | {"csrf_token": token})


def flash(client, record: int) -> str:  # noqa: ANN001
    found = re.search(r'<div class="flash" role="status"><p>(.*?)</p>', client.get(f"/records/{record}").text)
    return found.group(1) if found else ""


# ---- the queue -----------------------------------------------------------------------------------


def test_the_queue_lists_what_waits_and_filters_by_form_state_and_agency(web: WebDb) -> None:
    every = queue(web)
    with client_for(web) as client:
        as_role(client, Role.VIEWER)
        page = client.get("/queue").text
        assert all(f'href="/records/{i.record_id}"' in page for i in every)
        assert f"<caption>{len(every)} records</caption>" in page
        rv = client.get("/queue", params={"form": "cse-risk-vulnerability"}).text
        assert all(f'href="/records/{i.record_id}"' in rv for i in every if i.form_id == "cse-risk-vulnerability")
        assert not any(f'href="/records/{i.record_id}"' in rv for i in every if i.form_id == "hillingdon-cse")
        review = client.get("/queue", params={"state": "needs-review"}).text
        assert {int(n) for n in re.findall(r'href="/records/(\d+)"', review)} == {
            i.record_id for i in every if i.state is ReviewState.NEEDS_REVIEW}
        agency = next(i.agency for i in every if i.agency)
        by_agency = client.get("/queue", params={"agency": agency.upper()}).text
        assert {int(n) for n in re.findall(r'href="/records/(\d+)"', by_agency)} == {
            i.record_id for i in every if i.agency == agency}
        assert "No records match." in client.get("/queue", params={"state": "agreed"}).text
        # a filter value that is no form or state is ignored, not an error
        assert client.get("/queue", params={"form": "nope", "state": "nope"}).status_code == 200


def test_a_long_queue_is_shown_a_page_at_a_time(web: WebDb) -> None:
    every = [i.record_id for i in queue(web)]
    hillingdon = [i.record_id for i in queue(web, form="hillingdon-cse")]
    assert len(every) == 6 and len(hillingdon) == 4
    with client_for(web, queue_page_size=4) as client:
        as_role(client, Role.VIEWER)
        first = client.get("/queue").text
        assert "<caption>6 records: 1 to 4 shown (page 1 of 2)</caption>" in first
        assert [int(n) for n in re.findall(r'href="/records/(\d+)"', first)] == every[:4]
        assert 'href="/queue?page=2" rel="next"' in first and 'rel="prev"' not in first
        second = client.get("/queue?page=2").text
        assert [int(n) for n in re.findall(r'href="/records/(\d+)"', second)] == every[4:]
        assert 'href="/queue" rel="prev"' in second and 'rel="next"' not in second
        assert client.get("/queue?page=99").text == second  # past the end: the last page
        assert client.get("/queue?page=x").text == first
    with client_for(web, queue_page_size=3) as client:
        as_role(client, Role.VIEWER)
        filtered = client.get("/queue", params={"form": "hillingdon-cse"}).text
        assert 'href="/queue?form=hillingdon-cse&amp;page=2" rel="next"' in filtered  # the filter kept
        last = client.get("/queue", params={"form": "hillingdon-cse", "page": "2"}).text
        assert [int(n) for n in re.findall(r'href="/records/(\d+)"', last)] == hillingdon[3:]
        assert 'href="/queue?form=hillingdon-cse&amp;page=1" rel="prev"' in last


# ---- a record ------------------------------------------------------------------------------------


def test_a_record_shows_levels_reasons_scores_and_the_stamped_pdf(web: WebDb) -> None:
    record = needing_review(web)
    with Store.open(str(web.db), create=False) as store:
        detail = store.record_detail(record)
    assert detail is not None
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        page = client.get(f"/records/{record}").text
        assert f"<title>Record {record} · cse-pdf</title>" in page
        assert "<dt>Suggested level</dt><dd>" + detail["assessment"]["label"] in page
        assert "<dt>State</dt><dd><strong>needs review</strong>" in page
        for reason in detail["review"]:
            assert reason["reason"].replace("'", "&#39;") in page
        for scored in detail["assessment"]["reasons"]:
            assert scored["text"].split(":")[0] in page
        assert "<caption>Score by area" in page
        assert f'<object class="pdf" data="/records/{record}/stamped.pdf" type="application/pdf"' in page
        assert f'href="/records/{record}/stamped.pdf"' in page  # the fallback link
        pdf = client.get(f"/records/{record}/stamped.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"] == f'inline; filename="record-{record}-stamped.pdf"'


def test_a_stamped_copy_moved_away_is_said_not_embedded(web: WebDb, tmp_path: Path) -> None:
    record = needing_review(web)
    with sqlite3.connect(web.db) as conn:
        conn.execute("UPDATE submissions SET stamped_path = ? WHERE id = ?", (str(tmp_path / "gone.pdf"), record))
    with client_for(web) as client:
        as_role(client, Role.VIEWER)
        page = client.get(f"/records/{record}").text
        assert "<object" not in page and "no longer where ingest wrote it" in page
        assert client.get(f"/records/{record}/stamped.pdf").status_code == 404


def test_every_opening_of_a_record_is_an_event_with_who_and_which_role(web: WebDb) -> None:
    record = needing_review(web)
    with client_for(web) as client:
        as_role(client, Role.VIEWER)
        client.get(f"/records/{record}")
        client.get(f"/records/{record}")
        client.get(f"/records/{record}/stamped.pdf")  # the PDF is part of the opening, not another
    with Store.open(str(web.db), create=False) as store:
        trail = audit_trail(store, record)
    assert [(e.kind.value, e.actor, e.role) for e in trail] == [("opened", USERS[Role.VIEWER], "viewer")] * 2


# ---- the review loop in forms -------------------------------------------------------------------


def test_two_managers_agree_a_level_in_the_page(web: WebDb) -> None:
    record = needing_review(web)
    with Store.open(str(web.db), create=False) as store:
        suggested = store.record_detail(record)["assessment"]["level"]  # type: ignore[index]
    other = 0 if suggested != 0 else 1
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        page = client.get(f"/records/{record}").text
        assert '<fieldset>\n    <legend>Agreed level (as Team Manager)</legend>' in page
        refused = post(client, f"/records/{record}/agree", level=str(other))
        assert refused.status_code == 303 and refused.headers["location"] == f"/records/{record}"
        assert "give a note" in flash(client, record)
        assert post(client, f"/records/{record}/agree", level=str(other),
                    note="Agreed lower after the strategy meeting").status_code == 303
        assert flash(client, record) == "Your agreement is recorded."
        page = client.get(f"/records/{record}").text
        assert "awaiting agreement" in page and f'action="/records/{record}/agree"' not in page
        assert "The Team Manager role has agreed this record." in page
        client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/queue").text)})

        as_role(client, Role.CSE_PREVENTION_MANAGER)
        assert post(client, f"/records/{record}/agree", level=str(suggested), note="x").status_code == 303
        assert "agree the same level" in flash(client, record)  # a different level than the first: refused
        post(client, f"/records/{record}/agree", level=str(other), note="Confirmed")
        page = client.get(f"/records/{record}").text
        assert "<dt>State</dt><dd><strong>agreed</strong>" in page
        assert f'action="/records/{record}/agree"' not in page
        assert f'href="/records/{record}"' in client.get("/queue", params={"state": "agreed"}).text
        csv = client.get("/downloads/export.csv", params={"form": "hillingdon-cse"}).text.lstrip("\ufeff")
    row = next(r for r in DictReader(io.StringIO(csv)) if r["Record"] == str(record))
    assert row["Review state"] == "agreed" and row["Agreed level"] == str(other)
    assert "team-manager" in row["Agreed by"] and "cse-prevention-manager" in row["Agreed by"]
    with Store.open(str(web.db), create=False) as store:
        review = record_review(store, record)
    assert review.state is ReviewState.AGREED and review.agreed_level == other
    assert [(a.role, a.actor) for a in review.agreements] == [(role, USERS[role]) for role in (
        Role.TEAM_MANAGER, Role.CSE_PREVENTION_MANAGER)]


def test_return_and_comment_are_appended_and_shown(web: WebDb) -> None:
    record = needing_review(web)
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        assert post(client, f"/records/{record}/comment", text="Ask about school attendance").status_code == 303
        assert flash(client, record) == "Your comment is recorded."
        post(client, f"/records/{record}/return", reason="Section 3 left blank")
        page = client.get(f"/records/{record}").text
        assert "<strong>returned</strong>" in page and "Section 3 left blank" in page
        assert f'action="/records/{record}/agree"' not in page and "its next revision is agreed instead" in page
        post(client, f"/records/{record}/agree", level="1", note="n")
        assert "returned to the worker" in flash(client, record)
        assert post(client, f"/records/{record}/comment", text="   ").status_code == 303
        assert flash(client, record) == "A comment cannot be empty."
    assert [k for k in event_kinds(web, record) if k != "opened"] == ["comment", "return"]


def test_the_audit_trail_page_lists_every_event_for_an_admin(web: WebDb) -> None:
    record = needing_review(web)
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        post(client, f"/records/{record}/comment", text="Looked at it")
        client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/queue").text)})
        as_role(client, Role.ADMIN)
        assert f'href="/records/{record}/audit"' in client.get(f"/records/{record}").text
        page = client.get(f"/records/{record}/audit").text
    rows = re.findall(r"<tr><th scope=\"row\">[^<]*</th><td>(\w+)</td>\s*<td>([^<]*)</td><td>([^<]*)</td>", page)
    assert [r[0] for r in rows] == ["comment", "opened"]  # the manager commented from the queue's token
    assert rows[0][1:] == (USERS[Role.TEAM_MANAGER], "team-manager")
    assert rows[1][1:] == (USERS[Role.ADMIN], "admin")


@pytest.mark.slow  # ingests a return
def test_the_review_loop_in_the_page_on_each_database(db_url: str, tmp_path: Path) -> None:
    """Sign in, the queue, a record and its opening, an agreement: on SQLite and PostgreSQL alike."""
    from helpers.web import make_web_db

    web = make_web_db(tmp_path, [FEW_SAMPLES[-1]], db=db_url)  # one Risk and Vulnerability return
    with client_for(web) as client:
        as_role(client, Role.TEAM_MANAGER)
        (record,) = [int(n) for n in re.findall(r'href="/records/(\d+)"', client.get("/queue").text)]
        assert client.get(f"/records/{record}").status_code == 200
        with Store.open(db_url, create=False) as store:
            level = store.record_detail(record)["assessment"]["level"]  # type: ignore[index]
        assert post(client, f"/records/{record}/agree", level=str(level)).status_code == 303
        assert flash(client, record) == "Your agreement is recorded."
        assert f'href="/records/{record}"' in client.get("/queue", params={"state": "agreed"}).text
    assert event_kinds(web, record) == ["opened", "agree", "opened"]


# ---- uploads ----------------------------------------------------------------------------------------


@pytest.mark.slow  # ingest's reading processes start
def test_an_admin_uploads_several_returns_and_sees_the_closing_table(tmp_path: Path) -> None:
    from helpers.web import make_web_db

    web = make_web_db(tmp_path, samples=[])  # users only: every return arrives by upload
    uploads = [SAMPLES[0], FEW_SAMPLES[0], FEW_SAMPLES[0]]  # the last is the same file again
    with client_for(web) as client:
        as_role(client, Role.ADMIN)
        token = csrf_of(client.get("/upload").text)
        files = [("files", (f"{i}-{p.name}", p.read_bytes(), "application/pdf")) for i, p in enumerate(uploads)]
        files.append(("files", ("letter.pdf", b"not a pdf at all", "application/pdf")))
        response = client.post("/upload", data={"csrf_token": token}, files=files)
        assert response.status_code == 303
        job_url = response.headers["location"]
        assert re.fullmatch(r"/uploads/[A-Za-z0-9_-]+", job_url)
        job = client.app.state.jobs[job_url.rsplit("/", 1)[1]]  # type: ignore[attr-defined]
        assert job.finished.wait(120)
        page = client.get(job_url).text
    assert job.error is None
    assert '<progress id="progress" max="4" value="4">' in page
    assert "upload_progress.js" not in page and "data-upload-running" not in page  # done: it stops polling
    table = {k: int(v) for k, v in re.findall(r'<tr><th scope="row">([a-z ]+)</th><td>(\d+)</td></tr>', page)}
    assert table == {"ingested": 1, "already known": 1, "needs review": 1, "failed": 1, "skipped": 0}
    assert len(queue(web)) == 2
    assert "flattened" not in re.findall(r"<td>([^<]*)</td></tr>", page)  # why it needs review: words, not codes
    assert "read from a flattened (printed-to-PDF) copy" in page


def test_the_upload_page_refreshes_itself_while_files_are_read(web: WebDb) -> None:
    from cse_pdf.web.app import UploadJob

    with client_for(web) as client:
        as_role(client, Role.ADMIN)
        client.app.state.jobs["running"] = UploadJob(total=5, done=2)  # type: ignore[attr-defined]
        page = client.get("/uploads/running").text
        assert client.get("/uploads/nope").status_code == 404
    # Kept up to date by a script from /static (no timed refresh: axe's meta-refresh rule, WCAG 2.2.1), and by
    # a link to the same page with JavaScript off.
    assert 'http-equiv="refresh"' not in page
    assert '<script src="/static/upload_progress.js" defer></script>' in page and '<a href="">' in page
    assert '<progress id="progress" max="5" value="2">' in page


# ---- downloads ---------------------------------------------------------------------------------------


def test_exports_and_the_board_report_download(web: WebDb) -> None:
    with client_for(web) as client:
        as_role(client, Role.VIEWER)
        page = client.get("/downloads").text
        links = re.findall(r'href="(/downloads/[^"]+)"', page)
        assert "/downloads/export.xlsx" in links and "/downloads/report.pdf" in links
        assert "/downloads/export.csv?form=hillingdon-cse" in links
        xlsx = client.get("/downloads/export.xlsx")
        csv = client.get("/downloads/export.csv", params={"form": "hillingdon-cse"})
        pdf = client.get("/downloads/report.pdf")
        html = client.get("/downloads/report.html")
        assert client.get("/downloads/export.csv").status_code == 400  # one form per CSV
        assert client.get("/downloads/export.exe").status_code == 404
    assert xlsx.status_code == 200 and xlsx.headers["content-disposition"].startswith("attachment;")
    sheets = load_workbook(io.BytesIO(xlsx.content)).sheetnames
    assert any("hillingdon" in s for s in sheets), sheets
    records = {i.record_id for i in queue(web, form="hillingdon-cse")}
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert {int(row["Record"]) for row in DictReader(io.StringIO(csv.text.lstrip("\ufeff")))} == records
    assert pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
    assert "<html" in html.text and html.headers["content-disposition"].startswith("attachment;")


# ---- markup every page needs (helper C's axe-core run in Chromium checks the rest) ------------------


class Markup(HTMLParser):
    """What the accessibility checks need from one page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.label_for: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "label" and dict(attrs).get("for"):
            self.label_for.add(str(dict(attrs)["for"]))


def _pages(web: WebDb) -> dict[str, str]:
    record = needing_review(web)
    found = {}
    with client_for(web) as client:
        found["/sign-in"] = client.get("/sign-in").text
        as_role(client, Role.ADMIN)
        for path in ("/queue", f"/records/{record}", f"/records/{record}/audit", "/upload", "/downloads",
                     "/records/999999"):
            found[path] = client.get(path).text
        client.post("/sign-out", data={"csrf_token": csrf_of(found["/queue"])})
        as_role(client, Role.TEAM_MANAGER)
        found["record as a manager"] = client.get(f"/records/{record}").text
    return found


def test_every_page_has_language_title_landmarks_skip_link_and_labelled_controls(web: WebDb) -> None:
    for path, html in _pages(web).items():
        page = Markup()
        page.feed(html)
        tags = [t for t, _ in page.tags]
        assert html.startswith("<!DOCTYPE html>\n<html lang=\"en-GB\">"), path
        assert re.search(r"<title>[^<]+ · cse-pdf</title>", html), path
        assert "header" in tags and "main" in tags and tags.count("h1") == 1, path
        assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html, path
        if path != "/sign-in":
            assert "nav" in tags, path
        for tag, attrs in page.tags:
            if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
                assert attrs.get("id") in page.label_for, (path, attrs)
            if tag == "th":
                assert attrs.get("scope") in ("col", "row"), path
        radios = [a for t, a in page.tags if t == "input" and a.get("type") == "radio"]
        if radios:
            assert "fieldset" in tags and "legend" in tags


def test_the_stylesheet_shows_focus_and_keeps_text_dark_on_light() -> None:
    css = (Path(__file__).parents[1] / "cse_pdf" / "web" / "static" / "style.css").read_text()
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", css)
    assert "outline: none" not in css.replace("main:focus { outline: none; }", "")  # main only: its skip target

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    # text, links, visited links and the focus ring on white; header text on the header; button text
    for fg, bg in (("#1b1b1b", "#ffffff"), ("#1d4f91", "#ffffff"), ("#4c2c92", "#ffffff"), ("#3d3d3d", "#ffffff"),
                   ("#ffffff", "#1d3557"), ("#1b1b1b", "#eef3fa"), ("#1b1b1b", "#fdf0f1"), ("#1d4f91", "#eef3fa")):
        assert all(re.search(re.escape(c if c != "#ffffff" else "#fff") + r"\b", css) for c in (fg, bg))
        assert contrast(fg, bg) >= 4.5, (fg, bg)
    assert contrast("#b35900", "#ffffff") >= 3 and contrast("#ffbf47", "#1d3557") >= 3  # focus rings (non-text)


@pytest.mark.slow  # builds the wheel
def test_the_wheel_carries_the_templates_and_the_stylesheet(tmp_path: Path) -> None:
    """Built as for release: the app's templates and stylesheet are package files, found beside its code."""
    repo = Path(__file__).resolve().parents[1]
    build = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
                           cwd=repo, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"cse_pdf/web/templates/{p.name}" for p in (repo / "cse_pdf" / "web" / "templates").glob("*.html")}
    assert len(templates) >= 9 and templates <= names
    assert "cse_pdf/web/static/style.css" in names
