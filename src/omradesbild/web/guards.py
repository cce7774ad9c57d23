"""ASGI middleware guarding every request: body size, rate limits, security headers.

Plain ASGI classes (not ``BaseHTTPMiddleware``, which re-streams bodies), added by
:func:`omradesbild.web.app.create_app`:

- :class:`BodyLimit` — counts the bytes of the request body as they arrive (a
  ``Content-Length`` is not trusted, chunked bodies are counted too) and answers 413 once
  the body is larger than ``OMRADESBILD_MAX_BODY_BYTES``, on every route;
- :class:`RateLimit` — a token bucket per client address on the expensive anonymous
  endpoints (method explorer, exports): 429 with ``Retry-After``; those let through run
  one at a time;
- :class:`SecurityHeaders` — Content-Security-Policy, X-Frame-Options, nosniff,
  Referrer-Policy, Permissions-Policy on every response, HSTS in production, and
  ``Cache-Control: no-store`` on every response to a logged-in visitor.

Their refusals are answered as every other error of the app
(:func:`omradesbild.web.errors.error_response`): an HTML page in the page's language for a
browser, else JSON ``{"error", "detail"}`` in the language ``?lang=`` names, or in Swedish and
English (the wording catalogue's ``web_*`` keys).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from omradesbild.web.lru import ByteLRU
from omradesbild.wording import both

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def send_error(
    scope: Scope,
    send: Send,
    status: int,
    error: str,
    detail: str,
    headers: Iterable[tuple[str, str]] = (),
) -> None:
    """Answer the request of ``scope`` with the app's error
    (:func:`omradesbild.web.errors.error_response`: a page for a browser, else JSON)."""
    from starlette.requests import Request

    from omradesbild.web.errors import error_response

    response = error_response(Request(scope), status, error, detail)
    for name, value in headers:
        response.headers[name] = value

    async def no_body() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    await response(scope, no_body, send)


# ------------------------------------------------------------------------------ body size
class BodyLimit:
    """413 for a request body larger than ``max_bytes``, counted as it arrives.

    A declared ``Content-Length`` over the limit is refused before anything is read; any
    other body (chunked, or lying about its length) is counted chunk by chunk, and the
    route reading it gets a 413 as soon as the count passes the limit: at most
    ``max_bytes`` plus one chunk is ever held.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        return both("web_body_too_large", limit=self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                declared = value.decode("latin-1").strip()
                if declared.isdigit() and int(declared) > self.max_bytes:
                    await send_error(scope, send, 413, "RequestTooLarge", self._message())
                    return
        seen = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    from starlette.exceptions import HTTPException

                    raise HTTPException(413, detail=self._message())
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and message["type"] == "http.response.start" and not started:
                # Whatever the route made of the interrupted body, the answer is a 413.
                started = True
                await send_error(scope, send, 413, "RequestTooLarge", self._message())
                return
            if exceeded and started:
                return
            await send(message)

        await self.app(scope, counted, guarded_send)


# ------------------------------------------------------------------------------ rate limit
#: Paths (prefixes) of the expensive anonymous endpoints, and the methods limited there.
EXPENSIVE: tuple[tuple[str, str], ...] = (
    ("POST", "/api/index/explore"),
    ("GET", "/metod"),
    ("GET", "/api/export/"),
)


class TokenBuckets:
    """Token buckets per key: ``burst`` tokens, refilled at ``per_minute / 60`` per second.

    At most ``max_clients`` buckets are kept (least recently used dropped: a dropped client
    starts again with a full bucket); each is a few hundred bytes.

    Notes
    -----
    A bucket holding ``b`` tokens at time ``t₀`` holds ``min(B, b + r (t − t₀))`` at
    ``t``, with ``B`` = burst and ``r`` = per_minute / 60. A request takes one token; with
    less than one, it waits ``(1 − b) / r`` seconds (the ``Retry-After``, rounded up).
    """

    def __init__(self, per_minute: float, burst: int, *, max_clients: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: ByteLRU[str, list[float]] = ByteLRU(
            max_clients, max_clients * 200, sizeof=lambda _: 200
        )
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float | None = None) -> float:
        """Take a token for ``key``: 0 when allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = [self.burst, now]
                self._buckets.put(key, bucket)
            tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
            bucket[1] = now
            if tokens >= 1.0:
                bucket[0] = tokens - 1.0
                return 0.0
            bucket[0] = tokens
            return (1.0 - tokens) / self.rate


class RateLimit:
    """429 with ``Retry-After`` when a client address calls the :data:`EXPENSIVE`
    endpoints faster than its :class:`TokenBuckets` allow (the client is the connecting
    address, or the one a trusted proxy forwarded: see ``OMRADESBILD_TRUSTED_PROXIES``).

    The requests let through run one at a time (``concurrent``, per event loop): the others
    wait without using the CPU, so that expensive computations never crowd out the cheap
    pages, whoever sends them.
    """

    def __init__(self, app: ASGIApp, per_minute: float, burst: int, *, concurrent: int = 1) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst) if per_minute > 0 else None
        self.concurrent = concurrent
        self._gates: dict[int, asyncio.Semaphore] = {}

    def _gate(self) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.concurrent)
        return gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _expensive(scope):
            await self.app(scope, receive, send)
            return
        if self.buckets is not None:
            client = scope.get("client")
            wait = self.buckets.take(str(client[0]) if client else "unknown")
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                await send_error(
                    scope,
                    send,
                    429,
                    "RateLimited",
                    both("web_rate_limited", seconds=seconds),
                    [("Retry-After", str(seconds))],
                )
                return
        async with self._gate():
            await self.app(scope, receive, send)


def _expensive(scope: Scope) -> bool:
    path, method = scope.get("path", ""), scope.get("method", "")
    return any(
        method == m and (path.startswith(p) if p.endswith("/") else path == p) for m, p in EXPENSIVE
    )


# ------------------------------------------------------------------------------ headers
#: The Content-Security-Policy of every page: scripts, styles, images and requests only
#: from the app itself. Plotly sets inline styles on the SVG it draws (``style-src``
#: allows them; no inline script runs anywhere), and draws images as ``data:``/``blob:``.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

_STATIC_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

#: One year, as browsers expect for ``Strict-Transport-Security``.
HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Security headers on every response.

    A response that sets its own ``Content-Security-Policy`` (the API docs page, whose
    inline start-up script is allowed by its hash) keeps it. Responses to a visitor with a
    session cookie, and responses that set or clear any cookie (a session, the CSRF
    pre-session value), get ``Cache-Control: no-store``
    (except the app's static files), so that no shared or browser cache keeps a logged-in
    page. ``Strict-Transport-Security`` is sent when ``hsts`` (production).
    """

    def __init__(self, app: ASGIApp, *, session_cookie: str, hsts: bool = False) -> None:
        self.app = app
        self.cookie = session_cookie.encode("latin-1") + b"="
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        logged_in = any(
            name == b"cookie" and self.cookie in value for name, value in scope.get("headers", ())
        )
        static = scope.get("path", "").startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {k.lower() for k, _ in headers}
                headers += [h for h in _STATIC_HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                if self.hsts:
                    headers.append((b"strict-transport-security", HSTS))
                sets_cookie = any(k.lower() == b"set-cookie" for k, _ in headers)
                if (logged_in or sets_cookie) and not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = [
    "CSP",
    "EXPENSIVE",
    "BodyLimit",
    "RateLimit",
    "SecurityHeaders",
    "TokenBuckets",
    "send_error",
]
