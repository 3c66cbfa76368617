"""A database for the web app's tests: the samples ingested and one user per role, plus a signed-in client.

Helper for tests/test_web_*.py and the real-browser walk (tests/browsers): `make_web_db(folder)` builds it
(ingest as `cse-pdf ingest` does it, users as `cse-pdf users add` adds them); `client_for` wraps the app in
starlette's TestClient with a clock the test can move; `sign_in` signs in as a form in a browser would.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from cse_pdf.agreement.roles import Role
from cse_pdf.ingest import discover, ingest
from cse_pdf.store import Store
from cse_pdf.web.app import WebSettings, create_app
from cse_pdf.web.users import add_user
from helpers.forms import REPO

SAMPLES = sorted((REPO / "samples").glob("*.pdf"))
# A few of them, for tests that need records of both forms in each state but not all twenty (quicker):
# Hillingdon low and medium (no reasons to review), flattened high (needs review), a worker's level that
# differs (medium-pdfjs), and Risk and Vulnerability medium and high.
FEW_SAMPLES = [REPO / "samples" / name for name in (
    "low-firefox.pdf", "medium-chromium.pdf", "flat-high-mupdf.pdf", "medium-pdfjs.pdf", "rv-medium-pdfium.pdf",
    "rv-high-chromium.pdf")]
PASSWORD = "correct horse battery staple"  # every test user's; at least MIN_PASSWORD_LENGTH
USERS = {  # role → user name: people's own names, never a child's
    Role.ADMIN: "ada.admin",
    Role.TEAM_MANAGER: "tess.manager",
    Role.CSE_PREVENTION_MANAGER: "cal.prevention",
    Role.VIEWER: "vera.viewer",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class WebDb:
    """Where the test database and ingest's output are, and who can sign in."""

    db: Path | str  # a SQLite file, or a postgresql:// URL
    out: Path

    @property
    def url(self) -> str:
        return self.db if isinstance(self.db, str) and "://" in self.db else f"sqlite:///{self.db}"


def make_web_db(folder: Path, samples: list[Path] | None = None, db: str | None = None) -> WebDb:
    """A database (SQLite in `folder`, or `db`, a URL) with `samples` (default: every sample return)
    ingested and stamped into folder/out, and the users of USERS, each with PASSWORD."""
    web = WebDb(db or folder / "web.sqlite3", folder / "out")
    with Store.open(str(web.db)) as store:
        files = discover(SAMPLES if samples is None else samples).files
        ingest(files, store, web.out, workers=2)
        for role, name in USERS.items():
            add_user(store, name, role.value, PASSWORD)
    return web


def copy_web_db(template: WebDb, folder: Path) -> WebDb:
    """A copy of a database made by `make_web_db`, for one test to change; its stamped copies are shared
    (read only), its output folder its own."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = WebDb(folder / "web.sqlite3", folder / "out")
    shutil.copyfile(template.db, copy.db)
    return copy


class Clock:
    """A clock for the app that moves only when told (idle timeouts, throttling windows)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def client_for(web: WebDb, clock: Clock | None = None, **settings: object) -> Iterator[TestClient]:
    """The app on `web`'s database in a TestClient (base URL http://testserver, cookies kept)."""
    store = Store.open(str(web.db), create=False)
    try:
        app = create_app(store, WebSettings(out=web.out, clock=clock or Clock(), **settings))  # type: ignore[arg-type]
        with TestClient(app, follow_redirects=False) as client:
            yield client
    finally:
        store.close()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> object:
    """Sign in through the sign-in page (its CSRF token included); returns the POST's response."""
    token = csrf_of(client.get("/sign-in").text)
    return client.post("/sign-in", data={"name": name, "password": password, "csrf_token": token})


def as_role(client: TestClient, role: Role) -> TestClient:
    response = sign_in(client, USERS[role])
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    assert response.headers["location"] == "/queue"  # type: ignore[attr-defined]
    return client


_TEMPLATES: dict[Path, WebDb] = {}


def shared_template(tmp_path_factory: pytest.TempPathFactory) -> WebDb:
    """FEW_SAMPLES ingested and the four users added, once per test session (every test module shares it);
    copy it with `copy_web_db` before changing anything."""
    base = tmp_path_factory.getbasetemp()
    if base not in _TEMPLATES:
        _TEMPLATES[base] = make_web_db(tmp_path_factory.mktemp("web-template"), FEW_SAMPLES)
    return _TEMPLATES[base]
