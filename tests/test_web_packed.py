"""Area pages and their views kept compressed in memory (``web/packed.py``): a page is
served gzip-compressed to a client that accepts gzip and plain to one that does not, the
same bytes either way, and a page rendered from a view unpacked from memory is the page
rendered from the view computed afresh."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from helpers import module_client  # noqa: E402


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(demo_store, tmp_path_factory)


@pytest.fixture(scope="module")
def codes(client: TestClient) -> list[str]:
    return [a["area_code"] for a in client.get("/api/areas?level=deso").json()][:4]


def _get(client: TestClient, url: str, accept_encoding: str) -> tuple[Any, bytes]:
    """The response and its body as sent (not decoded)."""
    with client.stream("GET", url, headers={"accept-encoding": accept_encoding}) as r:
        return r, b"".join(r.iter_raw())


@pytest.mark.parametrize("gzip_first", [True, False])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_page_is_the_same_gzip_compressed_or_not(
    client: TestClient, codes: list[str], lang: str, gzip_first: bool
) -> None:
    """Either request may be the one that renders the page (a miss), the other a hit."""
    for code in codes[:2] if gzip_first else codes[2:]:
        url = f"/omrade/{code}?lang={lang}"
        encodings = ["gzip, deflate", "identity"]
        answers = {e: _get(client, url, e) for e in (encodings if gzip_first else encodings[::-1])}
        packed, plain = answers["gzip, deflate"], answers["identity"]
        assert packed[0].status_code == plain[0].status_code == 200
        assert packed[0].headers["content-encoding"] == "gzip"
        assert "content-encoding" not in plain[0].headers
        for r, _ in (packed, plain):
            assert r.headers["vary"] == "Accept-Encoding"
            assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert int(packed[0].headers["content-length"]) == len(packed[1]) < len(plain[1])
        assert gzip.decompress(packed[1]) == plain[1]


def test_gzip_refused_with_q0_gets_the_plain_page(client: TestClient, codes: list[str]) -> None:
    url = f"/omrade/{codes[0]}"
    r, body = _get(client, url, "gzip;q=0, identity")
    assert "content-encoding" not in r.headers
    assert body == _get(client, url, "identity")[1]


def _fresh_and_unpacked_pages(app: Any, code: str) -> tuple[bytes, bytes, bytes]:
    """The anonymous page of ``code`` rendered from a view computed afresh, from the view
    :func:`memo_view` returns on a miss, and from the view it unpacks on a hit."""
    from omradesbild.web.entries import partner_entries
    from omradesbild.web.packed import memo_view
    from omradesbild.web.routes.pages import anonymous_request, render_area_page
    from omradesbild.web.views import area_view

    data, s = app.state.data, app.state.settings
    req = anonymous_request(app, f"/omrade/{code}")
    available, entries = partner_entries(req, code)

    def build() -> Any:
        return area_view(data, code, level=None, method=s.method, period=None, lang=s.lang)

    key = ("packed-test", code)
    pages = [build(), memo_view(data, key, build), memo_view(data, key, build)]
    out = [render_area_page(req, data, v, s.lang, available, entries, anonymous=True)
           for v in pages]  # fmt: skip
    return out[0], out[1], out[2]


def test_a_view_unpacked_from_memory_renders_the_same_page(
    client: TestClient, codes: list[str]
) -> None:
    from omradesbild.web.cache import cached
    from omradesbild.web.packed import Pickled

    app: Any = client.app
    for code in codes:
        fresh, missed, unpacked = _fresh_and_unpacked_pages(app, code)
        assert fresh == missed == unpacked
        assert isinstance(cached(app.state.data, ("packed-test", code)), Pickled)


def test_prepared_pages_are_kept_compressed_and_served_as_prepared(client: TestClient) -> None:
    """The start-up preparation keeps the pages gzip-compressed and the views pickled; a
    visit then gets exactly the prepared page, and the page rendered afresh is the same.

    The RegSO level is prepared (the start-up's default level, 45 areas; the DeSO level has
    158): every page goes through the same steps whatever its level."""
    from omradesbild.web import cache
    from omradesbild.web.packed import Gzipped, Pickled
    from omradesbild.web.routes.pages import prepare_area_pages

    app: Any = client.app
    s = app.state.settings
    cache.clear_caches()
    prepared = prepare_area_pages(app, "regso", s.method, s.lang)
    codes = sorted(app.state.data.level("regso").names)[::11]
    assert prepared > len(codes)
    at = len(app.state.data.page_key())  # the page's own key follows the app's
    kinds = {(k[at], type(v).__name__) for k, (v, _) in cache._CACHE._data.items()
             if k[at] in ("area-html", "area-page")}  # fmt: skip
    assert kinds == {("area-html", Gzipped.__name__), ("area-page", Pickled.__name__)}
    for code in codes:
        r, body = _get(client, f"/omrade/{code}", "gzip")
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(body) == _fresh_and_unpacked_pages(app, code)[0]
