"""Monte-Carlo uncertainty of an index: how stable is each area's rank and class?

Each draw can perturb the index in three ways: every indicator value with its standard
error (sampling error, what is really uncertain), weights drawn from a Dirichlet
distribution centred on the declared weights, and one normalisation chosen at random among
alternatives. For a method that fixes its formula (``uncertainty: {fixed_formula: true}``,
e.g. SCB's area types) only the sampling error is drawn unless a weight or normalisation
*sensitivity* analysis is asked for by name; the two questions are never mixed silently.
Everything is vectorised over draws × areas matrices in chunks of draws, so memory stays
bounded (about ``chunk × indicators × areas × 8`` bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pydantic import ValidationError

from omradesbild.config import UNCERTAINTY_DRAWS
from omradesbild.errors import InputError, MethodError
from omradesbild.index._draws import CHUNK_DRAWS as CHUNK_DRAWS
from omradesbild.index._draws import MAX_THREADS as MAX_THREADS
from omradesbild.index._draws import _DrawPlan, _plan_draws, _run_draws
from omradesbild.index.classify import (
    AnyClassification,
    classify,
)
from omradesbild.index.engine import compute_index, prepare_table
from omradesbild.index.method import IndexMethod, Normalisation
from omradesbild.index.normalise import normalise_last_axis
from omradesbild.index.table import _no_column
from omradesbild.index.weights import resolve_weights
from omradesbild.wording import Message, both

FloatArray = NDArray[np.float64]

#: Named sensitivity analyses that can be added to the draws.
SENSITIVITIES = ("weights", "normalisation")

#: Alternatives drawn by the normalisation sensitivity when none are given.
SENSITIVITY_NORMALISATIONS = ("zscore", "percentrank_inc")


def check_sensitivity(sensitivity: Sequence[str]) -> list[str]:
    """Validated, de-duplicated sensitivity names (``weights``, ``normalisation``)."""
    out: list[str] = []
    for name in sensitivity:
        key = name.strip().lower()
        if key == "normalization":
            key = "normalisation"
        if key not in SENSITIVITIES:
            allowed = str(list(SENSITIVITIES))
            raise MethodError(both("err_ana_unknown_sensitivity", name=repr(name), allowed=allowed))
        if key not in out:
            out.append(key)
    return out


def effective_weights(method: IndexMethod, components: FloatArray) -> FloatArray:
    """Flat weight per indicator implied by the method's (theme and overall) weights.

    Parameters
    ----------
    method
        The index method.
    components
        Normalised components (areas × indicators) under the declared normalisation; used
        only for ``pca`` weighting.

    Notes
    -----
    With themes, ``w_i = a_t · c_{t,i}`` where ``c_{t,i}`` is the within-theme weight
    (1 for ``sum``) and ``a_t`` the theme's weight in the overall aggregation (1 for
    ``sum``); the vector is rescaled to sum to 1. For SVI this gives 1/15 per indicator,
    which reproduces the order of ``SPL_THEMES`` exactly. Theme re-ranking is not re-applied
    in the draws (an approximation when ``overall.inputs`` is ``theme_scores``).
    """
    themes = method.resolved_themes()
    ids = [i.id for i in method.indicators]
    if not themes:
        if method.aggregation == "sum":
            w = np.full(len(ids), 1.0 / len(ids))
        else:
            w, _ = resolve_weights(method.weighting, ids, components)
        return w / w.sum()
    pos = {i: j for j, i in enumerate(ids)}
    eff = np.zeros(len(ids))
    theme_vals = []
    within: list[FloatArray] = []
    for t in themes:
        idx = [pos[i] for i in t.indicators]
        if t.aggregation == "sum":
            c = np.ones(len(idx))
        else:
            c, _ = resolve_weights(t.weighting, t.indicators, components[:, idx])
        within.append(c)
        theme_vals.append(components[:, idx] @ c)
    if method.aggregation == "sum":
        a = np.ones(len(themes))
    else:
        a, _ = resolve_weights(
            method.weighting, [t.id for t in themes], np.column_stack(theme_vals)
        )
    for t, c, at in zip(themes, within, a, strict=True):
        for i, ci in zip(t.indicators, c, strict=True):
            eff[pos[i]] = at * ci
    return eff / eff.sum()


def _as_normalisation(spec: str | Normalisation) -> Normalisation:
    if isinstance(spec, Normalisation):
        return spec
    try:
        return Normalisation.model_validate(spec)
    except ValidationError:
        allowed = "zscore, minmax, percentrank_inc, percent_rank, rank_exponential, none"
        raise MethodError(
            both("err_ana_unknown_normalisation", spec=repr(spec), allowed=allowed)
        ) from None


def _se_matrix(
    indicator_se: pd.DataFrame, ids: pd.Series, columns: list[str], id_column: str
) -> FloatArray:
    for col in (id_column, *columns):
        if col not in indicator_se.columns:
            raise _no_column(
                indicator_se,
                col,
                "indicator_se",
                None,
                Message("exp_ana_se_columns", column=repr(id_column)),
            )
    se = indicator_se.drop_duplicates(id_column).set_index(id_column)
    held = set(se.index.tolist())
    absent = [i for i in ids.tolist() if i not in held]
    if absent:
        more = {"n": len(absent) - 5} if len(absent) > 5 else {}
        raise InputError(
            Message("err_ana_se_no_row" + ("_more" if more else ""), areas=str(absent[:5]), **more),
            field=id_column,
            expected=Message("exp_ana_se_rows"),
        )
    aligned = se.reindex(ids.to_numpy())[columns]
    mat = aligned.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    mat = np.where(np.isfinite(mat), mat, 0.0)
    if (mat < 0).any():
        r, c = np.argwhere(mat < 0)[0]
        raise InputError(
            Message("err_ana_se_negative", area=repr(ids.iloc[r])),
            field=columns[c],
            expected=Message("exp_ana_se_nonneg"),
        )
    return mat


def monte_carlo(
    table: pd.DataFrame,
    *,
    method: IndexMethod,
    id_column: str = "area_code",
    draws: int = UNCERTAINTY_DRAWS,
    seed: int = 0,
    weight_concentration: float = 50.0,
    normalisations: Sequence[str | Normalisation] | None = None,
    indicator_se: pd.DataFrame | None = None,
    classification: AnyClassification | None = None,
    robust_threshold: float = 0.9,
    progress: Callable[[int, int], None] | None = None,
    sensitivity: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Rank and class uncertainty of every area under perturbed weights, normalisations, data.

    Parameters
    ----------
    table
        Wide table for one period, as for :func:`~omradesbild.index.engine.compute_index`.
    method
        The index method (its weights are the centre of the Dirichlet draws).
    id_column
        Area id column.
    draws, seed
        Number of draws and the seed of ``numpy.random.default_rng``; the same
        ``(table, method, draws, seed, …)`` give identical results in any row order.
    weight_concentration
        Dirichlet concentration ``c``: weights ``W ~ Dir(c · w)``; larger = closer to ``w``.
    normalisations
        Alternatives drawn uniformly per draw (default: only the method's own), e.g.
        ``["zscore", "minmax", "percentrank_inc"]``.
    indicator_se
        Optional wide table of standard errors (``id_column`` + the indicator columns):
        each draw adds ``N(0, se²)`` noise to every value before normalising.
    classification
        Classification to evaluate (default: the method's own; none = no class columns).
    robust_threshold
        An area's class is *robust* when the share of draws that give its deterministic
        class is at least this.
    sensitivity
        For a method with ``uncertainty.fixed_formula``: which sensitivity analyses to add
        to the sampling error, ``"weights"`` (Dirichlet draws) and/or ``"normalisation"``
        (the alternatives in ``normalisations``; default the method's own, z-score and
        percentile rank). Without them such a method draws only
        the sampling error (weights and normalisation as declared). Methods without a
        fixed formula always draw weights and the given normalisations, as before.
    progress
        Called with ``(draws done, draws)`` as the draws advance (none by default).

    Returns
    -------
    per_area, summary
        ``per_area`` (sorted by id): ``id_column``, ``score``, ``rank`` (deterministic, as
        :func:`compute_index`), ``rank_p05``, ``rank_median``, ``rank_p95`` (percentiles of
        the draw ranks, 1 = most vulnerable), and with a classification ``class``,
        ``prob_class_1`` … ``prob_class_n``, ``modal_class`` and ``robust_class``
        (boolean). Areas with a missing indicator get NA throughout. ``summary`` holds the
        settings, what was drawn (``perturbed``), normalisation counts, effective weights,
        the median/max width of the 90 % rank interval, the share of robust classes, the
        share whose modal class is the point class, and per class the observed count next
        to the expected count (the sum over areas of the class probabilities).

    Notes
    -----
    The draws use a flattened linear index ``S = sum_i W_i z_i`` (or the geometric mean for
    geometric methods) with the effective indicator weights of :func:`effective_weights`;
    classes follow the rule recomputed on each draw's scores (mean ± k·sd and quantiles on
    that draw's distribution; fixed thresholds as given). Rank per draw:
    ``1 + #{areas with a higher score}``.
    """
    _check_draw_settings(draws, weight_concentration)
    sens = check_sensitivity(sensitivity)
    draw_weights = not method.uncertainty.fixed_formula or "weights" in sens
    alts = _alternatives(method, normalisations, sens)
    keys, values, resolved = prepare_table(
        table, method=method, id_column=id_column, period_column=None, what="table"
    )
    deterministic = compute_index(table, method=method, id_column=id_column)
    rule = classification if classification is not None else method.classification
    complete: NDArray[np.bool_] = np.asarray(np.isfinite(values).all(axis=1), dtype=bool)
    x = values[complete]
    if x.shape[0] < 2:
        raise InputError(
            Message("err_ana_mc_too_few", n=x.shape[0]), expected=Message("exp_ana_complete_rows")
        )
    directions = np.array([ind.direction for ind in method.indicators], dtype=np.float64)
    declared = normalise_last_axis(x.T, spec=method.normalisation, directions=directions).T
    eff = effective_weights(method, declared)
    se = None
    if indicator_se is not None:
        cols = [resolved.columns[i.id] for i in method.indicators]
        se = _se_matrix(indicator_se, keys[id_column], cols, id_column)[complete].T
    plan = _plan_draws(
        x.T,
        directions=directions,
        alts=alts,
        eff=eff,
        draw_weights=draw_weights,
        weight_concentration=weight_concentration,
        se=se,
        geometric=method.aggregation == "geometric",
        rule=rule,
        draws=draws,
        seed=seed,
    )
    ranks, counts = _run_draws(plan, progress)
    # ranks: areas × draws. Each row sorted (small integers, a fast sort): the
    # percentiles of a row do not depend on its order, and are read off sorted rows.
    ranks.sort(axis=1)
    pct = sorted_percentiles(ranks, [5, 50, 95])
    return _assemble(
        keys=keys,
        id_column=id_column,
        complete=complete,
        deterministic=deterministic,
        pct=pct,
        counts=counts,
        rule=rule,
        draws=draws,
        robust_threshold=robust_threshold,
        summary_base=_summary_base(
            method,
            sens=sens,
            perturbed={
                "sampling_error": indicator_se is not None,
                "weights": draw_weights,
                "normalisation": len(alts) > 1,
            },
            plan=plan,
            eff=eff,
            seed=seed,
            weight_concentration=weight_concentration,
            complete=complete,
        ),
    )


def sorted_percentiles(rows: NDArray[Any], q: Sequence[float]) -> FloatArray:
    """``np.percentile(rows, q, axis=1)`` (linear interpolation) of rows already sorted,
    without selecting again: the two neighbours of each percentile's position in every
    row, interpolated as NumPy does (the same numbers, bit for bit).

    Parameters
    ----------
    rows
        2-D array, each row sorted ascending, no NaN.
    q
        Percentiles in ``[0, 100]``.

    Returns
    -------
    ndarray
        ``len(q)`` × rows.
    """
    n = rows.shape[1]
    position = (n - 1) * (np.asarray(q, dtype=np.float64) / 100)
    below = np.floor(position)
    below[position >= n - 1] = -1  # the last value (NumPy's own index there)
    gamma = (position - below)[:, None]
    i = below.astype(np.intp)
    a = rows[:, i].T
    b = rows[:, np.where(i < 0, -1, i + 1)].T
    diff = b - a
    out = np.add(a, diff * gamma)
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def _summary_base(
    method: IndexMethod,
    *,
    sens: list[str],
    perturbed: dict[str, bool],
    plan: _DrawPlan,
    eff: FloatArray,
    seed: int,
    weight_concentration: float,
    complete: NDArray[np.bool_],
) -> dict[str, Any]:
    """The settings and what was drawn, for :func:`monte_carlo`'s summary."""
    return {
        "method_id": method.id,
        "method_version": method.version,
        "fixed_formula": method.uncertainty.fixed_formula,
        "sensitivity": sens,
        "perturbed": [name for name, on in perturbed.items() if on],
        "draws": plan.draws,
        "seed": seed,
        "weight_concentration": weight_concentration,
        "normalisations": [a.method for a in plan.alts],
        "normalisation_counts": {
            a.method: int((plan.choice == i).sum()) for i, a in enumerate(plan.alts)
        },
        "effective_weights": {
            ind.id: float(w) for ind, w in zip(method.indicators, eff, strict=True)
        },
        "indicator_se": perturbed["sampling_error"],
        "n_areas": int(complete.sum()),
        "n_excluded_missing": int((~complete).sum()),
    }


def _check_draw_settings(draws: int, weight_concentration: float) -> None:
    if draws < 1:
        raise MethodError(both("err_ana_draws", n=draws))
    if weight_concentration <= 0:
        raise MethodError(both("err_ana_concentration", value=weight_concentration))


def _alternatives(
    method: IndexMethod,
    normalisations: Sequence[str | Normalisation] | None,
    sens: list[str],
) -> list[Normalisation]:
    """The normalisations drawn from: the requested ones, the sensitivity's defaults, or
    only the method's own."""
    requested = [_as_normalisation(n) for n in (normalisations or [])]
    if method.uncertainty.fixed_formula and "normalisation" not in sens:
        requested = []
    elif "normalisation" in sens and len(requested) < 2:
        requested = [
            _as_normalisation(n)
            for n in dict.fromkeys([method.normalisation.method, *SENSITIVITY_NORMALISATIONS])
        ]
    return requested or [method.normalisation]


def _whole_or_na(values: FloatArray) -> pd.arrays.IntegerArray:
    """Whole numbers (floats, truncated) as pandas' ``Int64``, NaN as NA (holding 1 under the
    mask, as ``pd.array`` of a list gives it)."""
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 1, values).astype(np.int64), missing)


def _assemble(
    *,
    keys: pd.DataFrame,
    id_column: str,
    complete: NDArray[np.bool_],
    deterministic: pd.DataFrame,
    pct: FloatArray,
    counts: NDArray[np.int64],
    rule: AnyClassification | None,
    draws: int,
    robust_threshold: float,
    summary_base: dict[str, Any],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    n = len(keys)
    out = pd.DataFrame({id_column: keys[id_column].to_numpy()})
    det = deterministic.set_index(id_column).reindex(out[id_column].to_numpy())
    out["score"] = det["score"].to_numpy(dtype=np.float64)
    out["rank"] = det["rank"].to_numpy()
    for j, name in enumerate(["rank_p05", "rank_median", "rank_p95"]):
        col = np.full(n, np.nan)
        col[complete] = pct[j]
        out[name] = col
    summary = dict(summary_base)
    width = pct[2] - pct[0]
    summary["median_rank_interval_90"] = float(np.median(width))
    summary["max_rank_interval_90"] = float(np.max(width))
    summary["robust_threshold"] = robust_threshold
    if rule is None:
        summary["share_robust_class"] = None
        return out, summary
    det_class, _ = classify(out["score"].to_numpy(dtype=np.float64), rule)
    probs = counts / float(draws)
    for k in range(probs.shape[1]):
        col = np.full(n, np.nan)
        col[complete] = probs[:, k]
        out[f"prob_class_{k + 1}"] = col
    out["class"] = _whole_or_na(det_class)
    modal = np.full(n, np.nan)
    modal[complete] = probs.argmax(axis=1) + 1
    out["modal_class"] = _whole_or_na(modal)
    # robust: the share of draws in the point class (among the complete areas' rows of
    # ``probs``) reaches the threshold; NA without a point class
    classed = complete & ~np.isnan(det_class)
    at = np.flatnonzero(classed)
    robust = np.zeros(n, dtype=bool)
    point = det_class[at].astype(np.int64) - 1
    robust[at] = probs[np.cumsum(complete)[at] - 1, point] >= robust_threshold
    out["robust_class"] = pd.arrays.BooleanArray(robust, ~classed)
    valid = out["robust_class"].dropna()
    summary["share_robust_class"] = float(valid.mean()) if len(valid) else None
    has = out["class"].notna() & out["modal_class"].notna()
    agree = out.loc[has, "class"] == out.loc[has, "modal_class"]
    summary["share_modal_equals_class"] = float(agree.mean()) if has.any() else None
    observed = out["class"].value_counts()
    summary["class_counts"] = [
        {
            "class": k + 1,
            "observed": int(observed.get(k + 1, 0)),
            "expected": float(probs[:, k].sum()),
        }
        for k in range(probs.shape[1])
    ]
    return out, summary
