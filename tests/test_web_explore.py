"""The web app on the synthetic city: pages, JSON API, errors, method explorer, offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from helpers import HTML, approved_observation  # noqa: E402
from omradesbild.web.app import create_app  # noqa: E402
from omradesbild.web.settings import WebSettings, default_partners_url  # noqa: E402


@pytest.fixture(scope="module")
def store(demo_store: Path) -> Path:
    return demo_store


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[TestClient]:
    # the rate limit off here (its own tests: test_web_security_guards.py): this module asks
    # the method explorer and the exports more often than one client's burst allows, and a
    # quick run would be refused with 429s
    settings = WebSettings(store_path=store, draws=10, rate_limit_per_minute=0)
    with TestClient(create_app(settings, warm=False)) as c:
        yield c


@pytest.fixture(scope="module")
def codes(client: TestClient) -> list[str]:
    r = client.get("/api/areas", params={"level": "regso"})
    assert r.status_code == 200
    return [a["area_code"] for a in r.json()]


# ---------------------------------------------------------------------------------- pages
@pytest.mark.parametrize(
    ("url", "needles"),
    [
        ("/", ['id="levels"', 'id="type-map"', 'href="/karta', 'action="/sok"']),
        ("/karta", ['id="map"', 'name="layer"', "/static/vendor/plotly.min.js"]),
        ("/karta?layer=low_econ_standard&level=deso", ['id="map"', "low_econ_standard"]),
        ("/jamfor", ['name="find"']),
        ("/metod", ['id="explorer"', "/static/metod.js", 'id="weights"']),
        ("/nedladdning", ["/api/export/indicators.csv", "/api/export/excel.xlsx"]),
    ],
)
def test_pages(client: TestClient, url: str, needles: list[str]) -> None:
    r = client.get(url, headers=HTML)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    for n in needles:
        assert n in r.text, n
    # The shared layout: nav to every section, the synthetic banner, the disclosure rule.
    for link in ("/karta", "/jamfor", "/metod", "/nedladdning", "/bidrag", "/insatser", "/login"):
        assert f'href="{link}' in r.text
    assert "SYNTETISKA DATA" in r.text
    assert "Röjandekontroll" in r.text


def test_swedish_pages_hold_no_english_words(client: TestClient, codes: list[str]) -> None:
    """No visible text of the public pages in Swedish is English (an untranslated text)."""
    from conftest import page_text
    from helpers import english_words

    pages = ["/", "/karta", "/jamfor", "/metod", "/nedladdning", "/mal", "/insatser", "/login"]
    found = {}
    for url in [*pages, f"/omrade/{codes[0]}", f"/jamfor?areas={codes[0]}&areas={codes[1]}"]:
        r = client.get(url, headers=HTML)
        assert r.status_code == 200, url
        if hit := english_words(page_text(r.text)):
            found[url] = hit
    assert not found, found


def test_area_page(client: TestClient, codes: list[str]) -> None:
    r = client.get(f"/omrade/{codes[0]}", headers=HTML)
    assert r.status_code == 200
    html = r.text
    for needle in ('id="headline"', 'id="index"', 'id="trends"', 'id="partner-input"'):
        assert needle in html
    assert "Rang" in html and "Riket" in html and "Kommun" in html
    assert "Nivå: RegSO (" in html  # the level named by the catalogue, not its code
    figures = re.search(r'<script type="application/json" id="figures"[^>]*>(.*?)</script>', html)
    assert figures is not None
    for key in ('"rank"', '"type-history"', '"headline-plot"', '"map-area"', '"trend-'):
        assert key in figures.group(1)
    en = client.get(f"/omrade/{codes[0]}?lang=en", headers=HTML).text
    assert "Rank" in en and "Sweden" in en and 'lang="en"' in en


def test_area_page_shows_partner_entries(client: TestClient, codes: list[str]) -> None:
    """An approved public observation appears on its area page, escaped, never raw HTML."""
    from omradesbild.partners.db import session_factory

    engine = client.app.state.partners_engine  # type: ignore[attr-defined]
    with session_factory(engine)() as db:
        approved_observation(
            db, prefix="", organisation="Bostadsbolaget", title="Trapphus",
            body="<b>Trapphus</b> otrygga", area_code=codes[1],
        )  # fmt: skip
        db.commit()
    # Written outside the app (as another process would): public pages notice it within
    # PUBLIC_GENERATION_TTL seconds; skip the wait.
    from omradesbild.web.entries import forget_public_generation

    forget_public_generation()
    html = client.get(f"/omrade/{codes[1]}", headers=HTML).text
    section = html[html.index('id="partner-input"') :]
    assert "&lt;b&gt;Trapphus&lt;/b&gt;" in section  # escaped, never raw HTML
    assert "<b>Trapphus</b>" not in section
    other = client.get(f"/omrade/{codes[2]}", headers=HTML).text
    assert "Trapphus" not in other[other.index('id="partner-input"') :]


def test_compare(client: TestClient, codes: list[str]) -> None:
    r = client.get("/jamfor", params=[("areas", codes[0]), ("areas", codes[1])], headers=HTML)
    assert r.status_code == 200
    assert f"/omrade/{codes[0]}" in r.text and f"/omrade/{codes[1]}" in r.text
    assert 'id="compare-indicators"' in r.text
    for bad in ([codes[0]], codes[:5]):
        r = client.get("/jamfor", params=[("areas", c) for c in bad])
        assert r.status_code == 422
        assert r.json()["error"] == "InputError"


def test_no_external_urls_and_local_plotly(client: TestClient, codes: list[str]) -> None:
    urls = ["/", "/karta", f"/omrade/{codes[0]}", "/metod", "/nedladdning", "/jamfor"]
    urls.append(f"/jamfor?areas={codes[0]}&areas={codes[1]}")
    for url in urls:
        html = client.get(url, headers=HTML).text
        external = re.findall(r"https?://[^\s\"'<>]+", html)
        assert not external, (url, external[:3])
        for src in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert src.startswith(("/", "?", "#")), (url, src)
    js = client.get("/static/vendor/plotly.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert len(js.content) > 1_000_000 and b"plotly" in js.content[:2000].lower()
    geo = client.get("/static/vendor/plotly-geo-assets.js")
    assert "PlotlyGeoAssets" in geo.text
    assert client.get("/static/web.css").status_code == 200


# ------------------------------------------------------------------------------------ API
def test_api_shapes(client: TestClient, codes: list[str]) -> None:
    levels = client.get("/api/levels").json()
    assert {"level", "version", "n", "with_geometry"} <= set(levels[0])
    assert any(r["level"] == "regso" and r["n"] == len(codes) for r in levels)

    area = client.get(f"/api/areas/{codes[0]}").json()
    assert area["area_code"] == codes[0] and area["level"] == "regso"
    assert area["indicators"] and {"value", "ci_low", "ci_high", "kommun_value"} <= set(
        area["indicators"][0]
    )
    assert area["index"]["rank"] >= 1 and area["index"]["class"] in range(1, 6)
    assert area["index"]["rank_p05"] <= area["index"]["rank_p95"]

    cat = client.get("/api/indicators").json()
    assert any(i["id"] == "low_econ_standard" and i["unit"] == "procent" for i in cat)

    vals = client.get(
        "/api/indicators/values",
        params={"level": "regso", "indicator": "low_econ_standard", "period": "2022"},
    ).json()
    assert vals["period"] == "2022" and vals["indicators"] == ["low_econ_standard"]
    assert len(vals["rows"]) == len(codes)
    assert all(r["masked"] in (True, False) for r in vals["rows"])

    ix = client.get("/api/index", params={"method": "scb-omradestyp", "level": "regso"}).json()
    assert ix["n"] == len(codes) and ix["period"] == ix["periods"][-1]
    ranks = sorted(r["rank"] for r in ix["rows"] if r["rank"] is not None)
    assert ranks[0] == 1 and ranks[-1] <= len(codes)
    assert ix["rows"][0]["components"] == {}
    # one synthetic city: classes relative to the city, never SCB's national type names
    assert ix["class_labels"]["1"] == "relativt staden: klass 1"
    full = client.get(
        "/api/index", params={"method": "scb-omradestyp", "level": "regso", "detail": "true"}
    ).json()
    assert "edu_low_25_64" in full["rows"][0]["components"]
    assert full["rows"][0]["class_label"] == full["class_labels"][str(full["rows"][0]["class"])]

    methods = client.get("/api/methods").json()
    assert {m["id"] for m in methods} >= {"scb-omradestyp", "brott-trygghet"}
    m = client.get("/api/methods/brott-trygghet").json()
    assert m["units"] == ["anmalda_brott", "trygghet"] and m["definition"]["id"] == "brott-trygghet"

    geo = client.get("/api/geojson", params={"level": "regso"})
    assert geo.headers["content-type"].startswith("application/geo+json")
    doc = geo.json()
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(codes)
    lon, lat = _first_xy(doc["features"][0]["geometry"]["coordinates"])
    assert 10 < lon < 25 and 55 < lat < 70  # EPSG:4326 (Sweden), not SWEREF 99 TM


def _first_xy(coords: Any) -> tuple[float, float]:
    while isinstance(coords[0], list):
        coords = coords[0]
    return float(coords[0]), float(coords[1])


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/api/levels",
        "/api/areas",
        "/api/areas/{code}",
        "/api/indicators",
        "/api/indicators/values",
        "/api/index",
        "/api/index/explore",
        "/api/methods",
        "/api/methods/{method_id}",
        "/api/geojson",
    ):
        assert p in paths, p
    assert "post" in spec["paths"]["/api/index/explore"]
    assert "/karta" not in paths  # pages are not API
    assert client.get("/docs").status_code == 200


# --------------------------------------------------------------------------------- errors
def test_error_mapping(client: TestClient) -> None:
    r = client.get("/api/areas/NOPE123")
    assert r.status_code == 404
    assert r.json() == {
        "error": "NotFoundError",
        "detail": "det finns inget område med koden 'NOPE123' i datalagret"
        " / there is no area with code 'NOPE123' in the store",
    }
    r = client.get("/api/areas", params={"level": "planet"})
    assert r.status_code == 422 and r.json()["error"] == "InputError"
    assert "planet" in r.json()["detail"]
    r = client.get("/api/indicators/values", params={"level": "planet"})
    assert r.status_code == 422
    r = client.get("/api/methods/no-such-method")
    assert r.status_code == 404
    r = client.get("/api/index", params={"period": "1850"})
    assert r.status_code == 422 and "1850" in r.json()["detail"]
    r = client.post("/api/index/explore", json={"draws": 10_000})
    assert r.status_code == 422 and r.json()["error"] == "RequestValidationError"
    r = client.get("/omrade/NOPE123", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "NOPE123" in r.text and "Traceback" not in r.text
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.json()["error"] == "NotFound"


def test_status_table() -> None:
    from omradesbild.errors import (
        ConfigError,
        InputError,
        MethodError,
        MissingDependencyError,
        NotFoundError,
        StoreError,
    )
    from omradesbild.web.errors import status_for

    assert status_for(InputError("x")) == 422
    assert status_for(MethodError("x")) == 422
    assert status_for(ConfigError("x")) == 422
    assert status_for(NotFoundError("x")) == 404
    assert status_for(StoreError("x")) == 503
    assert status_for(MissingDependencyError("x")) == 501
    assert status_for(ValueError("x")) is None


def test_missing_store_is_503(tmp_path: Path) -> None:
    app = create_app(WebSettings(store_path=tmp_path / "none.duckdb"), warm=False)
    with TestClient(app) as c:
        r = c.get("/api/levels")
    assert r.status_code == 503 and r.json()["error"] == "StoreError"


# ------------------------------------------------------------------------ method explorer
def test_explore_changed_weights_change_ranking(client: TestClient) -> None:
    base = client.post("/api/index/explore", json={"method": "scb-omradestyp"}).json()
    assert base["n_class_changed"] == 0
    assert all(r["rank"] == r["base_rank"] for r in base["rows"])
    body = {
        "method": "scb-omradestyp",
        "level": "regso",
        "weights": {"edu_low_25_64": 8, "low_econ_standard": 1, "ekbist_longterm_20_64": 1},
        "draws": 60,
    }
    r = client.post("/api/index/explore", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["weights"]["edu_low_25_64"] == pytest.approx(0.8)
    assert any(row["rank"] != row["base_rank"] for row in out["rows"])
    assert out["uncertainty"]["draws"] == 60
    assert all(row["rank_p05"] <= row["rank_p95"] for row in out["rows"] if row["rank_p05"])
    sub = client.post(
        "/api/index/explore",
        json={"method": "scb-omradestyp", "indicators": ["edu_low_25_64", "low_econ_standard"]},
    ).json()
    assert sub["indicators"] == ["edu_low_25_64", "low_econ_standard"]
    assert any(row["rank"] != row["base_rank"] for row in sub["rows"])
    # An indicator unticked in the explorer: its weight (still sent) has nothing to weigh.
    unticked = client.post(
        "/api/index/explore",
        json={
            "method": "scb-omradestyp",
            "indicators": ["edu_low_25_64", "low_econ_standard"],
            "weights": {"edu_low_25_64": 0.333, "low_econ_standard": 0.333,
                        "ekbist_longterm_20_64": 0.333},
        },
    )  # fmt: skip
    assert unticked.status_code == 200, unticked.text
    assert unticked.json()["weights"] == pytest.approx(
        {"edu_low_25_64": 0.5, "low_econ_standard": 0.5}
    )
    assert [r["rank"] for r in unticked.json()["rows"]] == [r["rank"] for r in sub["rows"]]
    themed = client.post(
        "/api/index/explore",
        json={"method": "brott-trygghet", "weights": {"anmalda_brott": 1, "trygghet": 0}},
    )
    assert themed.status_code == 200, themed.text
    bad = client.post(
        "/api/index/explore", json={"method": "scb-omradestyp", "weights": {"nope": 1}}
    )
    assert bad.status_code == 422 and bad.json()["error"] == "InputError"
    assert "tillåtna värden: edu_low_25_64" in bad.json()["detail"]
    zero = client.post(
        "/api/index/explore",
        json={
            "method": "scb-omradestyp",
            "weights": {"edu_low_25_64": 0, "low_econ_standard": 0, "ekbist_longterm_20_64": 0},
        },
    )
    assert zero.status_code == 422


def _selected_version(html: str) -> list[str]:
    """The values of the level picker's selected options."""
    picker = re.search(r'<select name="version">(.*?)</select>', html, flags=re.S)
    assert picker is not None
    return re.findall(r'<option value="([^"]+)" selected>', picker.group(1))


def test_level_pickers_lead_to_their_own_boundary_version(client: TestClient) -> None:
    """Exempelstad holds DeSO 2018 (150 areas) and DeSO 2025 (154): the option 'DeSO
    (deso2025)' of /karta and /metod showed DeSO 2018, whose value was the level alone. Each
    option's value is now its version, the page and the method explorer use it, and the
    start page's table of levels links each version's map."""
    html = client.get("/karta", params={"version": "deso2025"}, headers=HTML).text
    assert _selected_version(html) == ["deso2025"]
    assert "Indelning: DeSO (deso2025)" in unescape(re.sub(r"<[^>]+>", "", html))
    assert len(re.findall(r'<tr data-area="([^"]+)">', html)) == 154
    html = client.get("/karta", params={"version": "exempelstad2024"}, headers=HTML).text
    assert _selected_version(html) == ["exempelstad2024"]
    assert len(re.findall(r'<tr data-area="([^"]+)">', html)) == 8
    html = client.get("/metod", params={"version": "deso2025", "lang": "en"}, headers=HTML).text
    assert _selected_version(html) == ["deso2025"]
    assert 'data-level="deso" data-version="deso2025"' in html
    assert "Boundaries: DeSO (deso2025)" in unescape(re.sub(r"<[^>]+>", "", html))
    body = {"method": "scb-omradestyp", "level": "deso"}
    assert client.post("/api/index/explore", json=body).json()["n_areas"] == 150
    out = client.post("/api/index/explore", json={**body, "version": "deso2025"}).json()
    assert out["n_areas"] == 154
    start = client.get("/", headers=HTML).text
    assert "/karta?level=deso&version=deso2025&" in start


# ------------------------------------------------------------------------------ downloads
def test_downloads(client: TestClient) -> None:
    r = client.get("/api/export/indicators.csv", params={"level": "regso", "period": "2022"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    head = r.text.splitlines()[0].split(",")
    assert {"area_code", "area_name", "indicator", "value", "masked"} <= set(head)
    r = client.get("/api/export/index.csv")
    assert r.status_code == 200 and "rank" in r.text.splitlines()[0]
    assert not any(c.endswith("_norm") for c in r.text.splitlines()[0].split(","))
    j = client.get("/api/export/indicators.json", params={"period": "2022"}).json()
    assert j["metadata"]["disclosure_threshold"] == 5 and j["indicators"]
    x = client.get("/api/export/excel.xlsx", params={"period": "2022"})
    assert x.status_code == 200 and x.content[:2] == b"PK"


# ------------------------------------------------------------------------------- settings
def test_settings_from_env(tmp_path: Path) -> None:
    from omradesbild.errors import ConfigError

    env = {
        "OMRADESBILD_DB": str(tmp_path / "city.duckdb"),
        "OMRADESBILD_LANG": "en",
        "OMRADESBILD_DRAWS": "100",
        "OMRADESBILD_COOKIE_SECURE": "yes",
    }
    s = WebSettings.from_env(env)
    assert s.lang == "en" and s.draws == 100 and s.cookie_secure is True
    assert s.partners_url == f"sqlite:///{tmp_path / 'city-partners.sqlite'}"
    assert s.partners_url == default_partners_url(tmp_path / "city.duckdb")
    assert len(s.secret_key) >= 32 and s.production is False
    with pytest.raises(ConfigError, match="OMRADESBILD_SECRET_KEY"):
        WebSettings.from_env({"OMRADESBILD_PRODUCTION": "1"})
    prod = WebSettings.from_env({"OMRADESBILD_PRODUCTION": "1", "OMRADESBILD_SECRET_KEY": "k" * 40})
    assert prod.cookie_secure is True
    with pytest.raises(ConfigError, match="OMRADESBILD_LANG"):
        WebSettings.from_env({"OMRADESBILD_LANG": "de"})
    with pytest.raises(ConfigError, match="OMRADESBILD_PRODUCTION"):
        WebSettings.from_env({"OMRADESBILD_PRODUCTION": "maybe"})
    pg = WebSettings.from_env({"OMRADESBILD_PARTNERS_URL": "postgresql+psycopg://u@h/db"})
    assert pg.partners_url.startswith("postgresql+psycopg://")


def test_app_state(client: TestClient, store: Path) -> None:
    app = client.app
    assert app.state.store_path == store  # type: ignore[attr-defined]
    assert app.state.settings.store_path == store  # type: ignore[attr-defined]
    assert hasattr(app.state, "partners_engine")  # type: ignore[attr-defined]


def test_large_tables_are_served_gzip_compressed(client: TestClient) -> None:
    import gzip
    import json

    params = {"level": "deso"}
    plain = client.get("/api/areas", params=params, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.get(
        "/api/areas", params=params, headers={"Accept-Encoding": "gzip"}, extensions={}
    )
    assert raw.headers.get("content-encoding") == "gzip"
    assert raw.json() == plain.json()  # httpx decodes it: same content
    assert len(gzip.compress(plain.content)) < len(plain.content)
    assert json.loads(plain.content)


def _indicator_labels(html: str) -> dict[str, str]:
    rows = re.findall(r'<li data-indicator="([^"]+)"><span>([^<]+)</span>', html)
    return {i: unescape(label) for i, label in rows}


@pytest.mark.parametrize("method", ["cdc-svi-2018", "imd-2019"])
def test_method_page_names_the_indicators_in_the_page_language(
    client: TestClient, method: str
) -> None:
    from omradesbild.services.level import method_by_id

    m = method_by_id(method)
    sv = _indicator_labels(client.get(f"/metod?method={method}").text)
    en = _indicator_labels(client.get(f"/metod?method={method}&lang=en").text)
    assert sv == {i.id: i.label_sv for i in m.indicators}
    assert en == {i.id: i.label_en for i in m.indicators}
    assert all(sv[k] != en[k] for k in sv)


def _theme_titles(html: str) -> dict[str, str]:
    rows = re.findall(r'<li data-theme="([^"]+)"><span>([^<]+)</span>', html)
    return {i: unescape(title) for i, title in rows}


@pytest.mark.parametrize("method", ["cdc-svi-2018", "brott-trygghet"])
def test_method_page_names_the_themes_in_the_page_language(client: TestClient, method: str) -> None:
    from omradesbild.services.level import method_by_id

    m = method_by_id(method)
    sv = _theme_titles(client.get(f"/metod?method={method}").text)
    en = _theme_titles(client.get(f"/metod?method={method}&lang=en").text)
    assert sv == {t.id: t.title_sv for t in m.resolved_themes()} and len(sv) > 1
    assert en == {t.id: t.title_en for t in m.resolved_themes()}
    assert all(sv[k] != en[k] for k in sv)


def test_apps_with_other_draws_do_not_share_cached_answers(
    client: TestClient, store: Path, codes: list[str]
) -> None:
    # the module's app (10 draws) has answered first and its answers are cached; an app in
    # the same process on the same store without draws computes its own
    with_draws = client.get(f"/api/areas/{codes[0]}").json()["index"]
    assert with_draws["rank_p05"] is not None
    settings = WebSettings(store_path=store, draws=0, rate_limit_per_minute=0)
    with TestClient(create_app(settings, warm=False)) as other:
        without = other.get(f"/api/areas/{codes[0]}").json()["index"]
        page = other.get(f"/omrade/{codes[0]}").text
    assert without["rank"] == with_draws["rank"]
    assert without["rank_p05"] is None and without["rank_p95"] is None
    assert page != client.get(f"/omrade/{codes[0]}").text
