"""The web front's guards: unknown query values refused before any cache, caches bounded in
bytes (docs/security.md, "Web front: ...")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from omradesbild.web import cache
from omradesbild.web.app import create_app
from omradesbild.web.lru import COMPUTE, ByteLRU
from omradesbild.web.settings import WebSettings


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    partners = tmp_path_factory.mktemp("p") / "partners.sqlite"
    # The rate limit of the expensive routes is tested in test_web_security_guards.py.
    s = WebSettings(
        store_path=demo_store, partners_url=f"sqlite:///{partners}", rate_limit_per_minute=0
    )
    with TestClient(create_app(s, warm=False)) as c:
        yield c


@pytest.fixture(scope="module")
def code(client: TestClient) -> str:
    return str(client.get("/api/areas?level=regso").json()[0]["area_code"])


ROUTES = [
    "/",
    "/karta",
    "/metod",
    "/nedladdning",
    "/omrade/{code}",
    "/jamfor?areas={code}",
    "/api/areas/{code}",
    "/api/areas",
    "/api/index",
    "/api/indicators/values",
    "/api/export/index.csv",
    "/api/export/indicators.csv",
    "/api/export/excel.xlsx",
    "/api/levels",
    "/bidrag",
]

UNKNOWN = [
    ("method", "x1", 422, "scb-omradestyp"),
    ("level", "zz", 422, "regso"),
    ("period", "1850", 422, "2012"),
    ("lang", "xx", 422, "sv, en"),
]


class _Spy:
    """Counts every read and write of a :class:`ByteLRU` (except of the store's summary,
    which the checks themselves read: its key is the store alone)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, lru: ByteLRU[Any, Any]) -> None:
        self.calls = 0
        get, put = lru.get, lru.put

        def counts(key: Any) -> bool:
            return not (isinstance(key, tuple) and key and key[0] == "_store_info")

        def spy_get(key: Any, *a: Any, **k: Any) -> Any:
            self.calls += counts(key)
            return get(key, *a, **k)

        def spy_put(key: Any, *a: Any, **k: Any) -> None:
            self.calls += counts(key)
            put(key, *a, **k)

        monkeypatch.setattr(lru, "get", spy_get)
        monkeypatch.setattr(lru, "put", spy_put)


@pytest.mark.parametrize(("param", "value", "status", "named"), UNKNOWN)
def test_unknown_values_are_refused_before_any_cache(
    client: TestClient,
    code: str,
    monkeypatch: pytest.MonkeyPatch,
    param: str,
    value: str,
    status: int,
    named: str,
) -> None:
    client.get(f"/omrade/{code}")  # the store's areas and periods are known
    responses = cache._CACHE, COMPUTE
    spies = [_Spy(monkeypatch, c) for c in responses]
    for route in ROUTES:
        url = route.format(code=code)
        sep = "&" if "?" in url else "?"
        r = client.get(f"{url}{sep}{param}={value}")
        assert r.status_code == status, (url, r.status_code, r.text[:200])
        detail = r.json()["detail"]
        assert named in detail and ("tillåtna" in detail or "perioder" in detail), detail
    assert [s.calls for s in spies] == [0, 0]


def test_unknown_area_code_is_refused_before_any_cache(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    spies = [_Spy(monkeypatch, c) for c in (cache._CACHE, COMPUTE)]
    for route in ("/omrade/NOPE1", "/api/areas/NOPE2"):
        assert client.get(route).status_code == 404
    assert [s.calls for s in spies] == [0, 0]


def test_many_unknown_methods_do_not_grow_the_cache(client: TestClient, code: str) -> None:
    client.get(f"/omrade/{code}")
    before = len(cache._CACHE), cache._CACHE.nbytes, len(COMPUTE), COMPUTE.nbytes
    for i in range(300):
        assert client.get(f"/omrade/{code}?method=x{i}").status_code == 422
        assert client.get(f"/karta?method=x{i}").status_code == 422
    assert (len(cache._CACHE), cache._CACHE.nbytes, len(COMPUTE), COMPUTE.nbytes) == before


def test_nul_in_a_query_value_is_refused(client: TestClient) -> None:
    r = client.get("/api/areas", params={"version": "a\x00b"})
    assert r.status_code == 422
    assert "NUL" in r.json()["detail"]


def test_the_response_cache_is_bounded_in_bytes(
    demo_store: Path, tmp_path: Path, code: str
) -> None:
    bound = 1024 * 1024
    s = WebSettings(
        store_path=demo_store,
        partners_url=f"sqlite:///{tmp_path / 'p.sqlite'}",
        cache_max_bytes=bound,
    )
    try:
        with TestClient(create_app(s, warm=False)) as c:
            # Pages and views are kept compressed: enough areas to fill the bound (about a
            # dozen do). RegSO, the level the module's other tests have computed already.
            areas = [a["area_code"] for a in c.get("/api/areas?level=regso").json()][:40]
            for a in areas:
                for lang in ("sv", "en"):
                    assert c.get(f"/omrade/{a}?lang={lang}").status_code == 200
                    assert cache._CACHE.nbytes <= bound
            assert 0 < len(cache._CACHE) < 2 * len(areas)
    finally:
        cache.configure_caches(
            max_bytes=WebSettings.model_fields["cache_max_bytes"].default,
            compute_max_bytes=WebSettings.model_fields["compute_cache_max_bytes"].default,
        )


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 20),
    st.integers(1, 500),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 200)), max_size=80),
)
def test_byte_lru_keeps_both_bounds(
    max_entries: int, max_bytes: int, puts: list[tuple[int, int]]
) -> None:
    lru: ByteLRU[int, int] = ByteLRU(max_entries, max_bytes)
    kept: dict[int, int] = {}
    for key, size in puts:
        lru.put(key, size, size=size)
        kept[key] = size
        assert len(lru) <= max_entries
        assert lru.nbytes <= max_bytes
        held = {k: v for k in kept if (v := lru.get(k, None)) is not None}
        assert lru.nbytes == sum(held.values())
    if puts and puts[-1][1] <= max_bytes:
        assert lru.get(puts[-1][0]) == puts[-1][1]  # the newest entry is kept
