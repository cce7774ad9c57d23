"""The start page (the lägesbild of a kommun) and the area page's summary, on the synthetic
city: content from the service layer, working links, Swedish wording, colours that can be
told apart."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from conftest import page_text  # noqa: E402
from helpers import HTML, app_client, approved_observation, module_client  # noqa: E402
from omradesbild.services.models import ChangeInfo, Driver, PartnerEntry  # noqa: E402
from omradesbild.services.partner_picture import LinkedEntry, PartnerPicture  # noqa: E402
from omradesbild.services.summary import change_arrow, top_drivers  # noqa: E402
from omradesbild.web.settings import WebSettings  # noqa: E402
from omradesbild.wording import fmt_num, police_label, text  # noqa: E402

KOMMUN = "9999"
KOMMUN_NAME = "Exempelstad (syntetisk)"


@pytest.fixture(scope="module")
def client(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    yield from module_client(demo_store, tmp_path_factory, draws=10)


def _figures(html: str) -> dict[str, object]:
    m = re.search(r'<script type="application/json" id="figures"[^>]*>(.*?)</script>', html)
    assert m is not None
    found: dict[str, object] = json.loads(m.group(1))
    return found


def _section(html: str, sid: str) -> str:
    start = html.index(f'id="{sid}"')
    end = html.find("<section", start)
    return html[start : end if end > 0 else len(html)]


def _profile(client: TestClient, code: str) -> object:
    from omradesbild.web.views import get_data, web_profile

    request = type("R", (), {"app": client.app})()
    data = get_data(request)  # type: ignore[arg-type]
    return web_profile(data, code, level=None, method="scb-omradestyp", period=None, lang="sv")


# ------------------------------------------------------------------------------ start page
def test_start_page_is_the_lagesbild(client: TestClient) -> None:
    r = client.get("/", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    html, shown = r.text, page_text(r.text)
    assert f"Lägesbild: {KOMMUN_NAME}" in shown
    assert f'<option value="{KOMMUN}" selected>' in html  # the store's own city by default
    for sid in ("type-map", "ranking", "changes", "police", "goals", "partners", "levels"):
        assert f'id="{sid}"' in html, sid
    # A titled legend saying what the colours mean, one entry per type.
    legend = _section(html, "type-map")
    assert text("lb_legend", "sv") in page_text(legend)
    for k in range(1, 6):  # each swatch shows its number: not by colour alone
        assert f'<span class="swatch type-{k}" aria-hidden="true">{k}</span>' in legend
    assert "Typ 1 – störst utmaningar" in page_text(legend)
    assert "Typ 5 – minst utmaningar" in page_text(legend)
    # The map colours the areas by type: the same types as the ranking.
    fig = _figures(html)["map-types"]
    trace = fig["data"][0]  # type: ignore[index]
    rows = re.findall(
        r'<tr class="type-(\d)" data-area="([^"]+)"><td class="num">(\d+)</td>'
        r'<td class="num rank-interval">(\d+)–(\d+)</td>',
        _section(html, "ranking"),
    )
    assert len(rows) == 45
    by_code = {code: int(cls) for cls, code, *_ in rows}
    assert dict(zip(trace["locations"], trace["z"], strict=True)) == by_code
    # Hovering an area names its type in the legend's words, not the method's class label.
    legend_words = {
        int(k): page_text(w).strip()
        for k, w in re.findall(r'<li data-type="(\d)">.*?</span>\s*<span>([^<]+)', legend, re.S)
    }
    assert legend_words[1] == "Typ 1 – störst utmaningar" and legend_words[3] == "Typ 3"
    for cls, hover in zip(trace["z"], trace["text"], strict=True):
        m = re.fullmatch(r".+?: (Typ \d[^,]*), Rang \d+ \(\d+–\d+\)", hover)
        assert m is not None and m.group(1) == legend_words[cls], hover
        assert "klass" not in hover
    assert {1, 5} <= set(trace["z"])  # both ends of the legend's words are hovered
    for _, _, rank, low, high in rows:  # every rank inside its interval
        assert int(low) <= int(rank) <= int(high)
    assert [int(r[2]) for r in rows] == sorted(int(r[2]) for r in rows)
    # The store's technical table is still there, second.
    assert html.index('id="levels"') > html.index('id="partners"')
    assert "Områdesnivåer i datalagret" in shown


def test_map_page_has_an_area_type_layer_with_a_titled_legend(client: TestClient) -> None:
    """/karta colours the areas by type in the start page's categories and colours, with a
    legend saying what each colour means; hover, legend and table say the same words."""
    from omradesbild.config import AREA_TYPE_COLOURS

    plain = client.get("/karta", headers=HTML).text
    assert '<option value="area_type">Områdestyp</option>' in plain
    assert 'class="legend"' not in plain  # a colour bar, not a legend, for scores
    r = client.get("/karta?layer=area_type", headers=HTML)
    assert r.status_code == 200, r.text[:300]
    html = r.text
    assert '<option value="area_type" selected>Områdestyp</option>' in html
    legend = _section(html, "map-section")
    assert 'aria-labelledby="legend-title"' in legend
    assert text("lb_legend", "sv") in page_text(legend)
    words = {
        int(k): page_text(w).strip()
        for k, w in re.findall(r'<li data-type="(\d)">.*?</span>\s*<span>([^<]+)', legend, re.S)
    }
    assert words == {
        1: "Typ 1 – störst utmaningar", 2: "Typ 2", 3: "Typ 3", 4: "Typ 4",
        5: "Typ 5 – minst utmaningar",
    }  # fmt: skip
    for k in words:  # each swatch shows its number: not by colour alone
        assert f'<span class="swatch type-{k}" aria-hidden="true">{k}</span>' in legend
    counts = re.findall(r'<span class="note">(\d+) områden?</span>', legend)
    assert sum(map(int, counts)) == 45
    trace = _figures(html)["map"]["data"][0]  # type: ignore[index]
    assert set(trace["z"]) == set(words) and len(trace["z"]) == 45
    assert trace["colorscale"][0][1] == AREA_TYPE_COLOURS[0] and trace["showscale"] is False
    for cls, hover in zip(trace["z"], trace["text"], strict=True):
        assert hover.endswith(f": {words[cls]}") and "klass" not in hover, hover
    # The table names each area's type in the same words, type 1 first.
    table = _section(html, "map-table")
    shown = re.findall(
        r'<span class="swatch type-(\d)" aria-hidden="true">\d</span> ([^<]+)</td>', table
    )
    assert len(shown) == 45 and all(words[int(k)] == w for k, w in shown)
    assert [int(k) for k, _ in shown] == sorted(int(k) for k, _ in shown)
    # The start page's legend says the same.
    start = _section(client.get("/", headers=HTML).text, "type-map")
    for w in words.values():
        assert w in page_text(start)


def test_start_page_links_work(client: TestClient) -> None:
    html = client.get("/", headers=HTML).text
    links = sorted(set(re.findall(r'href="(/omrade/[^"#]+)', html)))
    assert len(links) >= 45
    for url in links[:: max(1, len(links) // 6)]:
        r = client.get(url.replace("&amp;", "&"), headers=HTML)
        assert r.status_code == 200, url
    for url in ("/karta", "/metod", "/nedladdning"):
        assert f'href="{url}' in html


def test_start_page_changes_and_police_come_from_the_services(client: TestClient) -> None:
    from omradesbild.services.lagesbild import type_moves
    from omradesbild.web.views import get_data

    request = type("R", (), {"app": client.app})()
    data = get_data(request)  # type: ignore[arg-type]
    pic = data.picture("scb-omradestyp", "regso")
    assert pic.index is not None
    period = pic.index.latest()
    html = client.get("/", headers=HTML).text
    changes = _section(html, "changes")
    assert text("lb_changes", "sv", period=pic.index.periods[-2]) in page_text(changes)
    from omradesbild.services.lagesbild import AreaLink

    links = {c: AreaLink(code=c, name=n) for c, n in pic.indicators.names.items()}
    moves, _ = type_moves(pic, links, period)
    for m in moves:
        row = re.search(rf'data-area="{m.area.code}">(.*?)</tr>', changes, flags=re.S)
        assert row is not None
        words = "mot större utmaningar" if m.cls_to < m.cls_from else "mot mindre utmaningar"
        assert words in row.group(1)
    police = _section(html, "police")
    listed = re.findall(r'data-category="([a-z_]+)"', police)
    assert listed and "not_listed" not in listed
    assert "särskilt utsatt område" in page_text(police)


def test_start_page_swedish_and_english(client: TestClient) -> None:
    sv = page_text(client.get("/", headers=HTML).text)
    for english in ("Rank", "Area type", "Changes since", "Type 1", "Partners", "About the"):
        assert english not in sv, english
    en = page_text(client.get("/?lang=en", headers=HTML).text)
    assert f"Situation picture: {KOMMUN_NAME}" in en
    for swedish in ("Lägesbild", "Områdestyp", "Förändringar sedan", "Typ 1", "störst"):
        assert swedish not in en, swedish


def test_kommun_picker(client: TestClient) -> None:
    assert client.get(f"/?kommun={KOMMUN}", headers=HTML).status_code == 200
    r = client.get("/?kommun=0180")
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "InputError" and KOMMUN in body["detail"]


def test_map_colours_can_be_told_apart() -> None:
    """Every area-type colour has ≥ 3:1 contrast against the white background and borders,
    and against the next type; the number on a swatch ≥ 4.5:1; the web, the report site
    and the PDF use the same colours."""
    from omradesbild import config
    from omradesbild.web.lagesbild import AREA_TYPE_COLOURS

    def luminance(colour: str) -> float:
        rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def contrast(a: str, b: str) -> float:
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    colours = [AREA_TYPE_COLOURS[k] for k in sorted(AREA_TYPE_COLOURS)]
    assert len(colours) == 5
    for c in colours:
        assert contrast(c, "#ffffff") >= 3, c
    for a, b in itertools.pairwise(colours):
        assert contrast(a, b) >= 3, (a, b)
    for k, c in AREA_TYPE_COLOURS.items():
        ink = config.AREA_TYPE_TEXT_COLOURS[k - 1]
        assert contrast(c, ink) >= 4.5, (c, ink)  # the number on the swatch
    from omradesbild.reports.charts import TYPE_COLORS
    from omradesbild.reports.svg import TYPE_COLORS as SVG_TYPE_COLORS

    assert TYPE_COLORS == SVG_TYPE_COLORS == colours  # one palette: web, site and PDF


def test_served_type_colours_are_the_configured_ones(client: TestClient) -> None:
    """The pages link the area types' style sheet, which holds the configured colours; no
    other style sheet colours the types."""
    from omradesbild import config

    page = client.get(f"/?kommun={KOMMUN}", headers=HTML).text
    url = re.search(r'href="(/static/area-types\.css\?v=\w+)"', page)
    assert url is not None
    css = client.get(url.group(1))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    colours = zip(config.AREA_TYPE_COLOURS, config.AREA_TYPE_TEXT_COLOURS, strict=True)
    for k, (c, ink) in enumerate(colours, start=1):
        assert f".swatch.type-{k} {{ background: {c}; color: {ink}; }}" in css.text
        assert f"tr.type-{k} th:first-child {{ border-left: 4px solid {c}; }}" in css.text
        assert f"tr.type-{k} td:first-child, " in css.text
    assert ".swatch {" in css.text
    web_css = client.get("/static/web.css").text
    assert ".swatch" not in web_css and "tr.type-" not in web_css


# ---------------------------------------------------------------------------- area summary
def test_area_page_opens_with_the_summary(client: TestClient) -> None:
    code = "9999R019"  # Tallunda: type 1, on the Police's list
    r = client.get(f"/omrade/{code}", headers=HTML)
    assert r.status_code == 200
    html = r.text
    assert html.index('id="summary"') < html.index('id="index"') < html.index('id="trends"')
    box = _section(html, "summary")
    shown = page_text(box)
    p = _profile(client, code)
    assert p.rank is not None and p.police is not None  # type: ignore[attr-defined]
    rk = p.rank  # type: ignore[attr-defined]
    assert KOMMUN_NAME in shown and f"Kommun {KOMMUN}" not in page_text(html)
    assert f"Typ {rk.cls} ({rk.cls_label})" in shown
    assert f"{fmt_num(rk.prob * 100, 'sv', 0)} % av dragningarna" in shown
    low, high = fmt_num(rk.low, "sv", 0), fmt_num(rk.high, "sv", 0)
    assert f"{rk.rank} av {rk.n} (90 % intervall {low}–{high})" in shown
    for x in p.police.points:  # type: ignore[attr-defined]
        assert f'data-period="{x.period}" data-category="{x.category}"' in box
        assert f"{x.period}: {police_label(x.category, 'sv')}" in shown
    drivers = re.findall(r'<li data-driver="([^"]+)">', box)
    assert drivers == [d.indicator for d in top_drivers(p.drivers)]  # type: ignore[attr-defined]
    assert len(drivers) == 3
    for ch in p.changes:  # type: ignore[attr-defined]
        arrow = change_arrow(ch)
        item = re.search(rf'<li class="change-{arrow.verdict}" data-indicator="{ch.indicator}">'
                         r'<span class="arrow" aria-hidden="true">(.)</span>', box)  # fmt: skip
        assert item is not None and item.group(1) == arrow.arrow, ch.indicator
    assert "0 iakttagelser" in shown and "0 insatser" in shown
    # Trend charts grouped by domain, in <details>, the first open.
    groups = re.findall(r'<details class="trend-group" data-domain="([^"]+)"( open)?>', html)
    assert len(groups) >= 3 and groups[0][1] == " open" and not groups[1][1]
    assert "Inkomst (" in page_text(html)


def test_summary_arrows_follow_the_indicator_direction() -> None:
    def change(diff: float, verdict: str | None) -> ChangeInfo:
        return ChangeInfo(indicator="x", label="x", period_from="2023", period_to="2024",
                          value_from=10.0, value_to=10.0 + diff, diff=diff, significant=True,
                          change=verdict)  # fmt: skip

    # A share of low income going down is better; a median income going down is worse.
    better, worse = change_arrow(change(-2.0, "improving")), change_arrow(change(-2.0, "worsening"))
    assert (better.arrow, better.verdict) == ("↓", "better")
    assert (worse.arrow, worse.verdict) == ("↓", "worse")
    assert change_arrow(change(3.0, "increase")).verdict == "up"
    assert change_arrow(change(0.01, "no significant change")).arrow == "→"  # shown as equal
    assert not change_arrow(change(0.4, "no significant change")).significant
    assert change_arrow(change(0.4, None)).verdict == "untested"


@given(
    diff=st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)),
    verdict=st.sampled_from(
        [None, "improving", "worsening", "increase", "decrease", "no significant change"]
    ),
)
def test_arrow_agrees_with_the_values_shown(diff: float | None, verdict: str | None) -> None:
    """The arrow is the sign of the difference as shown (one decimal); better/worse is the
    change test's verdict, never read off the arrow."""
    a = change_arrow(
        ChangeInfo(indicator="x", label="x", period_from="1", period_to="2", value_from=None,
                   value_to=None, diff=diff, significant=None, change=verdict)
    )  # fmt: skip
    shown = 0.0 if diff is None else round(diff, 1)
    assert a.arrow == ("↑" if shown > 0 else "↓" if shown < 0 else "→")
    assert (a.verdict in ("better", "worse")) == (verdict in ("improving", "worsening"))
    assert a.significant == (verdict in ("improving", "worsening", "increase", "decrease"))


def test_top_drivers() -> None:
    ds = tuple(
        Driver(indicator=str(i), label=str(i), normalised=None, weight=None, contribution=c)
        for i, c in enumerate([0.2, None, 1.5, -0.3, 0.9])
    )
    assert [d.indicator for d in top_drivers(ds)] == ["2", "4", "0"]


def test_active_interventions() -> None:
    e = PartnerEntry(title="x")
    ivs = (
        LinkedEntry(id=1, entry=e, areas=("A",), start=2020, end=2022),
        LinkedEntry(id=2, entry=e, areas=("A", "B"), start=2023, end=None),
        LinkedEntry(id=3, entry=e, areas=("C",), start=2021, end=2030),
        LinkedEntry(id=4, entry=e, areas=("B",), start=2027, end=None),
    )
    pp = PartnerPicture(interventions=ivs)
    assert [i.id for i in pp.active({"A", "B"}, 2024)] == [2]
    assert [i.id for i in pp.active({"A", "C"}, 2021)] == [1, 3]
    assert pp.counts("B") == (0, 2)


def test_partners_input_on_start_page_and_summary(client: TestClient) -> None:
    """An approved public observation and an active intervention show on the start page
    (linked to their area) and are counted in the area's summary."""
    from omradesbild.partners import service
    from omradesbild.partners.db import session_factory
    from omradesbild.web.entries import forget_public_generation
    from omradesbild.web.lagesbild import forget_intervention_stamp

    code, other = "9999R018", "9999R001"
    year = date.today().year
    engine = client.app.state.partners_engine  # type: ignore[attr-defined]
    with session_factory(engine)() as db:
        actor, org = approved_observation(
            db, prefix="lb-", organisation="Fritidsgården", title="Belysning i parken",
            body="Mörkt", area_code=code,
        )  # fmt: skip
        service.create_intervention(
            db, actor, type="social", title="Läxhjälp", start_period=str(year - 1),
            area_codes=[code], organisation_ids=[org],
        )  # fmt: skip
        service.create_intervention(
            db, actor, type="social", title="Avslutad satsning", start_period="2015",
            end_period="2016", area_codes=[code],
        )  # fmt: skip
        db.commit()
    forget_public_generation()
    forget_intervention_stamp()
    html = client.get("/", headers=HTML).text
    part = _section(html, "partners")
    assert "Belysning i parken" in part and "Läxhjälp" in part
    assert "Avslutad satsning" not in part  # ended: not active
    assert f'href="/omrade/{code}?lang=sv#partner-input"' in part
    assert f'href="/omrade/{code}?lang=sv#interventions"' in part
    box = page_text(_section(client.get(f"/omrade/{code}", headers=HTML).text, "summary"))
    assert "1 iakttagelse" in box and "2 insatser" in box
    page = client.get(f"/omrade/{code}", headers=HTML).text
    assert "Läxhjälp" in _section(page, "interventions")
    other_box = page_text(_section(client.get(f"/omrade/{other}", headers=HTML).text, "summary"))
    assert "0 iakttagelser" in other_box and "0 insatser" in other_box


def test_the_default_city_is_a_setting(demo_store: Path, tmp_path: Path) -> None:
    """OMRADESBILD_KOMMUN chooses the start page's and the goals page's city; a kommun
    without areas is refused with the allowed ones named."""
    partners = tmp_path / "p.sqlite"
    with app_client(demo_store, partners, draws=10, kommun=KOMMUN) as c:
        r = c.get("/", headers=HTML)
        assert r.status_code == 200 and KOMMUN in r.text
        assert c.get("/mal", headers=HTML).status_code == 200
    with app_client(demo_store, partners, draws=10, kommun="0001") as c:
        r = c.get("/", headers={"accept": "application/json"})
        assert r.status_code == 422 and KOMMUN in r.json()["detail"]
    with pytest.raises(ValueError):
        WebSettings(store_path=demo_store, kommun="Stockholm")


def test_the_ranking_note_says_what_the_draws_varied(client: TestClient) -> None:
    """The area-type method fixes its formula: its draws vary only the sampling error, and
    the start page and the area page say so (not weights or normalisation)."""
    start = client.get("/", headers=HTML).text
    area = client.get("/omrade/9999R019", headers=HTML).text
    for html in (start, area):
        assert "varierar indikatorernas urvalsfel." in html
        assert "vikterna" not in html and "normaliseringen" not in html


def test_the_police_types_box_scrolls_by_keyboard_without_scripts(client: TestClient) -> None:
    police = _section(client.get("/", headers=HTML).text, "police")
    boxes = re.findall(r'<div class="scroll"[^>]*>', police)
    assert boxes
    for box in boxes:
        assert 'tabindex="0"' in box
        named = re.search(r'aria-labelledby="([^"]+)"', box)
        assert named is not None and f'id="{named.group(1)}"' in police


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_unit_in_the_indicator_name_is_not_said_twice(client: TestClient, lang: str) -> None:
    """The median income's name ends with its unit ("…, tkr"): the area page's key figures
    and the comparison do not add "(tkr)" after it; a name without it gets its unit."""
    unit = "tkr" if lang == "sv" else "SEK thousand"
    for url in ("/omrade/9999R017", "/jamfor?areas=9999R017&areas=9999R018"):
        shown = page_text(client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}",
                                     headers=HTML).text)  # fmt: skip
        assert f"{unit} ({unit})" not in shown, url
        name = (
            "Medianinkomst (nettoinkomst), tkr"
            if lang == "sv"
            else "Median net income, SEK thousand"
        )
        assert name in shown, url
        pct = "procent" if lang == "sv" else "percent"
        assert re.search(rf"\({pct}\)", shown), url


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_comparison_draws_its_chart_in_both_languages(client: TestClient, lang: str) -> None:
    """The comparison's chart of the per-cent indicators is there in English too (the unit
    is the catalogue's, not the page's word for it): one bar trace per area, the same
    indicators in both languages."""
    html = client.get(f"/jamfor?areas=9999R017&areas=9999R018&lang={lang}", headers=HTML).text
    fig = _figures(html).get("compare")
    assert isinstance(fig, dict), lang
    traces = fig["data"]
    assert [t["name"] for t in traces] == ["Dalbacken", "Dalunda"]
    assert len(traces[0]["y"]) == 15  # the per-cent indicators of the demo
    name = (
        "Andel med låg ekonomisk standard" if lang == "sv" else "Share with low economic standard"
    )
    assert name in traces[0]["y"]


def test_the_area_pages_key_figure_chart_is_drawn_in_both_languages(client: TestClient) -> None:
    """The dot chart of the per-cent key figures (area, kommun, Sweden) is on the English
    area page too, with the same rows as on the Swedish one."""
    rows = {}
    for lang in ("sv", "en"):
        fig = _figures(client.get(f"/omrade/9999R017?lang={lang}", headers=HTML).text)
        assert "headline-plot" in fig, lang
        rows[lang] = len(fig["headline-plot"]["data"][0]["y"])  # type: ignore[index]
    assert rows["sv"] == rows["en"] == 15


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_comparisons_heading_names_only_what_its_table_shows(
    client: TestClient, lang: str
) -> None:
    """The comparison's table has a column for Sweden but none for the kommun (the areas
    may lie in different kommuner): its heading does not promise the kommun."""
    html = client.get(f"/jamfor?areas=9999R017&areas=9999R018&lang={lang}", headers=HTML).text
    part = _section(html, "compare-indicators")
    heading = re.search(r"<h2>(.*?)</h2>", part)
    assert heading is not None
    assert heading.group(1) == text("compare_headline", lang)
    assert text("headline", lang) not in part
    head = re.search(r"<thead>(.*?)</thead>", part, flags=re.S)
    assert head is not None and text("country", lang) in head.group(1)
    assert text("kommun", lang) not in head.group(1)
