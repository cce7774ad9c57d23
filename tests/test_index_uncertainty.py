"""Monte-Carlo rank and class uncertainty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from omradesbild.errors import InputError, MethodError
from omradesbild.index import compute_index, load_method, monte_carlo, parse_method
from omradesbild.index._draws import (
    CHUNK_DRAWS,
    _class_counts,
    _class_of,
    _linear_terms,
    _rank_table,
    _ranks_into,
    _Work,
    count_less_rows,
)
from omradesbild.index.method import (
    FixedClassification,
    MeanSdClassification,
    Normalisation,
    QuantileClassification,
)
from omradesbild.index.normalise import count_less_last_axis, normalise_last_axis
from omradesbild.index.uncertainty import effective_weights, sorted_percentiles

SCB = load_method("scb-omradestyp")
SVI = load_method("cdc-svi-2018")
#: SCB's formula is fixed: weights and normalisation are drawn only as a named sensitivity.
BOTH = ("weights", "normalisation")


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
        table,
        method=SCB,
        draws=120,
        seed=1,
        normalisations=["none", "zscore", "percentrank_inc"],
        sensitivity=BOTH,
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
    kw = {"method": SCB, "draws": 100, "sensitivity": BOTH}
    _, tight = monte_carlo(table, weight_concentration=1000.0, **kw)  # type: ignore[arg-type]
    _, loose = monte_carlo(table, weight_concentration=2.0, **kw)  # type: ignore[arg-type]
    _, noisy = monte_carlo(table, weight_concentration=1000.0, indicator_se=se, **kw)  # type: ignore[arg-type]
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
        "sensitivity": BOTH,
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


# -- a method that fixes its formula -----------------------------------------------------------
def test_fixed_formula_draws_only_the_sampling_error_by_default() -> None:
    assert SCB.uncertainty.fixed_formula
    table = scb_table(100)
    se = table.assign(**{c: 2.0 for c in table.columns[1:]})
    per_area, summary = monte_carlo(
        table,
        method=SCB,
        draws=200,
        seed=3,
        indicator_se=se,
        normalisations=["none", "zscore", "percentrank_inc"],  # ignored without sensitivity
    )
    assert summary["perturbed"] == ["sampling_error"]
    assert summary["normalisation_counts"] == {"none": 200}
    assert summary["sensitivity"] == []
    # Without sampling error nothing is uncertain: every class is robust and modal = point.
    calm, calm_summary = monte_carlo(table, method=SCB, draws=50)
    assert calm_summary["perturbed"] == []
    assert calm["robust_class"].all() and calm_summary["share_modal_equals_class"] == 1.0
    # The expected count per class is the sum of the class probabilities; it sits next to
    # the observed count and both sum to the number of areas.
    counts = summary["class_counts"]
    assert [c["class"] for c in counts] == [1, 2, 3, 4, 5]
    probs = per_area[[f"prob_class_{k}" for k in range(1, 6)]].sum(axis=0).to_numpy()
    np.testing.assert_allclose([c["expected"] for c in counts], probs)
    observed = per_area["class"].value_counts()
    assert [c["observed"] for c in counts] == [int(observed.get(k, 0)) for k in range(1, 6)]
    assert sum(c["observed"] for c in counts) == 100
    assert sum(c["expected"] for c in counts) == pytest.approx(100.0)
    modal = (per_area["modal_class"] == per_area["class"]).mean()
    assert summary["share_modal_equals_class"] == pytest.approx(modal)


def test_class_1_is_not_biased_by_percentile_rank_draws() -> None:
    # A clear outlier at mean + several sd is type 1 in every sampling draw, but percentile
    # ranks (bounded at 1) cannot put it 2 sd above the mean: mixing them in is a bias.
    table = scb_table(200, seed=4)
    cols = list(table.columns[1:])
    table.loc[0, cols] = table[cols].to_numpy().max() * 3
    se = table.assign(**{c: 0.5 for c in cols})
    default, _ = monte_carlo(table, method=SCB, draws=150, indicator_se=se)
    assert default.loc[0, "class"] == 1 and default.loc[0, "prob_class_1"] == 1.0
    mixed, summary = monte_carlo(
        table,
        method=SCB,
        draws=150,
        indicator_se=se,
        normalisations=["none", "percentrank_inc"],
        sensitivity=["normalisation"],
    )
    assert summary["perturbed"] == ["sampling_error", "normalisation"]
    assert mixed.loc[0, "prob_class_1"] < 0.9


def test_unknown_sensitivity_is_refused() -> None:
    with pytest.raises(MethodError, match="unknown sensitivity 'colour'"):
        monte_carlo(scb_table(20), method=SCB, draws=5, sensitivity=["colour"])


def test_normalisation_sensitivity_draws_default_alternatives() -> None:
    _, summary = monte_carlo(scb_table(30), method=SCB, draws=30, sensitivity=["normalisation"])
    assert summary["normalisations"] == ["none", "zscore", "percentrank_inc"]
    assert summary["perturbed"] == ["normalisation"]


def test_progress_counts_the_draws_and_changes_nothing() -> None:
    table = scb_table()
    ticks: list[tuple[int, int]] = []
    kw = dict(method=SCB, draws=120, seed=3, sensitivity=BOTH)
    quiet, _ = monte_carlo(table, **kw)  # type: ignore[arg-type]
    loud, _ = monte_carlo(table, progress=lambda d, t: ticks.append((d, t)), **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(quiet, loud)
    assert ticks[-1] == (120, 120) and len(ticks) >= 2
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)


# -- the draws' row counting is the reference count, exactly -----------------------------------
_SPECIAL = [0.0, -0.0, 1.0, -1.0, 5e-324, -5e-324, 1e-310, -1e300, 1e300, 1.7976931348623157e308]


@st.composite
def _rows(draw: st.DrawFn) -> np.ndarray:
    """Rows with ties, signed zeros, subnormals, huge values and values a few ulps apart."""
    m = draw(st.integers(1, 4))
    n = draw(st.integers(1, 70))
    kind = draw(st.sampled_from(["floats", "ties", "ulps"]))
    if kind == "floats":
        elems = st.one_of(
            st.floats(allow_nan=False, allow_infinity=True, width=64), st.sampled_from(_SPECIAL)
        )
        return draw(arrays(np.float64, (m, n), elements=elems))
    if kind == "ties":
        return draw(arrays(np.float64, (m, n), elements=st.sampled_from([-2.0, -0.0, 0.0, 3.5])))
    base = draw(st.floats(-1e6, 1e6, allow_nan=False))
    steps = draw(arrays(np.int64, (m, n), elements=st.integers(-40, 40)))
    return base + steps * np.spacing(base if base else 1.0)


@given(_rows())
@settings(max_examples=300, deadline=None)
def test_count_less_rows_equals_the_reference_count(a: np.ndarray) -> None:
    assert np.array_equal(count_less_rows(a), count_less_last_axis(a))
    if a.shape[0] <= CHUNK_DRAWS:  # the draws' buffers, left with another row's keys
        work = _Work(1, a.shape[1])
        count_less_rows(np.ones_like(a[::-1]) * np.arange(a.shape[1])[::-1], work)
        assert np.array_equal(count_less_rows(a, work), count_less_last_axis(a))


@given(_rows())
@settings(max_examples=200, deadline=None)
def test_draw_ranks_are_one_plus_the_count_of_higher_scores(a: np.ndarray) -> None:
    """The ranks written for the draws: 1 + #{higher}, exactly, in the thread's buffers."""
    work = _Work(1, a.shape[1])
    _ranks_into(np.arange(a.shape[1], dtype=np.float64)[None, :].repeat(2, axis=0), work)
    assert np.array_equal(_ranks_into(a, work), count_less_last_axis(-a) + 1)


_RULES = [
    MeanSdClassification(kind="mean_sd", k=[2.0, 1.0, 0.0, -1.0], labels=list("abcde")),
    MeanSdClassification(kind="mean_sd", k=[0.5], ddof=0, labels=list("ab")),
    # not what the method checks admit (k increasing, a NaN): still counted right
    MeanSdClassification.model_construct(kind="mean_sd", k=[-1.0, 0.0, 1.0], ddof=1),
    MeanSdClassification.model_construct(kind="mean_sd", k=[1.0, float("nan")], ddof=1),
    FixedClassification(kind="fixed", thresholds=[0.0, 1.0, 2.0], labels=list("abcd")),
    FixedClassification.model_construct(kind="fixed", thresholds=[1.0, -0.5]),
    QuantileClassification(kind="quantiles", n=4, labels=list("abcd")),
]


@pytest.mark.parametrize("rule", _RULES)
@pytest.mark.parametrize("ties", [False, True])
def test_class_counts_are_the_draws_classes_counted(rule: object, ties: bool) -> None:
    """Counting classes by nested thresholds = forming each draw's classes and counting."""
    rng = np.random.default_rng(7)
    scores = rng.normal(1.0, 1.0, size=(CHUNK_DRAWS, 300))
    if ties:
        scores = np.round(scores)
        scores[3] = 2.0  # a constant draw: sd 0, every cut at the mean
    ranks = count_less_last_axis(-scores) + 1
    assert isinstance(rule, MeanSdClassification | FixedClassification | QuantileClassification)
    n_cls = (
        len(rule.k) + 1
        if isinstance(rule, MeanSdClassification)
        else (len(rule.thresholds) + 1 if isinstance(rule, FixedClassification) else rule.n)
    )
    cls = _class_of(scores, ranks, rule)
    want = np.stack([(cls == k + 1).sum(axis=0) for k in range(n_cls)], axis=1)
    assert np.array_equal(_class_counts(scores, ranks, rule, n_cls), want)


@pytest.mark.parametrize("n", [1, 2, 3, 20, 21, 99, 500, 1001])
@pytest.mark.parametrize("q", [[5, 50, 95], [0, 100], [2.5, 33.3, 97.5]])
def test_sorted_percentiles_are_numpys_bit_for_bit(n: int, q: list[float]) -> None:
    rng = np.random.default_rng(n)
    for values in (rng.integers(1, 4000, size=(40, n)).astype(np.int32), rng.normal(size=(40, n))):
        rows = np.sort(values, axis=1)
        want = np.percentile(rows, q, axis=1)
        got = sorted_percentiles(rows, q)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got.view(np.uint64), want.view(np.uint64))


@pytest.mark.parametrize("spec", ["percentrank_inc", "percent_rank"])
def test_rank_tables_give_the_normalisation_of_the_noisy_values(spec: str) -> None:
    """The draws' lookup of a rank normalisation = normalise_last_axis on the same values."""
    rng = np.random.default_rng(2)
    a = np.round(rng.normal(size=(7, 300)), 1)  # many ties
    directions = np.array([1.0, -1.0])
    norm = Normalisation.model_validate(spec)
    table = _rank_table(norm, directions, a.shape[1])
    assert table is not None
    for k, d in enumerate(directions):
        want = normalise_last_axis(a[:, None, :], spec=norm, directions=np.array([d]))[:, 0]
        assert np.array_equal(table[k][count_less_rows(a)], want)


def test_draws_do_not_depend_on_the_number_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import omradesbild.index._draws as draws

    table = scb_table(150, seed=5)
    cols = ["edu_low_25_64", "low_econ_standard", "ekbist_longterm_20_64"]
    se = table[["area_code"]].assign(**{c: 0.5 for c in cols})
    kw = dict(method=SCB, draws=130, seed=2, indicator_se=se, sensitivity=BOTH)
    results = []
    for threads in (1, 3):
        monkeypatch.setattr(draws, "MAX_THREADS", threads)
        results.append(monte_carlo(table, **kw))  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(results[0][0], results[1][0], check_exact=True)
    assert results[0][1] == results[1][1]


@pytest.mark.parametrize("spec", ["zscore", "minmax"])
@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_linear_terms_give_the_normalisation(spec: str, direction: float) -> None:
    """slope · x − offset = normalise_last_axis(x), constant rows included (0)."""
    rng = np.random.default_rng(4)
    a = rng.normal(20.0, 5.0, size=(6, 200))
    a[2] = 7.5  # a constant row
    norm = Normalisation.model_validate(spec)
    slope, offset = _linear_terms(a, norm, direction, _Work(1, 200))
    want = normalise_last_axis(a[:, None, :], spec=norm, directions=np.array([direction]))[:, 0]
    np.testing.assert_allclose(slope * a - offset, want, rtol=1e-12, atol=1e-12)
    assert (slope[2] == 0.0).all() and (offset[2] == 0.0).all()
