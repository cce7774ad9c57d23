"""SCB's area types for all 3 363 RegSO from the national DeSO tables, through the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import CliRun

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omradesbild.index import load_method
from omradesbild.services.pipeline import IndexSelection, area_index
from omradesbild.store import Store

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def regso_csv(real_store: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("idx") / "regso.csv"
    from omradesbild.cli.main import main

    args = ["index", "compute", "--method", "scb-omradestyp", "--level", "regso"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--period", "2022", "--out", str(out), "--db", str(real_store)])
    assert exc.value.code in (0, None)
    return pd.read_csv(out, dtype={"area_code": str})


def test_all_regso_get_an_area_type(regso_csv: pd.DataFrame) -> None:
    df = regso_csv
    assert list(df.columns[:8]) == [
        "area_code", "area_name", "kommun_code", "kommun_name", "period", "score", "rank",
        "area_type",
    ]  # fmt: skip
    assert (df["reference"] == "riket").all()
    assert len(df) == 3363 and df["area_code"].is_unique
    assert df["area_type"].notna().all()
    assert set(df["area_type"]) == {1, 2, 3, 4, 5}
    # Component indicators travel with the result, and the fallback is stated.
    assert {"edu_low_25_64", "low_econ_standard", "unemployment_16_64"} <= set(df.columns)
    assert (df["fallback_used"] == "ekbist_longterm_20_64 -> unemployment_16_64").all()
    assert sorted(df["rank"]) == list(range(1, 3364))


def test_score_is_the_mean_of_the_three_shares_from_aggregated_counts(
    regso_csv: pd.DataFrame, real_store: Path
) -> None:
    """Recompute the index for every RegSO by hand from DeSO counts and SCB's key."""
    with Store(real_store, read_only=True) as s:
        obs = s.observations(periods=["2022"], area_version="deso2018")
        key = s.links(from_version="deso2018", to_version="regso2020")
    wide = obs.pivot_table(index="area_code", columns="variable", values="value")
    wide = wide.join(key.set_index("from_code")["to_code"]).groupby("to_code").sum()
    edu_cols = [c for c in wide.columns if c.startswith("edu_") and c != "edu_missing_25_64"]
    edu = 100 * wide["edu_forgymnasial_25_64"] / wide[edu_cols].sum(axis=1)
    # SCB publishes low economic standard as a rounded percentage per DeSO: weight by persons.
    deso = obs.pivot_table(index="area_code", columns="variable", values="value")
    low_n = (deso["low_econ_standard_pct"] * deso["persons_econ_standard"] / 100).rename("low")
    low_n = low_n.to_frame().join(key.set_index("from_code")["to_code"]).groupby("to_code")["low"]
    low = 100 * low_n.sum() / wide["persons_econ_standard"]
    unemp = 100 * wide["unemployed_16_64"] / wide["pop_16_64"]
    expected = (edu + low + unemp) / 3
    got = regso_csv.set_index("area_code")["score"]
    np.testing.assert_allclose(got.sort_index(), expected.sort_index(), rtol=1e-9)
    # Types cut at mean + k·sd over all RegSO in the country.
    m, sd = expected.mean(), expected.std(ddof=1)
    t1 = regso_csv.set_index("area_code")["area_type"] == 1
    assert (got[t1] >= m + 2 * sd).all() and (got[~t1] < m + 2 * sd).all()


def test_same_inputs_same_output_bit_for_bit(real_store: Path) -> None:
    with Store(real_store, read_only=True) as s:
        a = area_index(s, IndexSelection(load_method("scb-omradestyp"), "regso", "2022"))
        b = area_index(s, IndexSelection(load_method("scb-omradestyp"), "regso", "2022"))
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_crime_picture_is_kept_apart(real_store: Path, tmp_path: Path) -> None:
    with Store(real_store, read_only=True) as s:
        crime = area_index(s, IndexSelection(load_method("brott-anmalda"), "regso", "2022"))
    assert len(crime) == 3363
    assert crime["class"].notna().all()
    # A method that declares the socioeconomic picture but uses a crime rate is refused.
    bad = tmp_path / "blandad.yaml"
    bad.write_text(
        "id: blandad\nversion: '1'\ntitle_sv: x\ntitle_en: x\npicture: socioeconomic\n"
        "indicators:\n  - {id: low_econ_standard}\n  - {id: crime_rate_1211}\n"
        "normalisation: zscore\n"
    )
    from omradesbild.errors import MethodError

    with (
        Store(real_store, read_only=True) as s,
        pytest.raises(MethodError, match="crime_rate_1211"),
    ):
        area_index(s, IndexSelection(load_method(bad), "regso", "2022"))


def test_uncertainty_columns(real_store: Path, tmp_path: Path, cli: CliRun) -> None:
    out = tmp_path / "u.csv"
    code, stdout, err = cli(
        [
            "index", "compute", "--method", "scb-omradestyp", "--level", "regso",
            "--period", "2022", "--out", str(out), "--uncertainty", "50", "--db", str(real_store),
        ])  # fmt: skip
    assert code == 0, err
    df = pd.read_csv(out, dtype={"area_code": str})
    probs = df[[f"prob_class_{k}" for k in range(1, 6)]].sum(axis=1)
    np.testing.assert_allclose(probs, 1.0)
    assert (df["rank_p05"] <= df["rank_p95"]).all()
    assert "robust" in stdout
