"""The static report site on the synthetic city: pages, offline assets, languages, disclosure."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from markupsafe import escape

from conftest import page_text
from helpers import english_words
from omradesbild.config import AREA_TYPE_COLOURS
from omradesbild.measures.segregation import population_by_type, segregation_indices
from omradesbild.reports import charts
from omradesbild.services.geometry import display_geojson, dissolve_by_links

if TYPE_CHECKING:
    from omradesbild.services.city import CityData

# http(s) URLs pointing anywhere; the W3C namespaces in inline SVG are not fetched.
URL_RE = re.compile(r"https?://[^\s\"'<>)]+")
NAMESPACES = ("http://www.w3.org/",)


@pytest.fixture(scope="module")
def demo_db(demo_store: Path) -> Path:
    return demo_store


@pytest.fixture(scope="module")
def city_sv(demo_db: Path) -> CityData:
    """Every RegSO of the synthetic city, in Swedish (computed once; tests that change
    anything change a copy)."""
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_db, read_only=True) as store:
        return load_city(store, level="regso", draws=20)


@pytest.fixture(scope="module")
def site_sv(city_sv: CityData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from omradesbild.reports.site import build_site

    out = tmp_path_factory.mktemp("site_sv")
    ticks: list[tuple[int, int]] = []
    res = build_site(city_sv, out, progress=lambda done, total: ticks.append((done, total)))
    assert len(res.profiles) == 45
    assert ticks == [(i, 45) for i in range(1, 46)]  # one tick per profile written
    return out


@pytest.fixture(scope="module")
def site_en(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import typer
    from typer.testing import CliRunner

    from omradesbild.cli.report import report

    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("report")(report)
    out = tmp_path_factory.mktemp("site_en")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--level",
            "regso",
            "--lang",
            "en",
            "--out",
            str(out),
            "--draws",
            "20",
            "--areas",
            "9999R001",
            "--areas",
            "9999R020",
            "--db",
            str(demo_db),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 områdesprofiler" in result.output
    return out


def _figures(html: str) -> dict[str, dict[str, object]]:
    m = re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_every_page_exists(site_sv: Path, demo_db: Path) -> None:
    from omradesbild.store import Store

    with Store(demo_db, read_only=True) as store:
        codes = set(store.areas(level="regso", version="regso2020")["area_code"])
    pages = {p.stem for p in (site_sv / "profiles").glob("*.html")}
    assert pages == codes
    index = (site_sv / "index.html").read_text(encoding="utf-8")
    assert "Samlad lägesbild" in index
    for code in codes:
        assert f'href="profiles/{code}.html"' in index


def test_offline_assets_and_no_external_urls(site_sv: Path) -> None:
    assets = site_sv / "assets"
    plotly_js = assets / "plotly.min.js"
    assert plotly_js.stat().st_size > 1_000_000
    assert plotly_js.read_bytes()[:200].decode("utf-8", "replace").count("plotly.js") == 1
    assert (assets / "site.css").exists() and (assets / "geo.js").exists()
    # the area types' colours, from the configuration (one sheet for the site and the web)
    types_css = (assets / "area-types.css").read_text(encoding="utf-8")
    for k, colour in enumerate(AREA_TYPE_COLOURS, start=1):
        assert f".swatch.type-{k} {{ background: {colour};" in types_css
    assert ".swatch" not in (assets / "site.css").read_text(encoding="utf-8")
    assert 'href="assets/area-types.css"' in (site_sv / "index.html").read_text(encoding="utf-8")
    for path in site_sv.rglob("*"):
        if not path.is_file() or path.name == "plotly.min.js":
            continue
        content = path.read_text(encoding="utf-8")
        urls = [u for u in URL_RE.findall(content) if not u.startswith(NAMESPACES)]
        assert urls == [], f"{path.relative_to(site_sv)} refers to {urls[:3]}"
        if path.suffix == ".html":
            # Every script and style sheet is a local relative file that exists.
            for ref in re.findall(r'(?:src|href)="([^"#]+)"', content):
                assert (path.parent / ref).resolve().exists(), f"{path.name}: {ref} missing"
            assert "<link" not in content.replace('<link rel="stylesheet" href="', "")  # only CSS


def test_overview_size_and_geojson_once(site_sv: Path) -> None:
    index = site_sv / "index.html"
    geo = site_sv / "assets" / "geo.js"
    assert index.stat().st_size + geo.stat().st_size < 5_000_000
    text = geo.read_text(encoding="utf-8")
    gj = json.loads(text.removeprefix("window.OMRADESBILD_GEO=").rstrip(";"))
    assert len(gj["features"]) == 45
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0][0]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    # The GeoJSON is not inlined in the pages: maps refer to the shared file.
    html = index.read_text(encoding="utf-8")
    figs = _figures(html)
    assert figs["map-index"]["data"][0]["geojson"] == charts.GEO_REF  # type: ignore[index]
    assert figs["map-index"]["layout"]["geo"]["visible"] is False  # type: ignore[index]
    assert '"coordinates"' not in html


def test_charts_have_stable_ids_and_valid_figures(site_sv: Path) -> None:
    import plotly.graph_objects as go

    html = (site_sv / "profiles" / "9999R004.html").read_text(encoding="utf-8")
    figs = _figures(html)
    divs = re.findall(r'<div class="plot[^"]*"[^>]*data-chart="([^"]+)"', html)
    assert set(divs) == set(figs)
    assert f'data-charts-expected="{len(figs)}"' in html
    assert "document.body.dataset.chartsDrawn" in html
    assert {"map-area", "rank", "drivers", "headline", "type-history"} <= set(figs)
    assert "trend-low_econ_standard" in figs
    for name, fig in figs.items():
        data = [
            dict(tr, geojson={"type": "FeatureCollection", "features": []})
            if isinstance(tr, dict) and tr.get("geojson") == charts.GEO_REF
            else tr
            for tr in fig["data"]  # type: ignore[union-attr]
        ]
        go.Figure(data=data, layout=fig["layout"])  # raises on an invalid figure
        assert name


def test_profile_rank_interval_and_sources(site_sv: Path, demo_db: Path) -> None:
    from omradesbild.index import load_method
    from omradesbild.services.pipeline import IndexSelection, area_index
    from omradesbild.store import Store

    with Store(demo_db, read_only=True) as store:
        idx = area_index(store, IndexSelection(load_method("scb-omradestyp"), "regso", "2024"))
    row = idx.set_index("area_code").loc["9999R004"]
    html = (site_sv / "profiles" / "9999R004.html").read_text(encoding="utf-8")
    m = re.search(r'data-rank="(\d+)" data-rank-low="(\d+)" data-rank-high="(\d+)"', html)
    assert m is not None
    rank, low, high = map(int, m.groups())
    assert rank == int(row["rank"])
    assert low <= high and low >= 1 and high <= 45
    assert f"{low}–{high}" in html
    assert "Datakällor och metodversioner" in html
    assert "SCB" in html and "scb-omradestyp 1.0" in html
    assert "Inga registrerade." in html


def test_disclosure_rule_on_every_page(site_sv: Path, site_en: Path) -> None:
    from omradesbild.reports.disclosure import disclosure_rule_text

    for site, lang in ((site_sv, "sv"), (site_en, "en")):
        rule = disclosure_rule_text(5, lang)
        for page in [site / "index.html", *(site / "profiles").glob("*.html")]:
            html = page.read_text(encoding="utf-8")
            assert 'id="disclosure-rule"' in html
            assert str(escape(rule)) in html


def test_english_build(site_en: Path) -> None:
    pages = sorted(p.name for p in (site_en / "profiles").glob("*.html"))
    assert pages == ["9999R001.html", "9999R020.html"]
    index = (site_en / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index
    for heading in (
        "Overall picture",
        "Ranking with uncertainty",
        "Gaps between areas",
        "Priority list",
    ):
        assert heading in index
    assert "Samlad lägesbild" not in index
    profile = (site_en / "profiles" / "9999R020.html").read_text(encoding="utf-8")
    for heading in ("What drives the index", "Trends over time", "None registered."):
        assert heading in profile


def test_masked_values_are_not_published(demo_db: Path) -> None:
    """With a high threshold, suppressed indicator values are not shown on the profiles."""
    from omradesbild.reports.profile import load_site_data
    from omradesbild.store import Store

    with Store(demo_db, read_only=True) as store:
        data = load_site_data(store, level="regso", draws=0, threshold=200, areas=["9999R001"])
    ind = data.pic.indicators.indicators
    masked = ind[ind["masked"]]
    assert len(masked) > 0
    assert masked["value"].isna().all()
    assert all(isinstance(r.masked, bool) for r in data.pic.references.values())
    profile = data.profile("9999R001")
    shown = [v for v in profile.indicator_history if v.masked]
    assert shown and all(v.value is None and v.ci_low is None for v in shown)


def test_partners_hook_and_area_without_geometry(city_sv: CityData, tmp_path: Path) -> None:
    from omradesbild.reports.site import build_site

    # One profile of the whole level, as ``areas=["9999R001"]`` gives it (the scope stays
    # every area), its area without a geometry; the shared city data is left as it was.
    areas = city_sv.areas.copy()
    areas.loc[areas["area_code"] == "9999R001", "has_geometry"] = False
    data = dataclasses.replace(city_sv, areas=areas, profile_codes=["9999R001"])
    assert data.has_geometry() == city_sv.has_geometry() - {"9999R001"}
    res = build_site(
        data,
        tmp_path,
        partners=lambda code: [
            {
                "date": "2024-05-01",
                "partner": "Bostadsbolaget",
                "kind": "insats",
                "text": f"Trygghetsvandring {code}",
            }
        ],
    )
    html = res.profiles[0].read_text(encoding="utf-8")
    assert "Trygghetsvandring 9999R001" in html
    assert "Karta saknas" in html and 'data-chart="map-area"' not in html


def test_segregation_indices_match_formulas() -> None:
    counts = pd.DataFrame(
        {
            "group": "g",
            "area_code": ["a", "b", "c"],
            "x": [10.0, 0.0, 30.0],
            "t": [100.0, 100.0, 50.0],
        }
    )
    out = segregation_indices(counts).iloc[0]
    x, t = np.array([10.0, 0.0, 30.0]), np.array([100.0, 100.0, 50.0])
    d = 0.5 * np.abs(x / x.sum() - (t - x) / (t.sum() - x.sum())).sum()
    assert out["dissimilarity"] == pytest.approx(d)
    even = segregation_indices(counts.assign(x=[10.0, 10.0, 5.0])).iloc[0]
    assert even["dissimilarity"] == pytest.approx(0.0) and even["theil"] == pytest.approx(0.0)
    apart = segregation_indices(counts.assign(x=[100.0, 0.0, 0.0])).iloc[0]
    assert apart["dissimilarity"] == pytest.approx(1.0) and apart["theil"] == pytest.approx(1.0)
    seg = pytest.importorskip("segregation.singlegroup")
    frame = counts.rename(columns={"x": "grp", "t": "tot"})
    assert out["dissimilarity"] == pytest.approx(seg.Dissim(frame, "grp", "tot").statistic)
    assert out["theil"] == pytest.approx(seg.Entropy(frame, "grp", "tot").statistic)


def test_population_by_type_suppresses_small_counts() -> None:
    idx = pd.DataFrame(
        {"area_code": ["a", "b", "c"], "class": [1, 2, 2], "class_label": ["T1", "T2", "T2"]}
    )
    pop = pd.Series({"a": 3.0, "b": 100.0, "c": 50.0})
    out = population_by_type(idx, pop, threshold=5)
    assert out["n_areas"].tolist() == [1, 2]
    assert np.isnan(out.loc[0, "population"]) and out.loc[1, "population"] == 150.0


def test_display_geometry_and_dissolve() -> None:
    sq = [
        shapely.box(0, 0, 1000, 1000),
        shapely.box(1000, 0, 2000, 1000),
        shapely.box(0, 1000, 1000, 2000),
    ]
    base = gpd.GeoDataFrame(
        {"area_code": ["d1", "d2", "d3"]}, geometry=[*sq[:2], None], crs="EPSG:3006"
    ).set_geometry(
        [
            shapely.affinity.translate(g, 670000, 6580000) if g is not None else None
            for g in [*sq[:2], None]
        ]
    )
    links = pd.DataFrame(
        {"from_code": ["d1", "d2", "d3"], "to_code": ["r1", "r1", "r2"], "weight": 1.0}
    )
    out = dissolve_by_links(base, links)
    assert out["area_code"].tolist() == ["r1"]  # r2 lacks its only polygon
    assert out.geometry.iloc[0].area == pytest.approx(2_000_000)
    gj = display_geojson(out, tolerance=10, decimals=5)
    ring = gj["features"][0]["geometry"]["coordinates"][0]
    assert gj["features"][0]["id"] == "r1"
    assert all(round(c, 5) == c for pt in ring for c in pt)
    assert 17 < ring[0][0] < 20 and 59 < ring[0][1] < 60


def test_plotly_locale_only_on_swedish_sites(site_sv: Path, site_en: Path) -> None:
    from omradesbild.reports.plotly_assets import plotly_locale_js
    from omradesbild.wording import text

    locale = site_sv / "assets" / "plotly-locale-sv.js"
    assert locale.read_text(encoding="utf-8") == plotly_locale_js("sv")
    assert text("plotly_ui_share", "sv") in locale.read_text(encoding="utf-8")
    ref = '<script src="{}assets/plotly-locale-sv.js"></script>'
    assert ref.format("") in (site_sv / "index.html").read_text(encoding="utf-8")
    profile = (site_sv / "profiles" / "9999R020.html").read_text(encoding="utf-8")
    assert ref.format("../") in profile
    assert not (site_en / "assets" / "plotly-locale-sv.js").exists()
    for page in (site_en / "index.html", site_en / "profiles" / "9999R020.html"):
        assert "plotly-locale" not in page.read_text(encoding="utf-8")


def test_goals_that_cannot_be_evaluated_are_listed_in_the_report(
    demo_db: Path, tmp_path: Path
) -> None:
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city
    from omradesbild.store import Store
    from omradesbild.wording import text

    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "version: 1\ngoals:\n"
        "  - {id: gap_imd, kind: gap, title_sv: Gap enligt IMD, title_en: Gap by IMD,"
        " indicator: not_employed_16_64, group_a: [1], group_b: [5], method: imd-2019,"
        " base_year: 2018, target_year: 2030, target_relative_change: -0.5}\n"
        "  - {id: no_such, kind: indicator, title_sv: Okänd indikator, title_en: Unknown,"
        " indicator: no_such_indicator, area_code: 9999R001, base_year: 2018,"
        " target_year: 2030, target_value: 1}\n",
        encoding="utf-8",
    )
    with Store(demo_db, read_only=True) as store:
        data = load_city(
            store, level="regso", draws=0, areas=["9999R001", "9999R020"], goals_path=goals
        )
        build_site(data, tmp_path / "site")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    method = text("goals_skip_method", "sv", goal_method="imd-2019", method="scb-omradestyp")
    missing = text("goals_skip_indicator", "sv", indicator="no_such_indicator")
    assert text("goals_skipped", "sv") in index
    assert f'id="goal-skipped-gap_imd">Gap enligt IMD: {method}</li>' in index
    assert f'id="goal-skipped-no_such">Okänd indikator: {missing}</li>' in index


def test_area_type_swatches_show_the_number(site_sv: Path) -> None:
    """Area types are not told apart by colour alone: each swatch shows its number."""
    index = (site_sv / "index.html").read_text(encoding="utf-8")
    ranking = index[index.index('id="ranking"') : index.index('id="population-by-type"')]
    swatch = r'<tr class="type-(\d)">.*?<span class="swatch type-(\d)">(\d)</span>'
    rows = re.findall(swatch, ranking)
    assert len(rows) == 45 and all(a == b == c for a, b, c in rows)
    pop = index[index.index('id="population-by-type"') :]
    pop = pop[: pop.index("</section>")]
    shown = re.findall(r'<span class="swatch type-(\d)" aria-hidden="true">(\d)</span> ', pop)
    assert len(shown) >= 3 and all(a == b for a, b in shown)


def test_footer_names_the_package_and_its_version_once(site_sv: Path, site_en: Path) -> None:
    """Every page's footer says which version of the package made it, naming the package once
    ("… med omradesbild omradesbild 0.1.0" before)."""
    from omradesbild import __version__

    for site, word in ((site_sv, "med"), (site_en, "with")):
        for page in (site / "index.html", next((site / "profiles").glob("*.html"))):
            footer = re.search(r'<p class="generated">([^<]*)</p>', page.read_text("utf-8"))
            assert footer is not None
            assert footer.group(1).endswith(f" {word} omradesbild {__version__}."), footer.group(1)


def test_method_and_versions_in_the_sites_language(
    city_sv: CityData, site_sv: Path, site_en: Path, tmp_path: Path
) -> None:
    """The methods list (overview and profiles) words the catalogue version and the
    Monte-Carlo settings in the site's language ("indicator catalogue v1; Monte Carlo: 20
    draws, seed 0" on Swedish pages before), with the method's title in that language, and
    says when no draws were made."""
    from omradesbild import __version__
    from omradesbild.reports.site import build_site

    info = city_sv.method_info
    assert (info.draws, info.seed, info.catalogue_version) == (20, 0, 1)
    sv_line = f"omradesbild {__version__}; indikatorkatalog v1; Monte Carlo: 20 dragningar, "
    sv_line += "slumptalsfrö 0"
    en_line = f"omradesbild {__version__}; indicator catalogue v1; Monte Carlo: 20 draws, seed 0"
    for site, line, title, other in (
        (site_sv, sv_line, info.title_sv, "draws"),
        (site_en, en_line, info.title_en, "dragningar"),
    ):
        for page in (site / "index.html", next((site / "profiles").glob("*.html"))):
            text = page_text(page.read_text(encoding="utf-8"))
            assert line in text, page
            assert f"{info.method} – {title}" in text
            assert other not in text
    none = dataclasses.replace(
        city_sv, method_info=info.model_copy(update={"draws": 0}), profile_codes=["9999R001"]
    )
    build_site(none, tmp_path / "none")
    text = page_text((tmp_path / "none" / "index.html").read_text(encoding="utf-8"))
    assert "; Monte Carlo: inga dragningar" in text and "slumptalsfrö" not in text


def test_swedish_pages_hold_no_english_words(site_sv: Path) -> None:
    """No visible text of the Swedish site (overview and every profile) is English: the
    methods line said "indicator catalogue v1; … 500 draws, seed 0" on every page."""
    pages = [site_sv / "index.html", *sorted((site_sv / "profiles").glob("*.html"))]
    found: dict[str, set[str]] = {}
    for page in pages:
        if hit := english_words(page_text(page.read_text(encoding="utf-8"))):
            found[page.name] = hit
    assert len(pages) == 46 and not found, found


def test_source_licences_and_kinds_in_the_sites_language(site_sv: Path, site_en: Path) -> None:
    """The store keeps language-neutral licence codes; each site words them in its language."""
    sv = page_text((site_sv / "index.html").read_text(encoding="utf-8"))
    en = page_text((site_en / "index.html").read_text(encoding="utf-8"))
    assert "öppna data, se utgivarens villkor" in sv and "offentlig handling" in sv
    assert "Polisens utsatta områden 2023 (gränser)" in sv
    assert "DeSO deso2018: gränser" in sv and "se utgivarens villkor" in sv
    for english in ("open data, see the publisher's terms", "(boundaries)", "publisher's terms"):
        assert english not in sv
    assert "open-data" not in sv and "public-record" not in sv
    assert "open data, see the publisher's terms" in en and "public record" in en
    assert "Polisens utsatta områden 2023 (boundaries)" in en
    assert "öppna data" not in en and "(gränser)" not in en


def test_map_hover_texts_keep_the_published_precision(site_sv: Path) -> None:
    """The maps' hover texts show a score at its method's decimals and an indicator value
    at the indicator's, with a decimal comma, as the tables of the pages do."""
    from omradesbild.config import AREA_TYPE_METHOD
    from omradesbild.precision import indicator_decimals, score_decimals

    digits = score_decimals(AREA_TYPE_METHOD)
    assert digits == 2
    number = rf"−?\d+,\d{{{digits}}}"
    figs = _figures((site_sv / "index.html").read_text(encoding="utf-8"))
    hover = figs["map-index"]["data"][0]["text"]  # type: ignore[index]
    assert hover and all(re.fullmatch(rf".+ \(\w+\): ({number}|–)", h) for h in hover), hover[:3]
    assert any(re.search(number + "$", h) for h in hover)
    # The profile's city map, the same hover on every profile of the kommun.
    profile = _figures((site_sv / "profiles" / "9999R001.html").read_text(encoding="utf-8"))
    city = profile["map-area"]["data"][0]["text"]  # type: ignore[index]
    assert city and all(re.fullmatch(rf".+: ({number}|–)", h) for h in city), city[:3]
    # The indicator layers: each at its own precision, never the raw stored float.
    layers = figs["map-indicators"]["data"]  # type: ignore[index]
    from omradesbild.services.area import catalogue_names

    ids = {name: i for i, name in catalogue_names("sv")[0].items()}
    for layer in layers:
        d = indicator_decimals(ids[layer["name"]])
        pattern = r"−?\d{1,3}(?:\u202f\d{3})*" + (rf",\d{{{d}}}" if d else "")
        # '..' a suppressed value, '–' a missing one
        assert all(re.fullmatch(rf".+: ({pattern}|–|\.\.)", h) for h in layer["text"]), (
            layer["name"],
            layer["text"][:3],
        )


def test_profile_figures_json_writes_shared_parts_as_each_page_would() -> None:
    """The parts many profiles share (the city's map, the references, the layouts) are
    written once per run, each page's JSON the same as writing its figures whole."""
    from omradesbild.reports.figure_json import SharedParts, figures_json, script_json

    def city(scores: list[float | None]) -> charts.Figure:
        codes = ["A1", "A2", "A3"]
        hover = [f"{c} </script>: {s}" for c, s in zip(codes, scores, strict=True)]
        return charts.city_map((codes, scores, hover))

    def figures(city_fig: charts.Figure, code: str, value: float, kommun: float) -> charts.Figure:
        per = ["2019", "2020", "2022"]
        return {
            "map-area": charts.outlined(city_fig, code),
            "trend-x": charts.trend_lines(
                per, [value, 2.0, None], [1.0, None, None], [3.0, None, None],
                kommun=(per, [kommun, 1.5, 2.5]), country=(per, [0.0, -0.0, 1.25]),
                title="X </b>", unit="%", shared=shared,
            ),
            "dots": charts.headline_dots(
                ["a", "b"], [value, 1.0], [None, 0.5], [None, 1.5], [kommun, 2.0],
                [-0.0, float("nan")], shared=shared,
            ),
            "rank": charts.rank_interval(2, 1, 3, 3),
        }  # fmt: skip

    shared = SharedParts()
    one = city([1.0, None, 2.5])
    shared.add(one["data"][0])
    shared.add(one["layout"])
    pages = [
        figures(one, "A1", 1.0, 1.25),
        figures(one, "A2", 2.0, 1.25),  # the same references: shared objects
        figures(city([1.0, 3.0, 2.5]), "A3", 2.0, 1.25),  # another city, not shared
        figures(one, "A1", 1.0, -0.0),  # a kommun's zero keeps its sign
        figures(one, "A1", 1.0, 0.0),
    ]
    a, b = pages[0]["trend-x"]["data"], pages[1]["trend-x"]["data"]
    assert a[-2] is b[-2] and a[-1] is not b[-1]  # the kommun's line; the country has zeros
    assert pages[0]["trend-x"]["layout"] is pages[1]["trend-x"]["layout"]
    assert pages[0]["dots"]["data"][1] is pages[1]["dots"]["data"][1]
    for figs in pages + pages[:1]:
        expected = script_json(figs)
        assert figures_json(figs, shared) == expected
        assert script_json(figs) == expected  # the figures are left as they were
    assert '"y":[-0.0,1.5,2.5]' in figures_json(pages[3], shared)
    assert '"y":[0.0,1.5,2.5]' in figures_json(pages[4], shared)
    assert figures_json({"rank": pages[0]["rank"]}, shared) == script_json(
        {"rank": pages[0]["rank"]}
    )
