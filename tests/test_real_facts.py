"""Facts that public sources state about named areas, checked end to end on the real files.

Each row of :data:`FACTS` (read from ``data/real_facts.csv``) is one statement a public
source makes about one named area: the Police's category in a year (the 2023 polygons, the
2025 list), SCB/Delmos's published områdestyp 2023, Göteborgs Stad's own socioeconomic class
of a primärområde, and SCB's population. The expected values were read from the source files
and typed in by hand; none is computed by the code under test. Each fact is checked through
the command line's output (CSV written by ``--out``) and through the area profile
(:func:`omradesbild.services.area.area_profile`).

``NOT_KNOWN`` marks a statement the stored data cannot decide (a police year without
polygons under the area, a list entry without area codes): the output must say so and not
guess "not listed".

One store is built once per module from the real files: SCB's keys, the 11 DeSO tables,
SCB's DeSO 2025 key and change log, the boundary layers of Stockholm, Göteborg and Malmö,
the Police's 2023 polygons and 2025 list, SCB's published områdestyp 2023 and the RegSO
population series 2020–2023 (no crime extracts: no fact here needs them).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from omradesbild.services.models import AreaProfile

pytestmark = pytest.mark.realdata

#: The area cannot be placed on that year's list with the stored data.
NOT_KNOWN = "not_known"

#: The facts, one a row; lines starting with ``#`` explain the rows below them.
FACTS_FILE = Path(__file__).parent / "data" / "real_facts.csv"

#: The publications the facts' ``source`` column names.
SOURCES = {
    "police2023": "Polisen, Utsatta områden 2023 (gränser, uso_2023)",
    "police2025": "Polisen, Utsatta områden 2025 (lista)",
    "scb_type": "SCB/Delmos, områdestyp RegSO 2023 (Statistikdatabasen)",
    "gbg": "Göteborgs Stad, primärområden 2025 (socioekonomisk områdesindelning)",
    "scb_pop_regso": "SCB, folkmängd per RegSO 2020–2023 (Statistikdatabasen)",
    "scb_pop_deso": "SCB 000005FC, folkmängd per DeSO 2023",
}

#: The categories a police fact may state, and the kinds of facts.
POLICE_VALUES = {"sarskilt_utsatt", "utsatt", "risk", "not_listed", NOT_KNOWN}
KINDS = ("police", "police_primar", "type", "gbg_class", "population")


@dataclass(frozen=True)
class Fact:
    """One public statement about one area."""

    kind: str  # one of KINDS
    area: str
    code: str
    year: str
    statement: str
    expected: str | int  # a police category, else a number (class or count)
    source: str  # a key of SOURCES
    known_bug: str = ""  # the output is still wrong: the test fails strictly until fixed


def read_facts(path: Path) -> tuple[Fact, ...]:
    """The rows of the facts file; police categories stay text, other values are numbers."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    out = []
    for row in csv.DictReader(lines):
        if not row["kind"].startswith("police"):
            row["expected"] = int(row["expected"])  # type: ignore[assignment]
        out.append(Fact(**row))
    return tuple(out)


FACTS = read_facts(FACTS_FILE)


def facts(kind: str) -> list[Any]:
    """The facts of one kind, as pytest parameters named after the area and year."""
    return [
        pytest.param(
            f,
            id=f"{f.area}-{f.code}-{f.year}",
            marks=[pytest.mark.xfail(strict=True, reason=f.known_bug)] if f.known_bug else [],
        )
        for f in FACTS
        if f.kind == kind
    ]


def test_at_least_forty_facts_each_with_a_source() -> None:
    assert len(FACTS) >= 40
    assert all(f.source in SOURCES and f.statement and f.area and f.code for f in FACTS)
    # A fact of an unknown kind would be checked by no test.
    assert {f.kind for f in FACTS} == set(KINDS)
    assert all(f.expected in POLICE_VALUES for f in FACTS if f.kind.startswith("police"))
    assert len({(f.kind, f.code, f.year) for f in FACTS}) == len(FACTS)


# ----------------------------------------------------------------------------- the store
@pytest.fixture(scope="module")
def facts_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real files the facts need, ingested through the command line (once)."""
    from conftest import run_cli

    data = shared_data
    db = tmp_path_factory.mktemp("facts") / "facts.duckdb"
    d = ["--db", str(db)]
    tables = [str(p) for p in sorted((data / "scb/deso2018_tables_2022").glob("*.xlsx"))]
    new = data / "scb" / "deso2025"
    geo = [
        str(data / "geo" / f)
        for f in (
            "stockholms_lan_deso2018_simplified.geojson",
            "goteborg_deso2025.gpkg",
            "goteborg_regso2025.gpkg",
            "goteborg_primaromraden.gpkg",
            "malmo_delomraden.gpkg",
            "sverige_kommuner_2025.gpkg",
        )
    ]
    series = data / "scb/regso2020_series_2020_2023/foreign_born_regso_2020_2023.csv"
    for args in (
        ["ingest", "scb-key", str(data / "scb/koppling-deso2018-regso2020.csv"), *d],
        ["ingest", "scb-xlsx", *tables, *d],
        ["ingest", "scb-key", str(new / "deso_regso_2025.csv"),
         str(new / "deso_forandringar.csv"), *d],
        ["ingest", "boundaries", *geo, *d],
        ["ingest", "police-areas", str(data / "police/uso_2023/uso_2023.shp"),
         "--year", "2023", *d],
        ["ingest", "police-list", str(data / "police/utsatta_omraden_2025_list.csv"), *d],
        ["ingest", "scb-omradestyp", str(data / "scb/omradestyp/scb_omradestyp_regso_2023.csv"),
         *d],
        ["ingest", "scb-csv", str(series), *d],
        ["harmonize", "layer", "--level", "district", "--version",
         "goteborg_primaromraden2025", "--via-code-rule-to", "deso2025", "--kommun", "1480", *d],
    ):  # fmt: skip
        run_cli(args)
    return db


@dataclass
class CliOutputs:
    """CSV files the command line wrote (read back as text columns)."""

    police_flags: pd.DataFrame
    police_primar_flags: pd.DataFrame
    police_primar_printed: str
    official: pd.DataFrame
    gbg_classes: pd.DataFrame
    pop_regso: dict[str, pd.DataFrame]
    pop_deso: pd.DataFrame


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _run_printed(args: list[str]) -> str:
    """Run the command line in-process and return what it printed (it must exit 0)."""
    import contextlib
    import io

    from conftest import run_cli

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        run_cli(args)
    return buf.getvalue()


@pytest.fixture(scope="module")
def cli_out(facts_store: Path, tmp_path_factory: pytest.TempPathFactory) -> CliOutputs:
    """Run each command once and keep what it wrote."""
    from conftest import run_cli

    out = tmp_path_factory.mktemp("facts_out")
    d = ["--db", str(facts_store)]
    run_cli(["followup", "police", "--level", "regso", "--period", "2022",
             "--police-year", "2025", "--out", str(out / "police.csv"), *d])  # fmt: skip
    primar = out / "police_primar.csv"
    printed = _run_printed(["followup", "police", "--level", "district", "--version",
                            "goteborg_primaromraden2025", "--period", "2022", "--police-year",
                            "2025", "--out", str(primar), *d])  # fmt: skip
    run_cli(["index", "compare-official", "--period", "2022", "--official-period", "2023",
             "--draws", "0", "--out", str(out / "official.csv"), *d])  # fmt: skip
    run_cli(["harmonize", "compare", "--level", "district", "--version",
             "goteborg_primaromraden2025", "--attribute", "gbg_socioekonomisk_omr_kod",
             "--period", "2022", "--out", str(out / "gbg.csv"), *d])  # fmt: skip
    pop: dict[str, pd.DataFrame] = {}
    for year in ("2020", "2023"):
        run_cli(["query", "pop_total", "--version", "regso2020", "--period", year,
                 "--out", str(out / f"pop_regso_{year}.csv"), *d])  # fmt: skip
        pop[year] = _csv(out / f"pop_regso_{year}.csv")
    run_cli(["query", "pop_total", "--version", "deso2018", "--period", "2023",
             "--out", str(out / "pop_deso.csv"), *d])  # fmt: skip
    return CliOutputs(
        police_flags=_csv(out / "police_flags.csv"),
        police_primar_flags=_csv(out / "police_primar_flags.csv"),
        police_primar_printed=printed,
        official=_csv(out / "official.csv"),
        gbg_classes=_csv(out / "gbg.csv"),
        pop_regso=pop,
        pop_deso=_csv(out / "pop_deso.csv"),
    )


@dataclass
class Profiles:
    """Area profiles of the RegSO 2020 level and of Göteborg's primärområden."""

    regso: Any
    primar: Any

    def regso_profile(self, code: str) -> AreaProfile:
        from omradesbild.services.area import area_profile

        return area_profile(self.regso, code)

    def primar_profile(self, code: str) -> AreaProfile:
        from omradesbild.services.area import area_profile

        return area_profile(self.primar, code)


@pytest.fixture(scope="module")
def profiles(facts_store: Path) -> Iterator[Profiles]:
    """The level pictures the profiles are drawn from (computed once, no rank intervals)."""
    from omradesbild.config import AREA_TYPE_METHOD
    from omradesbild.index import load_method
    from omradesbild.services.level_picture import level_picture
    from omradesbild.store import Store

    m = load_method(AREA_TYPE_METHOD)
    with Store(facts_store, read_only=True) as store:
        regso = level_picture(store, level="regso", version="regso2020", method=m, draws=0)
        primar = level_picture(
            store, level="district", version="goteborg_primaromraden2025", method=m, draws=0
        )
    yield Profiles(regso=regso, primar=primar)


# ----------------------------------------------------------------------------- the facts
def _police_cli(flags: pd.DataFrame, code: str, year: str) -> str:
    """The category ``followup police`` wrote for an area and year (NOT_KNOWN: no row)."""
    row = flags.loc[(flags["area_code"] == code) & (flags["period"] == year)]
    if row.empty:
        return NOT_KNOWN
    assert len(row) == 1, row
    r = row.iloc[0]
    if "category" in r and r["category"] == NOT_KNOWN:
        assert not r["flag"], r  # a year that cannot decide raises no flag
        return NOT_KNOWN
    return r["category"] if r["listed"] == "True" else "not_listed"


def _police_profile(p: AreaProfile, year: str) -> str:
    if p.police is None or not p.police.known:
        return NOT_KNOWN
    points = {pt.period: pt.category for pt in p.police.points}
    return points.get(year, NOT_KNOWN)


@pytest.mark.parametrize("fact", facts("police"))
def test_police_category(fact: Fact, cli_out: CliOutputs, profiles: Profiles) -> None:
    assert _police_cli(cli_out.police_flags, fact.code, fact.year) == fact.expected, fact
    assert _police_profile(profiles.regso_profile(fact.code), fact.year) == fact.expected, fact


@pytest.mark.parametrize("fact", facts("police_primar"))
def test_police_category_of_primaromrade(
    fact: Fact, cli_out: CliOutputs, profiles: Profiles
) -> None:
    """Göteborg's primärområden: the CLI's flags and the area profile say the same."""
    assert _police_cli(cli_out.police_primar_flags, fact.code, fact.year) == fact.expected, fact
    p = profiles.primar_profile(fact.code)
    assert p.name == fact.area
    assert _police_profile(p, fact.year) == fact.expected, fact


def test_police_year_not_stored_is_said(
    facts_store: Path, cli: Any, profiles: Profiles, tmp_path: Path
) -> None:
    # No list of 2019 is stored: the command says which years are, and writes nothing.
    code, _, err = cli(["followup", "police", "--level", "regso", "--period", "2022",
                          "--police-year", "2019", "--out", str(tmp_path / "p.csv"),
                          "--db", str(facts_store)])  # fmt: skip
    assert code != 0 and "2019" in err and "2023" in err, err
    assert not (tmp_path / "p_flags.csv").exists()
    # The profile has no 2019 or 2024 point: it does not claim "not listed" for them.
    years = [pt.period for pt in profiles.regso_profile("0180R076").police.points]  # type: ignore[union-attr]
    assert years == ["2023", "2025"]


@pytest.mark.parametrize("fact", facts("type"))
def test_published_area_type(fact: Fact, cli_out: CliOutputs, profiles: Profiles) -> None:
    row = cli_out.official.loc[cli_out.official["area_code"] == fact.code]
    assert len(row) == 1 and int(float(row["official_type"].iloc[0])) == fact.expected, fact
    p = profiles.regso_profile(fact.code)
    assert p.name == fact.area
    assert {t.period: t.cls for t in p.official_types} == {fact.year: fact.expected}


@pytest.mark.parametrize("fact", facts("gbg_class"))
def test_goteborg_own_class(fact: Fact, cli_out: CliOutputs, profiles: Profiles) -> None:
    t = cli_out.gbg_classes
    row = t.loc[t["area_code"] == fact.code]
    assert len(row) == 1, fact
    assert row["area_name"].iloc[0] == fact.area
    assert int(row["gbg_socioekonomisk_omr_kod"].iloc[0]) == fact.expected
    assert row["gbg_socioekonomisk_omr_namn"].iloc[0] == fact.statement
    p = profiles.primar_profile(fact.code)
    assert p.name == fact.area
    got = {(c.period, c.cls, c.label) for c in p.city_classes}
    assert got == {(fact.year, fact.expected, fact.statement)}, got
    assert all(c.publisher == "Göteborgs Stad" for c in p.city_classes)


@pytest.mark.parametrize("fact", facts("population"))
def test_population(fact: Fact, cli_out: CliOutputs, profiles: Profiles) -> None:
    if fact.code == "SE":
        got = pd.to_numeric(cli_out.pop_regso[fact.year]["value"]).sum()
        assert got == fact.expected
        return
    if len(fact.code) == 9:  # a DeSO
        t = cli_out.pop_deso
        assert float(t.loc[t["area_code"] == fact.code, "value"].iloc[0]) == fact.expected
        return
    t = cli_out.pop_regso[fact.year]
    row = t.loc[t["area_code"] == fact.code]
    assert len(row) == 1 and float(row["value"].iloc[0]) == fact.expected, fact
    # The profile's share of foreign-born residents counts every resident of the year.
    p = profiles.regso_profile(fact.code)
    fb = [v for v in p.indicator_history if v.id == "foreign_born" and v.period == fact.year]
    assert len(fb) == 1 and fb[0].denominator == fact.expected, fb


# ------------------------------------------------------------- every city, end to end
def test_goteborg_followup_police_on_primaromraden(cli_out: CliOutputs) -> None:
    """Göteborg's primärområden: 2023 on DeSO polygons drawn from DeSO 2025, 2025 by links."""
    printed = cli_out.police_primar_printed
    assert "drawn from their successors' polygons" in printed
    # The header names the level as the catalogue words it, not by its code.
    assert "mot områdestyper 2022 (stadsdel) /" in printed
    flags = cli_out.police_primar_flags
    assert set(flags["period"]) == {"2023", "2025"}
    assert flags["area_code"].nunique() == 96
    # Polisen: Lövgärdet, Hjällbo and Hammarkullen särskilt utsatta 2023 and 2025.
    listed = [(p, y) for p in ("601", "612", "606") for y in ("2023", "2025")]
    for primar, year in listed:
        assert _police_cli(flags, primar, year) == "sarskilt_utsatt", (primar, year)
    # Polisen: Biskopsgården riskområde 2023, utsatt 2025.
    assert _police_cli(flags, "701", "2023") == "risk"
    assert _police_cli(flags, "701", "2025") == "utsatt"


def test_goteborg_report_has_maps_from_regso2025(
    facts_store: Path, cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    code, _, err = cli(["report", "--level", "regso", "--version", "regso2025", "--kommun",
                        "1480", "--draws", "0", "--no-pdf", "--areas", "1480R098",
                        "--out", str(out), "--db", str(facts_store)])  # fmt: skip
    assert code == 0, err
    assert 'data-chart="map-index"' in (out / "index.html").read_text(encoding="utf-8")
    page = (out / "profiles" / "1480R098.html").read_text(encoding="utf-8")
    assert 'data-chart="map-area"' in page and "Lövgärdet" in page
    # Polisen: Lövgärdet särskilt utsatt 2023 (polygons) and 2025 (list).
    assert 'data-period="2025" data-category="sarskilt_utsatt"' in page
    assert 'data-period="2023" data-category="sarskilt_utsatt"' in page


@pytest.mark.parametrize("version", ["malmo_delomraden", "goteborg_primaromraden2025"])
def test_missing_deso_polygons_named(facts_store: Path, cli: Any, version: str) -> None:
    """No DeSO 2018 polygons in Malmö or Göteborg: the error says so, and what would fix it."""
    kommun = "1280" if version.startswith("malmo") else "1480"
    code, _, err = cli(["harmonize", "layer", "--level", "district", "--version", version,
                        "--db", str(facts_store)])  # fmt: skip
    assert code != 0
    text = " ".join(err.split())
    assert f"no deso polygons of version deso2018 are stored for district/{version}" in text
    assert f"none for kommun {kommun}" in text and "CRS" not in text
    assert f"fetch scb boundaries --version deso2018 --kommun {kommun} --ingest" in text
    assert ("--via-code-rule-to deso2025" in text) is (kommun == "1480")


def test_malmo_followup_police_names_the_missing_crosswalk(facts_store: Path, cli: Any) -> None:
    code, _, err = cli(["followup", "police", "--level", "district", "--version",
                        "malmo_delomraden", "--period", "2022", "--police-year", "2025",
                        "--db", str(facts_store)])  # fmt: skip
    assert code != 0
    text = " ".join(err.split())
    assert "malmo_delomraden" in text and "harmonize" in text
    # ... and why harmonising would not do: no DeSO polygons in Malmö, and what fixes it.
    assert "none for kommun 1280" in text and "--kommun 1280 --ingest" in text


def test_malmo_report_names_the_missing_polygons(
    facts_store: Path, cli: Any, tmp_path: Path
) -> None:
    """A report on Malmö's delområden cannot be made without DeSO polygons under them: the
    error says that, and which boundary file (or fetch) would add them; nothing is written."""
    code, _, err = cli(["report", "--level", "district", "--version", "malmo_delomraden",
                        "--period", "2022", "--out", str(tmp_path / "site"),
                        "--db", str(facts_store)])  # fmt: skip
    assert code != 0
    text = " ".join(err.split())
    assert "Traceback" not in text and len(err.strip().splitlines()) == 1, err
    assert "malmo_delomraden" in text and "none for kommun 1280" in text
    assert "fetch scb boundaries --version deso2018 --kommun 1280 --ingest" in text
    assert not (tmp_path / "site" / "index.html").exists()


@pytest.mark.realdata
def test_one_reference_for_goteborg_primaromraden(cli_out: CliOutputs, profiles: Profiles) -> None:
    """Each classification of Göteborg's primärområden states its reference: ``harmonize
    compare`` classes them against the country's RegSO (SCB's names), the area picture against
    the city's own primärområden (relative names, never SCB's)."""
    assert set(cli_out.gbg_classes["reference"]) == {"riket"}
    index = profiles.primar.index
    assert index is not None
    for res in index.results.values():
        assert set(res["reference"]) == {"staden Göteborg"}
        labels = set(res["class_label"].dropna())
        assert labels and all(lab.startswith("relativt staden") for lab in labels)


@pytest.fixture(scope="module")
def facts_client(facts_store: Path) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from omradesbild.web.app import create_app
    from omradesbild.web.settings import WebSettings

    with TestClient(create_app(WebSettings(store_path=facts_store, draws=0), warm=False)) as c:
        yield c


def test_area_page_states_the_cli_police_category_every_year(
    cli_out: CliOutputs, profiles: Profiles, facts_client: Any
) -> None:
    """The web area page of each RegSO 2020 area with a 2025 fact shows, for every stored
    police year, the category ``followup police`` wrote (the 2025 list placed through
    SCB's 2025 key, so no year is left unplaced)."""
    codes = sorted(
        {f.code for f in FACTS if f.kind == "police" and f.year == "2025" and not f.known_bug}
    )
    assert len(codes) >= 10
    for code in codes:
        p = profiles.regso_profile(code)
        assert p.police is not None and p.police.unplaced == ()
        page = facts_client.get(f"/omrade/{code}", params={"period": "2022", "level": "regso"})
        assert page.status_code == 200, code
        for year in ("2023", "2025"):
            want = _police_cli(cli_out.police_flags, code, year)
            assert _police_profile(p, year) == want, (code, year)
            assert f'data-period="{year}" data-category="{want}"' in page.text, (code, year)


# ------------------------------------------- police shares resting on drawn DeSO polygons
#: The history note of an area whose police shares rest on DeSO 2018 polygons drawn from
#: their DeSO 2025 successors' (Göteborg's: its DeSO 2018 polygons are not stored).
DRAWN_NOTE = {
    "sv": "Områdets andelar inom polisens polygoner bygger på DeSO 2018-polygoner som ritats "
    "ur efterföljarnas polygoner i DeSO 2025 (SCB:s ändringslogg); ungefärliga där en gräns "
    "flyttats",
    "en": "The area's shares inside the Police's polygons rest on DeSO 2018 polygons drawn "
    "from their successors' polygons in DeSO 2025 (SCB's change log); approximate where a "
    "boundary moved",
}


def test_drawn_polygons_are_named_on_the_areas_resting_on_them(profiles: Profiles) -> None:
    """Göteborg's DeSO 2018 polygons are all drawn (none stored), Stockholms län's are
    stored: every analysed Göteborg RegSO (147) and primärområde (96) rests on drawn
    polygons, no other area does, and only their police history names it."""
    from omradesbild.services.area import police_history

    regso = profiles.regso.police
    gbg = {c for c in regso.known if c.startswith("1480")}
    assert len(gbg) == 147 and regso.drawn.areas == gbg
    assert len(profiles.primar.police.drawn.areas) == 96 == len(profiles.primar.police.known)
    for lang, note in DRAWN_NOTE.items():
        for code in ("1480R098", "1480R044"):  # Lövgärdet, Hammarkullen centrala
            notes = police_history(profiles.regso, code, lang=lang).notes
            assert notes.count(note) == 1, (code, lang)
        for code in ("0180R076", "0180R102"):  # Rinkeby, Tensta: DeSO 2018 polygons stored
            assert police_history(profiles.regso, code, lang=lang).notes, code
            assert note not in police_history(profiles.regso, code, lang=lang).notes, code
        assert note in police_history(profiles.primar, "601", lang=lang).notes  # Lövgärdet


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_drawn_polygons_named_on_the_area_page_and_api(facts_client: Any, lang: str) -> None:
    """The web area page and ``/api/areas/{code}`` (either language) of a Göteborg RegSO
    name the drawn polygons; a Stockholm RegSO's do not."""
    from html import unescape

    q = {"period": "2022", "level": "regso", "lang": lang}
    page = {c: unescape(facts_client.get(f"/omrade/{c}", params=q).text)
            for c in ("1480R098", "0180R076")}  # fmt: skip
    assert page["1480R098"].count(DRAWN_NOTE[lang]) == 1
    assert DRAWN_NOTE[lang] not in page["0180R076"]
    api = {c: facts_client.get(f"/api/areas/{c}", params={"level": "regso", "lang": lang}).json()
           for c in ("1480R098", "0180R076")}  # fmt: skip
    assert DRAWN_NOTE[lang] in api["1480R098"]["police_notes"]
    assert DRAWN_NOTE[lang] not in api["0180R076"]["police_notes"]


def test_one_kommun_report_names_the_drawn_polygons_as_the_whole_level(
    facts_store: Path, profiles: Profiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-kommun report's police history (computed afresh and kept between commands,
    then read from what was kept: cold and warm) equals the whole level's, drawn polygons
    named; its static and PDF profiles name them (every Göteborg profile, no Stockholm one).

    What is kept is national (the same for every kommun): after Göteborg's cold run,
    Stockholm's run reads it as a later Göteborg run does, so Stockholm is run once, warm."""
    from html import unescape

    from omradesbild.config import CACHE_DIR_ENV, SERVICE_CACHE_ENV
    from omradesbild.reports.pdf import PdfProfiles
    from omradesbild.reports.site import build_site
    from omradesbild.services.area import police_history
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    monkeypatch.setenv(SERVICE_CACHE_ENV, "0")
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "kept"))
    runs = (
        ("cold", "1480", "1480R098"),
        ("warm", "0180", "0180R076"),
        ("warm", "1480", "1480R098"),
    )
    for state, kommun, code in runs:
        with Store(facts_store, read_only=True) as store:
            city = load_city(store, level="regso", period="2022", kommun=kommun, draws=0)
        for lang in ("sv", "en"):
            got = police_history(city.pic, code, lang=lang)
            assert got == police_history(profiles.regso, code, lang=lang), (state, code)
            assert (DRAWN_NOTE[lang] in got.notes) is (kommun == "1480")
        assert city.pic.police.drawn.areas == {
            c for c in profiles.regso.police.drawn.areas if c.startswith(kommun)
        }
        # the PDF profile draws the history's notes (as the static profile does)
        pdf = unescape(PdfProfiles(city).html(code))
        assert (DRAWN_NOTE["sv"] in pdf) is (kommun == "1480")
        if kommun == "1480" and state == "cold":
            site = build_site(city, tmp_path / "site")
            pages = [unescape(f.read_text(encoding="utf-8")) for f in site.profiles]
            assert len(pages) == 147 and all(DRAWN_NOTE["sv"] in t for t in pages)
    assert list((tmp_path / "kept").rglob("*.pickle"))
