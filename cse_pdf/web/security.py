"""What keeps the web app safe on a council network: headers, cookies, CSRF, throttling, timeouts, the log.

Sessions are Starlette's signed cookie (itsdangerous): HttpOnly, SameSite=Strict, and Secure when the
request came over https or `--secure-cookies` says TLS ends at a proxy. The session holds the user's name,
a CSRF token and when they were last seen; the user is looked up again on every request, so disabling
them ends their session."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = "cse_pdf.web.access"
CSRF_FIELD = "csrf_token"
MAX_FAILURES = 5  # sign-in failures per user name and client before they are throttled
THROTTLE_SECONDS = 15 * 60

# No inline script anywhere (there is no script at all); frames and objects only from this server (the
# stamped PDF); nothing may frame these pages but themselves; forms post only here.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
                           "base-uri 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "SAMEORIGIN",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cache-control": "no-store",  # records and names must not linger in a shared computer's cache
}

access_log = logging.getLogger(ACCESS_LOG)


def configure_access_log() -> None:
    """The access log on stderr: method, path (record ids at most, never a query string) and status."""
    access_log.setLevel(logging.INFO)
    if not any(getattr(h, "cse_pdf_access", False) for h in access_log.handlers):  # once, however often served
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        handler.cse_pdf_access = True  # type: ignore[attr-defined]
        access_log.addHandler(handler)


class SecurityHeaders:
    """Pure ASGI middleware: the security headers on every response (errors included), the session cookie
    marked Secure on https, and one access-log line per request."""

    def __init__(self, app: ASGIApp, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.secure_cookies or scope.get("scheme") == "https"
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if secure:
                    cookies = headers.getlist("set-cookie")
                    del headers["set-cookie"]
                    for cookie in cookies:
                        headers.append("set-cookie", cookie if "; secure" in cookie.lower() else f"{cookie}; Secure")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # the path only: record ids are the only data in any URL of this app, and queries are left out
            access_log.info("%s %s %s", scope.get("method", "-"), scope.get("path", "-"), status)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(session_token: str | None, given: str | None) -> bool:
    return bool(session_token) and bool(given) and secrets.compare_digest(str(session_token), str(given))


@dataclass
class SignInThrottle:
    """Failed sign-ins counted per (user name, client address): after MAX_FAILURES, that pair is refused for
    THROTTLE_SECONDS whatever the password. Kept in memory: one server process, and a restart forgives."""

    clock: Callable[[], float] = time.monotonic
    max_failures: int = MAX_FAILURES
    seconds: float = THROTTLE_SECONDS
    _failures: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _key(name: str, client: str) -> tuple[str, str]:
        return (name.strip().lower(), client)

    def _recent(self, key: tuple[str, str]) -> list[float]:
        now = self.clock()
        kept = [t for t in self._failures.get(key, []) if now - t < self.seconds]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def blocked(self, name: str, client: str) -> bool:
        with self._lock:
            return len(self._recent(self._key(name, client))) >= self.max_failures

    def failed(self, name: str, client: str) -> None:
        with self._lock:
            key = self._key(name, client)
            self._failures[key] = [*self._recent(key), self.clock()]

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._key(name, client), None)
