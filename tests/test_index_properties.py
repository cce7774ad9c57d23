"""Hypothesis invariants of the index engine."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from omradesbild.index import compute_index, parse_method
from omradesbild.index.weights import dirichlet_weights

SETTINGS = settings(max_examples=40, deadline=None)


def method(normalisation: str, classification: dict[str, Any] | None = None) -> Any:
    data: dict[str, Any] = {
        "id": "p",
        "version": "1",
        "title_sv": "p",
        "title_en": "p",
        "indicators": [{"id": "a"}, {"id": "b", "direction": -1}, {"id": "c"}],
        "normalisation": {"method": normalisation, "significance": 4},
    }
    if classification is not None:
        data["classification"] = classification
    return parse_method(data)


def frame(values: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(values, columns=["a", "b", "c"])
    df.insert(0, "area_code", [f"A{i:03d}" for i in range(len(df))])
    return df


integer_tables = arrays(
    np.float64,
    st.tuples(st.integers(3, 30), st.just(3)),
    elements=st.integers(0, 50).map(float),
)


@SETTINGS
@given(
    values=integer_tables,
    factor=st.floats(0.01, 1000.0),
    column=st.sampled_from(["a", "b", "c"]),
    kind=st.sampled_from(["percentrank_inc", "percent_rank", "rank_exponential"]),
)
def test_rank_normalisations_invariant_to_positive_rescaling(
    values: np.ndarray, factor: float, column: str, kind: str
) -> None:
    m = method(kind)
    base = frame(values)
    scaled = base.assign(**{column: base[column] * factor})
    a, b = compute_index(base, method=m), compute_index(scaled, method=m)
    pd.testing.assert_series_equal(a["rank"], b["rank"])
    pd.testing.assert_series_equal(a["score"], b["score"])


@SETTINGS
@given(values=integer_tables, factor=st.floats(0.01, 1000.0), column=st.sampled_from(["a", "b"]))
def test_zscore_invariant_to_positive_rescaling(
    values: np.ndarray, factor: float, column: str
) -> None:
    m = method("zscore")
    base = frame(values)
    scaled = base.assign(**{column: base[column] * factor})
    a, b = compute_index(base, method=m), compute_index(scaled, method=m)
    np.testing.assert_allclose(a["score"], b["score"], rtol=1e-9, atol=1e-9)
    # Ranks agree wherever scores are not within rounding of each other.
    s = np.round(a["score"].to_numpy(), 6)
    if len(np.unique(s)) == len(s):
        np.testing.assert_array_equal(a["rank"].to_numpy(), b["rank"].to_numpy())


classifications = st.sampled_from(
    [
        {"kind": "mean_sd", "k": [2, 1, 0, -1], "labels": list("abcde")},
        {"kind": "mean_sd", "k": [0.5], "labels": ["hi", "lo"], "ddof": 0},
        {"kind": "quantiles", "n": 5},
        {"kind": "fixed", "thresholds": [-0.5, 0.0, 0.7], "labels": list("wxyz")},
    ]
)


@SETTINGS
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(2, 40), st.just(3)),
        elements=st.one_of(st.floats(-100, 100), st.just(np.nan), st.just(-999.0)),
    ),
    rule=classifications,
    kind=st.sampled_from(["zscore", "minmax", "percentrank_inc"]),
)
def test_classes_cover_every_non_missing_area_exactly_once(
    values: np.ndarray, rule: dict[str, Any], kind: str
) -> None:
    out = compute_index(frame(values), method=method(kind, rule))
    has_score = out["score"].notna()
    assert (out["class"].notna() == has_score).all()
    assert (out["rank"].notna() == has_score).all()
    n_classes = rule.get("n") or len(rule["labels"])
    classes = out.loc[has_score, "class"].astype(int)
    assert classes.between(1, n_classes).all()
    labels = out.loc[has_score, "class_label"]
    assert labels.notna().all()
    if has_score.any():
        assert out.loc[has_score, "rank"].min() == 1
    # Missing raw value <=> missing score (nothing is imputed).
    raw_missing = ~np.isfinite(values).all(axis=1) | (values == -999).any(axis=1)
    np.testing.assert_array_equal(~has_score.to_numpy(), raw_missing)


@SETTINGS
@given(
    weights=arrays(np.float64, st.integers(1, 12), elements=st.floats(0.01, 1.0)),
    concentration=st.floats(0.5, 5000.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_dirichlet_draws_sum_to_one(weights: np.ndarray, concentration: float, seed: int) -> None:
    w = weights / weights.sum()
    draws = dirichlet_weights(
        w, concentration=concentration, draws=64, rng=np.random.default_rng(seed)
    )
    assert draws.shape == (64, w.size)
    np.testing.assert_allclose(draws.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (draws >= 0).all()


@SETTINGS
@given(values=integer_tables, seed=st.integers(0, 1000))
def test_row_order_never_matters(values: np.ndarray, seed: int) -> None:
    m = method("percentrank_inc", {"kind": "quantiles", "n": 3})
    base = frame(values)
    shuffled = base.sample(frac=1.0, random_state=seed)
    pd.testing.assert_frame_equal(
        compute_index(base, method=m), compute_index(shuffled, method=m), check_exact=True
    )
