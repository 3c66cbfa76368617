"""The web app (`cse-pdf serve`) used in the REAL Chromium, as the review loop's people use it.

`web_walk.mjs` (puppeteer-core, the system Chromium) walks issue 17's scenario: an admin uploads the samples,
a Team Manager opens a record that needs review and sees its stamped PDF, agrees a level with a note, the CSE
Prevention Manager confirms it, the export and the Board report show it, a viewer cannot agree, a POST without
the CSRF token is refused, five wrong passwords are throttled. axe-core (from node_modules) checks every page
it lands on, and each page is kept as a screenshot (CSE_PDF_WEB_SCREENSHOTS=/folder keeps them; otherwise
they go to the test's own temporary folder).

Opt-in like the other real-browser tests (CSE_PDF_BROWSERS=1); under CI=true it always runs.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.web import PASSWORD, USERS, make_web_db

from cse_pdf.agreement.roles import Role

from .browser_fill import SWITCH, chromium_path

pytestmark = pytest.mark.slow  # a server, a real Chromium and an ingest of every sample

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAMPLES = sorted((REPO / "samples").glob("*.pdf"))
FORM = "hillingdon-cse"  # the form two managers agree: a Team Manager AND a CSE Prevention Manager
# The walk's people, by the role each plays in it (tests/helpers/web.py makes them, one per role).
WALKERS = {"admin": Role.ADMIN, "teamManager": Role.TEAM_MANAGER, "preventionManager": Role.CSE_PREVENTION_MANAGER,
           "viewer": Role.VIEWER}
BAD_IMPACTS = {"serious", "critical"}


def require_chromium() -> str:
    """Skip unless opted in (CSE_PDF_BROWSERS=1) or under CI; once either holds, anything missing fails."""
    if os.environ.get(SWITCH) != "1" and os.environ.get("CI") != "true":
        pytest.skip(f"real-browser tests are opt-in: set {SWITCH}=1 (after tests/browsers/install.sh)")
    problems = []
    if shutil.which("node") is None:
        problems.append("node is not on PATH")
    for package in ("puppeteer-core", "axe-core"):
        if not (HERE / "node_modules" / package).is_dir():
            problems.append(f"tests/browsers/node_modules/{package} missing: run `npm ci --prefix tests/browsers`")
    exe = chromium_path()
    if exe is None:
        problems.append("chromium missing: apt-get install -y chromium")
    if problems:
        pytest.fail("the web app's browser test cannot run: " + "; ".join(problems))
    return exe or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"cse-pdf serve ended ({server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers (a redirect to sign in, or a refusal): it is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"cse-pdf serve did not answer at {url} within {seconds} s")


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_chromium()  # first: a skip costs nothing, no server is started for it


@pytest.fixture(scope="module")
def work(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web")


@pytest.fixture(scope="module")
def served(work: Path) -> Iterator[str]:
    """`cse-pdf serve` on a new database holding one user per role and no records (the admin uploads them)."""
    db = make_web_db(work, samples=[]).url
    port = free_port()
    log = (work / "serve.log").open("w")  # a file, not a pipe: a full pipe would stall the server's access log
    server = subprocess.Popen(
        [sys.executable, "-m", "cse_pdf", "serve", "--port", str(port), "--db", db],
        cwd=work, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_until_serving(base, server, work / "serve.log")
        yield base
    finally:
        log.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def walk(chromium: str, served: str, work: Path) -> dict:
    """The whole scenario walked once in Chromium; each test below asserts one part of what it saw."""
    shots = Path(os.environ.get("CSE_PDF_WEB_SCREENSHOTS") or work / "screenshots")
    job = {"executable": chromium, "baseUrl": served, "screenshots": str(shots), "form": FORM,
           "samples": [str(p) for p in SAMPLES],
           "users": {key: [USERS[role], PASSWORD] for key, role in WALKERS.items()}}
    spec, found = work / "job.json", work / "walk.json"
    spec.write_text(json.dumps({**job, "resultPath": str(found)}), encoding="utf-8")
    proc = subprocess.run(["node", str(HERE / "web_walk.mjs"), str(spec)], capture_output=True, text=True,
                          timeout=600, cwd=HERE, check=False)
    assert found.is_file(), f"web_walk.mjs wrote no result ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}"
    result = json.loads(found.read_text(encoding="utf-8"))
    failed = {name: s["error"] for name, s in result["steps"].items() if not s["ok"]}
    assert proc.returncode == 0 and not failed, f"the walk stopped: {failed or result['errors']}\n{proc.stderr}"
    return result


def test_the_review_loop_in_chromium(walk: dict) -> None:
    steps = walk["steps"]

    # 1 the admin's upload shows its progress, then ingest's closing tables: a row per file, some need review
    upload = steps["upload"]
    assert upload["progressShown"]
    per_file = [t for t in upload["tables"] if t["rows"] == len(SAMPLES)]
    assert per_file, [(t["caption"], t["rows"]) for t in upload["tables"]]
    assert "needs review" in per_file[0]["text"].lower() and "failed" not in per_file[0]["text"].lower()

    # 2 the Team Manager filtered the queue and opened a record of the two-manager form that needs review
    assert f"form={FORM}" in steps["open"]["filteredUrl"] and "state=needs-review" in steps["open"]["filteredUrl"]
    assert steps["open"]["needsReview"]

    # 3 the stamped PDF is shown in the page, from this server, and it is a PDF
    pdf = steps["pdf"]
    assert pdf["sameOrigin"] and pdf["status"] == 200
    assert pdf["type"].startswith("application/pdf") and pdf["head"].startswith("%PDF")
    assert pdf["width"] > 200 and pdf["height"] > 200
    assert pdf["viewerShown"] and pdf["firstPage"]["width"] > 100  # Chromium's viewer laid out its first page

    # 4 one role agreed: it waits for the other
    assert steps["agree-team-manager"]["awaiting"]

    # 5 + 6 the second manager confirmed the same level: agreed, and the outputs say so
    level = steps["agree-team-manager"]["level"]
    assert level["value"] != level.get("suggested"), "the walk should agree a level other than the suggested"
    level_label = re.sub(r"\s*\(level \d+\)$", "", level["text"])  # "High (level 3)" → "High"
    record_text = steps["agree-prevention-manager"]["text"].lower()
    assert "agreed" in record_text and "awaiting agreement" not in record_text
    # Tab, arrow keys, typing and Enter only; the record page's skip link passes the PDF viewer's own fields
    assert steps["agree-prevention-manager"]["byKeyboard"]
    assert len(steps["agree-prevention-manager"]["tabStops"]) < 15
    outputs = steps["outputs"]
    assert outputs["xlsx"]["status"] == 200 and outputs["xlsx"]["head"].startswith("PK")
    assert outputs["csv"]["status"] == 200
    rows = list(csv.DictReader(io.StringIO(outputs["csv"]["text"])))
    agreed_columns = [c for c in rows[0] if "agreed" in c.lower() and "level" in c.lower()]
    assert agreed_columns, f"no agreed level column in the CSV export: {list(rows[0])}"
    agreed = [r for r in rows if r[agreed_columns[0]]]
    assert len(agreed) == 1 and agreed[0][agreed_columns[0]].lower() in (level_label.lower(), level["value"])
    assert outputs["reportPdf"]["status"] == 200 and outputs["reportPdf"]["head"].startswith("%PDF")
    assert outputs["report"]["status"] == 200 and "agreed" in outputs["report"]["text"].lower()

    # the audit trail (the admin's page) holds each opening and both agreements, by role
    audit = [" | ".join(row).lower() for row in steps["audit"]["rows"]]
    agreements = [row for row in audit if "agree" in row]
    assert len(agreements) == 2 and any("opened" in row for row in audit)

    # 7 a viewer reads the record but cannot agree, even by forging the POST with its own session's token
    assert not steps["viewer"]["agreeForm"]
    assert steps["viewer"]["hadToken"] and steps["viewer"]["forgedStatus"] == 403

    # 8 a POST without the CSRF token is refused
    assert steps["csrf"]["formHadToken"] and steps["csrf"]["status"] == 403

    # 9 five wrong passwords: the sixth try, with the right password, is refused and stays signed out
    assert steps["throttle"]["statuses"] == [401] * 5 + [429] and steps["throttle"]["stillOut"]


def test_every_page_passes_axe_and_asks_nothing_of_the_outside(walk: dict) -> None:
    pages = walk["pages"]
    assert len(pages) >= 10
    bad = {p["name"]: [v for v in p["violations"] if v["impact"] in BAD_IMPACTS] for p in pages}
    assert {name: v for name, v in bad.items() if v} == {}
    assert all(p["lang"] == "en-GB" and p["title"].strip() for p in pages)
    assert walk["offsite"] == []  # no CDN, no web font: an offline council network
    assert walk["cspViolations"] == [] and walk["errors"] == []
    assert all(Path(p["screenshot"]).stat().st_size > 5000 for p in pages)


def test_the_keyboard_reaches_the_skip_link_then_sign_in_with_focus_shown(walk: dict) -> None:
    stops = walk["keyboard"]["stops"]
    assert stops[0]["tag"] == "a" and stops[0]["href"].startswith("#") and "skip" in stops[0]["text"].lower()
    fields = [s for s in stops if s["tag"] == "input"]
    assert any(s["type"] == "password" for s in fields)
    assert any(s["type"] in ("text", "") and s["label"] for s in fields)
    for stop in stops:
        if stop["tag"] in ("a", "input", "button", "select", "textarea"):
            assert stop["focusVisible"] and stop["outlineShown"], stop
