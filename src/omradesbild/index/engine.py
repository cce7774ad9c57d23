"""``compute_index``: one composite index for every area (and period) of a table.

The engine is a pure function of a table and a method: it never reads files or the store,
never mutates its inputs, and gives bit-for-bit identical output for the same inputs in any
row order (rows are sorted by period and id first; every reduction runs in a fixed order).

The input table (long ↔ wide, column resolution) is prepared in :mod:`omradesbild.index.table`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from omradesbild.errors import InputError
from omradesbild.index.aggregate import aggregate, geometric_shift
from omradesbild.index.classify import class_labels, classify, flag, rank_descending
from omradesbild.index.method import IndexMethod, Theme
from omradesbild.index.normalise import normalise, round_half_away
from omradesbild.index.table import (
    ResolvedColumns,
    pivot_long,
    prepare_table,
    resolve_columns,
    to_long,
)
from omradesbild.index.weights import resolve_weights
from omradesbild.validation import what
from omradesbild.wording import Message

FloatArray = NDArray[np.float64]


# -- the computation for one block (one period) ------------------------------------------------
@dataclass
class BlockResult:
    """Everything computed for one period: named columns plus diagnostics."""

    columns: dict[str, FloatArray]
    score: FloatArray
    reference_score: FloatArray
    weights: dict[str, float]
    warnings: list[str]


def _rounded(values: FloatArray, digits: int | None) -> FloatArray:
    """``values`` rounded half away from zero to ``digits`` decimals (None: unchanged)."""
    return values if digits is None else round_half_away(values, digits)


def _normalise_matrix(x: FloatArray, r: FloatArray, method: IndexMethod) -> FloatArray:
    return np.column_stack(
        [
            normalise(x[:, j], r[:, j], spec=method.normalisation, direction=ind.direction)
            for j, ind in enumerate(method.indicators)
        ]
    )


def _theme_values(
    theme: Theme, z: FloatArray, zr: FloatArray, idx: list[int], same: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, list[str], dict[str, float]]:
    comps, comps_r = z[:, idx], zr[:, idx]
    w, warns = resolve_weights(theme.weighting, theme.indicators, comps_r)
    shift = geometric_shift(comps_r) if theme.aggregation == "geometric" else 0.0
    s = _rounded(aggregate(comps, w, kind=theme.aggregation, shift=shift), theme.sum_digits)
    sr = (
        s
        if same
        else _rounded(aggregate(comps_r, w, kind=theme.aggregation, shift=shift), theme.sum_digits)
    )
    if theme.rerank is not None:
        out = normalise(s, sr, spec=theme.rerank)
        out_r = out if same else normalise(sr, sr, spec=theme.rerank)
    else:
        out, out_r = s, sr
    weights = {f"{theme.id}.{u}": float(v) for u, v in zip(theme.indicators, w, strict=True)}
    return s, sr, out, out_r, [f"theme {theme.id}: {m}" for m in warns], weights


def compute_block(
    values: FloatArray,
    reference_values: FloatArray | None,
    *,
    method: IndexMethod,
) -> BlockResult:
    """Compute every output column for one block of areas (one period).

    Parameters
    ----------
    values
        Raw indicator values, areas × indicators in method order (NaN = missing).
    reference_values
        Reference distribution in the same layout, or None for ``values`` itself.
    method
        The index method.

    Returns
    -------
    BlockResult
        Output columns by name (components, theme sums/values, overall), the score of each
        area and of the reference, and the weights used.
    """
    same = reference_values is None
    x = values
    r = values if reference_values is None else reference_values
    z = _normalise_matrix(x, r, method)
    zr = z if same else _normalise_matrix(r, r, method)
    cols: dict[str, FloatArray] = {
        ind.output_column: z[:, j] for j, ind in enumerate(method.indicators)
    }
    warnings: list[str] = []
    weights: dict[str, float] = {}
    themes = method.resolved_themes()
    if themes:
        pos = {ind.id: j for j, ind in enumerate(method.indicators)}
        unit_x, unit_r = [], []
        for t in themes:
            s, sr, out, out_r, warns, tw = _theme_values(
                t, z, zr, [pos[i] for i in t.indicators], same
            )
            warnings += warns
            weights.update(tw)
            if t.sum_output:
                cols[t.sum_output] = s
            cols[t.output_column] = out
            use_sums = method.overall.inputs == "theme_sums"
            unit_x.append(s if use_sums else out)
            unit_r.append(sr if use_sums else out_r)
        units = [t.id for t in themes]
        ux, ur = np.column_stack(unit_x), np.column_stack(unit_r)
    else:
        units = [ind.id for ind in method.indicators]
        ux, ur = z, zr
    w, warns = resolve_weights(method.weighting, units, ur)
    warnings += warns
    weights.update({u: float(v) for u, v in zip(units, w, strict=True)})
    shift = geometric_shift(ur) if method.aggregation == "geometric" else 0.0
    digits = method.overall.sum_digits
    total = _rounded(aggregate(ux, w, kind=method.aggregation, shift=shift), digits)
    total_r = (
        total if same else _rounded(aggregate(ur, w, kind=method.aggregation, shift=shift), digits)
    )
    if method.overall.sum_output:
        cols[method.overall.sum_output] = total
    if method.overall.rerank is not None:
        score = normalise(total, total_r, spec=method.overall.rerank)
        score_r = score if same else normalise(total_r, total_r, spec=method.overall.rerank)
    else:
        score, score_r = total, total_r
    if method.overall.output:
        cols[method.overall.output] = score
    if method.flags is not None:
        thr = method.flags.threshold
        f = np.column_stack([flag(z[:, j], thr) for j in range(z.shape[1])])
        for j, ind in enumerate(method.indicators):
            cols[ind.flag_column] = f[:, j]
        pos = {ind.id: j for j, ind in enumerate(method.indicators)}
        for t in themes:
            if t.flag_output:
                cols[t.flag_output] = f[:, [pos[i] for i in t.indicators]].sum(axis=1)
        cols[method.flags.total_output] = f.sum(axis=1)
    return BlockResult(cols, score, score_r, weights, warnings)


# -- public entry point ------------------------------------------------------------------------
def compute_index(
    table: pd.DataFrame,
    *,
    method: IndexMethod,
    id_column: str = "area_code",
    period_column: str | None = None,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compute a composite index for every area (and period) of a wide table.

    Parameters
    ----------
    table
        One row per area (and period): ``id_column``, optionally ``period_column``, and one
        numeric column per indicator (``indicator.column`` or its id; see
        :func:`pivot_long` for long input). -999 (``method.missing_values``) and NaN are
        missing.
    method
        A validated :class:`~omradesbild.index.method.IndexMethod`.
    id_column, period_column
        Names of the area id and (optional) period columns.
    reference
        The distribution to normalise, rank and classify against (e.g. all areas of the
        level in the country), in the same layout; default: the table itself. With a
        period column, each period of the table uses the reference rows of the same
        period (or the whole reference if it has no period column).

    Returns
    -------
    pandas.DataFrame
        Sorted by period then id: ``id_column``, ``period_column`` (if given), one column
        per normalised component (``indicator.output``, default ``<id>_norm``), theme
        columns (``sum_output`` and ``output``), ``overall.sum_output`` /
        ``overall.output`` when declared, ``score``, ``rank`` (Int64, 1 = highest score =
        most vulnerable), ``class`` (Int64) and ``class_label`` when the method classifies,
        flag columns (Int64) when it flags, ``fallback_used`` (str or None) and
        ``missing_indicators`` (comma-separated ids, or None). ``DataFrame.attrs`` holds
        ``method_id``, ``method_version``, ``weights`` and ``thresholds`` per period, and
        ``warnings``.

    Raises
    ------
    InputError
        A missing column (naming it and the columns available), a non-numeric value, a
        duplicated area, or a base period that is not in the data.

    Notes
    -----
    An area with any missing indicator gets NaN components where missing, NaN theme values
    for the affected themes, NaN score, no rank and no class; it is also left out of every
    reference distribution for the affected indicator. Nothing is imputed.
    """
    keys, x, resolved = prepare_table(
        table, method=method, id_column=id_column, period_column=period_column, what="table"
    )
    ref_keys: pd.DataFrame | None = None
    r: FloatArray | None = None
    if reference is not None:
        ref_period = period_column if period_column and period_column in reference.columns else None
        ref_keys, r, _ = prepare_table(
            reference,
            method=method,
            id_column=id_column,
            period_column=ref_period,
            what="reference",
            columns=resolved,
        )
    else:
        ref_period = period_column

    periods: list[Any] = [None] if period_column is None else list(pd.unique(keys[period_column]))
    n = len(keys)
    out_cols: dict[str, FloatArray] = {c: np.full(n, np.nan) for c in _value_columns(method)}
    score = np.full(n, np.nan)
    rank = np.full(n, np.nan)
    klass = np.full(n, np.nan)
    attrs_weights: dict[str, dict[str, float]] = {}
    attrs_thresholds: dict[str, list[float]] = {}
    warnings: list[str] = []
    rule = method.classification
    base_ref_scores: FloatArray | None = None
    base_period = getattr(rule, "base_period", None) if rule is not None else None
    if base_period is not None:
        if period_column is None:
            warnings.append(Message("note_base_period_ignored", period=repr(base_period)))
        else:
            base_ref_scores = _base_scores(
                base_period, keys, x, ref_keys, r, ref_period, period_column, method
            )
    for period in periods:
        mask, rblock = _block_masks(period, keys, period_column, ref_keys, r, ref_period)
        res = compute_block(x[mask], rblock, method=method)
        for name, arr in res.columns.items():
            out_cols[name][mask] = arr
        score[mask] = res.score
        ref_scores = res.reference_score
        rank[mask] = rank_descending(res.score, ref_scores)
        key = "all" if period is None else str(period)
        attrs_weights[key] = res.weights
        warnings += [Message("note_at", where=key, text=m) for m in res.warnings]
        if rule is not None:
            cls_ref = base_ref_scores if base_ref_scores is not None else ref_scores
            klass[mask], cuts = classify(res.score, rule, cls_ref)
            attrs_thresholds[key] = cuts
    result = _result_frame(keys, x, method, resolved, out_cols, score, rank, klass)
    result.attrs = {
        "method_id": method.id,
        "method_version": method.version,
        "weights": attrs_weights,
        "thresholds": attrs_thresholds,
        "fallbacks": dict(resolved.fallbacks_used),
        "warnings": warnings,
        "notes": method.weight_notes(),
    }
    return result


def _block_masks(
    period: Any,
    keys: pd.DataFrame,
    period_column: str | None,
    ref_keys: pd.DataFrame | None,
    r: FloatArray | None,
    ref_period: str | None,
) -> tuple[NDArray[np.bool_], FloatArray | None]:
    """Rows of the table in ``period``, and the reference rows to use for them."""
    mask = (
        np.ones(len(keys), dtype=bool)
        if period_column is None
        else ((keys[period_column] == period).to_numpy())
    )
    if r is None:
        return mask, None
    assert ref_keys is not None
    if ref_period is None:
        return mask, r
    ref_mask = (ref_keys[ref_period] == period).to_numpy()
    if not ref_mask.any():
        periods = str(sorted(map(str, pd.unique(ref_keys[ref_period]))))
        raise InputError(
            Message("err_ana_reference_no_period", period=repr(period), periods=periods),
            field=ref_period,
            expected=Message("exp_ana_reference_rows"),
        )
    return mask, r[ref_mask]


def _result_frame(
    keys: pd.DataFrame,
    x: FloatArray,
    method: IndexMethod,
    resolved: ResolvedColumns,
    out_cols: dict[str, FloatArray],
    score: FloatArray,
    rank: FloatArray,
    klass: FloatArray,
) -> pd.DataFrame:
    """The keys with the components, themes, score, rank, class, flags and notes."""
    rule = method.classification
    n = len(keys)
    result = keys.copy()
    flag_cols = method.flag_columns()
    for name, arr in out_cols.items():
        if name not in flag_cols:
            result[name] = arr
    result["score"] = score
    result["rank"] = _to_int64(rank)
    if rule is not None:
        labels = class_labels(rule)
        result["class"] = _to_int64(klass)
        known = ~np.isnan(klass)
        label = np.full(n, None, dtype=object)
        label[known] = np.asarray(labels, dtype=object)[klass[known].astype(np.int64) - 1]
        result["class_label"] = pd.Series(label, dtype=object)
    for name in flag_cols:
        result[name] = _to_int64(out_cols[name])
    result["fallback_used"] = _text_column([resolved.note()] * n)
    ids = [ind.id for ind in method.indicators]
    miss = np.isnan(x)
    result["missing_indicators"] = pd.Series(_missing_names(ids, miss), dtype=object)
    return result


def _value_columns(method: IndexMethod) -> list[str]:
    return method.value_columns() + method.flag_columns()


def _text_column(values: list[str | None]) -> pd.Series:
    """Text column with None for missing, as plain object dtype (same in pandas 2 and 3)."""
    return pd.Series(values, dtype=object)


def _missing_names(ids: list[str], miss: NDArray[np.bool_]) -> NDArray[np.object_]:
    """Per row, the ids whose column is missing, joined with "," (``None`` when none);
    written once per distinct pattern of missing columns."""
    out = np.full(len(miss), None, dtype=object)
    if not len(miss) or not miss.any():
        return out
    patterns, inverse = np.unique(miss, axis=0, return_inverse=True)
    texts = np.asarray(
        [",".join(i for i, m in zip(ids, row, strict=True) if m) or None for row in patterns],
        dtype=object,
    )
    return texts[inverse.reshape(-1)]


def _to_int64(arr: FloatArray) -> pd.arrays.IntegerArray:
    """Whole numbers (truncated toward zero, as ``int``) with ``<NA>`` for NaN."""
    values = np.asarray(arr, dtype=float)
    missing = np.isnan(values)
    whole = np.where(missing, 0.0, values).astype(np.int64)
    return pd.arrays.IntegerArray(whole, missing.copy())


def _base_scores(
    base_period: str,
    keys: pd.DataFrame,
    x: FloatArray,
    ref_keys: pd.DataFrame | None,
    r: FloatArray | None,
    ref_period: str | None,
    period_column: str,
    method: IndexMethod,
) -> FloatArray:
    """Reference scores of the base period (from the reference if given, else the table)."""
    if r is not None and ref_keys is not None:
        if ref_period is None:
            return compute_block(r, None, method=method).score
        mask = (ref_keys[ref_period].astype(str) == str(base_period)).to_numpy()
        where, avail = "reference", sorted(map(str, pd.unique(ref_keys[ref_period])))
        block = r[mask]
    else:
        mask = (keys[period_column].astype(str) == str(base_period)).to_numpy()
        where, avail = "table", sorted(map(str, pd.unique(keys[period_column])))
        block = x[mask]
    if not mask.any():
        period = repr(base_period)
        raise InputError(
            Message(
                "err_ana_base_period_missing", period=period, where=what(where), periods=str(avail)
            ),
            field=period_column,
            expected=Message("exp_svc_rows_for_period", period=period),
        )
    return compute_block(block, None, method=method).score


__all__ = [
    "BlockResult",
    "ResolvedColumns",
    "compute_block",
    "compute_index",
    "pivot_long",
    "resolve_columns",
    "to_long",
]
