"""Monte-Carlo rank and class uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from omradesbild.errors import InputError, MethodError
from omradesbild.index import compute_index, load_method, monte_carlo, parse_method
from omradesbild.index.uncertainty import effective_weights

SCB = load_method("scb-omradestyp")
SVI = load_method("cdc-svi-2018")


def scb_table(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.gamma(2.0, 5.0, size=n)
    return pd.DataFrame(
        {
            "area_code": [f"R{i:04d}" for i in range(n)],
            "edu_low_25_64": latent + rng.normal(0, 1, n),
            "low_econ_standard": latent + rng.normal(0, 1, n),
            "ekbist_longterm_20_64": latent + rng.normal(0, 1, n),
        }
    )


def test_output_shape_probabilities_and_summary() -> None:
    table = scb_table()
    table.loc[5, "low_econ_standard"] = np.nan
    per_area, summary = monte_carlo(
        table, method=SCB, draws=120, seed=1, normalisations=["none", "zscore", "percentrank_inc"]
    )
    assert list(per_area.columns) == [
        "area_code", "score", "rank", "rank_p05", "rank_median", "rank_p95",
        "prob_class_1", "prob_class_2", "prob_class_3", "prob_class_4", "prob_class_5",
        "class", "modal_class", "robust_class",
    ]  # fmt: skip
    complete = per_area.drop(index=5)
    probs = complete[[f"prob_class_{k}" for k in range(1, 6)]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert (complete["rank_p05"] <= complete["rank_median"]).all()
    assert (complete["rank_median"] <= complete["rank_p95"]).all()
    assert per_area.loc[5, ["rank_p05", "prob_class_1"]].isna().all()
    assert pd.isna(per_area.loc[5, "robust_class"])
    assert per_area["class"].tolist() == compute_index(table, method=SCB)["class"].tolist()
    assert summary["draws"] == 120 and summary["n_areas"] == 119
    assert summary["n_excluded_missing"] == 1
    assert sum(summary["normalisation_counts"].values()) == 120
    assert set(summary["normalisation_counts"]) == {"none", "zscore", "percentrank_inc"}
    assert 0.0 <= summary["share_robust_class"] <= 1.0


def test_near_certain_weights_reproduce_deterministic_ranks() -> None:
    table = scb_table(60)
    per_area, summary = monte_carlo(table, method=SCB, draws=60, weight_concentration=1e12)
    det = compute_index(table, method=SCB)
    np.testing.assert_array_equal(per_area["rank_median"], det["rank"].astype(float))
    np.testing.assert_array_equal(per_area["rank_p05"], per_area["rank_p95"])
    assert per_area["robust_class"].all()
    assert summary["median_rank_interval_90"] == 0.0


def test_uncertainty_grows_with_noise_and_looser_weights() -> None:
    table = scb_table(150)
    se = table.copy()
    for col in se.columns[1:]:
        se[col] = 3.0
    _, tight = monte_carlo(table, method=SCB, draws=100, weight_concentration=1000.0)
    _, loose = monte_carlo(table, method=SCB, draws=100, weight_concentration=2.0)
    _, noisy = monte_carlo(
        table, method=SCB, draws=100, weight_concentration=1000.0, indicator_se=se
    )
    assert loose["median_rank_interval_90"] > tight["median_rank_interval_90"]
    assert noisy["median_rank_interval_90"] > tight["median_rank_interval_90"]
    assert noisy["indicator_se"] is True


def test_deterministic_for_seed_and_row_order() -> None:
    table = scb_table(80)
    se = table.assign(**{c: 0.5 for c in table.columns[1:]})
    kw = {
        "method": SCB,
        "draws": 130,
        "seed": 7,
        "normalisations": ["zscore", "minmax", "percentrank_inc"],
    }
    a, sa = monte_carlo(table, indicator_se=se, **kw)  # type: ignore[arg-type]
    b, sb = monte_carlo(table.sample(frac=1.0, random_state=1), indicator_se=se.iloc[::-1], **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert sa == sb
    c, _ = monte_carlo(table, indicator_se=se, **{**kw, "seed": 8})  # type: ignore[arg-type]
    assert not a["rank_p95"].equals(c["rank_p95"])


def test_svi_effective_weights_are_equal_per_indicator() -> None:
    z = np.random.default_rng(0).uniform(size=(30, 15))
    np.testing.assert_allclose(effective_weights(SVI, z), np.full(15, 1 / 15))
    themed = parse_method(
        {
            "id": "t",
            "version": "1",
            "title_sv": "t",
            "title_en": "t",
            "indicators": [
                {"id": "a", "theme": "x"},
                {"id": "b", "theme": "x"},
                {"id": "c", "theme": "y"},
            ],
            "weighting": {"method": "explicit", "weights": {"x": 0.6, "y": 0.4}},
        }
    )
    np.testing.assert_allclose(effective_weights(themed, z[:, :3]), [0.3, 0.3, 0.4])


def test_svi_without_classification_has_no_class_columns() -> None:
    rng = np.random.default_rng(4)
    table = pd.DataFrame({i.id: rng.uniform(0, 50, 40) for i in SVI.indicators})
    table.insert(0, "area_code", [f"T{i:02d}" for i in range(40)])
    per_area, summary = monte_carlo(table, method=SVI, draws=40, weight_concentration=1e12)
    assert "robust_class" not in per_area.columns and summary["share_robust_class"] is None
    # Flattened weights reproduce the SVI overall order (tied SPL_THEMES may split).
    det = compute_index(table, method=SVI)["rank"].astype(float)
    unique = ~det.duplicated(keep=False).to_numpy()
    assert unique.sum() >= 30
    np.testing.assert_array_equal(per_area["rank_median"][unique], det[unique])


def test_errors() -> None:
    table = scb_table(10)
    with pytest.raises(MethodError, match="draws must be >= 1"):
        monte_carlo(table, method=SCB, draws=0)
    with pytest.raises(MethodError, match="weight_concentration must be > 0"):
        monte_carlo(table, method=SCB, draws=5, weight_concentration=0)
    with pytest.raises(MethodError, match="unknown normalisation 'rank'"):
        monte_carlo(table, method=SCB, draws=5, normalisations=["zscore", "rank"])
    with pytest.raises(InputError, match="indicator_se has no column"):
        monte_carlo(table, method=SCB, draws=5, indicator_se=table[["area_code"]])
    with pytest.raises(InputError, match=r"no row for area\(s\) \['R0009'\]"):
        monte_carlo(table, method=SCB, draws=5, indicator_se=table.iloc[:9])
    neg = table.assign(low_econ_standard=-1.0)
    with pytest.raises(InputError, match="negative standard error"):
        monte_carlo(table, method=SCB, draws=5, indicator_se=neg)
