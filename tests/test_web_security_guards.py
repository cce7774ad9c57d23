"""The web front's middleware: byte-counted body limit, rate limit of the expensive
endpoints, security headers (docs/security.md, "Web front: ...")."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from conftest import run_async
from omradesbild.web.app import create_app
from omradesbild.web.guards import TokenBuckets
from omradesbild.web.settings import WebSettings

LIMIT = 50_000


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    partners = tmp_path_factory.mktemp("p") / "partners.sqlite"
    s = WebSettings(
        store_path=demo_store,
        partners_url=f"sqlite:///{partners}",
        max_body_bytes=LIMIT,
        rate_limit_per_minute=0,  # off here; see the rate-limit test
    )
    with TestClient(create_app(s, warm=False)) as c:
        yield c


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    """A JSON body of ``total`` bytes, sent in chunks (no Content-Length)."""
    yield b'{"method": "scb-omradestyp", "indicators": ["'
    sent = 46
    while sent < total:
        yield b"x" * size
        sent += size
    yield b'"]}'


# ------------------------------------------------------------------------------ F5
@pytest.mark.parametrize(
    ("path", "ctype"),
    [
        ("/api/index/explore", "application/json"),
        ("/api/submissions", "application/json"),
        ("/login", "application/x-www-form-urlencoded"),
        ("/bidrag", "multipart/form-data; boundary=xyz"),
    ],
)
def test_a_chunked_body_larger_than_the_limit_is_refused(
    client: TestClient, path: str, ctype: str
) -> None:
    r = client.post(path, content=_chunks(4 * LIMIT), headers={"content-type": ctype})
    assert r.status_code == 413, (path, r.status_code, r.text[:200])
    assert r.json()["error"] == "RequestTooLarge"
    assert "för stor" in r.json()["detail"] and str(LIMIT) in r.json()["detail"]


def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    r = client.post(
        "/api/index/explore",
        content=b"{}" + b" " * (LIMIT + 10),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert "för stor" in r.json()["detail"]


def test_a_small_chunked_body_still_works(client: TestClient) -> None:
    body = json.dumps({"method": "scb-omradestyp", "level": "regso"}).encode()
    r = client.post(
        "/api/index/explore",
        content=iter([body[:10], body[10:]]),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 200, r.text[:200]


def test_a_refused_body_is_worded_as_every_other_error(client: TestClient) -> None:
    """The 413 of the middleware is the app's error: one language when the request names
    one, an HTML page in the page's language for a browser."""
    big = b"{}" + b" " * (LIMIT + 10)
    json_headers = {"content-type": "application/json"}
    r = client.post("/api/index/explore?lang=en", content=big, headers=json_headers)
    assert r.status_code == 413
    assert r.json() == {
        "error": "RequestTooLarge",
        "detail": f"the request is too large: at most {LIMIT} bytes are accepted",
    }
    form = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    page = client.post("/login?lang=en", content=big, headers=form)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "Request too large" in page.text and "at most" in page.text
    assert "för stor" not in page.text
    sv = client.post("/login", content=big, headers=form)
    assert sv.status_code == 413 and "Begäran är för stor" in sv.text
    assert "too large" not in sv.text


# ------------------------------------------------------------------------------ rate limit
def test_one_client_flooding_the_explorer_is_limited_and_others_are_not(
    demo_store: Path, tmp_path: Path
) -> None:
    s = WebSettings(
        store_path=demo_store,
        partners_url=f"sqlite:///{tmp_path / 'p.sqlite'}",
        rate_limit_per_minute=6,
        rate_limit_burst=3,
    )
    app = create_app(s, warm=False)
    body = {"method": "scb-omradestyp", "level": "regso"}
    with (
        TestClient(app, client=("10.1.1.1", 5000)) as flooder,
        TestClient(app, client=("10.2.2.2", 5000)) as other,
    ):
        codes = [flooder.post("/api/index/explore", json=body).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429], codes
        r = flooder.get("/api/export/index.csv")
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "för många förfrågningar" in r.json()["detail"]
        assert flooder.get("/metod").status_code == 429
        # Refused as every other error: English alone when asked, a page for a browser.
        en = flooder.get("/api/export/index.csv?lang=en")
        assert en.status_code == 429 and int(en.headers["retry-after"]) >= 1
        assert en.json()["detail"].startswith("too many requests from your address; try again")
        page = flooder.get("/metod?lang=en", headers={"accept": "text/html"})
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert "Too many attempts" in page.text and "too many requests" in page.text
        assert "för många" not in page.text.lower()
        assert int(page.headers["retry-after"]) >= 1
        # The cheap pages stay open to the flooder, and the other client is not limited.
        assert flooder.get("/api/levels").status_code == 200
        assert other.post("/api/index/explore", json=body).status_code == 200
        assert other.get("/api/export/index.csv").status_code == 200


@settings(max_examples=100, deadline=None)
@given(
    st.floats(1, 600),
    st.integers(1, 20),
    st.lists(st.floats(0, 30, allow_nan=False), min_size=1, max_size=60),
)
def test_token_bucket_never_allows_more_than_burst_plus_refill(
    per_minute: float, burst: int, gaps: list[float]
) -> None:
    buckets = TokenBuckets(per_minute, burst)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        wait = buckets.take("c", now=now)
        assert wait >= 0
        allowed += wait == 0
    assert allowed <= burst + now * per_minute / 60 + 1e-9
    # A refused client that waits as told is let in.
    wait = buckets.take("c", now=now)
    if wait > 0:
        assert buckets.take("c", now=now + wait + 1e-6) == 0


# ------------------------------------------------------------------------------ F8
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@pytest.mark.parametrize(
    "path", ["/", "/karta", "/api/levels", "/static/web.css", "/nope", "/login", "/api/me"]
)
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    r = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (path, name)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("style-src")[0]


def test_pages_hold_no_inline_script(client: TestClient) -> None:
    """Every script the pages run is a file of the app (CSP ``script-src 'self'``)."""
    code = client.get("/api/areas?level=regso").json()[0]["area_code"]
    for path in ("/", "/karta", f"/omrade/{code}", "/metod", "/nedladdning", "/login"):
        html = client.get(path).text
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
            assert "src=" in attrs or "application/json" in attrs, (path, attrs, body[:80])
        assert not re.search(r"\son[a-z]+=", html), path  # no inline event handlers


def test_the_api_docs_allow_only_their_own_inline_script(client: TestClient) -> None:
    r = client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", r.text, flags=re.S)
    assert inline
    csp = r.headers["content-security-policy"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp.split("style-src")[0]


def test_logged_in_responses_are_not_stored(client: TestClient) -> None:
    client.cookies.set("omradesbild_session", "not-a-valid-token")
    try:
        for path in ("/", "/bidrag", "/api/me", "/api/levels"):
            assert client.get(path).headers["cache-control"] == "no-store", path
        # The app's static files may still be cached.
        assert client.get("/static/web.css").headers.get("cache-control") != "no-store"
    finally:
        client.cookies.clear()
    assert client.get("/api/levels").headers.get("cache-control") != "no-store"
    # A response setting a cookie (the login form's CSRF pre-session value) is not stored.
    assert client.get("/login").headers["cache-control"] == "no-store"


def test_hsts_in_production_only(demo_store: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    prod = WebSettings(store_path=demo_store, partners_url=url, production=True,
                       secret_key="k" * 64)  # fmt: skip
    with TestClient(create_app(prod, warm=False)) as c:
        assert "max-age=" in c.get("/api/levels").headers["strict-transport-security"]
    dev = WebSettings(store_path=demo_store, partners_url=url)
    with TestClient(create_app(dev, warm=False)) as c:
        assert "strict-transport-security" not in c.get("/api/levels").headers


def test_expensive_requests_let_through_run_one_at_a_time() -> None:
    import asyncio

    from omradesbild.web.guards import RateLimit

    running, peak = 0, 0

    async def slow_app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = RateLimit(slow_app, per_minute=0, burst=1)

    async def request(path: str) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: Any) -> None:
            return None

        scope = {"type": "http", "method": "POST", "path": path, "client": ("10.0.0.1", 1)}
        await guard(scope, receive, send)

    async def main() -> None:
        await asyncio.gather(*(request("/api/index/explore") for _ in range(5)))

    run_async(main())
    assert peak == 1
    running, peak = 0, 0

    async def cheap() -> None:
        await asyncio.gather(*(request("/api/levels") for _ in range(5)))

    run_async(cheap())
    assert peak == 5  # the cheap routes are not queued
