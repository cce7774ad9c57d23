"""compute_index: hand-computed SVI / SCB / IMD tables, missing values, reference, periods."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.index import compute_index, load_method, parse_method, pivot_long, to_long
from omradesbild.index.aggregate import aggregate, geometric_shift
from omradesbild.index.weights import pca_weights

SVI = load_method("cdc-svi-2018")
SCB = load_method("scb-omradestyp")
IMD = load_method("imd-2019")


def svi_table(n: int = 5) -> pd.DataFrame:
    """Every EP_ of area k equals k, so every EPL is k / (n - 1) (PCI reversed)."""
    data: dict[str, Any] = {"area_code": [f"T{k}" for k in range(n)]}
    for ind in SVI.indicators:
        data[ind.id] = [float(k) for k in range(n)]
    return pd.DataFrame(data)


def test_svi_hand_computed() -> None:
    out = compute_index(svi_table(), method=SVI)
    assert out["EPL_POV"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert out["EPL_PCI"].tolist() == [1.0, 0.75, 0.5, 0.25, 0.0]
    # Theme 1: three EPL of k/4 plus 1 - k/4 = 1 + k/2.
    assert out["SPL_THEME1"].tolist() == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert out["RPL_THEME1"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert out["SPL_THEME3"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    # SPL_THEMES = sum of the four theme sums = 1 + 3.25 k.
    np.testing.assert_allclose(out["SPL_THEMES"], [1 + 3.25 * k for k in range(5)])
    assert out["RPL_THEMES"].tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert out["score"].tolist() == out["RPL_THEMES"].tolist()
    assert out["rank"].tolist() == [5, 4, 3, 2, 1]
    # Flags: EPL >= 0.90. Area 0 only has EPL_PCI = 1; area 4 has all but PCI.
    assert out["F_PCI"].tolist() == [1, 0, 0, 0, 0]
    assert out["F_POV"].tolist() == [0, 0, 0, 0, 1]
    assert out["F_THEME1"].tolist() == [1, 0, 0, 0, 3]
    assert out["F_THEME4"].tolist() == [0, 0, 0, 0, 5]
    assert out["F_TOTAL"].tolist() == [1, 0, 0, 0, 14]
    assert str(out["F_TOTAL"].dtype) == "Int64"


def test_svi_minus_999_is_missing_and_excluded_from_ranking() -> None:
    table = svi_table(6)
    table.loc[2, "EP_LIMENG"] = -999
    out = compute_index(table, method=SVI)
    row = out.set_index("area_code").loc["T2"]
    assert np.isnan(row["EPL_LIMENG"]) and np.isnan(row["RPL_THEME3"]) and np.isnan(row["score"])
    assert row["RPL_THEME1"] == 0.4  # other themes still computed
    assert pd.isna(row["rank"]) and pd.isna(row["F_LIMENG"]) and pd.isna(row["F_TOTAL"])
    assert row["missing_indicators"] == "EP_LIMENG"
    # The five others rank among themselves over n = 5 values.
    ranked = out.dropna(subset=["score"])
    assert sorted(ranked["rank"].tolist()) == [1, 2, 3, 4, 5]
    assert out.set_index("area_code").loc["T3", "EPL_LIMENG"] == 0.5  # 2 smaller of 5 -> 2/4


def scb_table() -> pd.DataFrame:
    # Index (mean of the three shares) = 0, 1, …, 8 and 40.
    idx = [0, 1, 2, 3, 4, 5, 6, 7, 8, 40]
    return pd.DataFrame(
        {
            "area_code": [f"R{i:02d}" for i in range(10)],
            "edu_low_25_64": [v + 1.0 for v in idx],
            "low_econ_standard": [float(v) for v in idx],
            "ekbist_longterm_20_64": [v - 1.0 for v in idx],
        }
    )


def test_scb_omradestyp_thresholds_by_hand() -> None:
    out = compute_index(scb_table(), method=SCB)
    idx = [0, 1, 2, 3, 4, 5, 6, 7, 8, 40]
    np.testing.assert_allclose(out["score"], idx)
    mean, sd = statistics.mean(idx), statistics.stdev(idx)  # 7.6 and 11.6926…
    assert out.attrs["thresholds"]["all"] == pytest.approx(
        [mean + 2 * sd, mean + sd, mean, mean - sd]
    )
    # 40 >= mean + 2 sd = 30.99 -> type 1; 8 in [mean, mean + sd) -> 3;
    # 0..7 in [mean - sd, mean) -> 4.
    assert out["class"].tolist() == [4, 4, 4, 4, 4, 4, 4, 4, 3, 1]
    assert out["class_label"].iloc[-1].startswith("Områdestyp 1")
    assert out["fallback_used"].isna().all()


def test_scb_fallback_column_is_used_and_recorded() -> None:
    table = scb_table().rename(columns={"ekbist_longterm_20_64": "unemployment_16_64"})
    out = compute_index(table, method=SCB)
    assert (out["fallback_used"] == "ekbist_longterm_20_64 -> unemployment_16_64").all()
    assert out.attrs["fallbacks"] == {"ekbist_longterm_20_64": "unemployment_16_64"}
    np.testing.assert_allclose(out["score"], compute_index(scb_table(), method=SCB)["score"])
    with pytest.raises(InputError) as err:
        compute_index(table.drop(columns=["unemployment_16_64"]), method=SCB)
    msg = str(err.value)
    assert "'ekbist_longterm_20_64'" in msg and "unemployment_16_64" in msg
    assert "available columns: ['area_code', 'edu_low_25_64'" in msg


def test_imd_hand_computed() -> None:
    n = 10
    table = pd.DataFrame({"area_code": [f"E{i}" for i in range(n)]})
    for j, ind in enumerate(IMD.indicators):
        table[ind.id] = [float((i * (j + 3)) % n) if j else float(i) for i in range(n)]
    table.loc[n - 1, [i.id for i in IMD.indicators]] = 100.0  # most deprived everywhere
    out = compute_index(table, method=IMD)
    top = out.set_index("area_code").loc["E9"]
    # Every domain maps to 100; the published weights sum to 99.9 % and are not renormalised.
    assert top["score"] == pytest.approx(99.9, abs=1e-9)
    assert top["rank"] == 1 and top["class"] == 1
    assert top["class_label"] == "decil 1 (de 10 % mest depriverade)"
    assert sorted(out["class"].tolist()) == list(range(1, 11))  # 10 areas, one per decile
    # Income domain of E0: rank 1 of 10 -> R = 0.1.
    r = 0.1
    assert out["income_exp"].iloc[0] == pytest.approx(-23 * np.log(1 - r * (1 - np.exp(-100 / 23))))
    w = IMD.weighting.weights
    assert w is not None
    comps = out[[i.output_column for i in IMD.indicators]].to_numpy()
    np.testing.assert_allclose(out["score"], comps @ np.array([w[i.id] for i in IMD.indicators]))


def test_reference_distribution_matches_full_computation() -> None:
    rng = np.random.default_rng(5)
    table = svi_table(40)
    for ind in SVI.indicators:
        table[ind.id] = rng.integers(0, 15, size=40).astype(float)
    full = compute_index(table, method=SVI)
    subset = table.iloc[::3]
    part = compute_index(subset, method=SVI, reference=table)
    expected = full[full["area_code"].isin(subset["area_code"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected, check_exact=True)


def test_periods_and_base_period_anchoring() -> None:
    base = scb_table().assign(period="2020")
    later = scb_table().assign(period="2021")
    later[["edu_low_25_64", "low_econ_standard"]] += 10.0
    later["ekbist_longterm_20_64"] += 10.0
    table = pd.concat([later, base])
    per_period = compute_index(table, method=SCB, period_column="period")
    # Each period classified on its own distribution: a uniform shift changes nothing.
    assert per_period["period"].tolist() == ["2020"] * 10 + ["2021"] * 10
    assert per_period["class"].iloc[:10].tolist() == per_period["class"].iloc[10:].tolist()
    anchored_method = SCB.model_copy(
        update={"classification": SCB.classification.model_copy(update={"base_period": "2020"})}  # type: ignore[union-attr]
    )
    anchored = compute_index(table, method=anchored_method, period_column="period")
    th = anchored.attrs["thresholds"]
    assert th["2020"] == th["2021"]
    # +10 on every share: index 10..18 and 50. Against the 2020 cuts (7.6 and 19.29) the
    # nine areas leave type 4 for type 3; relative to 2021's own distribution they stayed 4.
    assert anchored["class"].iloc[10:].tolist() == [3] * 9 + [1]
    assert anchored["class"].iloc[:10].tolist() == per_period["class"].iloc[:10].tolist()
    with pytest.raises(InputError, match="base period '1999' is not in the table"):
        bad = SCB.classification.model_copy(update={"base_period": "1999"})  # type: ignore[union-attr]
        compute_index(
            table, method=SCB.model_copy(update={"classification": bad}), period_column="period"
        )


def test_reference_by_period() -> None:
    table = pd.concat([scb_table().assign(period="2020"), scb_table().assign(period="2021")])
    ref = table.assign(area_code=table["area_code"] + "x")
    out = compute_index(table, method=SCB, period_column="period", reference=ref)
    pd.testing.assert_series_equal(
        out["class"], compute_index(table, method=SCB, period_column="period")["class"]
    )
    with pytest.raises(InputError, match="reference has no rows for period '2021'"):
        compute_index(table, method=SCB, period_column="period", reference=ref.iloc[:10])
    # A reference without a period column serves every period.
    flat = compute_index(table, method=SCB, period_column="period", reference=scb_table())
    assert flat["class"].iloc[:10].tolist() == flat["class"].iloc[10:].tolist()


def test_long_form_pivot_gives_same_result() -> None:
    wide = scb_table()
    long = wide.melt(id_vars="area_code", var_name="variable", value_name="value").assign(
        period="2022"
    )
    pivoted = pivot_long(long, indicator_column="variable")
    assert list(pivoted.columns)[:2] == ["area_code", "period"]
    out = compute_index(pivoted, method=SCB, period_column="period")
    np.testing.assert_array_equal(out["score"], compute_index(wide, method=SCB)["score"])
    back = to_long(out, period_column="period")
    assert set(back.columns) == {"area_code", "period", "variable", "value"}
    assert "score" in set(back["variable"])
    with pytest.raises(InputError, match="more than once"):
        pivot_long(pd.concat([long, long.head(1)]), indicator_column="variable")
    with pytest.raises(InputError, match="column 'indicator' is missing"):
        pivot_long(long)


def test_input_errors_name_column_row_and_expectation() -> None:
    table = scb_table()
    with pytest.raises(InputError) as err:
        compute_index(table.drop(columns=["low_econ_standard"]), method=SCB)
    assert err.value.field == "low_econ_standard"
    assert "available columns" in str(err.value)
    bad = table.astype({"low_econ_standard": object})
    bad.loc[3, "low_econ_standard"] = "12,5"
    with pytest.raises(InputError, match="non-numeric value '12,5'") as err:
        compute_index(bad, method=SCB)
    assert err.value.row == 5 and err.value.field == "low_econ_standard"
    with pytest.raises(InputError, match="'R01' occurs more than once"):
        compute_index(pd.concat([table, table.iloc[[1]]]), method=SCB)
    with pytest.raises(InputError, match="no column 'deso'"):
        compute_index(table, method=SCB, id_column="deso")


def test_inputs_not_mutated_and_empty_strings_missing() -> None:
    table = scb_table().astype({"low_econ_standard": object})
    table.loc[0, "low_econ_standard"] = ""
    before = table.copy()
    out = compute_index(table, method=SCB)
    pd.testing.assert_frame_equal(table, before)
    assert np.isnan(out["score"].iloc[0]) and pd.isna(out["class"].iloc[0])


def test_determinism_and_row_order_invariance() -> None:
    rng = np.random.default_rng(11)
    table = svi_table(300)
    for ind in SVI.indicators:
        table[ind.id] = np.round(rng.gamma(2.0, 10.0, size=300), 1)
    table.loc[rng.choice(300, 10, replace=False), "EP_NOVEH"] = -999
    for method in (SVI, load_method("scb-omradestyp")):
        cols = {
            i.source_column: table[SVI.indicators[j].id] for j, i in enumerate(method.indicators)
        }
        t = pd.DataFrame({"area_code": table["area_code"], **cols})
        a = compute_index(t, method=method)
        b = compute_index(t, method=method)
        shuffled = compute_index(t.sample(frac=1.0, random_state=3), method=method)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        pd.testing.assert_frame_equal(a, shuffled, check_exact=True)
        assert a.attrs == shuffled.attrs
        floats = a.select_dtypes("float64").to_numpy()
        assert floats.tobytes() == shuffled.select_dtypes("float64").to_numpy().tobytes()


def test_geometric_and_pca() -> None:
    rng = np.random.default_rng(2)
    f = rng.normal(size=200)
    x = np.column_stack([f + 0.3 * rng.normal(size=200) for _ in range(3)])
    w, warnings = pca_weights(x)
    assert w.sum() == pytest.approx(1.0) and (w > 0).all() and warnings == []
    w_neg, _ = pca_weights(-x)  # all reversed: the sign is fixed, weights stay positive
    np.testing.assert_allclose(w_neg, w)
    assert geometric_shift(np.array([[0.5, 2.0]])) == 0.0
    assert geometric_shift(np.array([[-1.0, 2.0]])) == 2.0
    g = aggregate(np.array([[1.0, 4.0]]), np.array([0.5, 0.5]), kind="geometric")
    assert g[0] == pytest.approx(2.0)
    method = parse_method(
        {
            "id": "g",
            "version": "1",
            "title_sv": "g",
            "title_en": "g",
            "indicators": [{"id": f"x{i}"} for i in range(3)],
            "normalisation": "zscore",
            "weighting": "pca",
            "aggregation": "geometric",
            "classification": {"kind": "quantiles", "n": 4},
        }
    )
    table = pd.DataFrame(x, columns=["x0", "x1", "x2"]).assign(
        area_code=[f"A{i:03d}" for i in range(200)]
    )
    out = compute_index(table, method=method)
    assert sum(out.attrs["weights"]["all"].values()) == pytest.approx(1.0)
    assert out["class"].value_counts().tolist() == [50, 50, 50, 50]
    assert out["score"].notna().all()
    # Higher composite = higher latent factor.
    assert np.corrcoef(out["score"], f)[0, 1] > 0.8


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([np.nan, 0.0, 1.0, 2.7, -3.2, 5.0]),
            st.lists(st.booleans(), min_size=3, max_size=3),
        ),
        max_size=30,
    )
)
def test_result_columns_equal_the_row_by_row_construction(
    rows: list[tuple[float, list[bool]]],
) -> None:
    """The whole-column integer and missing-indicator columns equal the per-row ones."""
    import math

    from omradesbild.index.engine import _missing_names, _to_int64

    values = np.asarray([v for v, _ in rows], dtype=float)
    want = pd.array([pd.NA if math.isnan(v) else int(v) for v in values], dtype="Int64")
    pd.testing.assert_extension_array_equal(_to_int64(values), want)
    ids = ["a", "b", "c"]
    miss = np.asarray([m for _, m in rows], dtype=bool).reshape(len(rows), 3)
    names = [",".join(i for i, m in zip(ids, row, strict=True) if m) or None for row in miss]
    assert _missing_names(ids, miss).tolist() == names
