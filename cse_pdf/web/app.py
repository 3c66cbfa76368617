"""The web app: Starlette routes rendering Jinja2 templates, on the same database as the terminal commands.

Every page is rendered on the server and works with JavaScript off (there is no script). URLs carry record
ids, form ids, states and agency names only, never a young person's name. Pages a user has no right to are
"not found" (404), exactly as a record that does not exist; a POST outside the user's role is 403."""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from cse_pdf.agreement import (
    agree,
    audit_trail,
    comment,
    record_opened,
    record_review,
    return_to_worker,
)
from cse_pdf.agreement.review import RecordReview
from cse_pdf.agreement.roles import Role
from cse_pdf.agreement.states import ReviewState
from cse_pdf.assess.review_codes import describe
from cse_pdf.base.errors import CsePdfError, ReviewError, UnknownFormError
from cse_pdf.base.private_files import make_private_dir
from cse_pdf.base.safe_names import path_from_stored, safe_part
from cse_pdf.form.catalog import current_forms, find_form
from cse_pdf.store import Store
from cse_pdf.web.queue_cache import QueueCache
from cse_pdf.web.security import CSRF_FIELD, SecurityHeaders, SignInThrottle, csrf_ok, new_csrf_token
from cse_pdf.web.users import User, active_user, authenticate

HERE = Path(__file__).parent
SESSION_COOKIE = "cse_pdf_session"
AGREEING_ROLES = (Role.TEAM_MANAGER, Role.CSE_PREVENTION_MANAGER)
REVIEWING_ROLES = (*AGREEING_ROLES, Role.ADMIN)  # may return a record to the worker or comment on it
MAX_UPLOAD_FILES = 500
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # per file; ingest's own limit still applies after


@dataclass(frozen=True)
class WebSettings:
    """How one app runs: where uploads go, cookie security, the idle timeout, and the clock (tests move it)."""

    out: Path = Path("cse-pdf-out")
    secure_cookies: bool = False
    idle_seconds: int = 30 * 60
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    clock: Callable[[], float] = time.time
    ingest_workers: int = 1
    queue_page_size: int = 100  # rows of the queue on one page: thousands waiting stay quick to show


@dataclass
class UploadJob:
    """One upload being ingested in the background; its page refreshes itself (no script) until done."""

    total: int
    done: int = 0
    rows: list[tuple[str, int]] = field(default_factory=list)  # the closing table: (outcome, count)
    files: list[dict[str, Any]] = field(default_factory=list)  # per file: name, outcome, record, reason
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)


templates = Jinja2Templates(directory=str(HERE / "templates"))


def create_app(store: Store, settings: WebSettings | None = None) -> Starlette:
    """The app on an open `store`; the caller closes the store when the server stops."""
    settings = settings or WebSettings()
    routes = [
        Route("/", home),
        Route("/sign-in", sign_in_page, methods=["GET"]),
        Route("/sign-in", sign_in, methods=["POST"]),
        Route("/sign-out", sign_out, methods=["POST"]),
        Route("/queue", queue_page),
        Route("/records/{record:int}", record_page),
        Route("/records/{record:int}/stamped.pdf", stamped_pdf),
        Route("/records/{record:int}/agree", agree_post, methods=["POST"]),
        Route("/records/{record:int}/return", return_post, methods=["POST"]),
        Route("/records/{record:int}/comment", comment_post, methods=["POST"]),
        Route("/records/{record:int}/audit", audit_page),
        Route("/upload", upload_page, methods=["GET"]),
        Route("/upload", upload_post, methods=["POST"]),
        Route("/uploads/{job}", upload_job_page),
        Route("/downloads", downloads_page),
        Route("/downloads/export.{fmt}", download_export),
        Route("/downloads/report.{fmt}", download_report),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders, secure_cookies=settings.secure_cookies),
        Middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie=SESSION_COOKIE, max_age=None,
                   same_site="strict", https_only=settings.secure_cookies),
    ]
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: error_page, 404: error_page})
    app.state.store = store
    app.state.settings = settings
    app.state.throttle = SignInThrottle(clock=settings.clock)
    app.state.jobs = {}
    app.state.queue = QueueCache(store)
    return app


# ---- sessions, rights, rendering -----------------------------------------------------------------


def _store(request: Request) -> Store:
    return request.app.state.store


def _settings(request: Request) -> WebSettings:
    return request.app.state.settings


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return token


def signed_in(request: Request) -> User | None:
    """The user of this session, if still enabled and not idle too long; touching the session renews it."""
    name = request.session.get("user")
    if not name:
        return None
    now = _settings(request).clock()
    if now - float(request.session.get("seen", 0)) > _settings(request).idle_seconds:
        request.session.clear()
        request.session["flash"] = "You were signed out after a time without activity. Sign in again."
        return None
    user = active_user(_store(request), name)
    if user is None:
        request.session.clear()
        return None
    request.session["seen"] = now
    return user


def require_user(request: Request, *roles: Role) -> User:
    """The signed-in user, else a redirect to sign in; one outside `roles` sees "not found"."""
    user = signed_in(request)
    if user is None:
        raise HTTPException(303, headers={"location": "/sign-in"})
    if roles and user.role not in roles:
        raise HTTPException(404)
    return user


async def posted_form(request: Request, *roles: Role) -> tuple[User, FormData]:
    """A POST's form after its CSRF token is checked (403 when missing or wrong) and its user may do it (403)."""
    form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=50)
    if not csrf_ok(request.session.get("csrf"), _text(form, CSRF_FIELD)):
        raise HTTPException(403, "This form has expired or did not come from this site. Go back, reload the "
                                 "page and try again.")
    user = signed_in(request)
    if user is None:
        raise HTTPException(303, headers={"location": "/sign-in"})
    if roles and user.role not in roles:
        raise HTTPException(403, "Your role cannot do this.")
    return user, form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    user = context.pop("user", None)
    flash = request.session.pop("flash", None)
    return templates.TemplateResponse(request, template, {
        "user": user, "csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "flash": flash,
        "Role": Role, **context}, status_code=status_code)


ERROR_TITLES = {403: "Not allowed", 404: "Not found", 429: "Too many attempts", 400: "Cannot do that"}


async def error_page(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status in (301, 302, 303, 307):
        return RedirectResponse(exc.headers["location"], status_code=303)  # type: ignore[attr-defined]
    detail = getattr(exc, "detail", "") if status != 404 else ""
    message = detail if detail and detail != _default_phrase(status) else {
        404: "There is no such page or record, or it is not open to your role.",
        403: "You are not allowed to do this.",
    }.get(status, "Something went wrong.")
    user = signed_in(request) if "session" in request.scope and request.session.get("user") else None
    return render(request, "error.html", status_code=status, user=user, title=ERROR_TITLES.get(status, "Error"),
                  message=message)


def _default_phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


# ---- sign in and out -------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    return RedirectResponse("/queue" if request.session.get("user") else "/sign-in", status_code=303)


async def sign_in_page(request: Request) -> Response:
    return render(request, "sign_in.html", title="Sign in")


async def sign_in(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    if not csrf_ok(request.session.get("csrf"), _text(form, CSRF_FIELD)):
        raise HTTPException(403, "This form has expired. Reload the sign-in page and try again.")
    name, password = _text(form, "name").strip(), _text(form, "password")
    client = request.client.host if request.client else "-"
    throttle: SignInThrottle = request.app.state.throttle
    if throttle.blocked(name, client):
        return render(request, "sign_in.html", status_code=429, title="Sign in", name=name,
                      error="Too many failed attempts for this name. Wait 15 minutes, then try again, or ask an "
                            "administrator.")
    user = await run_in_threadpool(authenticate, _store(request), name, password)
    if user is None:
        throttle.failed(name, client)
        return render(request, "sign_in.html", status_code=401, title="Sign in", name=name,
                      error="The name or password is not right, or this user cannot sign in.")
    throttle.succeeded(name, client)
    request.session.clear()  # a new session (and CSRF token) for the signed-in user
    request.session.update({"user": user.name, "seen": _settings(request).clock(), "csrf": new_csrf_token()})
    return RedirectResponse("/queue", status_code=303)


async def sign_out(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    if not csrf_ok(request.session.get("csrf"), _text(form, CSRF_FIELD)):
        raise HTTPException(403)
    request.session.clear()
    request.session["flash"] = "You are signed out."
    return RedirectResponse("/sign-in", status_code=303)


# ---- the queue and a record -------------------------------------------------------------------------


def queue_page(request: Request) -> Response:
    user = require_user(request)
    form_id = request.query_params.get("form") or None
    state = request.query_params.get("state") or None
    agency = request.query_params.get("agency") or None
    forms = [s.id for s in current_forms()]
    if form_id is not None and form_id not in forms:
        form_id = None
    if state is not None and state not in {s.value for s in ReviewState}:
        state = None
    items = request.app.state.queue.queue(form_id, ReviewState(state) if state else None, agency)
    size = _settings(request).queue_page_size
    pages = max(1, -(-len(items) // size))
    page = min(_page_number(request.query_params.get("page")), pages)
    chosen = {"form": form_id, "state": state, "agency": agency or ""}
    kept = {k: v for k, v in chosen.items() if v}

    def page_url(n: int) -> str:
        return "/queue?" + urlencode({**kept, "page": n}) if n != 1 or kept else "/queue"

    return render(request, "queue.html", user=user, title="Review queue", items=items[(page - 1) * size:page * size],
                  total=len(items), first=(page - 1) * size + 1, forms=forms, states=list(ReviewState), chosen=chosen,
                  page=page, pages=pages, previous_url=page_url(page - 1) if page > 1 else None,
                  next_url=page_url(page + 1) if page < pages else None)


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _detail(request: Request, record: int) -> dict[str, Any]:
    detail = _store(request).record_detail(record)
    if detail is None:
        raise HTTPException(404)
    return detail


def _spec(form_id: str):  # noqa: ANN202 - FormSpec | None
    try:
        return find_form(form_id)
    except UnknownFormError:
        return None


def record_page(request: Request) -> Response:
    user = require_user(request)
    record = request.path_params["record"]
    store = _store(request)
    detail = _detail(request, record)
    record_opened(store, record, by=user.name, role=user.role)
    review = record_review(store, record)
    spec = _spec(detail["form"]["id"])
    levels = [(lv.level, lv.label) for lv in spec.scoring.levels] if spec and spec.scoring else []
    labels = spec.field_map if spec else {}
    domains = [(labels[d].label if d in labels else d, score)
               for d, score in detail["assessment"]["domains"].items()]
    form_title = spec.title if spec else detail["form"]["id"]
    has_pdf = stamped_file(detail, _settings(request).out) is not None
    return render(request, "record.html", user=user, title=f"Record {record}", record=record, detail=detail,
                  review=review, levels=levels, domains=domains, form_title=form_title, has_pdf=has_pdf,
                  can_agree=user.role in review.waiting_for, agree_closed=_agree_closed(review, user),
                  can_review=user.role in REVIEWING_ROLES, can_audit=user.role == Role.ADMIN)


def _agree_closed(review: RecordReview, user: User) -> str | None:
    """Why a manager who could agree this form sees no agree form here; None when nothing needs saying."""
    if user.role not in review.required or user.role in review.waiting_for:
        return None
    if user.role in review.agreed_by:
        return f"The {user.role.label} role has agreed this record."
    return {ReviewState.SUPERSEDED: "A newer revision of this assessment arrived: agree that one.",
            ReviewState.RETURNED: "This record was returned to the worker: its next revision is agreed instead.",
            }.get(review.state)


def stamped_file(detail: dict[str, Any], out: Path) -> Path | None:
    """The record's stamped copy, if it is still there. A relative path is relative to where ingest ran:
    tried as it is (serve started in the same folder), then beside --out (ingest run in --out's folder)."""
    stored = detail["file"]["stamped"]
    if not stored:
        return None
    path = path_from_stored(stored)
    for candidate in ([path] if path.is_absolute() else [path, out.resolve().parent / path]):
        if candidate.is_file():
            return candidate
    return None


def stamped_pdf(request: Request) -> Response:
    require_user(request)
    path = stamped_file(_detail(request, request.path_params["record"]), _settings(request).out)
    if path is None:
        raise HTTPException(404)
    # a name made of the record id only: the source file's name may be the child's
    return FileResponse(path, media_type="application/pdf", content_disposition_type="inline",
                         filename=f"record-{request.path_params['record']}-stamped.pdf")


def audit_page(request: Request) -> Response:
    user = require_user(request, Role.ADMIN)
    record = request.path_params["record"]
    try:
        events = audit_trail(_store(request), record)  # a purged record keeps its purge event, so it has a trail
    except ReviewError:
        raise HTTPException(404) from None
    return render(request, "audit.html", user=user, title=f"Audit trail of record {record}", record=record,
                  events=events)


def _back_to(record: int, message: str | None, request: Request) -> Response:
    if message:
        request.session["flash"] = message
    return RedirectResponse(f"/records/{record}", status_code=303)


async def agree_post(request: Request) -> Response:
    user, form = await posted_form(request, *AGREEING_ROLES)
    record = request.path_params["record"]
    await run_in_threadpool(_detail, request, record)
    try:
        await run_in_threadpool(lambda: agree(_store(request), record, level=_text(form, "level"), role=user.role,
                                              by=user.name, note=_text(form, "note").strip() or None))
    except CsePdfError as exc:
        return _back_to(record, exc.message, request)
    return _back_to(record, "Your agreement is recorded.", request)


async def return_post(request: Request) -> Response:
    user, form = await posted_form(request, *REVIEWING_ROLES)
    record = request.path_params["record"]
    await run_in_threadpool(_detail, request, record)
    reason = _text(form, "reason").strip()
    if not reason:
        return _back_to(record, "Say why the record goes back to the worker.", request)
    try:
        await run_in_threadpool(lambda: return_to_worker(_store(request), record, reason=reason, by=user.name,
                                                         role=user.role))
    except CsePdfError as exc:
        return _back_to(record, exc.message, request)
    return _back_to(record, "The record is returned to the worker.", request)


async def comment_post(request: Request) -> Response:
    user, form = await posted_form(request, *REVIEWING_ROLES)
    record = request.path_params["record"]
    await run_in_threadpool(_detail, request, record)
    text = _text(form, "text").strip()
    if not text:
        return _back_to(record, "A comment cannot be empty.", request)
    try:
        await run_in_threadpool(lambda: comment(_store(request), record, text, by=user.name, role=user.role))
    except CsePdfError as exc:
        return _back_to(record, exc.message, request)
    return _back_to(record, "Your comment is recorded.", request)


# ---- uploads ---------------------------------------------------------------------------------------


def upload_page(request: Request) -> Response:
    user = require_user(request, Role.ADMIN)
    return render(request, "upload.html", user=user, title="Upload returned forms")


async def upload_post(request: Request) -> Response:
    _, form = await posted_form(request, Role.ADMIN)
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not files:
        request.session["flash"] = "Choose one or more returned forms (PDF files) to upload."
        return RedirectResponse("/upload", status_code=303)
    settings = _settings(request)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = make_private_dir(settings.out / "uploads" / f"{stamp}-{secrets.token_hex(4)}")
    saved: list[Path] = []
    for i, upload in enumerate(files, 1):
        name = Path(upload.filename or "").name
        target = folder / f"{i:03d}-{safe_part(Path(name).stem, 80)}.pdf"
        await run_in_threadpool(_save_upload, upload, target)
        saved.append(target)
    job_id = secrets.token_urlsafe(12)
    job = request.app.state.jobs[job_id] = UploadJob(total=len(saved))
    threading.Thread(target=_run_ingest, args=(_store(request), saved, settings, job), daemon=True).start()
    return RedirectResponse(f"/uploads/{job_id}", status_code=303)


def _save_upload(upload: UploadFile, target: Path) -> None:
    written = 0
    with open(target, "xb") as out:
        while chunk := upload.file.read(1024 * 1024):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                break  # kept truncated: ingest then refuses it as damaged, with a line in the closing table
            out.write(chunk)


def _run_ingest(store: Store, files: list[Path], settings: WebSettings, job: UploadJob) -> None:
    from cse_pdf.ingest import FAILED, INGESTED, KNOWN, NEEDS_REVIEW, SKIPPED
    from cse_pdf.ingest import ingest as ingest_files

    def one_done(_outcome: object) -> None:
        job.done += 1

    try:
        report = ingest_files(files, store, settings.out, settings.ingest_workers, on_outcome=one_done)
        job.rows = [(label, len(report.of(kind))) for label, kind in (
            ("ingested", INGESTED), ("already known", KNOWN), ("needs review", NEEDS_REVIEW),
            ("failed", FAILED), ("skipped", SKIPPED))]
        job.files = [{"name": o.path.name, "outcome": o.kind.replace("_", " "), "record": o.record_id,
                      "reason": o.reason or "; ".join(describe(o.review))} for o in report.outcomes]
        job.done = job.total
    except CsePdfError as exc:
        job.error = exc.message
    except Exception as exc:  # noqa: BLE001 - shown as one line, never the text (it could quote a form)
        job.error = f"internal error ({type(exc).__name__}); please report it"
    finally:
        job.finished.set()


def upload_job_page(request: Request) -> Response:
    user = require_user(request, Role.ADMIN)
    job: UploadJob | None = request.app.state.jobs.get(request.path_params["job"])
    if job is None:
        raise HTTPException(404)
    return render(request, "upload_job.html", user=user, title="Upload progress", job=job,
                  finished=job.finished.is_set())


# ---- downloads --------------------------------------------------------------------------------------

EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "csv": "text/csv; charset=utf-8", "json": "application/json"}
REPORT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


def downloads_page(request: Request) -> Response:
    user = require_user(request)
    return render(request, "downloads.html", user=user, title="Exports and the Board report",
                  forms=[(s.id, s.title) for s in current_forms()])


def _attachment(data: bytes, name: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={"content-disposition": f'attachment; filename="{name}"'})


def download_export(request: Request) -> Response:
    require_user(request)
    fmt = request.path_params["fmt"]
    form_id = request.query_params.get("form") or None
    if fmt not in EXPORT_TYPES or (form_id is not None and form_id not in {s.id for s in current_forms()}):
        raise HTTPException(404)
    if fmt == "csv" and form_id is None:
        raise HTTPException(400, "A CSV export holds one form: choose the form.")
    from cse_pdf.export import export

    with tempfile.TemporaryDirectory(prefix="cse-pdf-export-") as tmp:
        target = Path(tmp) / f"export.{fmt}"
        export(_store(request), fmt, target, form_id)  # type: ignore[arg-type]
        data = target.read_bytes()
    return _attachment(data, f"cse-pdf-{form_id or 'all-forms'}.{fmt}", EXPORT_TYPES[fmt])


def download_report(request: Request) -> Response:
    require_user(request)
    fmt = request.path_params["fmt"]
    if fmt not in REPORT_TYPES:
        raise HTTPException(404)
    from cse_pdf.report import build_report

    built = build_report(_store(request))
    if fmt == "html":
        from cse_pdf.report.render_html import render_html

        data = render_html(built).encode("utf-8")
    else:
        from cse_pdf.report.render_pdf import render_pdf

        data = render_pdf(built)
    return _attachment(data, f"cse-pdf-board-report.{fmt}", REPORT_TYPES[fmt])
