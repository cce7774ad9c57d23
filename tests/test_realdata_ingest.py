"""End to end on the real files in ../shared/data, through the command line.

One store is built once per session (key, 11 SCB tables, every boundary layer, police files,
crime extracts); the tests then check what it holds and that running the same commands again
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omradesbild.store import Store

pytestmark = pytest.mark.realdata


def _table(db: Path, sql: str) -> pd.DataFrame:
    with Store(db, read_only=True) as s:
        return s.con.execute(sql).df()


def test_areas_per_level(real_store: Path) -> None:
    with Store(real_store, read_only=True) as s:
        info = s.summary()
    n = {(a["level"], a["version"]): a["n"] for a in info["areas"]}
    assert n[("deso", "deso2018")] == 5984
    assert n[("regso", "regso2020")] == 3363
    assert n[("kommun", "kommun2025")] == 290
    assert n[("lan", "lan2025")] == 21
    assert n[("deso", "deso2025")] == 320
    assert n[("police_area", "police2023")] == 59
    geo = {(a["level"], a["version"]): a["with_geometry"] for a in info["areas"]}
    # Stockholm county's DeSO polygons give 1 287 of the 5 984 DeSO 2018 a geometry.
    assert geo[("deso", "deso2018")] == 1287
    assert geo[("kommun", "kommun2025")] == 290


def test_code_rule_links_goteborg_deso2018_to_2025(real_store: Path) -> None:
    with Store(real_store, read_only=True) as s:
        links = s.links(from_version="deso2018", to_version="deso2025")
    assert len(links) == 320 and links["to_code"].is_unique
    assert links["from_code"].nunique() == 306
    assert links["from_code"].str.startswith("1480").all()
    sums = links.groupby("from_code")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0)
    # 1480C1030 was split by the reserve digit (README): every part links back to it.
    assert set(links.loc[links["from_code"] == "1480C1030", "to_code"]) >= {
        "1480C1031",
        "1480C1032",
    }


def test_scb_tables_all_deso_all_variables(real_store: Path) -> None:
    df = _table(
        real_store,
        "SELECT variable, period, count(*) AS n FROM current_observations "
        "WHERE area_version = 'deso2018' AND variable NOT LIKE 'crime_%' GROUP BY ALL",
    )
    assert (df["n"] == 5984).all()
    assert {"pop_total", "low_econ_standard_pct", "edu_forgymnasial_25_64"} <= set(df["variable"])
    pop = df[df["variable"] == "pop_total"]
    assert set(pop["period"]) == {"2022", "2023"}


def test_known_values(real_store: Path) -> None:
    with Store(real_store, read_only=True) as s:
        obs = s.observations(area_codes=["0114A0010"], periods=["2022"])
    got = dict(zip(obs["variable"], obs["value"], strict=True))
    assert got["hh_couple_children"] == 88
    assert got["income_net_median_tkr"] == 320.0
    assert got["employed_16_64"] == 408


def test_crime_counts_match_the_files(real_store: Path, shared_data: Path) -> None:
    # The combined violence-against-police file repeats the two severity files: counted once.
    files = [
        f for f in (shared_data / "crime").glob("*.csv") if f.name != "våld mot polis brott.csv"
    ]
    total = sum(pd.read_csv(f, dtype=str)["Antal"].astype(int).sum() for f in files)
    stored = _table(
        real_store, "SELECT sum(value) AS s FROM current_observations WHERE variable LIKE 'crime_%'"
    )["s"].iloc[0]
    assert stored == total


def test_police_classifications(real_store: Path) -> None:
    df = _table(
        real_store, "SELECT period, category, count(*) AS n FROM classifications GROUP BY ALL"
    )
    got = {(p, c): n for p, c, n in df.itertuples(index=False)}
    assert got[("2023", "sarskilt_utsatt")] == 17
    assert got[("2023", "utsatt")] == 27
    assert got[("2023", "risk")] == 15
    assert sum(n for (p, _), n in got.items() if p == "2025") == 65


def test_geometries_are_in_sweref99tm(real_store: Path) -> None:
    with Store(real_store, read_only=True) as s:
        kommuner = s.areas(level="kommun", geometry=True)
    minx, miny, maxx, maxy = kommuner.total_bounds
    assert 200_000 < minx < maxx < 1_000_000
    assert 6_100_000 < miny < maxy < 7_700_000
    # Stockholm (0180) lies where it should in SWEREF 99 TM.
    sthlm = kommuner.set_index("area_code").geometry["0180"].centroid
    assert np.hypot(sthlm.x - 674_000, sthlm.y - 6_580_000) < 15_000


def test_running_everything_again_changes_nothing(
    real_store: Path, rerun_ingest: Callable[[Path], None]
) -> None:
    tables = ("areas", "links", "observations", "classifications", "sources", "ingest_log")
    before = {t: _table(real_store, f"SELECT count(*) AS n FROM {t}")["n"].iloc[0] for t in tables}
    rerun_ingest(real_store)
    after = {t: _table(real_store, f"SELECT count(*) AS n FROM {t}")["n"].iloc[0] for t in tables}
    assert before == after
