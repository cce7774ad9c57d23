"""The report site in headless Chromium (offline, from file://) and the A4 PDF profiles.

The demo city is built once; the site is built for RegSO and DeSO (Swedish) and for two
RegSO profiles in English. Each page must draw every chart it announces, put SVG with drawn
content in every ``div.plot``, log no console error and send no request off the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from browser_helpers import CHART_COUNTS_JS, POLL_MS, own_lists
from omradesbild.reports.profile import SiteData

ENGLISH_PROFILES = ["9999R001", "9999R020"]
#: The RegSO profiles test_regso_profiles_draw opens (the site is built with these only).
REGSO_PROFILES = ["9999R001", "9999R033"]
#: Monte-Carlo draws of the rank intervals: enough to draw them, not what is tested here.
DRAWS = 10


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def demo_db(demo_store: Path) -> Path:
    return demo_store


@pytest.fixture(scope="module")
def regso_data(demo_db: Path) -> SiteData:
    from omradesbild.reports.profile import load_site_data
    from omradesbild.store import Store

    with Store(demo_db, read_only=True) as store:
        return load_site_data(store, level="regso", draws=DRAWS)


@pytest.fixture(scope="module")
def sites(
    demo_db: Path, regso_data: SiteData, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Folders of the RegSO (sv), DeSO (sv) and RegSO (en) sites, each with the profiles the
    tests open (every overview covers the whole city; test_demo builds all 45 profiles)."""
    from dataclasses import replace

    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    out = {k: tmp_path_factory.mktemp(f"site_{k}") for k in ("regso", "deso", "en")}
    with Store(demo_db, read_only=True) as store:
        build_site(replace(regso_data, profile_codes=REGSO_PROFILES), out["regso"])
        deso = load_city(store, level="deso", draws=DRAWS)
        build_site(replace(deso, profile_codes=deso.profile_codes[:1]), out["deso"])
        en = load_city(store, level="regso", lang="en", draws=DRAWS, areas=ENGLISH_PROFILES)
        build_site(en, out["en"])
    return out


@pytest.fixture(scope="module")
def site_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """One offline page (:func:`helpers.guarded_page`) for the module's drawing tests, each
    of which loads its own pages in it: the browser then compiles plotly.js (4.8 MB, each
    page loads it) once for them all, not once a test."""
    from helpers import guarded_page

    with guarded_page(browser) as shared:
        yield shared


@pytest.fixture()
def watched(site_page: tuple[Any, list[str]]) -> Iterator[tuple[Any, list[str], list[str]]]:
    """The offline page plus the requests that tried to leave the machine, the console
    errors and the uncaught exceptions of this test's pages (:func:`browser_helpers.own_lists`)."""
    page, outside = site_page
    with own_lists(page, outside, console=True) as errors:
        yield page, outside, errors


#: Each chart's name, and how many SVG roots, paths in them and area shapes it holds.
def _open_and_check(page: Any, path: Path) -> int:
    """Open ``path``, wait for the charts, check each plot's SVG; returns the chart count."""
    page.goto(path.as_uri())
    page.wait_for_function(
        "document.body.dataset.chartsDrawn !== undefined", timeout=30_000, polling=POLL_MS
    )
    drawn = int(page.evaluate("document.body.dataset.chartsDrawn"))
    expected = int(page.evaluate("document.body.dataset.chartsExpected"))
    assert drawn == expected > 0, f"{path.name}: drew {drawn} of {expected} charts"
    plots = page.evaluate(CHART_COUNTS_JS)
    assert len(plots) == expected
    for chart, n_svg, n_paths, n_areas in plots:
        assert n_svg > 0, f"{path.name}: {chart} has no SVG"
        assert n_paths > 0, f"{path.name}: {chart} has no drawn paths"
        if chart.startswith("map"):
            assert n_areas > 1, f"{path.name}: map {chart} has no area shapes"
    return drawn


def _not_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as im:
        grey = im.convert("L")
        lo, hi = grey.getextrema()
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert png.stat().st_size > 20_000
    assert hi - lo > 100, "screenshot has no contrast"
    assert len(colours) > 50, "screenshot is (nearly) one colour"


# ------------------------------------------------------------------------ site in browser
def test_overview_draws_offline(
    sites: dict[str, Path], watched: tuple[Any, list[str], list[str]], tmp_path: Path
) -> None:
    page, outside, errors = watched
    index = sites["regso"] / "index.html"
    drawn = _open_and_check(page, index)
    charts = set(page.eval_on_selector_all("div.plot", "ds => ds.map(d => d.dataset.chart)"))
    assert {"map-index", "map-indicators", "pop-by-type"} <= charts
    assert drawn >= 3
    png = tmp_path / "overview.png"
    page.screenshot(path=str(png), full_page=False)
    _not_blank(png)
    assert errors == []
    assert outside == []


@pytest.mark.parametrize(("site", "code"), [("regso", "9999R001"), ("regso", "9999R033")])
def test_regso_profiles_draw(
    sites: dict[str, Path], watched: tuple[Any, list[str], list[str]], site: str, code: str
) -> None:
    page, outside, errors = watched
    _open_and_check(page, sites[site] / "profiles" / f"{code}.html")
    charts = set(page.eval_on_selector_all("div.plot", "ds => ds.map(d => d.dataset.chart)"))
    assert {"map-area", "rank", "drivers", "headline", "type-history"} <= charts
    assert any(c.startswith("trend-") for c in charts)
    assert errors == []
    assert outside == []


def test_deso_site_draws(
    sites: dict[str, Path], watched: tuple[Any, list[str], list[str]], tmp_path: Path
) -> None:
    page, outside, errors = watched
    _open_and_check(page, sites["deso"] / "index.html")
    first = sorted((sites["deso"] / "profiles").glob("*.html"))[0]
    _open_and_check(page, first)
    png = tmp_path / "deso-profile.png"
    page.screenshot(path=str(png), full_page=True)
    _not_blank(png)
    assert errors == []
    assert outside == []


def test_english_site_has_english_headings(
    sites: dict[str, Path], watched: tuple[Any, list[str], list[str]]
) -> None:
    page, outside, errors = watched
    _open_and_check(page, sites["en"] / "index.html")
    h2 = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent.trim())")
    assert "Maps" in h2 and "Ranking with uncertainty" in h2
    assert "Kartor" not in h2
    _open_and_check(page, sites["en"] / "profiles" / f"{ENGLISH_PROFILES[1]}.html")
    h2 = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent.trim())")
    assert "Key figures compared with the municipality and Sweden" in h2
    assert "Rank and uncertainty" in h2
    assert page.evaluate("document.documentElement.lang") == "en"
    assert errors == []
    assert outside == []


# ------------------------------------------------------------------------------------ PDF
def test_profile_pdf(regso_data: SiteData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from omradesbild.reports import pdf
    from omradesbild.reports.pdf import PdfProfiles, render_pdf

    code = "9999R001"
    name = str(regso_data.areas.set_index("area_code").loc[code, "name"])
    profiles = PdfProfiles(regso_data)
    html = profiles.html(code)
    assert code in html and name in html
    assert "SYNTETISKA DATA" in html
    assert "Röjandekontroll" in html
    for section in ("map-rank", "drivers", "headline", "trends", "partners", "sources"):
        assert f'id="{section}"' in html
    assert html.count("<svg") >= 5  # map, rank, type history, drivers, dots, trends
    assert "https://" not in html and "http://" not in html.replace("http://www.w3.org/", "")
    doc = render_pdf(html)
    assert 1 <= len(doc.pages) <= 4
    assert doc.offline_fetcher.refused == []
    for page in doc.pages:  # A4 portrait in CSS px (96 per inch): 210 × 297 mm
        assert abs(page.width - 210 / 25.4 * 96) < 1
        assert abs(page.height - 297 / 25.4 * 96) < 1

    def laid_out(again: str) -> Any:
        """The document laid out above: ``write`` must lay out the same HTML (WeasyPrint's
        layout of a profile costs seconds and is checked above already)."""
        assert again == html
        return doc

    monkeypatch.setattr(pdf, "render_pdf", laid_out)
    out = profiles.write(code, tmp_path)
    assert out == tmp_path / f"{code}.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(data) > 10_000


def test_profile_pdf_english(regso_data: SiteData, tmp_path: Path) -> None:
    """The English PDF (its timing is measured by benchmarks/bench_pdf.py)."""
    from omradesbild.reports.pdf import PdfProfiles

    profiles = PdfProfiles(regso_data, "en")
    html = profiles.html("9999R020")
    assert "Key figures compared with the municipality and Sweden" in html
    assert "SYNTHETIC DATA" in html
    assert "Nyckeltal" not in html
    out = profiles.write("9999R020", tmp_path / "x.pdf")
    assert out.read_bytes().startswith(b"%PDF-")


def test_pdf_refuses_network(no_network: None) -> None:
    from omradesbild.reports.pdf import render_pdf

    html = (
        "<html><head><link rel='stylesheet' href='https://example.invalid/a.css'></head>"
        "<body><p>x</p><img src='http://example.invalid/x.png'></body></html>"
    )
    doc = render_pdf(html)
    assert sorted(doc.offline_fetcher.refused) == [
        "http://example.invalid/x.png",
        "https://example.invalid/a.css",
    ]
    assert len(doc.pages) == 1


def test_pdf_unknown_area(regso_data: SiteData, tmp_path: Path) -> None:
    from omradesbild.errors import NotFoundError
    from omradesbild.reports.pdf import PdfProfiles

    with pytest.raises(NotFoundError, match="9999R999"):
        PdfProfiles(regso_data).write("9999R999", tmp_path)


def test_cli_pdf_flag_and_link(demo_db: Path, tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "site"
    args = ["report", "--db", str(demo_db), "--out", str(out), "--draws", "0"]
    areas = ["--areas", "9999R001", "--areas", "9999R002"]
    code, stdout, stderr = cli([*args, *areas, "--pdf"])
    assert code == 0, stderr
    assert "2 PDF-profiler" in stdout
    for c in ("9999R001", "9999R002"):
        pdf = out / "profiles" / f"{c}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-")
        page = (out / "profiles" / f"{c}.html").read_text(encoding="utf-8")
        assert f'href="{c}.pdf"' in page
        assert "<!--pdf-link-->" not in page
    out2 = tmp_path / "site2"
    code, stdout, _ = cli(["report", "--db", str(demo_db), "--out", str(out2), "--draws", "0",
                           *areas, "--no-pdf"])  # fmt: skip
    assert code == 0
    assert not list((out2 / "profiles").glob("*.pdf"))
    assert ".pdf" not in (out2 / "profiles" / "9999R001.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- SVG helpers
@given(
    lo=st.floats(-1e6, 1e6, allow_nan=False),
    span=st.floats(1e-3, 1e6, allow_nan=False),
)
def test_ticks_cover_the_range(lo: float, span: float) -> None:
    from omradesbild.reports.svg import _ticks

    hi = lo + span
    ticks = _ticks(lo, hi, 4)
    assert 1 <= len(ticks) <= 12
    assert ticks == sorted(ticks)
    assert all(lo - 1e-9 * span <= t <= hi + 1e-9 * span for t in ticks)


def test_city_map_fits_and_highlights() -> None:
    from omradesbild.reports.svg import CityMap

    def square(code: str, x0: float, y0: float, d: float) -> dict[str, Any]:
        ring = [[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]
        return {"id": code, "geometry": {"type": "Polygon", "coordinates": [ring]}}

    feats = [
        square("A", 18.0, 59.3, 0.01),
        square("B", 18.01, 59.3, 0.01),
        square("C", 18.1, 59.4, 0.0001),
    ]
    cm = CityMap.from_features(feats, width=380, max_h=320)
    assert set(cm.paths) == {"A", "B", "C"}
    assert cm.height <= 320 + 1
    for d in cm.paths.values():
        nums = [float(v) for v in d.replace("M", " ").replace("Z", " ").split()]
        assert all(-0.1 <= v <= 380.1 for v in nums[0::2])
        assert all(-0.1 <= v <= cm.height + 0.1 for v in nums[1::2])
    svg = cm.svg({"A": 1.0, "B": 2.0, "C": None}, "C")
    assert svg.count("<path") == 4  # three areas + the outline of the highlighted one
    assert "<circle" in svg  # "C" is tiny: ringed so it can be found
    assert "#e6e8eb" in svg  # no value → grey
