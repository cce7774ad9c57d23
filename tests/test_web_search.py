"""Find by name in the web app, on the synthetic city: the search page and /api/search,
the pickers (names first, codes second), the start page's police list × area type, the
area page's one order of drivers, and maps that open the clicked area."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from conftest import page_text  # noqa: E402
from helpers import HTML, module_client  # noqa: E402
from omradesbild.services.search import fold  # noqa: E402
from omradesbild.wording import text  # noqa: E402


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(demo_store, tmp_path_factory, draws=10)


@pytest.fixture(scope="module")
def regso(client: TestClient) -> list[tuple[str, str]]:
    """(code, name) of the synthetic city's RegSO."""
    rows = client.get("/api/areas?level=regso").json()
    return [(r["area_code"], r["name"]) for r in rows]


def _section(html: str, sid: str) -> str:
    start = html.index(f'id="{sid}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_search_goes_straight_to_the_area(client: TestClient, regso: list[tuple[str, str]]) -> None:
    code, name = regso[0]
    label = f"{name} (Exempelstad) — RegSO, {code}"
    for q in (name, name.upper(), fold(name), code.lower(), label):
        r = client.get("/sok", params={"q": q}, headers=HTML, follow_redirects=False)
        assert r.status_code == 303, (q, r.text[:300])
        assert r.headers["location"] == f"/omrade/{code}?lang=sv", q
    # The start page's old form (/omrade?code=) is the same search; it keeps the language.
    r = client.get("/omrade", params={"code": name, "lang": "en"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/omrade/{code}?lang=en")
    r = client.get("/sok", params={"q": fold(name)}, headers=HTML)
    assert r.status_code == 200 and f"{name} ({code})" in r.text  # the area page


def test_several_hits_are_listed_names_first(client: TestClient) -> None:
    r = client.get("/sok", params={"q": "del av"}, headers=HTML)
    assert r.status_code == 200
    hits = re.findall(r'<li data-area="([^"]+)" data-level="([^"]+)">(.*?)</li>', r.text)
    assert len(hits) > 1 and {lv for _, lv, _ in hits} == {"deso"}
    for code, _, li in hits:
        shown = page_text(li)
        assert shown.startswith("del av ") and shown.endswith(f"DeSO, {code}"), shown
        assert f'href="/omrade/{code}?lang=sv"' in li
    assert "områden matchar" in page_text(r.text)


def test_no_match_is_a_page_not_an_error(client: TestClient) -> None:
    for lang, needle in (("sv", "Inget område matchar ”zzqx”."), ("en", "No area matches “zzqx”.")):
        r = client.get("/sok", params={"q": "zzqx", "lang": lang}, headers=HTML)
        assert r.status_code == 200
        shown = page_text(r.text)
        assert needle in shown
        assert text("search_hint", lang, example="X", code="Y").split("(")[0] in shown
    r = client.get("/omrade", params={"code": "0180R036"}, headers=HTML)  # not in this store
    assert r.status_code == 200 and "0180R036" in page_text(r.text)
    empty = client.get("/sok", headers=HTML)
    assert empty.status_code == 200 and text("search_help", "sv") in page_text(empty.text)
    long = client.get("/sok", params={"q": "a" * 101}, headers=HTML)
    assert long.status_code == 422 and "högst 100 tecken" in page_text(long.text)
    assert client.get("/sok", params={"q": "x", "level": "nope"}).status_code == 422


def test_indicators_are_found_by_swedish_name(client: TestClient) -> None:
    r = client.get("/sok", params={"q": "låg ekonomisk"}, headers=HTML)
    assert r.status_code == 200
    shown = page_text(_section(r.text, "search"))
    assert "Inget område matchar ”låg ekonomisk”." in shown
    item = re.search(r'<li data-indicator="low_econ_standard">(.*?)</li>', r.text)
    assert item is not None
    assert '<a href="/karta?layer=low_econ_standard&amp;lang=sv">' in item.group(1)
    assert page_text(item.group(1)) == "Andel med låg ekonomisk standard low_econ_standard"
    assert client.get("/karta?layer=low_econ_standard", headers=HTML).status_code == 200


def test_api_search(client: TestClient, regso: list[tuple[str, str]]) -> None:
    code, name = regso[0]
    r = client.get("/api/search", params={"q": fold(name)})
    assert r.status_code == 200
    body = r.json()
    assert body["target"] == code and body["n_found"] == len(body["hits"])
    first = body["hits"][0]
    assert first["code"] == code and first["name"] == name and first["match"] == "name"
    assert first["label"].startswith(name) and first["label"].endswith(code)
    assert first["url"] == f"/omrade/{code}?lang=sv"
    some = client.get("/api/search", params={"q": "del av", "limit": 3}).json()
    assert len(some["hits"]) == 3 and some["n_found"] > 3 and some["target"] is None
    en = client.get("/api/search", params={"q": "part of", "lang": "en"}).json()
    assert en["n_found"] == some["n_found"]
    assert client.get("/api/search", params={"q": "zzqx"}).json()["hits"] == []
    regso_only = client.get("/api/search", params={"q": "del", "level": "regso"}).json()
    assert all(h["level"] == "regso" for h in regso_only["hits"])
    for bad in ({"q": ""}, {"q": "a" * 101}, {"q": "x", "limit": 0}, {"q": "x", "level": "x"}):
        assert client.get("/api/search", params=bad).status_code == 422, bad
    assert "/api/search" in client.get("/openapi.json").json()["paths"]


def test_compare_takes_names(client: TestClient, regso: list[tuple[str, str]]) -> None:
    (c1, n1), (c2, _) = regso[:2]
    r = client.get("/jamfor", params=[("find", fold(n1)), ("find", c2)], follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert r.headers["location"] == f"/jamfor?areas={c1}&areas={c2}&lang=sv"
    r = client.get(r.headers["location"], headers=HTML)
    head = _section(r.text, "compare-index")
    assert f'href="/omrade/{c1}?lang=sv"' in head and f'href="/omrade/{c2}?lang=sv"' in head
    assert f'name="find" value="{c1}"' in r.text  # the fields show the areas compared
    bad = client.get("/jamfor", params=[("find", "del av"), ("find", c2)], headers=HTML)
    assert bad.status_code == 422
    assert "matchar flera områden" in bad.text
    assert client.get("/jamfor", params=[("find", "zzqx"), ("find", c2)]).status_code == 422


def test_pickers_show_names_first(client: TestClient) -> None:
    start = client.get("/", headers=HTML).text
    choose = _section(start, "choose")
    assert 'action="/sok"' in choose and "data-area-search" in choose
    assert re.search(r'<input name="q"[^>]*list="start-search-areas"', choose)
    assert '<datalist id="start-search-areas">' in choose
    assert "/static/search.js" in start and 'action="/sok"' in start.split("<main>")[0]
    compare = client.get("/jamfor", headers=HTML).text
    assert compare.count("data-area-search") == 5  # four fields and the menu's search
    karta = client.get("/karta", headers=HTML).text
    assert ">RegSO (regso2020)</option>" in karta
    assert "(scb-omradestyp)</option>" in karta
    # The index layer is named by the method's title, not its id.
    assert '<option value="index" selected>Index: Områdestyper – socioekonomiskt index' in karta
    assert ">Index: scb-omradestyp<" not in karta
    # The map's table: the name (linked) first, the code second.
    row = re.search(r'<tr data-area="([^"]+)"><td><a href="/omrade/\1\?lang=sv">([^<]+)</a></td>'
                    r'<td class="note">\1</td>', karta)  # fmt: skip
    assert row is not None
    metod = client.get("/metod", headers=HTML).text
    assert "(scb-omradestyp)</option>" in metod and ">RegSO (regso2020)</option>" in metod


def test_maps_open_the_clicked_area(client: TestClient) -> None:
    for path, div in (("/", "map-types"), ("/karta", "map")):
        html = client.get(path, headers=HTML).text
        tag = re.search(rf'<div id="{div}"[^>]*>', html)
        assert tag is not None, path
        assert 'data-link="/omrade/"' in tag.group(0) and 'data-lang="sv"' in tag.group(0)
    js = client.get("/static/web.js").text
    assert "plotly_click" in js and "responsive: true" in js


def test_start_page_police_list_by_type(client: TestClient) -> None:
    from omradesbild.services.lagesbild import police_types
    from omradesbild.web.views import get_data

    html = client.get("/", headers=HTML).text
    police = _section(html, "police")
    assert 'id="police-types"' in police
    table = re.search(r'<table class="data police-types">(.*?)</table>', police, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>(.*?)</tr>", table.group(1))
    data = get_data(type("R", (), {"app": client.app})())  # type: ignore[arg-type]
    pic = data.picture("scb-omradestyp", "regso")
    lv = pic.indicators
    scope = {c for c, k in lv.kommun.items() if k == "9999"}
    want, cols = police_types(pic, scope)
    assert want and len(rows) == len(want)
    for (period, _, cells), w in zip(rows, want, strict=True):
        assert period == w.period
        assert re.findall(r'<td class="num">(\d+)</td>', cells) == [str(n) for n in w.counts]
    heads = re.findall(r"<th>Områdestyp (\d)</th>", table.group(1))
    assert heads == [str(c) for c in cols]
    assert text("police_types_note", "sv") in page_text(police)


def test_drivers_in_one_order(client: TestClient, regso: list[tuple[str, str]]) -> None:
    code = regso[0][0]
    html = client.get(f"/omrade/{code}", headers=HTML).text
    summary = re.search(r'<dd class="drivers">(.*?)</dd>', html, re.S)
    table = re.search(r'<table class="data small drivers">(.*?)</table>', html, re.S)
    assert summary is not None and table is not None
    top = re.findall(r'data-driver="([^"]+)"', summary.group(1))
    listed = re.findall(r'data-driver="([^"]+)"', table.group(1))
    assert len(top) == 3 and listed[:3] == top
    values = [
        float(v.replace(",", ".").replace("−", "-"))
        for v in re.findall(r'<td class="num">([^<]+)</td>', table.group(1))
    ]
    assert values == sorted(values, reverse=True)


def test_partner_forms_pick_areas_by_name(demo_store: Path, tmp_path: Path) -> None:
    from helpers import log_in, web_client

    with web_client(demo_store, tmp_path / "p.sqlite", draws=0) as c:
        log_in(c)
        for path, key in (("/bidrag", "contrib_areas_field"), ("/insatser", "iv_area_codes")):
            html = c.get(path, headers=HTML).text
            codes = re.search(r'<input name="area_codes" id="area_codes-field"[^>]*>', html)
            assert codes is not None and "required" in codes.group(0), path
            picker = re.search(r'<input list="area_codes-picker"[^>]*>', html)
            assert picker is not None, path
            assert 'data-area-add="area_codes-field"' in picker.group(0)
            assert "data-area-search" in picker.group(0)
            assert '<datalist id="area_codes-picker">' in html
            shown = page_text(html)
            assert text(key, "sv") in shown and text("search_add_area", "sv") in shown
