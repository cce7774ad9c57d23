"""Swedish throughout: method texts, error pages, Plotly's toolbar; trend charts on a time axis."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from helpers import HTML, web_client
from omradesbild.index import load_method, shipped_methods
from omradesbild.reports.plotly_assets import PLOTLY_UI_PREFIX, plotly_locale_js
from omradesbild.wording import strings

LOCALE = "/static/vendor/plotly-locale-sv.js"


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("swedish")
    with web_client(demo_store, folder / "p.sqlite", draws=20) as c:
        yield c


def test_every_method_file_has_a_swedish_description() -> None:
    for name in shipped_methods():
        m = load_method(name)
        assert m.description_sv and m.description_sv != m.description, name
        assert m.description_in("sv") == m.description_sv
        assert m.description_in("en") == m.description


def test_method_page_in_swedish_and_english(client: TestClient) -> None:
    sv = client.get("/metod?method=scb-omradestyp", headers=HTML).text
    en = client.get("/metod?method=scb-omradestyp&lang=en", headers=HTML).text
    m = load_method("scb-omradestyp")

    def shown(html: str) -> str:
        found = re.search(r'<p class="method-description"[^>]*>(.*?)</p>', html, re.S)
        assert found, html[:300]
        return unescape(found.group(1))

    assert shown(sv) == m.description_sv and "medelvärdet" in shown(sv)
    assert shown(en) == m.description and "mean" in shown(en)


def test_403_and_404_pages_are_swedish_with_english_on_request(client: TestClient) -> None:
    sv = strings("sv")
    en = strings("en")
    missing = client.get("/insatser/999/uppfoljning", headers=HTML)
    assert missing.status_code == 404
    assert f"404 – {sv['http_404']}" in missing.text and sv["http_404_text"] in missing.text
    missing_en = client.get("/insatser/999/uppfoljning?lang=en", headers=HTML)
    assert f"404 – {en['http_404']}" in missing_en.text and sv["http_404"] not in missing_en.text
    # A request without the CSRF token is refused (403) with the Swedish page.
    refused = client.post("/bidrag/1/moderera", data={"decision": "approve"}, headers=HTML)
    assert refused.status_code == 403
    assert f"403 – {sv['http_403']}" in refused.text and sv["http_403_text"] in refused.text
    refused_en = client.post("/bidrag/1/moderera?lang=en", data={"decision": "approve"},
                             headers=HTML)  # fmt: skip
    assert refused_en.status_code == 403 and f"403 – {en['http_403']}" in refused_en.text


def test_plotly_toolbar_locale_is_served_offline_and_swedish(client: TestClient) -> None:
    js = client.get(LOCALE)
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    body = js.text
    assert body == plotly_locale_js("sv")
    locale = json.loads(body[body.index("register(") + 9 : body.index("),window.Plotly.set")])
    assert locale["name"] == "sv" and locale["format"]["decimal"] == ","
    words = locale["dictionary"]
    assert words["Reset axes"] == "Återställ axlarna" and words["Zoom in"] == "Zooma in"
    keys = [k for k in strings("en") if k.startswith(PLOTLY_UI_PREFIX)]
    assert len(words) == len(keys) >= 20
    # Every English key is one of plotly.js's own words, else the translation is never used.
    plotly_js = (resources.files("plotly") / "package_data" / "plotly.min.js").read_text("utf-8")
    for english in words:
        assert f'"{english}"' in plotly_js, english
    code = client.get("/api/areas?level=regso").json()[0]["area_code"]
    page = client.get(f"/omrade/{code}", headers=HTML).text
    scripts = re.findall(r'<script src="([^"?]+)', page)
    assert scripts.index(LOCALE) == scripts.index("/static/vendor/plotly.min.js") + 1
    assert LOCALE not in client.get(f"/omrade/{code}?lang=en", headers=HTML).text


def test_area_page_trend_charts_use_a_time_axis_and_bands(client: TestClient) -> None:
    code = client.get("/api/areas?level=regso").json()[0]["area_code"]
    page = client.get(f"/omrade/{code}", headers=HTML).text
    found = re.search(r'<script type="application/json" id="figures"[^>]*>(.*?)</script>', page,
                      re.S)  # fmt: skip
    assert found
    figures = json.loads(found.group(1))
    trends = {k: v for k, v in figures.items() if k.startswith("trend-")}
    assert trends
    for key, fig in trends.items():
        axis = fig["layout"]["xaxis"]
        assert axis["type"] == "linear", key
        assert axis["tickvals"] == sorted(axis["tickvals"]), key
        assert [str(int(x)) for x in axis["tickvals"]] == axis["ticktext"], key
    assert any(t.get("fill") == "toself" for f in trends.values() for t in f["data"])
    assert re.search(r'<details class="trend-group" data-domain="[^"]+" open>', page)
