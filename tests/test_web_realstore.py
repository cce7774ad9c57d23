"""The web app on the store built from the real files: what only the national data shows
(3 363 RegSO, thousands in the numbers)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from conftest import page_text  # noqa: E402
from helpers import HTML, module_client  # noqa: E402

HUSBY = "0180R036"


@pytest.fixture(scope="module")
def client(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(real_store, tmp_path_factory, draws=10)


@pytest.mark.parametrize(("lang", "n"), [("sv", "3 363"), ("en", "3,363")])
def test_the_rank_is_written_alike_in_the_summary_and_the_index_box(
    client: TestClient, lang: str, n: str
) -> None:
    """Husby's rank among the 3 363 RegSO: the summary and the index box below it both
    write the count with the page's thousands separator."""
    html = client.get(f"/omrade/{HUSBY}?lang={lang}", headers=HTML).text
    summary = re.search(r'<dd class="rank">(.*?)</dd>', html, flags=re.S)
    box = re.search(r'<td class="num rank">(.*?)</td>', html, flags=re.S)
    assert summary is not None and box is not None
    of = "av" if lang == "sv" else "of"
    assert f" {of} {n}" in page_text(summary.group(1))
    assert page_text(box.group(1)).endswith(f" {of} {n}")
    rank = page_text(box.group(1)).split(f" {of} ")[0]
    assert page_text(summary.group(1)).startswith(f"{rank} {of} {n}")


@pytest.mark.parametrize(("lang", "n"), [("sv", "3 363"), ("en", "3,363")])
def test_the_comparison_writes_the_rank_with_the_thousands_separator(
    client: TestClient, lang: str, n: str
) -> None:
    html = client.get(f"/jamfor?areas={HUSBY}&areas=0180R076&lang={lang}", headers=HTML).text
    row = re.search(r"<tr><th>(?:Rang|Rank)</th>(.*?)</tr>", html, flags=re.S)
    assert row is not None
    of = "av" if lang == "sv" else "of"
    cells = [page_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]
    assert len(cells) == 2 and all(c.endswith(f" {of} {n}") for c in cells), cells


DISSOLVED = "sammanslagna enligt SCB:s nyckel"  # the wording's map_dissolved (Swedish)


def _ranked(html: str) -> set[str]:
    """The codes in the start page's ranking table (every area of the kommun)."""
    return set(re.findall(r'<tr class="type-[^"]*" data-area="([^"]+)"', html))


def _first_point(geometry: dict[str, Any]) -> tuple[float, float]:
    rings = geometry["coordinates"]
    ring = rings[0] if geometry["type"] == "Polygon" else rings[0][0]
    return float(ring[0][0]), float(ring[0][1])


def test_stockholm_regso_is_drawn_from_deso_2018_shapes(client: TestClient) -> None:
    """The store holds no RegSO 2020 polygons: the start page, /karta and the map data draw
    Stockholm's RegSO dissolved from the DeSO 2018 polygons (as the reports do) and say so."""
    html = client.get("/?kommun=0180", headers=HTML).text
    stockholm = _ranked(html)
    assert len(stockholm) > 100 and all(c.startswith("0180R") for c in stockholm)
    assert 'id="map-types"' in html and "map-missing" not in html
    assert DISSOLVED in page_text(html)
    figures = re.search(r'id="figures"[^>]*>(.*?)</script>', html, flags=re.S)
    assert figures is not None
    located = set(json.loads(figures.group(1))["map-types"]["data"][0]["locations"])
    assert located == stockholm  # every area of Stockholm has a type and a shape

    geo = client.get("/api/geojson?level=regso&version=regso2020").json()
    ids = {str(f["id"]) for f in geo["features"]}
    assert stockholm <= ids
    assert not any(i.startswith("1480") for i in ids)  # no Göteborg DeSO 2018 polygons
    husby = next(f for f in geo["features"] if f["id"] == HUSBY)
    assert husby["properties"]["name"] == "Husby"
    lon, lat = _first_point(husby["geometry"])
    assert 17.85 < lon < 17.98 and 59.39 < lat < 59.42  # north-west Stockholm

    karta = client.get("/karta?level=regso", headers=HTML).text
    assert '<div id="map"' in karta and DISSOLVED in page_text(karta)


def test_goteborg_regso_keeps_the_note_on_missing_boundaries(client: TestClient) -> None:
    html = client.get("/?kommun=1480", headers=HTML).text
    assert len(_ranked(html)) > 100
    assert 'id="map-types"' not in html
    assert 'class="note map-missing"' in html
    text = page_text(html)
    assert "Lagret har inga gränser för områdena" in text and DISSOLVED not in text


def test_the_area_page_and_the_downloads_write_the_same_figures(client: TestClient) -> None:
    """Husby's key figures read the same on its page and in the indicator CSV (rounded to
    each indicator's precision, point for comma); the full-precision CSV and the JSON API
    keep every digit."""
    import csv
    import io

    html = client.get(f"/omrade/{HUSBY}", headers=HTML).text
    period = re.search(r'<section id="headline">\s*<h2>[^<]*?(\d{4})</h2>', html)
    assert period is not None
    rows = re.findall(r'<tr class="[^"]*" data-indicator="([^"]+)">(.*?)</tr>', html, re.S)
    shown = {
        ind: [page_text(c) for c in re.findall(r'<td class="num">(.*?)</td>', row, re.S)]
        for ind, row in rows
    }
    assert len(shown) >= 5
    params = {"level": "regso", "period": period.group(1)}
    export = "/api/export/indicators.csv"
    rounded = list(csv.DictReader(io.StringIO(client.get(export, params=params).text)))
    full = list(
        csv.DictReader(io.StringIO(client.get(export, params=params | {"precision": "full"}).text))
    )
    mine = {r["indicator"]: r for r in rounded if r["area_code"] == HUSBY}
    mine_full = {r["indicator"]: r for r in full if r["area_code"] == HUSBY}
    compared = 0
    for ind, cells in shown.items():
        if ind not in mine or not mine[ind]["value"]:
            continue
        value, interval = cells[0], cells[1]
        as_csv = value.replace("\u202f", "").replace(",", ".")
        assert as_csv == mine[ind]["value"], (ind, value, mine[ind]["value"])
        if mine[ind]["ci_low"]:
            low, high = (v.replace("\u202f", "").replace(",", ".") for v in interval.split("–"))
            assert (low, high) == (mine[ind]["ci_low"], mine[ind]["ci_high"]), ind
        assert len(mine_full[ind]["value"]) >= len(mine[ind]["value"])
        compared += 1
    assert compared >= 5
    assert any(len(r["value"].partition(".")[2]) > 1 for r in mine_full.values() if r["value"])


def _changes(html: str) -> str:
    found = re.search(r'<dd class="changes">(.*?)</dd>', html, flags=re.S)
    assert found is not None
    return page_text(found.group(1))


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_change_box_does_not_deny_an_earlier_year_whose_values_are_suppressed(
    client: TestClient, lang: str
) -> None:
    """Husby has crime rates in 2021 and 2022, but none published in both years (each has
    a count of 1–4 in one of them): the summary says so, not that there is no earlier
    period to compare with."""
    html = client.get(f"/omrade/{HUSBY}?lang={lang}", headers=HTML).text
    box = _changes(html)
    assert "ingen tidigare period" not in box and "no earlier period" not in box
    if lang == "sv":
        assert "Inget nyckeltal har ett redovisat värde både 2021 och 2022" in box
        assert "Förändring sedan 2021" in page_text(html)
    else:
        assert "No indicator has a published value in both 2021 and 2022" in box
        assert "Change since 2021" in page_text(html)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_changes_none_of_which_could_be_tested_are_not_called_not_significant(
    client: TestClient, lang: str
) -> None:
    """Rinkeby's crime rates of 2021 rest on 2022's population (approximate): no change
    since 2021 can be tested, and the summary says that rather than 'no significant
    changes'."""
    box = _changes(client.get(f"/omrade/0180R076?lang={lang}", headers=HTML).text)
    assert "säkerställda" not in box and "No significant" not in box
    if lang == "sv":
        assert "Ingen av förändringarna sedan 2021 kan prövas statistiskt." in box
    else:
        assert "None of the changes since 2021 can be tested." in box


def _sections(html: str) -> dict[str, str]:
    """The downloads page's sections by 'level-version'."""
    found = re.findall(
        r'<section class="downloads" id="dl-([^"]+)">(.*?)</section>', html, flags=re.S
    )
    return dict(found)


def test_each_download_leads_to_its_own_boundary_version_and_years(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store holds DeSO 2018 and 2025, RegSO 2020 and 2025, four district layers and
    observations from 2000 to 2024. Each section's links name its version (the DeSO 2025
    file holds DeSO 2025 codes, not DeSO 2018's), offer only the years with indicators
    there (2020–2023, not 2000), the index only in its year (2022), and a version without
    indicators (RegSO 2025: no key leads there from DeSO) says so instead of linking to
    errors."""
    html = client.get("/nedladdning", headers=HTML).text
    sections = _sections(html)
    assert {"deso-deso2018", "deso-deso2025", "regso-regso2020", "regso-regso2025"} <= set(sections)
    for key, body in sections.items():
        level, version = key.split("-", 1)
        links = [u.replace("&amp;", "&") for u in re.findall(r'href="(/api/[^"]+)"', body)]
        assert all(f"level={level}&version={version}&" in u for u in links), key
    regso = sections["regso-regso2020"]
    years = re.findall(r"<tr><td>(\d{4})</td>", regso)
    assert years == ["2023", "2022", "2021", "2020"]
    index_years = re.findall(r"/api/export/index\.csv\?[^\"]*period=(\d{4})", regso)
    assert set(index_years) == {"2022"}
    assert "/api/" not in sections["regso-regso2025"]
    assert "Inga nyckeltal kan beräknas" in page_text(sections["regso-regso2025"])
    csv = client.get("/api/export/indicators.csv?level=deso&version=deso2025&period=2022")
    assert csv.status_code == 200
    codes = {line.split(",")[0] for line in csv.text.splitlines()[1:]}
    assert 0 < len(codes) <= 320 and all(c.startswith("1480") for c in codes)  # 320 DeSO 2025
    # The listing is computed once per store: the page again computes no level (a version
    # without indicators, an error the cache does not keep, was tried on every page: 1.5 s)
    from omradesbild.web import cache

    tried: list[object] = []
    level = cache._level
    monkeypatch.setattr(cache, "_level", lambda *a: tried.append(a) or level(*a))
    assert client.get("/nedladdning", headers=HTML).text == html
    assert tried == []


@pytest.mark.parametrize(("lang", "n"), [("sv", "3 363"), ("en", "3,363")])
def test_the_ranking_note_and_the_map_table_write_the_count_with_the_separator(
    client: TestClient, lang: str, n: str
) -> None:
    """The start page's note under the ranking ('among 3 363 areas') and the map's table
    ('All areas (3 363)') write the count as the area page's rank does ('135 of 3 363'),
    not '3363'."""
    start = page_text(client.get(f"/?kommun=0180&lang={lang}", headers=HTML).text)
    among = "bland" if lang == "sv" else "among"
    assert f"{among} {n} " in start and f"{among} 3363" not in start
    karta = page_text(client.get(f"/karta?lang={lang}", headers=HTML).text)
    assert f"({n})" in karta and "(3363)" not in karta


def test_english_pages_say_municipality_not_kommun(client: TestClient) -> None:
    """The English start page and area page call Stockholm a municipality, as their own
    'Municipality: Stockholm' does: the notes on partners' input and interventions and the
    trend charts' note said 'the kommun' (the level's id 'kommun' beside its name on the
    downloads page is a code, not a word of the page)."""
    for url in ("/?kommun=0180&lang=en", f"/omrade/{HUSBY}?lang=en"):
        words = re.findall(r"\w+", page_text(client.get(url, headers=HTML).text))
        assert "kommun" not in words, url


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_goal_anchored_at_a_year_the_index_lacks_says_so(client: TestClient, lang: str) -> None:
    """The example goal 'no RegSO of type 1 by 2030' anchors the types at 2018; the real
    store's index has 2022 only. The goals page follows the goal from 2022 and says so
    beside the base (it skipped the goal, while the command line anchored at 2022), never
    with the catch-all 'the goal cannot be computed with the data in the store'."""
    html = client.get(f"/mal?kommun=0180&lang={lang}", headers=HTML).text
    assert 'id="goal-no_regso_type1_2030"' in html
    assert 'id="goal-skipped-no_regso_type1_2030"' not in html
    body = page_text(html)
    if lang == "sv":
        assert "Basår 2022: 3 (basår 2018 saknas i indexet; 2022 används i stället)" in body
        assert "målet kan inte beräknas med data i lagret" not in body
    else:
        assert "Base 2022: 3 (base year 2018 is not in the index; 2022 is used instead)" in body
        assert "cannot be computed with the data in the store" not in body


def _level_picker(html: str) -> list[tuple[str, bool, str]]:
    """The level picker's options: (value, selected, label)."""
    picker = re.search(r'<select name="version">(.*?)</select>', html, flags=re.S)
    assert picker is not None
    found = re.findall(r'<option value="([^"]+)"( selected)?>([^<]*)</option>', picker.group(1))
    return [(v, bool(s), label) for v, s, label in found]


@pytest.mark.parametrize("path", ["/karta", "/metod"])
def test_each_level_option_leads_to_its_own_boundary_version(client: TestClient, path: str) -> None:
    """The store holds RegSO 2020 and 2025, DeSO 2018 and 2025 and four district layers.
    The level picker offers each version once, its value the version, only the shown one
    selected (both RegSO options were marked selected, since the value was the level
    alone); the page says which version it shows: 'RegSO (regso2025)' showed RegSO 2020,
    and a district layer was a 422."""
    stored = [(r["level"], r["version"]) for r in client.get("/api/levels").json()]
    html = client.get(path, headers=HTML).text
    options = _level_picker(html)
    assert [v for v, _, _ in options] == [v for _, v in stored]
    assert [v for v, s, _ in options if s] == ["regso2020"]
    assert "Indelning: RegSO (regso2020)" in page_text(html)
    html = client.get(path, params={"version": "deso2025"}, headers=HTML).text
    assert [v for v, s, _ in _level_picker(html) if s] == ["deso2025"]
    assert "Indelning: DeSO (deso2025)" in page_text(html)
    if path == "/karta":  # DeSO 2025's 320 areas, not DeSO 2018's 5 984
        assert "Alla områden (320)" in page_text(html)
        codes = re.findall(r'<tr data-area="([^"]+)">', html)
        assert len(codes) == 320 and all(c.startswith("1480") for c in codes)
    else:
        assert 'data-level="deso" data-version="deso2025"' in html
    # A version without indicators (no key leads there from DeSO 2018) says so, in the
    # page's language, whatever layer, method and year the form carried over.
    for version, level_sv, level_en in (
        ("regso2025", "RegSO", "RegSO"),
        ("malmo_delomraden", "stadsdel", "district"),
    ):
        for lang in ("sv", "en"):
            r = client.get(
                path,
                params={"version": version, "layer": "index", "period": "2022", "lang": lang},
                headers=HTML,
            )
            assert r.status_code == 200, r.text
            assert [v for v, s, _ in _level_picker(r.text) if s] == [version]
            text = page_text(r.text)
            if lang == "sv":
                assert f"Indelning: {level_sv} ({version})" in text
                assert f"Inga nyckeltal kan beräknas för {level_sv} ({version})" in text
            else:
                assert f"Boundaries: {level_en} ({version})" in text
                assert f"No indicators can be computed for {level_en} ({version})" in text


def test_a_version_without_indicators_is_known_once_per_store(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page asking again for a version without indicators (RegSO 2025) computes no level:
    that it has none is kept (an error is not), as the downloads page's listing is; it was
    computed again on every visit of /karta and /metod, under the computations' lock."""
    from omradesbild.web import cache

    for path in ("/karta", "/metod"):
        client.get(path, params={"version": "regso2025"}, headers=HTML)
    tried: list[object] = []
    level = cache._level
    monkeypatch.setattr(cache, "_level", lambda *a: tried.append(a) or level(*a))
    for path in ("/karta", "/metod"):
        r = client.get(path, params={"version": "regso2025"}, headers=HTML)
        assert r.status_code == 200 and "Inga nyckeltal kan beräknas" in page_text(r.text)
    assert tried == []


def test_a_version_not_of_the_level_is_refused_naming_the_levels_versions(
    client: TestClient,
) -> None:
    for path in ("/karta", "/metod"):
        r = client.get(path, params={"level": "regso", "version": "deso2018"})
        assert r.status_code == 422
        assert (
            "okänt värde 'deso2018' för version; tillåtna värden: regso2020, regso2025"
            in (r.json()["detail"])
        )
        r = client.get(path, params={"version": "nope"})
        assert r.status_code == 422
        assert (
            "tillåtna värden: deso2018, deso2025, goteborg_primaromraden2025"
            in (r.json()["detail"])
        )
    body = {"method": "scb-omradestyp", "level": "deso", "version": "deso2025"}
    r = client.post("/api/index/explore", json=body)
    assert r.status_code == 200 and r.json()["n_areas"] == 320
    r = client.post("/api/index/explore", json={**body, "version": "regso2020"})
    assert r.status_code == 422 and "tillåtna värden: deso2018, deso2025" in r.json()["detail"]
