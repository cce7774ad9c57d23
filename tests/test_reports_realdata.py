"""The report site on the real data: Stockholm (DeSO 2018 and RegSO) and Göteborg (RegSO).

Profile counts are checked against SCB's DeSO 2018 → RegSO 2020 key in the store; the
overview must stay under 5 MB; Stockholm has maps (DeSO 2018 polygons, RegSO dissolved from
them), Göteborg's RegSO 2020 has no polygons in the data, so its maps are absent with a note.
One Stockholm profile is opened in headless Chromium, and one is printed to PDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_helpers import CHART_COUNTS_JS, POLL_MS
from omradesbild.indicators import default_catalogue
from omradesbild.reports.profile import SiteData
from omradesbild.reports.site import SiteResult

DRAWS = 10  # rank intervals are drawn; their count is not what is tested here


@pytest.fixture(scope="module")
def key_counts(real_store: Path) -> dict[tuple[str, str], int]:
    """Number of DeSO 2018 and RegSO 2020 areas per kommun, from SCB's key in the store."""
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        links = store.links()
    key = links[(links["from_version"] == "deso2018") & (links["to_version"] == "regso2020")]
    out: dict[tuple[str, str], int] = {}
    for kommun in ("0180", "1480"):
        deso = key.loc[key["from_code"].str.startswith(kommun), "from_code"]
        regso = key.loc[key["to_code"].str.startswith(kommun), "to_code"]
        out[(kommun, "deso")] = deso.nunique()
        out[(kommun, "regso")] = regso.nunique()
    return out


@pytest.fixture(scope="module")
def built(
    real_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[SiteResult, SiteData]]]:
    from omradesbild.reports.profile import load_site_data
    from omradesbild.reports.site import build_site
    from omradesbild.store import Store

    runs = {
        "sthlm-deso": ("deso", "0180"),
        "sthlm-regso": ("regso", "0180"),
        "gbg-regso": ("regso", "1480"),
    }
    out: dict[str, tuple[SiteResult, SiteData]] = {}
    with Store(real_store, read_only=True) as store:
        for name, (level, kommun) in runs.items():
            data = load_site_data(store, level=level, kommun=kommun, draws=DRAWS)
            res = build_site(data, tmp_path_factory.mktemp(name))
            out[name] = (res, data)
    yield out


def test_profile_counts_match_scb_key(
    built: dict[str, tuple[SiteResult, SiteData]], key_counts: dict[tuple[str, str], int]
) -> None:
    assert key_counts[("0180", "deso")] == 544
    assert len(built["sthlm-deso"][0].profiles) == 544
    assert len(built["sthlm-regso"][0].profiles) == key_counts[("0180", "regso")]
    assert len(built["gbg-regso"][0].profiles) == key_counts[("1480", "regso")]
    assert 100 < key_counts[("0180", "regso")] < 544
    for res, _ in built.values():
        for p in res.profiles[:3] + res.profiles[-3:]:
            assert p.exists() and p.stat().st_size > 5_000


def test_overviews_are_small(built: dict[str, tuple[SiteResult, SiteData]]) -> None:
    for name, (res, _) in built.items():
        assert res.index.exists()
        assert 0 < res.overview_mb < 5, f"{name}: overview {res.overview_mb:.2f} MB"


def test_maps_present_for_stockholm_absent_for_goteborg(
    built: dict[str, tuple[SiteResult, SiteData]],
) -> None:
    for name in ("sthlm-deso", "sthlm-regso"):
        res, data = built[name]
        html = res.index.read_text(encoding="utf-8")
        assert 'data-chart="map-index"' in html
        assert (res.out / "assets" / "geo.js").exists()
        assert data.geojson is not None
        # Stockholm: (nearly) every area has a shape.
        assert data.areas["has_geometry"].mean() > 0.95
    assert built["sthlm-regso"][1].geometry_dissolved  # RegSO shapes from DeSO 2018
    res, data = built["gbg-regso"]
    html = res.index.read_text(encoding="utf-8")
    assert 'data-chart="map-index"' not in html
    assert 'class="note map-missing"' in html
    assert data.geojson is None
    assert not (res.out / "assets" / "geo.js").exists()
    profile = res.profiles[0].read_text(encoding="utf-8")
    assert 'data-chart="map-area"' not in profile and "map-missing" in profile


def _figures(html: str) -> dict[str, Any]:
    import json
    import re

    m = re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S)
    assert m is not None
    return dict(json.loads(m.group(1)))


def test_overview_map_shows_suppressed_values_as_suppressed(
    built: dict[str, tuple[SiteResult, SiteData]],
) -> None:
    """The overview's map of an indicator says '..' for Husby's suppressed offence rates
    (fewer than five reported offences in 2022), as the rule on the page does: it said '–',
    the sign of a missing value; a missing value still reads '–'."""
    res, data = built["sthlm-regso"]
    layers = _figures(res.index.read_text(encoding="utf-8"))["map-indicators"]["data"]
    ind = data.pic.indicators.indicators
    rows = ind[ind["period"] == data.period]
    masked = rows[rows["masked"].astype(bool)]
    husby = masked[masked["area_code"] == "0180R036"]
    assert not husby.empty  # e.g. sabotage against emergency services
    names = {layer["name"]: layer for layer in layers}
    label = {i.id: i.name_sv for i in default_catalogue().indicators}
    seen = 0
    for indicator in husby["indicator"]:
        layer = names[label[indicator]]
        text = dict(zip(layer["locations"], layer["text"], strict=True))
        assert text["0180R036"] == "Husby: ..", (indicator, text["0180R036"])
        seen += 1
    assert seen == len(husby)
    # Every suppressed value of the maps reads '..'; no other does.
    hidden = {(r.indicator, r.area_code) for r in masked.itertuples()}
    by_label = {label[i]: i for i in label}
    for layer in layers:
        i = by_label[layer["name"]]
        for code, text in zip(layer["locations"], layer["text"], strict=True):
            assert text.endswith(": ..") == ((i, code) in hidden), (i, code, text)


def test_stockholm_profile_draws_in_browser(
    built: dict[str, tuple[SiteResult, SiteData]], offline_page: tuple[Any, list[str]]
) -> None:
    page, outside = offline_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    res, data = built["sthlm-regso"]
    code = data.profile_codes[len(data.profile_codes) // 2]
    page.goto((res.out / "profiles" / f"{code}.html").as_uri())
    page.wait_for_function(
        "document.body.dataset.chartsDrawn !== undefined", timeout=30_000, polling=POLL_MS
    )
    drawn = int(page.evaluate("document.body.dataset.chartsDrawn"))
    assert drawn == int(page.evaluate("document.body.dataset.chartsExpected")) > 0
    plots = {chart: counts for chart, *counts in page.evaluate(CHART_COUNTS_JS)}
    assert plots["map-area"][2] > 100  # the city's area shapes on the area's map
    assert [c for c, (_, n_paths, _) in plots.items() if n_paths == 0] == []
    assert errors == []
    assert outside == []


def test_stockholm_deso_pdf(built: dict[str, tuple[SiteResult, SiteData]], tmp_path: Path) -> None:
    from omradesbild.reports.pdf import PdfProfiles, render_pdf

    _, data = built["sthlm-deso"]
    code = data.profile_codes[100]
    profiles = PdfProfiles(data)
    html = profiles.html(code)
    assert code in html and "SYNTETISKA" not in html
    assert html.count('<path d="M') > 500  # the city's 544 DeSO on the small map
    doc = render_pdf(html)
    assert 1 <= len(doc.pages) <= 4
    out = profiles.write(code, tmp_path)  # timings: benchmarks/bench_pdf.py
    assert out.read_bytes().startswith(b"%PDF-")
