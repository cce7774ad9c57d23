"""Published indices reproduced by their documented rules: CDC/ATSDR SVI 2018 and IMD 2019.

The expected values are computed by hand in the tests from the rules the publishers
document (CDC/ATSDR, SVI 2018 documentation; MHCLG, English Indices of Deprivation 2019
technical report), on small synthetic tables a reader can check with pen and paper.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import MethodError
from omradesbild.index import compute_index, load_method, parse_method
from omradesbild.index.method import Normalisation
from omradesbild.index.normalise import (
    normalise,
    normalise_last_axis,
    percent_rank,
    percentrank_inc,
    rank_exponential,
    round_half_away,
)

if TYPE_CHECKING:
    from conftest import CliRun

SVI = load_method("cdc-svi-2018")
IMD = load_method("imd-2019")
CDC = Normalisation(method="percent_rank", significance=4)


# -- rounding and the CDC percentile rank -------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.60765, 0.6077), (0.39235, 0.3924), (0.12344999, 0.1234), (2.5e-5, 0.0), (0.00005, 0.0001)],
)
def test_round_half_away_from_zero(value: float, expected: float) -> None:
    # numpy.round(0.60765, 4) gives 0.6076 (binary 0.607649999…); ROUND in Excel gives 0.6077.
    assert round_half_away(value, 4) == expected


def test_percent_rank_ties_lowest_rank_and_missing_excluded() -> None:
    # N = 5 finite values; 20 occurs twice and both get rank 2: (2 - 1) / 4 = 0.25.
    x = [10.0, 20.0, 20.0, np.nan, 30.0, 40.0]
    got = percent_rank(x, digits=4)
    np.testing.assert_array_equal(got, [0.0, 0.25, 0.25, np.nan, 0.75, 1.0])
    # Reversed (per capita income): 1 - PR before rounding.
    rev = percent_rank(x, digits=4, descending=True)
    np.testing.assert_array_equal(rev, [1.0, 0.75, 0.75, np.nan, 0.25, 0.0])


def test_percent_rank_rounds_where_excel_truncates() -> None:
    # 3 141 areas with a value; 1 232 below ours: PR = 1232 / 3140 = 0.392357…
    # round(1 - PR, 4) = round(0.607643, 4) = 0.6076; Excel's truncation keeps 0.3923 and
    # gives 1 - 0.3923 = 0.6077 (the EPL_PCI of county 01015 is published as 0.6076).
    pci = np.arange(3141.0)
    ours = normalise(pci, spec=CDC, direction=-1)[1232]
    assert ours == 0.6076
    excel = normalise(
        pci, spec=Normalisation(method="percentrank_inc", significance=4), direction=-1
    )
    assert excel[1232] == 0.6077
    assert percentrank_inc(pci, significance=4)[1232] == 0.3923  # still available, truncating


def test_complement_is_rounded_after_not_before() -> None:
    # 20 001 areas, 7 847 below: PR = 0.39235 exactly. round(1 - PR) = round(0.60765) = 0.6077,
    # whereas 1 - round(PR) = 1 - 0.3924 = 0.6076: the documented order is the first.
    pci = np.arange(20001.0)
    assert percent_rank(pci, digits=4)[7847] == 0.3924
    assert normalise(pci, spec=CDC, direction=-1)[7847] == 0.6077


def test_vectorised_percent_rank_matches() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, 30, size=(3, 2, 50)).astype(float)
    directions = np.array([1.0, -1.0])
    got = normalise_last_axis(a, spec=CDC, directions=directions)
    for d in range(3):
        for k in range(2):
            want = normalise(a[d, k], spec=CDC, direction=int(directions[k]))
            np.testing.assert_array_equal(got[d, k], want)


# -- SVI 2018 by hand ---------------------------------------------------------------------------
def _svi_table() -> pd.DataFrame:
    """Six counties; every EP_ of county k is k except where noted.

    * EP_POV has a tie (counties 2 and 3 both 5.0), EP_PCI is an income (reversed),
    * EP_LIMENG is -999 (missing) for county 5.
    """
    n = 6
    data: dict[str, list[float] | list[str]] = {"FIPS": [f"0100{k}" for k in range(n)]}
    for ind in SVI.indicators:
        data[ind.id] = [float(k) for k in range(n)]
    data["EP_POV"] = [1.0, 2.0, 5.0, 5.0, 7.0, 9.0]
    data["EP_PCI"] = [30000.0, 25000.0, 24706.0, 20000.0, 18000.0, 15000.0]
    data["EP_LIMENG"] = [0.0, 1.0, 2.0, 3.0, 4.0, -999.0]
    return pd.DataFrame(data)


def test_svi_by_the_documented_rule() -> None:
    out = compute_index(_svi_table(), method=SVI, id_column="FIPS").set_index("FIPS")
    # EP_POV: ranks 1, 2, 3, 3, 5, 6 of N = 6 -> (rank - 1) / 5.
    assert out["EPL_POV"].tolist() == [0.0, 0.2, 0.4, 0.4, 0.8, 1.0]
    # EP_PCI descending: the highest income is least vulnerable.
    assert out["EPL_PCI"].tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    # EP_LIMENG: county 5 missing, N = 5 -> k / 4; its theme 3 and overall are missing.
    assert out["EPL_LIMENG"].tolist()[:5] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert math.isnan(out.loc["01005", "EPL_LIMENG"]) and math.isnan(out.loc["01005", "RPL_THEMES"])
    # Theme 1 = POV + UNEMP + PCI + NOHSDP, other EPL are k / 5.
    spl1 = [0.0 + 0.0 + 0.0 + 0.0, 0.2 + 0.2 + 0.2 + 0.2, 0.4 * 4, 0.4 + 0.6 * 3, 0.8 * 4, 4.0]
    np.testing.assert_array_equal(out["SPL_THEME1"], np.round(spl1, 4))
    assert out["RPL_THEME1"].tolist() == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    # Theme 3 over the five counties with both values: SPL = k/5 + k/4.
    spl3 = [round(k / 5 + k / 4, 4) for k in range(5)]
    assert out["SPL_THEME3"].tolist()[:5] == spl3
    assert out["RPL_THEME3"].tolist()[:5] == [0.0, 0.25, 0.5, 0.75, 1.0]
    # Overall over the five complete counties: SPL_THEMES is increasing in k.
    assert out["RPL_THEMES"].tolist()[:5] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert out["score"].tolist()[:5] == out["RPL_THEMES"].tolist()[:5]


def test_svi_theme_sums_rounded_before_ranking() -> None:
    # Theme 3 sums 0.1 + 0.2 (0.30000000000000004 in binary) and 0.3 + 0.0: the same 0.3.
    # Unrounded, the first would rank above the second; SVI ranks the rounded sums (a tie).
    method = parse_method(
        {
            "id": "t",
            "version": "1",
            "title_sv": "t",
            "title_en": "t",
            "normalisation": "none",
            "indicators": [{"id": "a", "theme": "x"}, {"id": "b", "theme": "x"}],
            "themes": [
                {
                    "id": "x",
                    "aggregation": "sum",
                    "sum_digits": 4,
                    "sum_output": "SPL",
                    "rerank": {"method": "percent_rank", "significance": 4},
                }
            ],
            "aggregation": "sum",
        }
    )
    table = pd.DataFrame({"area_code": ["P", "Q", "R"], "a": [0.1, 0.3, 0.0], "b": [0.2, 0.0, 0.0]})
    out = compute_index(table, method=method)
    assert out["SPL"].tolist() == [0.3, 0.3, 0.0]
    assert out["x"].tolist() == [0.5, 0.5, 0.0]


def test_excel_percentrank_stays_available_as_its_own_normalisation() -> None:
    spec = Normalisation(method="percentrank_inc", significance=3)
    # Excel's documented example: 5/9 = 0.5555… truncated to 0.555.
    x = np.arange(10.0)
    assert normalise(x, spec=spec)[5] == 0.555
    assert normalise(x, spec=Normalisation(method="percent_rank", significance=3))[5] == 0.556


# -- IMD 2019 by hand ---------------------------------------------------------------------------
def _exp(rank: float, n: int) -> float:
    r = rank / n
    return -23.0 * math.log(1.0 - r * (1.0 - math.exp(-100.0 / 23.0)))


def test_imd_weights_as_published_and_stated() -> None:
    w = IMD.weighting.weights
    assert w == {
        "income_score": 0.225,
        "employment_score": 0.225,
        "education_score": 0.135,
        "health_score": 0.135,
        "crime_score": 0.093,
        "barriers_score": 0.093,
        "living_environment_score": 0.093,
    }
    assert IMD.weight_notes() == [
        "weighting: weights used as published (sum 0.999), not renormalised"
    ]
    # Any other method still has to sum to 1.
    with pytest.raises(MethodError, match=r"sum to 0\.999"):
        parse_method(
            {
                "id": "x",
                "version": "1",
                "title_sv": "x",
                "title_en": "x",
                "indicators": [{"id": "a"}, {"id": "b"}],
                "weighting": {"method": "explicit", "weights": {"a": 0.5, "b": 0.499}},
            }
        )


def test_imd_from_domain_ranks_given_as_minus_the_rank() -> None:
    # Four LSOAs with published domain ranks (1 = most deprived); score = -rank.
    ranks = {
        "income_score": [1, 2, 3, 4],
        "employment_score": [2, 1, 3, 4],
        "education_score": [4, 3, 2, 1],
        "health_score": [1, 3, 2, 4],
        "crime_score": [3, 4, 1, 2],
        "barriers_score": [4, 1, 2, 3],
        "living_environment_score": [1, 2, 4, 3],
    }
    table = pd.DataFrame({"area_code": ["A", "B", "C", "D"]})
    for col, r in ranks.items():
        table[col] = [-float(v) for v in r]
    out = compute_index(table, method=IMD).set_index("area_code")
    w = IMD.weighting.weights
    assert w is not None
    n = 4
    for i, code in enumerate("ABCD"):
        # Deprivation rank 1 of 4 is the most deprived: ascending rank n + 1 - 1, R = 4/4.
        want = sum(w[c] * _exp(n + 1 - r[i], n) for c, r in ranks.items())
        assert out.loc[code, "score"] == pytest.approx(want, abs=1e-12)
    # By hand: A = .225·100 + .225·X(3) + .135·X(1) + .135·100 + .093·(X(2) + X(1) + 100).
    a = (
        0.225 * 100 + 0.225 * _exp(3, 4) + 0.135 * _exp(1, 4) + 0.135 * 100
        + 0.093 * (_exp(2, 4) + _exp(1, 4) + 100)
    )  # fmt: skip
    assert out.loc["A", "score"] == pytest.approx(a, abs=1e-12)
    assert out["rank"].tolist() == list(out["score"].rank(ascending=False).astype(int))
    assert out.attrs["notes"] == IMD.weight_notes()


def test_imd_tied_scores_share_the_mean_rank() -> None:
    # 10, 20, 20, 30: the two 20s occupy ranks 2 and 3 and both get 2.5 (R = 2.5 / 4).
    got = rank_exponential([10.0, 20.0, 20.0, 30.0])
    assert got[1] == got[2] == pytest.approx(_exp(2.5, 4))
    assert got[0] == pytest.approx(_exp(1, 4)) and got[3] == pytest.approx(100.0)


# -- through the command line -------------------------------------------------------------------
def test_cli_svi_table_with_fips_and_minus_999(tmp_path: Path, cli: CliRun) -> None:
    table = _svi_table()
    src = tmp_path / "svi.csv"
    table.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    code, _, err = cli(
        ["index", "compute", "--method", "cdc-svi-2018", "--table", str(src),
         "--id-column", "FIPS", "--out", str(out)]
    )  # fmt: skip
    assert code == 0, err
    got = pd.read_csv(out, dtype={"FIPS": str}).set_index("FIPS")
    assert got.loc["01002", "EPL_PCI"] == 0.4 and got.loc["01003", "EPL_POV"] == 0.4
    assert pd.isna(got.loc["01005", "RPL_THEMES"]) and got.loc["01004", "RPL_THEMES"] == 1.0


def test_cli_imd_states_the_published_weights(tmp_path: Path, cli: CliRun) -> None:
    table = pd.DataFrame({"area_code": ["A", "B", "C"]})
    for i, ind in enumerate(IMD.indicators):
        table[ind.id] = [-1.0, -2.0, -3.0] if i % 2 else [-3.0, -1.0, -2.0]
    src = tmp_path / "imd.csv"
    table.to_csv(src, index=False)
    code, stdout, err = cli(
        ["index", "compute", "--method", "imd-2019", "--table", str(src),
         "--out", str(tmp_path / "o.csv")]
    )  # fmt: skip
    assert code == 0, err
    assert "weights used as published (sum 0.999), not renormalised" in stdout


def test_cli_uncertainty_prints_and_writes_expected_counts(tmp_path: Path, cli: CliRun) -> None:
    rng = np.random.default_rng(2)
    latent = rng.gamma(2.0, 5.0, size=60)
    table = pd.DataFrame(
        {
            "area_code": [f"R{i:03d}" for i in range(60)],
            "edu_low_25_64": latent + rng.normal(0, 1, 60),
            "low_econ_standard": latent + rng.normal(0, 1, 60),
            "ekbist_longterm_20_64": latent + rng.normal(0, 1, 60),
        }
    )
    src = tmp_path / "scb.csv"
    table.to_csv(src, index=False)
    out = tmp_path / "o.csv"
    args = ["index", "compute", "--method", "scb-omradestyp", "--table", str(src)]
    code, stdout, err = cli(
        [*args, "--out", str(out), "--uncertainty", "40", "--sensitivity", "weights"]
    )
    assert code == 0, err
    assert "dras: weights" in stdout and "drawn: weights" in stdout
    assert "Klass: observerat, förväntat / class: observed, expected" in stdout
    summary = json.loads((tmp_path / "o.uncertainty.json").read_text("utf-8"))
    assert summary["sensitivity"] == ["weights"] and len(summary["class_counts"]) == 5
    assert sum(r["observed"] for r in summary["class_counts"]) == 60
    code, stdout, err = cli([*args, "--out", str(out), "--uncertainty", "5", "--sensitivity", "x"])
    assert code != 0 and "unknown sensitivity 'x'" in stdout + err


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 40), min_size=2, max_size=60),
    digits=st.integers(1, 6),
)
def test_percent_rank_properties(values: list[int], digits: int) -> None:
    """Ties share a rank, order is kept, the complement is rounded after it is taken."""
    x = np.asarray(values, dtype=float)
    pr = percent_rank(x, digits=digits)
    exact = np.array([(x < v).sum() / (len(x) - 1) for v in x])
    np.testing.assert_array_equal(pr, round_half_away(exact, digits))
    np.testing.assert_array_equal(percent_rank(x, digits=digits, descending=True),
                                  round_half_away(1.0 - exact, digits))  # fmt: skip
    order = np.argsort(x, kind="stable")
    assert (np.diff(pr[order]) >= 0).all() and pr.min() == 0.0
    assert ((pr >= 0) & (pr <= 1)).all()


def _cdc_reference(table: pd.DataFrame) -> pd.DataFrame:
    """SVI 2018 written out independently from CDC's documentation, with pandas ranks."""

    def pr(s: pd.Series, descending: bool = False) -> pd.Series:
        valid = s.where(s != -999)
        p = (valid.rank(method="min") - 1) / (valid.notna().sum() - 1)
        return round_series(1 - p if descending else p)

    def round_series(s: pd.Series) -> pd.Series:
        return pd.Series(round_half_away(s.to_numpy(dtype=float), 4), index=s.index)

    out = pd.DataFrame(index=table.index)
    for ind in SVI.indicators:
        out[ind.output_column] = pr(table[ind.id], descending=ind.id == "EP_PCI")
    spl = []
    for k, theme in enumerate(SVI.resolved_themes(), start=1):
        s = round_series(
            out[[SVI.indicator(i).output_column for i in theme.indicators]].sum(
                axis=1, skipna=False
            )
        )
        out[f"SPL_THEME{k}"] = s
        out[f"RPL_THEME{k}"] = pr(s.fillna(-999))
        spl.append(s)
    total = round_series(pd.concat(spl, axis=1).sum(axis=1, skipna=False))
    out["SPL_THEMES"] = total
    out["RPL_THEMES"] = pr(total.fillna(-999))
    return out


def test_svi_matches_an_independent_reading_of_the_documentation() -> None:
    rng = np.random.default_rng(2018)
    n = 300
    table = pd.DataFrame({"FIPS": [f"{i:05d}" for i in range(n)]})
    for ind in SVI.indicators:
        values = np.round(rng.gamma(2.0, 6.0, n), 1)  # one decimal, as published: many ties
        if ind.id == "EP_PCI":
            values = np.round(rng.normal(26000, 5000, n))
        table[ind.id] = values
    table.loc[rng.choice(n, 6, replace=False), "EP_UNEMP"] = -999
    table.loc[rng.choice(n, 3, replace=False), "EP_LIMENG"] = -999
    ours = compute_index(table, method=SVI, id_column="FIPS")
    want = _cdc_reference(table)
    for col in want.columns:
        np.testing.assert_array_equal(ours[col].to_numpy(), want[col].to_numpy(), err_msg=col)


def test_imd_matches_an_independent_reading_of_the_technical_report() -> None:
    """Random domain ranks of 1 000 LSOAs (1 = most deprived), given as minus the rank."""
    rng = np.random.default_rng(2019)
    n = 1000
    table = pd.DataFrame({"area_code": [f"E{i:04d}" for i in range(n)]})
    want = np.zeros(n)
    w = IMD.weighting.weights
    assert w is not None
    for ind in IMD.indicators:
        rank = rng.permutation(n) + 1  # deprivation rank, 1 = most deprived
        table[ind.id] = -rank.astype(float)
        r = (n + 1 - rank) / n  # scaled ascending rank: 1/N least deprived, 1 most deprived
        want += w[ind.id] * (-23.0 * np.log(1.0 - r * (1.0 - np.exp(-100.0 / 23.0))))
    out = compute_index(table, method=IMD)
    np.testing.assert_allclose(out["score"].to_numpy(), want, rtol=0, atol=1e-10)
    expected_rank = pd.Series(want).rank(ascending=False, method="min").astype(int)
    assert out["rank"].tolist() == expected_rank.tolist()
    # Renormalised weights (28/3 % for the last three) would reorder some of them.
    renorm = dict(
        w, crime_score=28 / 300, barriers_score=28 / 300, living_environment_score=28 / 300
    )
    alt = sum(renorm[i.id] * out[i.output_column].to_numpy() for i in IMD.indicators)
    alt_rank = pd.Series(alt).rank(ascending=False, method="min").astype(int)
    assert (alt_rank != expected_rank).any()
