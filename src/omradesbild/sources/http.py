"""A polite HTTP client shared by the live clients (SCB PX-Web API, SCB geodata WFS).

What it adds to :mod:`httpx`:

* **Retries** (:mod:`tenacity`) on HTTP 429 and 5xx answers and on timeouts/connection errors,
  with exponential backoff, honouring ``Retry-After`` when the server sends it.
* **Rate limiting**: at most ``max_calls`` requests in any window of ``period`` seconds
  (SCB's PX-Web API allows about 30 calls per 10 seconds per IP address).
* **An on-disk cache** (:mod:`hishel`'s SQLite storage, one file ``http-cache.sqlite`` in the
  cache folder) keyed by method, full URL (with query string) and a hash of the body, so
  repeating a fetch, POST queries included, costs no request.
* **A polite User-Agent** naming the tool.
* **Injection points for tests**: an ``httpx.Client`` (or a transport, e.g.
  :class:`httpx.MockTransport`), a ``sleep`` function and a ``clock``.

Errors after the last retry, and non-retryable HTTP errors, raise
:class:`omradesbild.errors.FetchError` naming the method, the URL and the HTTP status.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hishel
import httpx
import tenacity

from omradesbild.errors import FetchError
from omradesbild.sources.base import Closable
from omradesbild.wording import both

__all__ = [
    "RETRY_STATUSES",
    "USER_AGENT",
    "HttpClient",
    "HttpResponse",
    "RateLimiter",
    "backoff_delay",
    "cache_key",
    "parse_retry_after",
]


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("omradesbild")
    except Exception:  # pragma: no cover - not installed
        return "0"


#: Sent with every request, so that the data provider can see who calls.
USER_AGENT = (
    f"omradesbild/{_package_version()} "
    f"(open-data client for area statistics; python-httpx/{httpx.__version__})"
)

#: Name of the cache file inside the cache folder (a SQLite database kept by hishel).
CACHE_FILE = "http-cache.sqlite"
_RETRIEVED_HEADER = "x-omradesbild-retrieved-at"

#: HTTP statuses that are retried (rate limited, or a transient server fault).
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpResponse:
    """A successful response (from the network or from the cache)."""

    method: str
    url: str
    status_code: int
    content: bytes
    content_type: str | None
    from_cache: bool
    retrieved_at: datetime

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (a BOM is dropped)."""
        return self.content.decode("utf-8-sig", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; :class:`FetchError` if it is not JSON."""
        try:
            return json.loads(self.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            excerpt = self.content[:200].decode("utf-8", errors="replace")
            raise FetchError(
                both(
                    "err_src_http_not_json",
                    method=self.method,
                    url=self.url,
                    status=self.status_code,
                    error=str(exc),
                    excerpt=repr(excerpt),
                )
            ) from exc


def cache_key(method: str, url: str, body: bytes | None = None) -> str:
    """The cache key of a request: SHA-256 of method, full URL and the body's SHA-256.

    Notes
    -----
    ``key = sha256(METHOD + "\\n" + URL + "\\n" + sha256(body))``, where URL includes the
    query string exactly as sent.
    """
    body_hash = hashlib.sha256(body or b"").hexdigest()
    return hashlib.sha256(f"{method.upper()}\n{url}\n{body_hash}".encode()).hexdigest()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def backoff_delay(attempt: int, *, base: float = 1.0, cap: float = 60.0) -> float:
    """Delay before retry number ``attempt`` (0-based).

    Notes
    -----
    :math:`d_k = \\min(\\text{cap},\\ \\text{base} \\cdot 2^k)`, so with ``base = 1`` the waits
    are 1, 2, 4, 8, 16 … seconds.
    """
    return float(min(cap, base * (2.0**attempt)))


@dataclass(frozen=True)
class RetryPolicy:
    """How often :class:`HttpClient` tries a request again, and how long it waits before.

    Attributes
    ----------
    max_retries
        Retries after the first attempt (so at most ``max_retries + 1`` requests).
    backoff_base, backoff_max
        Exponential backoff, see :func:`backoff_delay`.
    max_retry_after
        Upper bound on a server's ``Retry-After`` that is honoured, in seconds.
    """

    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds before retry ``attempt`` (0-based): the server's ``Retry-After`` when it
        gave one (at most :attr:`max_retry_after`), else :func:`backoff_delay`."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return backoff_delay(attempt, base=self.backoff_base, cap=self.backoff_max)


class RateLimiter:
    """At most ``max_calls`` calls in any sliding window of ``period`` seconds.

    Parameters
    ----------
    max_calls
        Calls allowed per window.
    period
        Window length in seconds.
    clock, sleep
        Monotonic clock and sleep function (injectable for tests).
    """

    def __init__(
        self,
        max_calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError("rate limit needs max_calls >= 1 and period > 0")
        self.max_calls = max_calls
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._calls: deque[float] = deque()

    def wait(self) -> float:
        """Block until a call is allowed, record it, and return the time slept."""
        slept = 0.0
        now = self._clock()
        while self._calls and now - self._calls[0] >= self.period:
            self._calls.popleft()
        if len(self._calls) >= self.max_calls:
            delay = self.period - (now - self._calls[0])
            if delay > 0:
                self._sleep(delay)
                slept = delay
            now = self._clock()
            while self._calls and now - self._calls[0] >= self.period:
                self._calls.popleft()
            # if the injected clock did not advance, drop the oldest call ourselves
            while len(self._calls) >= self.max_calls:
                self._calls.popleft()
        self._calls.append(now)
        return slept


class HttpClient(Closable):
    """HTTP with retries, backoff, rate limiting and an on-disk cache.

    Parameters
    ----------
    cache_dir
        Directory of the response cache; ``None`` disables caching.
    client
        An ``httpx.Client`` to use (not closed by :meth:`close`). Tests pass one built on
        :class:`httpx.MockTransport`.
    transport
        Alternatively, a transport for a client built here.
    sleep, clock
        Sleep function and monotonic clock (injectable for tests).
    max_retries
        Retries after the first attempt (so at most ``max_retries + 1`` requests).
    backoff_base, backoff_max
        Exponential backoff: ``min(backoff_max, backoff_base * 2**k)`` seconds before retry k.
    max_retry_after
        Upper bound on a server's ``Retry-After`` that is honoured, in seconds.
    timeout
        Request timeout in seconds.
    rate_limit
        ``(max_calls, period_seconds)`` or ``None`` for no limit.
    cache_ttl
        Age in seconds after which a cached response is fetched again; ``None``: never.
    user_agent
        The ``User-Agent`` header.
    """

    def __init__(
        self,
        *,
        cache_dir: str | Path | None = None,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_retry_after: float = 300.0,
        timeout: float = 60.0,
        rate_limit: tuple[int, float] | None = None,
        cache_ttl: float | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.retry = RetryPolicy(max_retries, backoff_base, backoff_max, max_retry_after)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._owns_client = client is None
        self._client = client or httpx.Client(
            transport=transport, timeout=timeout, follow_redirects=True
        )
        self._sleep = sleep
        self.cache_ttl = cache_ttl
        self.user_agent = user_agent
        self.limiter = (
            RateLimiter(rate_limit[0], rate_limit[1], clock=clock, sleep=sleep)
            if rate_limit
            else None
        )
        self._storage = (
            hishel.SqliteStorage(database_path=_cache_file(self.cache_dir))
            if self.cache_dir is not None
            else None
        )
        #: Number of requests that went to the network (not served from the cache).
        self.network_requests = 0

    # -- context manager -------------------------------------------------------------------
    def close(self) -> None:
        """Close the underlying client if it was created here."""
        if self._owns_client:
            self._client.close()
        if self._storage is not None:
            self._storage.close()

    # -- public API ------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        use_cache: bool = True,
    ) -> HttpResponse:
        """GET ``url`` with query ``params``."""
        return self.request("GET", url, params=params, headers=headers, use_cache=use_cache)

    def post(
        self,
        url: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        use_cache: bool = True,
    ) -> HttpResponse:
        """POST ``json_body`` (serialised as compact UTF-8 JSON) to ``url``."""
        return self.request(
            "POST", url, params=params, json_body=json_body, headers=headers, use_cache=use_cache
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        use_cache: bool = True,
    ) -> HttpResponse:
        """Send a request, with cache, rate limit and retries; return a 2xx response.

        Raises
        ------
        FetchError
            On a non-retryable HTTP error, or when retries are exhausted.
        """
        method = method.upper()
        body: bytes | None = None
        all_headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"}
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode()
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        if headers:
            all_headers.update(headers)
        request = self._client.build_request(
            method, url, params=dict(params) if params else None, content=body, headers=all_headers
        )
        full_url = str(request.url)
        key = cache_key(method, full_url, body)

        if use_cache:
            cached = self._cache_read(key, method, full_url)
            if cached is not None:
                return cached

        response = self._send_with_retries(request, method, full_url)
        result = HttpResponse(
            method=method,
            url=full_url,
            status_code=response.status_code,
            content=response.content,
            content_type=response.headers.get("content-type"),
            from_cache=False,
            retrieved_at=datetime.now(UTC),
        )
        if use_cache:
            self._cache_write(key, result)
        return result

    # -- internals -------------------------------------------------------------------------
    def _send_with_retries(self, request: httpx.Request, method: str, url: str) -> httpx.Response:
        attempts = self.retry.max_retries + 1

        def send_once() -> httpx.Response:
            if self.limiter is not None:
                self.limiter.wait()
            self.network_requests += 1
            response = self._client.send(request)
            if response.status_code in RETRY_STATUSES:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                raise _RetryableStatus(response, retry_after)
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type((_RetryableStatus, httpx.TransportError)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            response = retrying(send_once)
        except _RetryableStatus as exc:
            response = exc.response
            excerpt = _excerpt(response)
            raise FetchError(
                both(
                    "err_src_http_failed_retries_excerpt"
                    if excerpt
                    else "err_src_http_failed_retries",
                    method=method,
                    url=url,
                    status=response.status_code,
                    reason=response.reason_phrase,
                    attempts=attempts,
                    excerpt=excerpt,
                )
            ) from None
        except httpx.TimeoutException as exc:
            raise FetchError(
                both("err_src_http_timeout", method=method, url=url, attempts=attempts, error=exc)
            ) from exc
        except httpx.TransportError as exc:
            raise FetchError(
                both(
                    "err_src_http_transport",
                    method=method,
                    url=url,
                    attempts=attempts,
                    kind=type(exc).__name__,
                    error=exc,
                )
            ) from exc
        if 200 <= response.status_code < 300:
            return response
        excerpt = _excerpt(response)
        raise FetchError(
            both(
                "err_src_http_failed_excerpt" if excerpt else "err_src_http_failed",
                method=method,
                url=url,
                status=response.status_code,
                reason=response.reason_phrase,
                excerpt=excerpt,
            )
        )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        """Seconds before the next attempt: the server's ``Retry-After``, else backoff."""
        exc = state.outcome.exception() if state.outcome is not None else None
        retry_after = exc.retry_after if isinstance(exc, _RetryableStatus) else None
        if isinstance(exc, _RetryableStatus):
            exc.response.close()
        return self.retry.delay(state.attempt_number - 1, retry_after)

    def _cache_read(self, key: str, method: str, url: str) -> HttpResponse | None:
        if self._storage is None:
            return None
        for entry in self._storage.get_entries(key):
            headers = entry.response.headers
            stream = entry.response.stream
            if stream is None or not isinstance(stream, Iterable):
                continue
            try:
                content = b"".join(stream)
                retrieved = datetime.fromisoformat(headers[_RETRIEVED_HEADER])
            except (KeyError, ValueError, OSError):
                continue  # a broken cache entry is refetched
            return HttpResponse(
                method=method,
                url=url,
                status_code=entry.response.status_code,
                content=content,
                content_type=headers.get("content-type"),
                from_cache=True,
                retrieved_at=retrieved,
            )
        return None

    def _cache_write(self, key: str, result: HttpResponse) -> None:
        if self._storage is None:
            return
        headers = {_RETRIEVED_HEADER: result.retrieved_at.isoformat()}
        if result.content_type:
            headers["content-type"] = result.content_type
        entry = self._storage.create_entry(
            hishel.Request(method=result.method, url=result.url),
            hishel.Response(
                status_code=result.status_code,
                headers=hishel.Headers(headers),
                stream=iter([result.content]),
            ),
            key,
            ttl=self.cache_ttl,
        )
        stream = entry.response.stream
        if isinstance(stream, Iterable):
            for _ in stream:  # the entry is saved as its stream is read
                pass


class _RetryableStatus(Exception):
    """An answer with a status worth retrying (429, 5xx), and the server's Retry-After."""

    def __init__(self, response: httpx.Response, retry_after: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = retry_after


def _excerpt(response: httpx.Response, limit: int = 300) -> str:
    try:
        text = response.read().decode("utf-8", errors="replace")
    except httpx.HTTPError:  # pragma: no cover - defensive
        return ""
    text = " ".join(text.split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _cache_file(cache_dir: Path) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    return cache_dir / CACHE_FILE
