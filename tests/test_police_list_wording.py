"""``followup police`` worded for a police year placed through a list without polygons.

The synthetic city's store is copied and its 2025 police areas lose their polygons: the
2025 list is then placed through links from its entries to DeSO 2018, as the real 2025
list (RegSO codes, no polygons) is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pytest
import shapely

from conftest import cli_output
from omradesbild.config import AREA_TYPE_METHOD, POLICE_SHARE_THRESHOLD
from omradesbild.services.followup import PoliceAnalysis, deciding_years, police_analysis
from omradesbild.store import Store
from omradesbild.wording import Message

if TYPE_CHECKING:
    from conftest import CliRun

_ARGS = ["--level", "regso", "--period", "2024", "--police-year", "2025"]


def _list_without_polygons(demo_store: Path, to: Path) -> Path:
    """A copy of the demo store whose 2025 police areas are a list linked to DeSO 2018."""
    shutil.copy(demo_store, to)
    con = duckdb.connect(str(to))
    sql = "SELECT area_code, geometry FROM areas WHERE level = ? AND version = ?"
    police = con.execute(sql, ["police_area", "police2025"]).fetchall()
    deso = [(c, shapely.from_wkb(bytes(g))) for c, g in con.execute(sql, ["deso", "deso2018"])
            .fetchall()]  # fmt: skip
    rows = []
    for code, geom in police:
        p = shapely.from_wkb(bytes(geom))
        rows += [
            (code, "police_area", "police2025", d, "deso", "deso2018", 1.0, "police_list", "t")
            for d, g in deso
            if p.intersection(g).area > 0.5 * g.area
        ]
    assert rows
    con.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("UPDATE areas SET geometry = NULL WHERE version = 'police2025'")
    con.close()
    return to


def _without_deso_polygons(db: Path, regso: list[str]) -> None:
    """Drop the DeSO polygons (both versions) under ``regso``: only the list decides them."""
    con = duckdb.connect(str(db))
    deso = con.execute(
        "SELECT from_code FROM links WHERE from_version = 'deso2018' AND to_version = "
        "'regso2020' AND list_contains(?, to_code)",
        [regso],
    ).fetchall()
    codes = [c for (c,) in deso]
    assert codes
    con.execute(
        "UPDATE areas SET geometry = NULL WHERE level = 'deso' AND list_contains(?, area_code)",
        [codes],
    )
    con.close()


@pytest.fixture(scope="module")
def list_store(demo_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _list_without_polygons(demo_store, tmp_path_factory.mktemp("police") / "s.duckdb")


@dataclass(frozen=True)
class PoliceRun:
    """One in-process run of ``followup police`` (with :data:`_ARGS`) on a store."""

    code: int
    out: str
    err: str
    analysis: PoliceAnalysis  # the analysis the command computed and printed


def _followup_police(db: Path) -> PoliceRun:
    """Run ``followup police`` on ``db`` in-process, keeping what it printed and the
    :class:`PoliceAnalysis` it computed (``police_analysis`` of the store with
    ``level="regso", period="2024", police_year="2025"`` and the defaults), so that a test
    checks the command's words and the analysis behind them without computing it twice."""
    from omradesbild.services import followup

    computed: list[tuple[dict[str, Any], PoliceAnalysis]] = []
    analyse = followup.police_analysis

    def recorded(store: Store, **kwargs: Any) -> PoliceAnalysis:
        res = analyse(store, **kwargs)
        computed.append((kwargs, res))
        return res

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(followup, "police_analysis", recorded)
        code, out, err = cli_output(["followup", "police", *_ARGS, "--db", str(db)])
    assert len(computed) == 1, computed
    kwargs, res = computed[0]
    asked = {"level": "regso", "period": "2024", "police_year": "2025", "version": None}
    assert {k: kwargs[k] for k in asked} == asked
    assert kwargs["threshold"] == POLICE_SHARE_THRESHOLD and kwargs["method"] == AREA_TYPE_METHOD
    return PoliceRun(code, out, err, res)


@pytest.fixture(scope="module")
def list_run(list_store: Path) -> PoliceRun:
    """``followup police`` of the 2025 list on the list store (read-only), run once."""
    return _followup_police(list_store)


@pytest.fixture(scope="module")
def list_analysis(list_run: PoliceRun) -> PoliceAnalysis:
    """The analysis :func:`list_run`'s command computed."""
    return list_run.analysis


def test_list_year_is_counted_in_entries_linked(list_run: PoliceRun) -> None:
    res = list_run.analysis
    assert res.year_basis == "links"
    assert res.n_police_areas == 5 and res.n_police_areas_placed == 5
    assert all(isinstance(n, Message) for n in res.notes)
    code, out, err = list_run.code, list_run.out, list_run.err
    assert code == 0, err
    assert "(placerade genom länkar) / areas analysed: 45 of 45 (placed through links)" in out
    assert "poster i Polisens lista 2025 som är länkade till områden: 5 av 5" in out
    assert "de med polygoner" not in out and "those with polygons" not in out
    assert "police areas of 2025 covered" not in out


def test_polygon_year_keeps_polygon_wording(demo_store: Path, cli: CliRun) -> None:
    code, out, err = cli(["followup", "police", *_ARGS, "--db", str(demo_store)])
    assert code == 0, err
    assert "(de med polygoner) / areas analysed: 45 of 45 (those with polygons)" in out
    assert "polisområden 2025 som täcks: 5 av 5" in out


def test_flag_b_names_the_years_that_decide_its_areas(
    list_store: Path, list_analysis: PoliceAnalysis, tmp_path: Path
) -> None:
    res = list_analysis
    now = res.flags.loc[res.flags["period"].astype(str) == "2025"]
    b = sorted(now.loc[now["vulnerable_never_listed"].astype(bool), "area_code"].astype(str))
    assert b, "the synthetic city has an area of type 1–2 never listed"
    db = tmp_path / "s.duckdb"
    shutil.copy(list_store, db)
    _without_deso_polygons(db, b)
    run = _followup_police(db)
    res = run.analysis
    assert any(isinstance(n, Message) and n.key == "note_police_widened" for n in res.notes)
    assert deciding_years(res.flags, "2025", flag="vulnerable_never_listed") == ["2025"]
    assert len(deciding_years(res.flags, "2025")) == 2  # the other areas: every year
    code, out, err = run.code, run.out, run.err
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.strip().startswith("(b)"))
    assert "inte på någon lagrad lista (2025) / type 1–2, on no stored list (2025)" in line


def test_deciding_years_groups() -> None:
    flags = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "C"],
            "period": ["2025", "2025", "2025", "2023"],
            "category": ["not_listed", "not_listed", "not_known", "not_known"],
            "vulnerable_never_listed": [False, True, False, False],
            "stored_years": ["2023, 2025", "2025", "2023, 2025", "2023, 2025"],
        }
    )
    assert deciding_years(flags, "2025") == ["2023, 2025", "2025"]
    assert deciding_years(flags, "2025", flag="vulnerable_never_listed") == ["2025"]
    assert deciding_years(flags.iloc[0:0], "2025") == ["2025"]


def _translated(notes: list[str], what: str) -> list[Message]:
    """Every note is a catalogue Message whose Swedish text is not the English one."""
    assert notes, f"{what}: no notes to check"
    for n in notes:
        assert isinstance(n, Message), f"{what}: plain note {n!r}"
        assert n.text("sv") != n.text("en") == str(n), f"{what}: {n.key} is not translated"
    return [n for n in notes if isinstance(n, Message)]


def test_notes_of_the_main_analyses_are_translated(
    demo_store: Path, list_store: Path, list_analysis: PoliceAnalysis, tmp_path: Path, cli: CliRun
) -> None:
    import geopandas as gpd

    from omradesbild.harmonize.areal import build_crosswalk
    from omradesbild.index import load_method
    from omradesbild.services import followup

    # the crime table ``followup crime`` computes (once) and prints: its notes are checked
    computed: list[tuple[dict[str, Any], Any]] = []
    table = followup.crime_table

    def recorded(store: Store, **kwargs: Any) -> Any:
        computed.append((kwargs, table(store, **kwargs)))
        return computed[-1][1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(followup, "crime_table", recorded)
        code, out, err = cli(["followup", "crime", "--level", "regso", "--db", str(demo_store)])
    assert code == 0, err
    assert len(computed) == 1 and computed[0][0]["level"] == "regso", computed
    assert not any(v for k, v in computed[0][0].items() if k != "level")  # the defaults
    crime = _translated(computed[0][1].notes, "crime")
    assert f"{crime[0].text('sv')} / {crime[0]}" in out
    with Store(demo_store, read_only=True) as store:
        police = police_analysis(store, level="deso", period="2022", police_year="2015")
        _translated(police.notes, "police, one year")
    res = list_analysis
    db = tmp_path / "s.duckdb"
    shutil.copy(list_store, db)
    _without_deso_polygons(db, ["9999R001"])
    run = _followup_police(db)
    widened = run.analysis
    keys = {n.key for n in _translated([*res.notes, *widened.notes], "police, list")}
    assert {"note_police_links_share", "note_police_widened", "note_police_not_known"} <= keys
    _translated(load_method("imd-2019").weight_notes(), "index weights")
    square = shapely.box(0, 0, 1000, 1000)
    layer = gpd.GeoDataFrame({"area_code": ["A"]}, geometry=[square], crs="EPSG:3006")
    cw = build_crosswalk(
        layer.to_crs("EPSG:4326"), layer, from_level="deso", from_version="deso2018",
        to_level="district", to_version="d",
    )  # fmt: skip
    _translated(cw.attrs["notes"], "harmonize")
    assert run.code == 0, run.err
    for n in widened.notes:
        assert isinstance(n, Message) and n.text("sv") in run.out


@pytest.fixture(scope="module")
def listed_area(list_store: Path) -> str:
    """A RegSO on the 2025 list placed through its codes (links, no polygons)."""
    from omradesbild.services.level_police import police_data

    with Store(list_store, read_only=True) as store:
        placed = police_data(store, level="regso", version="regso2020", period="2024")
    listed = placed.listed.loc[placed.listed["basis"].astype(str).str.startswith("links")]
    return str(listed.loc[listed["on_list"].astype(bool), "area_code"].iloc[0])


@pytest.fixture(scope="module")
def list_client(list_store: Path) -> Iterator[Any]:
    """The web app on the list store, shared by the languages' pages (each asked with its
    own ``?lang=``)."""
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    with TestClient(create_app(WebSettings(store_path=list_store, draws=0), warm=False)) as c:
        yield c


def _renderings(city: Any, code: str, client: Any, tmp: Path) -> dict[str, str]:
    """``code``'s web area page, static HTML profile and PDF in ``city``'s language, as text,
    and the API's notes (``/api/areas/{code}``) joined: in ``city``'s language (``?lang=``)
    and without ``?lang=`` (Swedish)."""
    from conftest import page_text, pdf_text
    from omradesbild.reports.pdf import PdfProfiles, render_pdf
    from omradesbild.reports.site import build_site

    asked = {"period": city.period, "level": "regso"}
    params = {**asked, "lang": city.lang}
    web = client.get(f"/omrade/{code}", params=params, headers={"accept": "text/html"})
    api = {
        lang: client.get(f"/api/areas/{code}", params={**asked, "lang": lang} if lang else asked)
        for lang in (city.lang, None)
    }
    assert web.status_code == 200, web.text[:300]
    assert all(a.status_code == 200 for a in api.values()), api[None].text[:300]
    site = build_site(city, tmp / "site")
    static = next(p for p in site.profiles if code in p.name).read_text(encoding="utf-8")
    pdf = render_pdf(PdfProfiles(city).html(code))
    return {"web": page_text(web.text), "html": page_text(static), "pdf": pdf_text(pdf),
            "api": " ".join(api[city.lang].json()["police_notes"]),
            "api without lang": " ".join(api[None].json()["police_notes"])}  # fmt: skip


@pytest.fixture(scope="module")
def polygon_city(demo_store: Path, listed_area: str) -> Any:
    """The listed area's city data on the demo store, where every police year has borders
    (its profile is asked in each language)."""
    from omradesbild.services.city import load_city

    with Store(demo_store, read_only=True) as store:
        return load_city(store, level="regso", period="2024", draws=0, areas=[listed_area])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_areas_police_history_names_a_list_placed_through_its_codes(
    list_store: Path,
    listed_area: str,
    list_client: Any,
    polygon_city: Any,
    tmp_path: Path,
    lang: str,
) -> None:
    """The 2025 list has no borders: the area's history says how its 2025 year is placed,
    on the web page, the static profile and the PDF, in the page's language. The notes
    that count areas of the level (or of the report's kommun) are not shown."""
    from conftest import squeeze
    from omradesbild.services.city import load_city
    from omradesbild.wording import label_message

    code = listed_area
    with Store(list_store, read_only=True) as store:
        city = load_city(store, level="regso", period="2024", draws=0, areas=[code], lang=lang)
    note = Message("note_police_links_share", period="2025", level=label_message("level", "regso"))
    police = city.profile(code).police
    assert police is not None and police.notes == (note.text(lang),)
    other = "en" if lang == "sv" else "sv"
    shown = _renderings(city, code, list_client, tmp_path)
    assert squeeze(shown.pop("api without lang")) == squeeze(note.text("sv"))  # by default
    assert squeeze(shown.pop("api")) == squeeze(note.text(lang))
    for where, text in shown.items():
        assert squeeze(note.text(lang)) in squeeze(text), where
        assert squeeze(note.text(other)) not in squeeze(text), where
    # every year with borders: no note
    assert polygon_city.profile(code, lang=lang).police.notes == ()
