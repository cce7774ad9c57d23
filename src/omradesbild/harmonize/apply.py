"""Apply crosswalks (links) to long values, compose links, and build links from a store.

:func:`apply_crosswalk` moves values of source areas to target areas through weighted links
(from :func:`omradesbild.harmonize.areal.build_crosswalk`, the code rule, SCB's keys or the
store) with one sparse matrix product per call. :func:`compose_links` chains two crosswalks
(e.g. DeSO 2018 → DeSO 2025 by the code rule, then DeSO 2025 → primärområden by area).
:func:`harmonise_to_layer` builds such links from the geometries held in a store.

:func:`compose_links` lives in :mod:`omradesbild.harmonize.compose` and
:func:`harmonise_to_layer` in :mod:`omradesbild.harmonize.layer`; both are importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from omradesbild.errors import InputError
from omradesbild.harmonize._common import _factorize_str, _refuse_first, _require, _text_column
from omradesbild.harmonize.compose import compose_links, link_weights
from omradesbild.harmonize.layer import harmonise_to_layer
from omradesbild.sources.base import OBS_COLUMNS, empty_frame
from omradesbild.wording import Message

Kind = Literal["extensive", "intensive"]
KINDS: tuple[str, ...] = ("extensive", "intensive")

#: Columns of :func:`apply_crosswalk`'s result: the store's observation columns and the
#: number of source areas linked to the target.
APPLY_COLUMNS: tuple[str, ...] = (*OBS_COLUMNS, "n_sources")

_VALUE_COLUMNS = ("area_code", "period", "variable", "value")

FloatArray = npt.NDArray[np.float64]


__all__ = [
    "APPLY_COLUMNS",
    "KINDS",
    "Kind",
    "apply_crosswalk",
    "compose_links",
    "harmonise_to_layer",
]

# --------------------------------------------------------------------------- checks


def _unknown_kind(kind: object) -> InputError:
    """The error for a kind other than ``extensive`` or ``intensive``."""
    return InputError(
        Message("err_ana_unknown_kind", kind=repr(kind)),
        field="kind",
        expected=Message("exp_ana_kinds"),
    )


def _link_arrays(links: pd.DataFrame) -> pd.DataFrame:
    """from_code, to_code, weight, to_version of usable links; checks weights and pairs."""
    _require(links, ("from_code", "to_code"), "links")
    weight = link_weights(links, number_rows=True)
    lk = pd.DataFrame(
        {
            "from_code": links["from_code"].astype(str).to_numpy(),
            "to_code": links["to_code"].astype(str).to_numpy(),
            "weight": weight.to_numpy(dtype=float),
            "to_version": (
                links["to_version"].to_numpy(dtype=object)
                if "to_version" in links.columns
                else np.full(len(links), None, dtype=object)
            ),
        }
    )
    dup = lk.duplicated(["from_code", "to_code"])
    if dup.any():
        row = lk.loc[dup].iloc[0]
        raise InputError(
            Message("err_ana_link_twice", source=row["from_code"], target=row["to_code"]),
            field="method",
            expected=Message("exp_ana_one_link"),
        )
    return lk.loc[lk["weight"] > 0].reset_index(drop=True)


def _filter_versions(values: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Keep the values whose area_version is a from_version of the links (when both known)."""
    if "area_version" not in values.columns or "from_version" not in links.columns:
        return values
    versions = set(links["from_version"].dropna().astype(str))
    if not versions:
        return values
    keep = values["area_version"].isna() | values["area_version"].astype(str).isin(versions)
    if not keep.any():
        have = ", ".join(sorted(values["area_version"].dropna().astype(str).unique()))
        raise InputError(
            Message("err_ana_value_versions", have=have, versions=", ".join(sorted(versions))),
            field="area_version",
            expected=Message("exp_ana_link_version_values"),
        )
    return values if keep.all() else values.loc[keep]


# --------------------------------------------------------------------------- apply


def apply_crosswalk(
    values: pd.DataFrame,
    links: pd.DataFrame,
    *,
    kind: Kind | Mapping[str, Kind] = "extensive",
    intensive_weights: pd.DataFrame | None = None,
    require_complete: bool = True,
) -> pd.DataFrame:
    r"""Move values from source areas to target areas through weighted links.

    Parameters
    ----------
    values
        Long values with ``area_code``, ``period``, ``variable``, ``value`` (optionally
        ``area_version``, used to keep only the links' ``from_version``, and ``unit``,
        carried to the result). One row per area, period and variable.
    links
        :data:`~omradesbild.sources.base.LINK_COLUMNS` (``from_code``, ``to_code``
        required; ``weight`` defaults to 1). One link per source and target.
    kind
        ``"extensive"`` for counts and sums (allocated and summed), ``"intensive"`` for
        rates, shares, means and medians (weighted averages); or a mapping from every
        variable to its kind.
    intensive_weights
        Denominators :math:`d_i` for intensive variables: ``area_code`` and ``value``, and
        optionally ``period`` and/or ``variable`` when they differ by period or variable
        (e.g. the population, or the persons a median is computed over). Default: equal
        denominators (each source weighted by its link weight alone).
    require_complete
        If true (default), a target some of whose linked sources lack a value (NaN or no
        row) is missing (NaN with a ``missing_reason``) — a suppressed value is never
        counted as zero. If false, the sum or average runs over the sources with values;
        the target is missing only when all are.

    Returns
    -------
    pandas.DataFrame
        :data:`APPLY_COLUMNS`: one row per target area (``area_version`` = the links'
        ``to_version``), variable and period, sorted by area, variable, period.
        ``attrs["unlinked_areas"]`` lists the value areas that no link starts from (their
        values are not allocated).

    Raises
    ------
    InputError
        Missing columns, a non-numeric value, a value given twice, invalid or repeated
        links, a variable without kind, or values of another version than the links.

    Notes
    -----
    With link weights :math:`w_{ij}` (the share of source :math:`i` allocated to target
    :math:`j`), extensive values are allocated and summed,

    .. math:: y_j = \sum_i w_{ij}\, y_i ,

    which conserves the total :math:`\sum_j y_j = \sum_i y_i` when every source is fully
    covered (:math:`\sum_j w_{ij} = 1`). Intensive values are averaged, weighted by the
    allocated denominator:

    .. math:: v_j = \frac{\sum_i w_{ij}\, d_i\, v_i}{\sum_i w_{ij}\, d_i} .

    A weighted mean of medians is only an approximation of the target's median, and a
    weighted mean of rates equals the target's rate only when :math:`d_i` is exactly the
    rate's denominator. Prefer recomputing rates from harmonised *counts* (numerator and
    denominator both extensive), which is what :mod:`omradesbild.indicators` does.

    Computed as one sparse product :math:`Y = W X` with :math:`W` the (targets × sources)
    weight matrix and :math:`X` the (sources × variable-periods) value matrix.
    """
    _require(values, _VALUE_COLUMNS, "values")
    if isinstance(kind, Mapping):
        return _apply_by_kind(values, links, kind, intensive_weights, require_complete)
    if kind not in KINDS:
        raise _unknown_kind(kind)
    lk = _link_arrays(links)
    vals = _filter_versions(values, links)
    numeric = _numeric_values(vals)

    src_codes, src_inv = np.unique(lk["from_code"].to_numpy(dtype=str), return_inverse=True)
    tgt_codes, tgt_inv = np.unique(lk["to_code"].to_numpy(dtype=str), return_inverse=True)
    n_src, n_tgt = len(src_codes), len(tgt_codes)
    w = sp.csr_matrix(
        (lk["weight"].to_numpy(dtype=float), (tgt_inv, src_inv)), shape=(n_tgt, n_src)
    )
    pattern = w.copy()
    pattern.data = np.ones_like(pattern.data)
    n_sources = np.asarray(pattern.sum(axis=1)).ravel()
    m = _value_matrix(vals, numeric, src_codes)
    x, present, col_var, col_per = m.x, m.present, m.col_var, m.col_per
    n_col = len(col_var)

    if kind == "extensive":
        y = np.asarray(w @ x)
        n_missing = np.asarray(pattern @ (~present).astype(float))
        zero_den = np.zeros_like(y, dtype=bool)
    else:
        d = _denominators(intensive_weights, src_codes, m.periods, m.variables, col_per, col_var)
        ok = present & ~np.isnan(d)
        dx = np.where(ok, d, 0.0)
        num = np.asarray(w @ (dx * x))
        den = np.asarray(w @ dx)
        n_missing = np.asarray(pattern @ (~ok).astype(float))
        zero_den = den <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.where(zero_den, np.nan, num / den)
    n_src_col = n_sources[:, None]
    missing = (n_missing > 0) if require_complete else (n_missing >= n_src_col)
    y = np.where(missing, np.nan, y)
    reason = _missing_reasons(missing, zero_den, n_missing, n_sources)

    unit_by_var: FloatArray | npt.NDArray[np.object_]
    if "unit" in vals.columns:
        first_unit = (
            pd.Series(vals["unit"].to_numpy(dtype=object), index=m.v_codes).groupby(level=0).first()
        )
        unit_by_var = first_unit.reindex(range(len(m.variables))).to_numpy(dtype=object)
    else:
        unit_by_var = np.full(len(m.variables), None, dtype=object)
    to_version = (
        lk.groupby(tgt_inv)["to_version"].first().reindex(range(n_tgt)).to_numpy(dtype=object)
    )
    tgt_idx = np.repeat(np.arange(n_tgt), n_col)
    out = pd.DataFrame(
        {
            "area_code": _text_column(tgt_codes, tgt_idx),
            "area_version": np.repeat(to_version, n_col),
            "variable": _text_column(np.asarray(m.variables), np.tile(col_var, n_tgt)),
            "period": _text_column(np.asarray(m.periods), np.tile(col_per, n_tgt)),
            "value": y.ravel(),
            "unit": np.tile(unit_by_var[col_var], n_tgt),
            "missing_reason": reason.ravel(),
            "n_sources": np.repeat(n_sources.astype(np.int64), n_col),
        },
        columns=list(APPLY_COLUMNS),
    )
    out.attrs["unlinked_areas"] = m.unlinked
    return out


def _numeric_values(vals: pd.DataFrame) -> pd.Series:
    """The ``value`` column as numbers; raises for the first value that is not a number."""
    numeric = pd.to_numeric(vals["value"], errors="coerce")
    bad = (
        np.zeros(len(vals), dtype=bool)
        if pd.api.types.is_numeric_dtype(vals["value"])
        else numeric.isna().to_numpy() & vals["value"].notna().to_numpy()
    )
    _refuse_value(vals, bad, "err_ana_value_not_number", expected="exp_ana_numbers_nan")
    return numeric


@dataclass(frozen=True)
class _ValueMatrix:
    """Values of the linked areas as a (sources × variable-periods) matrix."""

    x: FloatArray  # values, 0 where missing
    present: npt.NDArray[np.bool_]  # a value (not NaN) is given
    variables: pd.Index
    periods: pd.Index
    col_var: npt.NDArray[Any]  # variable (index into ``variables``) of each column
    col_per: npt.NDArray[Any]  # period (index into ``periods``) of each column
    v_codes: npt.NDArray[Any]  # variable code of each value row
    unlinked: list[str]  # value areas no link starts from


def _value_matrix(vals: pd.DataFrame, numeric: pd.Series, src_codes: Any) -> _ValueMatrix:
    """Place the values of the linked areas in the matrix; raises for a value given twice."""
    n_src = len(src_codes)
    row, unlinked = _source_rows(vals["area_code"], src_codes)
    linked = row >= 0
    all_linked = bool(linked.all())
    p_codes, periods = _key_codes(vals["period"])
    v_codes, variables = _key_codes(vals["variable"])
    n_p = len(periods)
    col_id = v_codes.astype(np.int32) * np.int32(n_p) + p_codes.astype(np.int32)
    if not all_linked:
        col_id = col_id[linked]
    used = np.flatnonzero(np.bincount(col_id, minlength=n_p * len(variables)))
    remap = np.full(n_p * len(variables), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    col = col_id if len(used) == len(remap) else remap[col_id]
    col_var = used // n_p
    col_per = used % n_p
    n_col = len(used)
    r = row if all_linked else row[linked]
    # each value's cell in the flattened matrix, computed once for both scatters below
    flat = r.astype(np.int64) * n_col + col
    seen = np.zeros((n_src, n_col), dtype=np.int8)
    seen.ravel()[flat] = 1
    if int(seen.sum(dtype=np.int64)) < len(r):
        counts = np.bincount(flat, minlength=n_src * n_col)
        dup_flat = int(np.flatnonzero(counts > 1)[0])
        raise InputError(
            Message(
                "err_ana_value_twice",
                area=src_codes[dup_flat // n_col],
                variable=variables[col_var[dup_flat % n_col]],
                period=periods[col_per[dup_flat % n_col]],
            ),
            field="value",
            expected=Message("exp_ana_one_value_per_variable"),
        )
    x = np.zeros((n_src, n_col))
    num_arr = numeric.to_numpy(dtype=float)
    x.ravel()[flat] = num_arr if all_linked else num_arr[linked]
    nan = np.isnan(x)
    present = seen.view(np.bool_) & ~nan
    x[nan] = 0.0
    return _ValueMatrix(x, present, variables, periods, col_var, col_per, v_codes, unlinked)


def _arrow_text(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array behind a pyarrow-backed text column; None for any other dtype."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return None
    arr = pa.array(values.array)
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _refuse_missing(values: pd.Series, arr: pa.ChunkedArray) -> None:
    """The error of :func:`_factorize_str` for a missing key value."""
    if arr.null_count:
        _refuse_first(
            pc.is_null(arr).to_numpy(zero_copy_only=False),
            lambda _: Message("err_ana_key_missing", column=str(values.name)),
            field=str(values.name),
            expected=Message("exp_ana_key_every_row", column=str(values.name)),
        )


def _source_rows(
    codes: pd.Series, src_codes: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Row of every value's area among the links' sources (-1: linked nowhere) and the
    sorted areas linked nowhere.

    Arrow text is looked up in the sources directly (one hash lookup per value, no
    factorizing of the column first); other columns are factorized.
    """
    arr = _arrow_text(codes)
    if arr is None:
        a_codes, a_uniques = _factorize_str(codes)
        a_row = pd.Index(src_codes).get_indexer(a_uniques).astype(np.int32)
        return a_row[a_codes], sorted(a_uniques[a_row < 0].tolist())
    _refuse_missing(codes, arr)
    idx = pc.index_in(arr, value_set=pa.array(np.asarray(src_codes, dtype=object), arr.type))
    row = pc.fill_null(idx, -1).to_numpy().astype(np.int32, copy=False)
    if (row >= 0).all():
        return row, []
    return row, sorted(pc.unique(arr.filter(pc.is_null(idx))).to_pylist())


def _key_codes(values: pd.Series) -> tuple[npt.NDArray[Any], pd.Index]:
    """Codes into the sorted unique text values, as :func:`_factorize_str` gives them
    (Arrow text is dictionary-encoded by Arrow, then the few uniques are sorted)."""
    arr = _arrow_text(values)
    if arr is None:
        return _factorize_str(values)
    _refuse_missing(values, arr)
    enc = arr.combine_chunks().dictionary_encode()
    uniques = np.asarray(enc.dictionary.to_pylist(), dtype=object)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[enc.indices.to_numpy()], pd.Index(uniques[order])


def _missing_reasons(
    missing: npt.NDArray[np.bool_],
    zero_den: npt.NDArray[np.bool_],
    n_missing: FloatArray,
    n_sources: FloatArray,
) -> npt.NDArray[np.object_]:
    """The ``missing_reason`` of every target and column (None where there is a value)."""
    reason = np.full(missing.shape, None, dtype=object)
    if missing.any():
        ti, ci = np.nonzero(missing)
        reason[ti, ci] = [
            f"missing in {int(k)} of {int(n)} source areas"
            for k, n in zip(n_missing[ti, ci], n_sources[ti], strict=True)
        ]
    zd = zero_den & ~missing
    if zd.any():
        reason[zd] = "denominator 0 in every source area"
    return reason


def _denominators(
    weights: pd.DataFrame | None,
    src_codes: npt.NDArray[np.str_],
    periods: pd.Index,
    variables: pd.Index,
    col_per: npt.NDArray[np.int64],
    col_var: npt.NDArray[np.int64],
) -> FloatArray:
    """The (sources × columns) matrix of intensive-variable denominators."""
    n_src, n_col = len(src_codes), len(col_per)
    if weights is None:
        return np.ones((n_src, n_col))
    _require(weights, ("area_code", "value"), "intensive_weights")
    val = pd.to_numeric(weights["value"], errors="coerce").to_numpy(dtype=float)
    bad = (val < 0) | np.isinf(val)
    _refuse_value(
        weights, bad, "err_ana_intensive_weight_bad", expected="exp_ana_weight_nonneg_nan"
    )
    rows = pd.Index(src_codes).get_indexer(pd.Index(weights["area_code"].astype(str)))
    keys: list[str] = [k for k in ("period", "variable") if k in weights.columns]
    dims: list[npt.NDArray[np.int64]] = [rows.astype(np.int64)]
    sizes = [n_src]
    for k in keys:
        idx = (periods if k == "period" else variables).get_indexer(
            pd.Index(weights[k].astype(str))
        )
        dims.append(idx.astype(np.int64))
        sizes.append(len(periods) if k == "period" else len(variables))
    ok = np.all([d >= 0 for d in dims], axis=0)
    table = np.full(sizes, np.nan)
    flat = np.ravel_multi_index(tuple(d[ok] for d in dims), tuple(sizes))
    if len(flat) and np.bincount(flat).max() > 1:
        same: Message | str = keys[0] if len(keys) == 1 else "area"
        if len(keys) == 2:
            same = Message("exp_ana_and", a=keys[0], b=keys[1])
        raise InputError(
            Message("err_ana_intensive_weights_twice", keys=same),
            field="area_code",
            expected=Message("exp_ana_one_weight_per_area", keys="".join(f", {k}" for k in keys)),
        )
    table.ravel()[flat] = val[ok]
    if not keys:
        return np.repeat(table[:, None], n_col, axis=1)
    if keys == ["period"]:
        return table[:, col_per]
    if keys == ["variable"]:
        return table[:, col_var]
    return table[:, col_per, col_var]


def _apply_by_kind(
    values: pd.DataFrame,
    links: pd.DataFrame,
    kinds: Mapping[str, Kind],
    intensive_weights: pd.DataFrame | None,
    require_complete: bool,
) -> pd.DataFrame:
    variables = values["variable"].astype(str)
    unknown = sorted(set(variables) - set(kinds))
    if unknown:
        raise InputError(
            Message("err_ana_no_kind", variables=", ".join(unknown[:10])),
            field="kind",
            expected=Message("exp_ana_kind_every_variable"),
        )
    parts = []
    kind_of = variables.map(dict(kinds))
    for k in KINDS:
        sel = kind_of == k
        if sel.any():
            parts.append(
                apply_crosswalk(
                    values.loc[sel],
                    links,
                    kind=k,  # type: ignore[arg-type]
                    intensive_weights=intensive_weights,
                    require_complete=require_complete,
                )
            )
    bad = sorted(set(kind_of.dropna()) - set(KINDS))
    if bad:
        raise _unknown_kind(bad[0])
    if not parts:
        return empty_frame(APPLY_COLUMNS)
    unlinked = sorted({c for p in parts for c in p.attrs.get("unlinked_areas", [])})
    out = (
        pd.concat(parts, ignore_index=True)
        .sort_values(["area_code", "variable", "period"], kind="stable")
        .reset_index(drop=True)
    )
    out.attrs["unlinked_areas"] = unlinked
    return out


def _refuse_value(
    frame: pd.DataFrame, bad: npt.NDArray[np.bool_], key: str, *, expected: str
) -> None:
    """Refuse the first row of ``frame`` (``area_code``, ``value``) where ``bad`` holds: the
    catalogue's ``key`` with the row's value quoted and its area, and ``expected``'s key."""
    _refuse_first(
        bad,
        lambda pos: Message(
            key, value=repr(frame["value"].iloc[pos]), area=frame["area_code"].iloc[pos]
        ),
        field="value",
        expected=Message(expected),
    )
