"""One area, one picture: the web page, the API, the HTML profile and the PDF agree.

Real data, Stockholm: Husby (RegSO 0180R036) in 2022. Its police status follows the rule of
``omradesbild followup police`` (share of the residents inside the 2023 polygon, 0.81), so it
is "särskilt utsatt" in 2023 everywhere; the report used to compute it on its own from the
surface share (0.49) and said "inte listat".
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import page_text, pdf_text, squeeze
from omradesbild.services.city import CityData
from omradesbild.services.models import AreaProfile
from omradesbild.wording import Translator, fmt_num

HUSBY = "0180R036"
PERIOD = "2022"
DRAWS = 10  # rank intervals shown; their width is not what is tested here

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def city(real_store: Path) -> CityData:
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        return load_city(
            store, level="regso", kommun="0180", period=PERIOD, draws=DRAWS, areas=[HUSBY]
        )


@pytest.fixture(scope="module")
def husby(city: CityData) -> AreaProfile:
    return city.profile(HUSBY)


@pytest.fixture(scope="module")
def client(real_store: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    settings = WebSettings(store_path=real_store, draws=DRAWS)
    with TestClient(create_app(settings, warm=False)) as c:
        yield c


def test_husby_is_especially_vulnerable_in_2023(real_store: Path, husby: AreaProfile) -> None:
    """The profile's police status is the follow-up's (population share), not surface."""
    from omradesbild.config import POLICE_SHARE_THRESHOLD
    from omradesbild.services.followup import police_analysis
    from omradesbild.store import Store

    assert husby.police is not None and husby.police.known
    by_year = {p.period: p for p in husby.police.points}
    assert by_year["2023"].category == "sarskilt_utsatt"
    assert by_year["2023"].basis == "polygon"
    share = by_year["2023"].share
    assert share is not None and POLICE_SHARE_THRESHOLD <= share < 0.9
    with Store(real_store, read_only=True) as store:
        pa = police_analysis(store, level="regso", period=PERIOD, police_year="2023")
    row = pa.listed[(pa.listed["area_code"] == HUSBY) & (pa.listed["period"] == "2023")]
    assert row["on_list"].item() and row["category"].item() == "sarskilt_utsatt"
    assert row["share"].item() == pytest.approx(share)


def test_one_profile_four_renderings(
    city: CityData, husby: AreaProfile, client: Any, tmp_path: Path
) -> None:
    from omradesbild.reports.pdf import PdfProfiles, render_pdf
    from omradesbild.reports.site import build_site

    p = husby
    assert p.rank is not None and p.rank.low is not None and p.rank.high is not None
    assert p.rank.cls is not None and p.rank.cls_label
    t = Translator("sv")

    # /api/areas/{code}
    api = client.get(f"/api/areas/{HUSBY}", params={"period": PERIOD, "level": "regso"})
    assert api.status_code == 200, api.text[:300]
    doc = api.json()
    assert doc["period"] == PERIOD
    assert doc["index"]["class"] == p.rank.cls
    assert doc["index"]["class_label"] == p.rank.cls_label
    assert (doc["index"]["rank_p05"], doc["index"]["rank_p95"]) == (p.rank.low, p.rank.high)
    assert doc["index"]["rank"] == p.rank.rank
    assert [(str(y["year"]), y["period"], y["category"], y["basis"]) for y in doc["police"]] == [
        (x.period, x.period, x.category, x.basis)
        for x in p.police.points  # type: ignore[union-attr]
    ]
    api_values = {r["indicator"]: r["value"] for r in doc["indicators"]}
    assert api_values == {v.id: v.value for v in p.indicators}

    # The web page, the HTML profile and the PDF state the same.
    web = client.get(f"/omrade/{HUSBY}", params={"period": PERIOD, "level": "regso"})
    assert web.status_code == 200
    site = build_site(city, tmp_path / "site")
    static = site.profiles[0].read_text(encoding="utf-8")
    pdf_doc = render_pdf(PdfProfiles(city).html(HUSBY))
    texts = {"web": page_text(web.text), "html": page_text(static), "pdf": pdf_text(pdf_doc)}
    interval = f"{p.rank.low}–{p.rank.high}"
    police = [f"{x.period} {t.police(x.category)}" for x in p.police.points]  # type: ignore[union-attr]
    assert "2023 särskilt utsatt område" in police
    shown = [v for v in p.indicators if v.value is not None]
    assert len(shown) >= 5
    # The rank and the number of areas written alike (thousands grouped: "av 3 363").
    ranked = " ".join(f"{fmt_num(p.rank.rank, 'sv', 0)} av {fmt_num(p.rank.n, 'sv', 0)}".split())
    for where, text in texts.items():
        assert ranked in text, where
        # Compared without white space: the PDF breaks long labels over lines.
        flat = squeeze(text)
        assert squeeze(p.rank.cls_label) in flat, where
        assert interval in flat, where
        for line in police:
            assert squeeze(line) in flat, (where, line)
        for v in shown:
            assert squeeze(v.label) in flat, (where, v.id)
            assert squeeze(fmt_num(v.value, "sv", 1)) in flat, (where, v.id)
    for where in ("web", "html"):
        assert "2023 inte listat" not in texts[where], where
    # The value stands in the indicator's own row on both HTML renderings.
    for markup in (web.text, static):
        for v in shown:
            row = re.search(rf'data-indicator="{v.id}">(.*?)</tr>', markup, flags=re.S)
            assert row is not None and fmt_num(v.value, "sv", 1) in html.unescape(row.group(1))
    # A suppressed value reads ".." in its row, as the disclosure rule on the page says, on
    # every rendering (the report and the PDF showed a dash, the sign of a missing value).
    masked = [v for v in p.indicators if v.value is None and v.masked]
    assert masked  # Husby's rarer offences
    for markup in (web.text, static):
        for v in masked:
            row = re.search(rf'data-indicator="{v.id}">(.*?)</tr>', markup, flags=re.S)
            assert row is not None
            cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
            assert cells[0] == "..", (v.id, cells)
            # Its interval is suppressed with it: '..' too, not the dash of a missing one.
            assert cells[1] == "..", (v.id, cells)
    assert len(re.findall(r"(?<!\S)\.\.(?!\S)", texts["pdf"])) >= 2 * len(masked)


def test_stockholm_standin_everywhere(city: CityData, client: Any, tmp_path: Path) -> None:
    """SCB's indicator (c) is not published per DeSO: every rendering of a Stockholm profile
    names its stand-in (see ``test_standins``)."""
    from test_standins import check_standin_everywhere

    check_standin_everywhere(city, HUSBY, client, tmp_path)


def test_web_summary_states_the_profile(husby: AreaProfile, client: Any) -> None:
    """The summary that opens the web area page states the profile's own facts: kommun by
    name, type and rank with its interval, the police category per year, the three
    components that drive the score (stand-ins named) and the changes' verdicts."""
    from conftest import page_text
    from omradesbild.services.summary import change_arrow, top_drivers
    from omradesbild.wording import police_label

    p = husby
    web = client.get(f"/omrade/{HUSBY}", params={"period": PERIOD, "level": "regso"}).text
    start = web.index('id="summary"')
    box = web[start : web.index("<section", start)]
    shown = page_text(box)
    assert p.rank is not None and p.police is not None
    assert "Stockholm" in shown and "Kommun 0180" not in shown
    assert squeeze(f"Typ {p.rank.cls} ({p.rank.cls_label})") in squeeze(shown)
    low, high = fmt_num(p.rank.low, "sv", 0), fmt_num(p.rank.high, "sv", 0)
    rank = f"{fmt_num(p.rank.rank, 'sv', 0)} av {fmt_num(p.rank.n, 'sv', 0)}"
    assert squeeze(f"{rank} (90 % intervall {low}–{high})") in squeeze(shown)
    for x in p.police.points:
        assert f"{x.period}: {police_label(x.category, 'sv')}" in shown
    assert "2023: särskilt utsatt område" in shown
    top = top_drivers(p.drivers)
    assert len(top) == 3
    assert re.findall(r'<li data-driver="([^"]+)">', box) == [d.indicator for d in top]
    for d in top:
        assert squeeze(d.label) in squeeze(shown)
    for s in p.standins:  # the stand-in is named where the index's drivers are
        assert squeeze(s) in squeeze(shown)
    for ch in p.changes:
        a = change_arrow(ch)
        assert f'<li class="change-{a.verdict}" data-indicator="{ch.indicator}">' in box


def test_start_page_states_the_same_as_the_area(client: Any) -> None:
    """Stockholm's lägesbild names Husby with the rank, interval, type and police category of
    its own area answer (the latest year with the index, the latest police year placed)."""
    from omradesbild.wording import police_label

    api = client.get(f"/api/areas/{HUSBY}", params={"level": "regso"}).json()
    ix = api["index"]
    r = client.get("/", params={"kommun": "0180"}, headers={"accept": "text/html"})
    assert r.status_code == 200, r.text[:300]
    html = r.text
    assert "Lägesbild: Stockholm" in page_text(html)
    row = re.search(rf'<tr class="type-(\d)" data-area="{HUSBY}">(.*?)</tr>', html, flags=re.S)
    assert row is not None
    assert int(row.group(1)) == ix["class"]
    cells = page_text(row.group(2))
    low, high = (fmt_num(ix[k], "sv", 0) for k in ("rank_p05", "rank_p95"))
    assert cells.startswith(f"{fmt_num(ix['rank'], 'sv', 0)} {low}–{high} Husby")
    start = html.index('id="police"')
    police = html[start : html.index("<section", start)]
    # the list of the latest year placed on the level (2025 cannot be, without SCB's key)
    heading = re.search(r"<h2>Polisens lista (\d{4})</h2>", police)
    assert heading is not None and heading.group(1) == "2023"
    latest = next(x for x in api["police"] if x["period"] == heading.group(1))
    listed = re.search(rf'data-area="{HUSBY}" data-category="([a-z_]+)"', police)
    if latest["category"] in ("not_listed", "not_known"):
        assert listed is None
    else:
        assert listed is not None and listed.group(1) == latest["category"]
        assert police_label(latest["category"], "sv") in page_text(police)


def test_police_year_that_cannot_be_placed_is_said(
    real_store: Path, husby: AreaProfile, client: Any, cli: Any, tmp_path: Path
) -> None:
    """The 2025 list names RegSO 2025 codes; without SCB's 2025 key the store cannot place
    it on RegSO 2020. The command line says so, and the profile, the area page and the
    start page show 2025 as not known (not "not listed") and say why."""
    code, _, err = cli(["followup", "police", "--level", "regso", "--period", PERIOD,
                        "--police-year", "2025", "--out", str(tmp_path / "p.csv"),
                        "--db", str(real_store)])  # fmt: skip
    assert code != 0 and "2025" in err, err
    assert husby.police is not None
    assert [(x.period, x.category) for x in husby.police.points] == [
        ("2023", "sarskilt_utsatt"),
        ("2025", "not_known"),
    ]
    assert husby.police.unplaced == ("2025",)
    t = Translator("sv")
    note = squeeze(t("police_unplaced", years="2025"))
    web = client.get(f"/omrade/{HUSBY}", params={"period": PERIOD, "level": "regso"})
    assert web.status_code == 200
    assert 'data-period="2025" data-category="not_known"' in web.text
    assert note in squeeze(page_text(web.text))
    start = client.get("/", params={"kommun": "0180", "level": "regso", "period": PERIOD})
    assert start.status_code == 200
    assert note in squeeze(page_text(start.text))
