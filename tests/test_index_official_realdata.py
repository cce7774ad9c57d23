"""Our 2022 area types for all 3 363 RegSO next to SCB/Delmos's published 2023 types.

SCB's published 2022 types are not in the shared data; the published 2023 types are, and
serve as a proxy: a RegSO whose type changed between the two years, or where our stand-in
indicator (unemployment 16–64 for SCB's indicator c) moves it across a cut, should mostly
be one our uncertainty marks as not robust.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from omradesbild.services.official import (
    OfficialComparison,
    compare_official,
    ingest_published_types,
    published_types,
)
from omradesbild.store import Store

if TYPE_CHECKING:
    from conftest import CliRun
    from omradesbild.sources.scb_omradestyp import PublishedTypes

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def official_db(
    real_store: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, PublishedTypes]:
    db = tmp_path_factory.mktemp("official") / "real.duckdb"
    shutil.copyfile(real_store, db)
    with Store(db) as s:
        [(found, _)] = ingest_published_types(
            s, [shared_data / "scb/omradestyp/scb_omradestyp_regso_2023.csv"]
        )
    return db, found


@pytest.fixture(scope="module")
def comparison(official_db: tuple[Path, PublishedTypes]) -> OfficialComparison:
    with Store(official_db[0], read_only=True) as s:
        return compare_official(s, period="2022", official_period="2023", draws=1000, seed=0)


def test_every_regso_of_the_published_file_is_matched(
    official_db: tuple[Path, PublishedTypes],
) -> None:
    db, found = official_db
    assert found.years == ["2023"] and found.n_rows == 3363
    assert found.unmatched_rows == [] and found.missing_regso == []
    with Store(db, read_only=True) as s:
        # SCB/Delmos, Statistikdatabasen, områdestyp per RegSO (ref. 000005QX), 2023:
        # Rinkeby (Stockholm) and Herrgården norr (Malmö) are type 1.
        got = published_types(s, area_codes=["0180R076", "1280R028"], periods=["2023"])
    assert [(p.area_code, p.official_type, p.name) for p in got] == [
        ("0180R076", 1, "Stockholm (Rinkeby)"),
        ("1280R028", 1, "Malmö (RegSO-Herrgården norr)"),
    ]


def test_default_uncertainty_draws_only_sampling_error(comparison: OfficialComparison) -> None:
    u = comparison.uncertainty
    assert u["perturbed"] == ["sampling_error"] and u["n_areas"] == 3363
    # Measured (seed 0, 1 000 draws): modal = point class for 99.7 %, 82.5 % robust.
    share_modal = u["share_modal_equals_class"]
    assert isinstance(share_modal, float) and share_modal >= 0.97
    share_robust = u["share_robust_class"]
    assert isinstance(share_robust, float) and 0.6 <= share_robust < 1.0
    # Expected count per class (sum of probabilities) close to the observed count:
    # measured 160/161.6, 288/294.5, 841/830.1, 1785/1787.1, 289/289.7.
    counts = u["class_counts"]
    assert isinstance(counts, list)
    for row in counts:
        assert abs(row["expected"] - row["observed"]) <= 0.05 * row["observed"] + 5, row
    # The highest-ranked type-1 RegSO are type 1 in every draw.
    t = comparison.table.set_index("area_code")
    for code in ("0180R076", "1280R028"):
        assert t.loc[code, "area_type"] == 1 and bool(t.loc[code, "robust_class"])


def test_disagreements_with_the_published_types_are_mostly_not_robust(
    comparison: OfficialComparison,
) -> None:
    c = comparison
    assert c.n_compared == 3363
    # Measured: 3 092 of 3 363 agree (91.9 %); of the 271 that differ, 205 (75.6 %) are
    # flagged not robust. Our indicator (c) is a stand-in and the years differ by one.
    assert 0.85 <= c.agreement <= 0.97
    n_dis = c.n_compared - c.n_agree
    assert c.n_disagree_with_robustness == n_dis
    assert c.n_disagree_not_robust / n_dis >= 0.65
    # Disagreements are never more than one type apart.
    dis = c.table.loc[~c.table["agree"].astype(bool)]
    assert (abs(dis["area_type"].astype(int) - dis["official_type"].astype(int)) == 1).all()
    assert c.confusion.loc["total", "total"] == 3363


def test_published_types_followed_from_a_users_2022_file(
    official_db: tuple[Path, PublishedTypes], tmp_path: Path, cli: CliRun
) -> None:
    """SCB's 2023 file together with a 2022 file in the same layout (written here)."""
    own = tmp_path / "own_2022.csv"
    own.write_text(
        "Område,2022\n"
        "Stockholm (Rinkeby),1\n"
        "Malmö (RegSO-Herrgården norr),2\n"
        "Upplands Väsby (Bollstanäs),4\n"
        ",\nKälla:,\negen klassning,\n",
        encoding="utf-8",
    )
    db = tmp_path / "t.duckdb"
    shutil.copyfile(official_db[0], db)
    code, out, err = cli(["ingest", "scb-omradestyp", str(own), "--db", str(db)])
    assert code == 0, err
    assert "3 RegSO matchade, 0 omatchade" in out
    assert "3360 RegSO i SCB:s nyckel saknas i filen" in out  # named, not dropped
    moves = tmp_path / "moves.csv"
    args = ["followup", "transitions", "--published", "--from", "2022", "--to", "2023"]
    code, out, err = cli([*args, "--out", str(moves), "--db", str(db)])
    assert code == 0, err
    # Herrgården norr: 2 in the user's file, 1 in SCB's 2023 file; the others stay.
    assert "upp (bättre) 0, ned (sämre) 1, samma 2 / up (better) 0" in out
    m = pd.read_csv(moves, dtype={"area_code": str}).set_index("area_code")
    assert m.loc["1280R028", "movement"] == "down" and len(m) == 3
