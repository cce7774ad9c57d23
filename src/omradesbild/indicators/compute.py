"""Compute indicators from counts, at any area level, with confidence intervals.

The computation has three pure steps, each usable on its own:

1. :func:`indicator_counts` — evaluate every indicator's numerator and denominator *counts*
   per area and period from long observations;
2. :func:`aggregate_counts` — sum those counts over links (crosswalks) to a higher level;
   weights below 1 give weighted counts; missing values propagate;
3. :func:`finalize_indicators` — turn counts into values, intervals, reliability flags and
   (optionally) empirical-Bayes smoothed values.

:func:`compute_indicators` chains the three. Rates are never averaged: a RegSO's value is its
summed numerator over its summed denominator.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE, kommun_of
from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.errors import InputError
from omradesbild.indicators.catalogue import (
    AgeBands,
    Catalogue,
    Indicator,
    Term,
    default_catalogue,
    parse_expression,
)
from omradesbild.indicators.intervals import rate_interval, wilson_interval
from omradesbild.indicators.smoothing import eb_smooth_rates
from omradesbild.sources.base import LINK_COLUMNS

#: Columns of the intermediate counts frame.
COUNT_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_version",
    "level",
    "period",
    "indicator",
    "numerator",  # count (weighted when aggregated); median × weight for kind "median"
    "denominator",
    "n_parts",  # number of base areas summed
    "partial",  # some base area entered with weight < 1
    "approximate",
    "note",
)

#: Columns of :func:`compute_indicators`' output, in order.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "area_code",
    "level",
    "period",
    "indicator",
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "reliable",
    "approximate",
    "value_smoothed",
    "note",
)

#: Area code used for the whole country (all areas in the input), as in SCB's tables.
COUNTRY_CODE = "SE"

_KEYS = ["area_code", "area_version", "period"]
_REQUIRED_OBS = ("area_code", "variable", "period", "value")

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------------------
# observations -> wide
# --------------------------------------------------------------------------------------


class _Wide:
    """Observations as a dense matrix: one row per (area_code, area_version, period).

    Duplicate observations of the same cell keep the first non-missing value.
    """

    def __init__(self, observations: pd.DataFrame, variables: set[str]) -> None:
        obs = observations.loc[observations["variable"].isin(variables)]
        code = obs["area_code"].astype(str).to_numpy(dtype=object)
        if "area_version" in obs.columns:
            version = obs["area_version"].fillna("").astype(str).to_numpy(dtype=object)
        else:
            version = np.full(len(obs), "", dtype=object)
        period = obs["period"].astype(str).to_numpy(dtype=object)
        var = obs["variable"].astype(str).to_numpy(dtype=object)
        value = pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float)
        c_i, c_u = pd.factorize(code)
        v_i, v_u = pd.factorize(version)
        p_i, p_u = pd.factorize(period)
        var_i, var_u = pd.factorize(var)
        raw_row = (c_i.astype(np.int64) * len(v_u) + v_i) * len(p_u) + p_i
        row_i, row_u = pd.factorize(raw_row)
        n_rows, n_vars = len(row_u), len(var_u)
        cell = row_i.astype(np.int64) * n_vars + var_i

        self.values = np.full((n_rows, n_vars), np.nan)
        ok = ~np.isnan(value)
        uniq, first = np.unique(cell[ok], return_index=True)
        self.values.flat[uniq] = value[ok][first]
        self.has = np.zeros((n_rows, n_vars), dtype=bool)
        self.has.flat[cell] = True
        self.reasons: npt.NDArray[np.object_] | None = None
        nan_rows = ~ok
        if nan_rows.any():
            if "missing_reason" in obs.columns:
                reason = obs["missing_reason"].to_numpy(dtype=object)[nan_rows]
            else:
                reason = np.full(int(nan_rows.sum()), None, dtype=object)
            reason = np.array(
                [r if isinstance(r, str) and r else "value missing" for r in reason], dtype=object
            )
            self.reasons = np.full((n_rows, n_vars), None, dtype=object)
            uniq, first = np.unique(cell[nan_rows], return_index=True)
            self.reasons.flat[uniq] = reason[first]
            self.reasons[~np.isnan(self.values) | ~self.has] = None

        # decode the row keys
        raw = np.asarray(row_u, dtype=np.int64)
        pp = raw % len(p_u)
        vv = (raw // len(p_u)) % len(v_u)
        cc = raw // (len(p_u) * len(v_u))
        self.code = np.asarray(c_u, dtype=object)[cc]
        self.version = np.asarray(v_u, dtype=object)[vv]
        self.period = np.asarray(p_u, dtype=object)[pp]
        self.var_pos = {str(v): i for i, v in enumerate(var_u)}
        self.periods_of: dict[str, set[str]] = {}
        for v, j in self.var_pos.items():
            self.periods_of[v] = set(self.period[self.has[:, j]])
        self.n = n_rows

    def present(self, var: str) -> npt.NDArray[np.bool_]:
        """Whether the variable has a row (value or reasoned missing) per wide row."""
        j = self.var_pos.get(var)
        if j is None:
            return np.zeros(self.n, dtype=bool)
        return self.has[:, j]

    def column(self, var: str, *, absent_zero: bool) -> FloatArray:
        j = self.var_pos.get(var)
        if j is None:
            return np.full(self.n, 0.0 if absent_zero else np.nan)
        arr = self.values[:, j]
        if absent_zero:
            arr = np.where(self.has[:, j], arr, 0.0)
        return arr

    def first_reason(self, variables: Sequence[str]) -> npt.NDArray[np.object_]:
        out = np.full(self.n, None, dtype=object)
        if self.reasons is None:
            return out
        for v in reversed(variables):
            j = self.var_pos.get(v)
            if j is not None:
                col = self.reasons[:, j]
                out = np.where(col != None, col, out)  # noqa: E711
        return out


def _eval_expression(node: ast.AST, get: Mapping[str, FloatArray] | _Getter) -> FloatArray:
    if isinstance(node, ast.Expression):
        return _eval_expression(node.body, get)
    if isinstance(node, ast.Name):
        return get[node.id]
    if isinstance(node, ast.Constant):
        return np.asarray(float(node.value), dtype=float)  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp):
        operand = _eval_expression(node.operand, get)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = _eval_expression(node.left, get)
        right = _eval_expression(node.right, get)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        with np.errstate(divide="ignore", invalid="ignore"):
            out = left / right
        return np.where(np.isfinite(out), out, np.nan)
    raise TypeError(f"unsupported expression node {type(node).__name__}")  # pragma: no cover


class _Getter:
    def __init__(self, wide: _Wide, absent_zero: bool) -> None:
        self.wide = wide
        self.absent_zero = absent_zero

    def __getitem__(self, var: str) -> FloatArray:
        return self.wide.column(var, absent_zero=self.absent_zero)


def _resolve(term: Term, available: Iterable[str]) -> list[str] | None:
    """Variables a term needs, or ``None`` when an age-band selector cannot be met."""
    if isinstance(term, AgeBands):
        return term.select(available)
    if isinstance(term, list):
        return list(dict.fromkeys(term))
    from omradesbild.indicators.catalogue import expression_variables

    return expression_variables(term)


def _eval_term(term: Term, variables: list[str], wide: _Wide, *, absent_zero: bool) -> FloatArray:
    getter = _Getter(wide, absent_zero)
    if isinstance(term, str):
        return _eval_expression(parse_expression(term), getter) * np.ones(wide.n)
    total = np.zeros(wide.n)
    for var in variables:
        total = total + getter[var]
    return total


def _period_sort_key(period: str) -> tuple[int, str]:
    digits = period[:4]
    return (int(digits), period) if digits.isdigit() else (10**6, period)


def _nearest(period: str, candidates: set[str]) -> str | None:
    if not candidates:
        return None
    if period in candidates:
        return period
    year = _period_sort_key(period)[0]
    # the closest year; on ties the later one
    return min(
        candidates, key=lambda c: (abs(_period_sort_key(c)[0] - year), -_period_sort_key(c)[0])
    )


def _join_notes(*parts: Sequence[object] | npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Join per-row note parts with "; ", skipping empty ones (``None`` when none)."""
    arrays = [np.asarray(p, dtype=object) for p in parts]
    n = len(arrays[0]) if arrays else 0
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out
    mask = np.zeros(n, dtype=bool)
    for a in arrays:
        mask |= np.asarray(pd.notna(a), dtype=bool)
    for i in np.flatnonzero(mask):
        texts = [str(a[i]) for a in arrays if isinstance(a[i], str) and a[i]]
        out[i] = "; ".join(dict.fromkeys(texts))
    return out


def _check_observations(observations: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED_OBS if c not in observations.columns]
    if missing:
        raise InputError(
            "observations frame lacks required columns",
            field=", ".join(missing),
            expected="columns " + ", ".join(_REQUIRED_OBS),
        )


# --------------------------------------------------------------------------------------
# availability
# --------------------------------------------------------------------------------------


def indicator_availability(
    observations: pd.DataFrame, *, catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """Which catalogue indicators can be computed from these observations, and why not.

    Returns
    -------
    DataFrame
        Columns ``indicator``, ``available`` (bool), ``missing_variables`` (text or ``None``).
    """
    _check_observations(observations)
    cat = catalogue or default_catalogue()
    present = {str(v) for v in observations["variable"].unique()}
    rows = []
    for ind in cat.indicators:
        missing = _missing_for(ind, present)
        rows.append(
            {
                "indicator": ind.id,
                "available": not missing,
                "missing_variables": ", ".join(missing) if missing else None,
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "available", "missing_variables"])


def _missing_for(ind: Indicator, present: set[str]) -> list[str]:
    missing: list[str] = []
    nvars = _resolve(ind.numerator, present)
    dvars = _resolve(ind.denominator, present)
    for term, vars_ in ((ind.numerator, nvars), (ind.denominator, dvars)):
        if vars_ is None:
            assert isinstance(term, AgeBands)
            missing.append(f"({term.describe()}: bands do not cover the range)")
    if nvars is not None:
        absent = [v for v in nvars if v not in present]
        if ind.numerator_absent_is_zero:
            if len(absent) == len(nvars):
                missing.extend(absent)
        else:
            missing.extend(absent)
    if dvars is not None:
        missing.extend(v for v in dvars if v not in present)
    return list(dict.fromkeys(missing))


# --------------------------------------------------------------------------------------
# step 1: counts per base area
# --------------------------------------------------------------------------------------


def indicator_counts(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    level: str = "deso",
    strict: bool = False,
) -> pd.DataFrame:
    r"""Numerator and denominator counts per area, period and indicator.

    Parameters
    ----------
    observations
        Long observations with at least ``area_code``, ``variable``, ``period``, ``value``
        (``area_version`` and ``missing_reason`` are used when present). Duplicate rows for
        the same area, version, variable and period (e.g. ``pop_total`` from several SCB
        tables) are collapsed to the first non-missing value.
    catalogue
        Indicator catalogue; the shipped one by default.
    indicators
        Indicator ids to compute (all by default). Indicators whose variables are absent from
        ``observations`` are skipped (see :func:`indicator_availability`).
    periods
        Numerator periods to compute (all available by default).
    level
        Level label written to the ``level`` column.
    strict
        Raise :class:`~omradesbild.errors.InputError` if an explicitly requested indicator
        cannot be computed.

    Returns
    -------
    DataFrame
        :data:`COUNT_COLUMNS`.

    Notes
    -----
    For each indicator, area :math:`i` and period :math:`t`, the numerator :math:`y_{it}` and
    denominator :math:`n_{it}` are evaluated from the catalogue terms (sums, expressions or
    age bands). A missing input value (SCB's ``..``) makes the term missing — it is never
    treated as zero — and the row's note gives the reason. For indicators with
    ``numerator_absent_is_zero`` (offence counts built from individual reports) an area
    with a denominator but no numerator row has :math:`y_{it} = 0`.

    With ``denominator_period: nearest`` the denominator is taken from period :math:`t` when
    available, otherwise from the nearest period :math:`s` that has it; such rows are flagged
    ``approximate`` and noted ``denominator from s``. For kind ``median`` the numerator is
    :math:`m_{it} \cdot n_{it}` (median times its weight) so that sums give a
    weight-averaged median.
    """
    _check_observations(observations)
    cat = catalogue or default_catalogue()
    chosen = cat.select(indicators)
    present = {str(v) for v in observations["variable"].unique()}
    runnable: list[tuple[Indicator, list[str], list[str]]] = []
    for ind in chosen:
        missing = _missing_for(ind, present)
        if missing:
            if strict and indicators is not None:
                raise InputError(
                    f"indicator {ind.id!r} cannot be computed: variables missing from the "
                    "observations",
                    field="variable",
                    expected=", ".join(missing),
                )
            continue
        nvars = _resolve(ind.numerator, present)
        dvars = _resolve(ind.denominator, present)
        assert nvars is not None and dvars is not None
        runnable.append((ind, nvars, dvars))
    if not runnable:
        return _empty(COUNT_COLUMNS)
    needed = {v for _, n, d in runnable for v in (*n, *d)}
    wide = _Wide(observations, needed)
    wanted = {str(p) for p in periods} if periods is not None else None
    frames = [_counts_one(ind, nvars, dvars, wide, wanted, level) for ind, nvars, dvars in runnable]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty(COUNT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(COUNT_COLUMNS)]


def _counts_one(
    ind: Indicator,
    nvars: list[str],
    dvars: list[str],
    wide: _Wide,
    wanted: set[str] | None,
    level: str,
) -> pd.DataFrame:
    absent_zero = ind.numerator_absent_is_zero
    nsets = [wide.periods_of.get(v, set()) for v in nvars]
    if absent_zero:
        num_periods: set[str] = set().union(*nsets)
    else:
        num_periods = set.intersection(*nsets) if nsets else set()
    dsets = [wide.periods_of.get(v, set()) for v in dvars]
    den_periods: set[str] = set.intersection(*dsets) if dsets else set()
    if wanted is not None:
        num_periods &= wanted
    mapping: dict[str, str] = {}
    for p in num_periods:
        if p in den_periods:
            mapping[p] = p
        elif ind.denominator_period == "nearest":
            near = _nearest(p, den_periods)
            if near is not None:
                mapping[p] = near
    if not mapping:
        return _empty(COUNT_COLUMNS)

    num = _eval_term(ind.numerator, nvars, wide, absent_zero=absent_zero)
    den = _eval_term(ind.denominator, dvars, wide, absent_zero=False)
    if ind.kind == "median":
        num = num * den
    n_present = np.zeros(wide.n, dtype=bool)
    for v in nvars:
        n_present |= wide.present(v)
    d_present = np.zeros(wide.n, dtype=bool)
    for v in dvars:
        d_present |= wide.present(v)
    n_reason = wide.first_reason(nvars)
    d_reason = wide.first_reason(dvars)

    # periods whose denominator is in the same period: one wide row gives both
    same = [p for p, d in mapping.items() if p == d]
    rows = np.isin(wide.period, same) & (n_present | d_present)
    parts = [
        {
            "area_code": wide.code[rows],
            "area_version": wide.version[rows],
            "period": wide.period[rows],
            "dperiod": wide.period[rows],
            "numerator": num[rows],
            "denominator": den[rows],
            "n_row": n_present[rows],
            "d_row": d_present[rows],
            "n_reason": n_reason[rows],
            "d_reason": d_reason[rows],
        }
    ]
    shifted = {p: d for p, d in mapping.items() if p != d}
    if shifted:
        parts.append(
            _shifted_rows(shifted, wide, num, den, n_present, d_present, n_reason, d_reason)
        )
    cols = {k: np.concatenate([pt[k] for pt in parts]) for k in parts[0]}
    numerator = cols["numerator"].astype(float)
    if absent_zero:
        numerator = np.where(cols["n_row"], numerator, 0.0)
    denominator = cols["denominator"].astype(float)
    d_row = cols["d_row"].astype(bool)

    n_note = np.full(len(numerator), None, dtype=object)
    miss_n = np.isnan(numerator)
    n_note[miss_n] = [
        f"numerator missing ({r})" if isinstance(r, str) else "numerator missing (no data)"
        for r in cols["n_reason"][miss_n]
    ]
    d_note = np.full(len(numerator), None, dtype=object)
    miss_d = np.isnan(denominator)
    d_note[miss_d] = [
        f"denominator missing ({r})" if isinstance(r, str) else "denominator missing (no data)"
        for r in cols["d_reason"][miss_d]
    ]
    moved = (cols["period"] != cols["dperiod"]) & d_row
    p_note = np.full(len(numerator), None, dtype=object)
    p_note[moved] = [f"denominator from {d}" for d in cols["dperiod"][moved]]
    return pd.DataFrame(
        {
            "area_code": cols["area_code"],
            "area_version": cols["area_version"],
            "level": level,
            "period": cols["period"],
            "indicator": ind.id,
            "numerator": numerator,
            "denominator": denominator,
            "n_parts": 1,
            "partial": False,
            "approximate": moved,
            "note": _join_notes(n_note, d_note, p_note),
        }
    )


def _shifted_rows(
    shifted: dict[str, str],
    wide: _Wide,
    num: FloatArray,
    den: FloatArray,
    n_present: npt.NDArray[np.bool_],
    d_present: npt.NDArray[np.bool_],
    n_reason: npt.NDArray[np.object_],
    d_reason: npt.NDArray[np.object_],
) -> dict[str, npt.NDArray[Any]]:
    """Rows for numerator periods whose denominator comes from another period."""
    nmask = n_present & np.isin(wide.period, list(shifted))
    numdf = pd.DataFrame(
        {
            "area_code": wide.code[nmask],
            "area_version": wide.version[nmask],
            "period": wide.period[nmask],
            "numerator": num[nmask],
            "n_reason": n_reason[nmask],
        }
    )
    dmask = d_present & np.isin(wide.period, list(set(shifted.values())))
    dendf = pd.DataFrame(
        {
            "area_code": wide.code[dmask],
            "area_version": wide.version[dmask],
            "dperiod": wide.period[dmask],
            "denominator": den[dmask],
            "d_reason": d_reason[dmask],
        }
    )
    mapdf = pd.DataFrame({"period": list(shifted), "dperiod": list(shifted.values())})
    numdf = numdf.merge(mapdf, on="period", how="left")
    base = mapdf.merge(dendf, on="dperiod", how="inner")
    full = base.merge(
        numdf, on=["area_code", "area_version", "period", "dperiod"], how="outer", indicator=True
    )
    return {
        "area_code": full["area_code"].to_numpy(dtype=object),
        "area_version": full["area_version"].to_numpy(dtype=object),
        "period": full["period"].to_numpy(dtype=object),
        "dperiod": full["dperiod"].to_numpy(dtype=object),
        "numerator": full["numerator"].to_numpy(dtype=float, na_value=np.nan),
        "denominator": full["denominator"].to_numpy(dtype=float, na_value=np.nan),
        "n_row": (full["_merge"] != "left_only").to_numpy(),
        "d_row": (full["_merge"] != "right_only").to_numpy(),
        "n_reason": full["n_reason"].to_numpy(dtype=object),
        "d_reason": full["d_reason"].to_numpy(dtype=object),
    }


# --------------------------------------------------------------------------------------
# step 2: aggregation over links
# --------------------------------------------------------------------------------------


def _prepare_links(links: pd.DataFrame, level: str) -> pd.DataFrame:
    for col in ("from_code", "to_code"):
        if col not in links.columns:
            raise InputError(
                "links frame lacks a required column",
                field=col,
                expected="columns " + ", ".join(LINK_COLUMNS),
            )
    lk = links
    if "to_level" in lk.columns and lk["to_level"].notna().any():
        lk = lk.loc[lk["to_level"] == level]
        if lk.empty:
            levels = ", ".join(sorted(str(x) for x in links["to_level"].dropna().unique()))
            raise InputError(
                f"no links lead to level {level!r}",
                field="to_level",
                expected=f"links with to_level {level!r} (links hold: {levels})",
            )
    weight = (
        pd.to_numeric(lk["weight"], errors="coerce").fillna(1.0)
        if "weight" in lk.columns
        else pd.Series(1.0, index=lk.index)
    )
    if (weight < 0).any() or not np.isfinite(weight.to_numpy()).all():
        bad = lk.loc[(weight < 0) | ~np.isfinite(weight)].iloc[0]
        raise InputError(
            f"invalid link weight {bad.get('weight')!r} from {bad['from_code']} to "
            f"{bad['to_code']}",
            field="weight",
            expected="a finite weight >= 0",
        )
    out = pd.DataFrame(
        {
            "from_code": lk["from_code"].astype(str),
            "from_version": (
                lk["from_version"].fillna("").astype(str) if "from_version" in lk.columns else ""
            ),
            "to_code": lk["to_code"].astype(str),
            "to_version": (
                lk["to_version"].fillna("").astype(str) if "to_version" in lk.columns else ""
            ),
            "weight": weight.astype(float),
        }
    )
    return out.loc[out["weight"] > 0]


def aggregate_counts(
    counts: pd.DataFrame, links: pd.DataFrame, *, level: str, require_complete: bool = True
) -> pd.DataFrame:
    r"""Sum indicator counts over links to a higher level.

    Parameters
    ----------
    counts
        :data:`COUNT_COLUMNS`, from :func:`indicator_counts` or from a previous aggregation.
    links
        :data:`~omradesbild.sources.base.LINK_COLUMNS` (``from_code``, ``to_code`` required;
        ``weight`` defaults to 1; rows are restricted to ``to_level == level`` when
        ``to_level`` is given; ``from_version`` must match the counts' ``area_version`` when
        both are set).
    level
        Target level, written to the ``level`` column.
    require_complete
        If true (default), a target area some of whose linked areas have no row for the
        indicator and period gets missing counts. If false, the sum runs over the linked areas
        that have rows (used for the "all areas" country reference).

    Returns
    -------
    DataFrame
        :data:`COUNT_COLUMNS` at the target level.

    Notes
    -----
    For target area :math:`J` with links :math:`i \to J` of weight :math:`w_{iJ}`:

    .. math::

        y_J = \sum_i w_{iJ}\, y_i, \qquad n_J = \sum_i w_{iJ}\, n_i .

    If any linked area's :math:`y_i` (or :math:`n_i`) is missing, :math:`y_J` (or
    :math:`n_J`) is missing — a suppressed value is never counted as zero. If some linked
    areas have no row at all for the indicator and period, both are missing and the note
    says how many. Weights below 1 (areal or population crosswalks) give estimated counts
    and set ``partial``. Aggregation is associative: DeSO → RegSO → kommun equals
    DeSO → kommun for nested keys.
    """
    lk = _prepare_links(links, level)
    if counts.empty or lk.empty:
        return _empty(COUNT_COLUMNS)
    versions = set(counts["area_version"].astype(str))
    lk_used = lk.loc[(lk["from_version"] == "") | lk["from_version"].isin(versions | {""})]
    expected = lk_used.groupby("to_code")["from_code"].nunique()

    m = counts.merge(lk, left_on="area_code", right_on="from_code", how="inner")
    keep = (
        (m["from_version"] == "")
        | (m["area_version"] == "")
        | (m["from_version"] == m["area_version"])
    )
    m = m.loc[keep]
    if m.empty:
        return _empty(COUNT_COLUMNS)
    w = m["weight"].to_numpy()
    m = m.assign(
        numerator=m["numerator"].to_numpy(dtype=float) * w,
        denominator=m["denominator"].to_numpy(dtype=float) * w,
        partial=m["partial"].to_numpy(dtype=bool) | (w < 1.0),
        num_nan=m["numerator"].isna().to_numpy(),
        den_nan=m["denominator"].isna().to_numpy(),
        members=1,
    )
    keys = ["to_code", "to_version", "period", "indicator"]
    g = m.groupby(keys, sort=False)
    agg = g.agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        num_nan=("num_nan", "sum"),
        den_nan=("den_nan", "sum"),
        members=("members", "sum"),
        n_parts=("n_parts", "sum"),
        partial=("partial", "max"),
        approximate=("approximate", "max"),
    ).reset_index()

    # member notes, unique per group (fast path for groups with one distinct note)
    noted = m.loc[m["note"].notna(), [*keys, "note"]].drop_duplicates()
    if len(noted):
        single = noted.groupby(keys, sort=False)["note"].transform("size") == 1
        one = noted.loc[single]
        many = noted.loc[~single]
        parts = [one.set_index(keys)["note"]]
        if len(many):
            parts.append(many.groupby(keys, sort=False)["note"].agg(lambda s: "; ".join(s)))
        notes = pd.concat(parts).rename("member_note").reset_index()
        agg = agg.merge(notes, on=keys, how="left")
    else:
        agg["member_note"] = None

    exp = agg["to_code"].map(expected).fillna(0).to_numpy()
    members = agg["members"].to_numpy()
    incomplete = (members < exp) if require_complete else np.zeros(len(agg), dtype=bool)
    num_nan = agg["num_nan"].to_numpy()
    den_nan = agg["den_nan"].to_numpy()
    numerator = np.where((num_nan > 0) | incomplete, np.nan, agg["numerator"].to_numpy())
    denominator = np.where((den_nan > 0) | incomplete, np.nan, agg["denominator"].to_numpy())

    inc_note = np.full(len(agg), None, dtype=object)
    inc_note[incomplete] = [
        f"{int(e - k)} of {int(e)} areas without data"
        for k, e in zip(members[incomplete], exp[incomplete], strict=True)
    ]
    nn_note = np.full(len(agg), None, dtype=object)
    sel = num_nan > 0
    nn_note[sel] = [
        f"numerator missing in {int(k)} of {int(t)} areas"
        for k, t in zip(num_nan[sel], members[sel], strict=True)
    ]
    dn_note = np.full(len(agg), None, dtype=object)
    sel = den_nan > 0
    dn_note[sel] = [
        f"denominator missing in {int(k)} of {int(t)} areas"
        for k, t in zip(den_nan[sel], members[sel], strict=True)
    ]
    out = pd.DataFrame(
        {
            "area_code": agg["to_code"].to_numpy(),
            "area_version": agg["to_version"].to_numpy(),
            "level": level,
            "period": agg["period"].to_numpy(),
            "indicator": agg["indicator"].to_numpy(),
            "numerator": numerator,
            "denominator": denominator,
            "n_parts": agg["n_parts"].to_numpy(dtype=int),
            "partial": agg["partial"].to_numpy(dtype=bool),
            "approximate": agg["approximate"].to_numpy(dtype=bool),
            "note": _join_notes(
                inc_note, nn_note, dn_note, agg["member_note"].to_numpy(dtype=object)
            ),
        }
    )
    return out[list(COUNT_COLUMNS)]


def kommun_links(codes: Iterable[str]) -> pd.DataFrame:
    """Links from DeSO, RegSO or kommun codes to their kommun, by the code rule.

    Raises
    ------
    InputError
        For a code that is not a DeSO, RegSO or kommun code.
    """
    codes = sorted({str(c) for c in codes})
    for c in codes:
        if not (DESO_RE.match(c) or REGSO_RE.match(c) or KOMMUN_RE.match(c)):
            raise InputError(
                f"cannot derive the kommun of area code {c!r}",
                field="area_code",
                expected="a DeSO, RegSO or kommun code (or pass links explicitly)",
            )
    return pd.DataFrame(
        {
            "from_code": codes,
            "from_level": None,
            "from_version": None,
            "to_code": [kommun_of(c) for c in codes],
            "to_level": "kommun",
            "to_version": None,
            "weight": 1.0,
            "method": "code_rule",
        },
        columns=list(LINK_COLUMNS),
    )


def country_links(codes: Iterable[str]) -> pd.DataFrame:
    """Links from every area code to the country (:data:`COUNTRY_CODE`)."""
    codes = sorted({str(c) for c in codes})
    return pd.DataFrame(
        {
            "from_code": codes,
            "from_level": None,
            "from_version": None,
            "to_code": COUNTRY_CODE,
            "to_level": "country",
            "to_version": None,
            "weight": 1.0,
            "method": "all_areas",
        },
        columns=list(LINK_COLUMNS),
    )


# --------------------------------------------------------------------------------------
# step 3: values, intervals, flags
# --------------------------------------------------------------------------------------


def finalize_indicators(
    counts: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    smooth: bool = False,
) -> pd.DataFrame:
    r"""Values, confidence intervals and reliability flags from indicator counts.

    Parameters
    ----------
    counts
        :data:`COUNT_COLUMNS`.
    catalogue
        The catalogue the counts were computed with.
    confidence
        Two-sided confidence level of the intervals.
    smooth
        Add empirical-Bayes smoothed values (``value_smoothed``) for proportions and rates,
        estimated per indicator, period and level over all areas in ``counts``.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`.

    Notes
    -----
    With numerator :math:`y`, denominator :math:`n` and multiplier :math:`k`, the value is
    :math:`k\, y / n`. Intervals: Wilson score for ``proportion`` (:math:`k` times the
    interval for :math:`y/n`), Poisson (exact Garwood below 100 events, Byar above) divided by
    :math:`n` for ``rate``; none for ``median`` and ``ratio``. ``reliable`` is
    :math:`n \ge` ``min_denominator`` with a non-missing numerator. ``approximate`` is set for
    medians and percentage-derived numerators above the published level, for areas built with
    link weights below 1, and for denominators taken from another period.
    """
    cat = catalogue or default_catalogue()
    if counts.empty:
        return _empty(OUTPUT_COLUMNS)
    inds = {i.id: i for i in cat.indicators}
    unknown = sorted({str(u) for u in counts["indicator"].unique()} - set(inds))
    if unknown:
        raise InputError(
            "counts refer to indicators the catalogue does not define",
            field="indicator",
            expected="one of the catalogue's ids, not " + ", ".join(unknown),
        )
    ind_col = counts["indicator"]
    codes, uniques = pd.factorize(ind_col)
    chosen = [inds[str(u)] for u in uniques]
    kind = np.array([i.kind for i in chosen], dtype=object)[codes]
    mult = np.array([i.multiplier for i in chosen], dtype=float)[codes]
    min_den = np.array([i.min_denominator for i in chosen], dtype=float)[codes]
    from_pct = np.array([i.derived_from_percentage for i in chosen], dtype=bool)[codes]
    y = counts["numerator"].to_numpy(dtype=float)
    n = counts["denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, y / n * mult, np.nan)
    is_prop = kind == "proportion"
    is_rate = kind == "rate"
    is_median = kind == "median"
    ci_low = np.full(len(counts), np.nan)
    ci_high = np.full(len(counts), np.nan)
    if is_prop.any():
        lo, hi = wilson_interval(y[is_prop], n[is_prop], confidence=confidence)
        ci_low[is_prop] = lo * mult[is_prop]
        ci_high[is_prop] = hi * mult[is_prop]
    if is_rate.any():
        lo, hi = rate_interval(y[is_rate], n[is_rate], multiplier=1.0, confidence=confidence)
        ci_low[is_rate] = lo * mult[is_rate]
        ci_high[is_rate] = hi * mult[is_rate]

    aggregated = (counts["n_parts"].to_numpy() > 1) | counts["partial"].to_numpy(dtype=bool)
    approximate = (
        counts["approximate"].to_numpy(dtype=bool)
        | counts["partial"].to_numpy(dtype=bool)
        | ((is_median | from_pct) & aggregated)
    )
    reliable = (n >= min_den) & ~np.isnan(y) & ~np.isnan(value)

    zero_note = np.full(len(counts), None, dtype=object)
    zero_note[n == 0] = "denominator is zero"
    small = (n < min_den) & (n > 0)
    small_note = np.full(len(counts), None, dtype=object)
    small_note[small] = [
        f"denominator {d:g} below {m:g}" for d, m in zip(n[small], min_den[small], strict=True)
    ]
    med_note = np.full(len(counts), None, dtype=object)
    med_note[is_median & aggregated] = "weighted mean of area medians, not a true median"

    smoothed = np.full(len(counts), np.nan)
    if smooth:
        eligible = is_prop | is_rate
        groups = counts.loc[eligible].groupby(["indicator", "period", "level"], sort=False)
        positions = np.flatnonzero(eligible)
        for _, idx in groups.indices.items():
            pos = positions[idx]
            res = eb_smooth_rates(y[pos], n[pos])
            smoothed[pos] = res.smoothed * mult[pos]

    out = pd.DataFrame(
        {
            "area_code": counts["area_code"].to_numpy(),
            "level": counts["level"].to_numpy(),
            "period": counts["period"].to_numpy(),
            "indicator": ind_col.to_numpy(),
            "numerator": np.where(is_median, np.nan, y),
            "denominator": n,
            "value": value,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "reliable": reliable,
            "approximate": approximate,
            "value_smoothed": smoothed,
            "note": _join_notes(
                counts["note"].to_numpy(dtype=object), zero_note, small_note, med_note
            ),
        }
    )
    return out[list(OUTPUT_COLUMNS)]


# --------------------------------------------------------------------------------------
# public entry points
# --------------------------------------------------------------------------------------


def compute_indicators(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    links: pd.DataFrame | None = None,
    level: str = "deso",
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    smooth: bool = False,
    confidence: float = DEFAULT_CONFIDENCE,
    strict: bool = False,
) -> pd.DataFrame:
    """Indicators per area and period, at the observations' level or aggregated.

    Parameters
    ----------
    observations
        Long observations (:data:`~omradesbild.sources.base.OBS_COLUMNS`; at least
        ``area_code``, ``variable``, ``period``, ``value``).
    catalogue
        Indicator catalogue; the shipped one by default.
    links
        Crosswalk from the observations' areas to ``level``
        (:data:`~omradesbild.sources.base.LINK_COLUMNS`). When ``None``: no aggregation,
        except for ``level="kommun"`` (code rule on DeSO/RegSO codes) and
        ``level="country"`` (all areas, code :data:`COUNTRY_CODE`).
    level
        Output level label (and link target level).
    indicators
        Indicator ids (all computable ones by default).
    periods
        Periods to compute (all by default).
    smooth
        Add empirical-Bayes smoothed values in ``value_smoothed``.
    confidence
        Confidence level of ``ci_low``/``ci_high``.
    strict
        Raise if an explicitly requested indicator cannot be computed.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`, one row per area, period and indicator.

    Notes
    -----
    Counts are computed at the observations' level (:func:`indicator_counts`), summed over
    links (:func:`aggregate_counts`) and only then divided (:func:`finalize_indicators`):
    a higher-level value is :math:`k \\sum_i w_i y_i / \\sum_i w_i n_i`, never an average of
    area values.
    """
    base_level = level if links is None and level not in ("kommun", "country") else "base"
    counts = indicator_counts(
        observations,
        catalogue=catalogue,
        indicators=indicators,
        periods=periods,
        level=base_level,
        strict=strict,
    )
    if links is None and level == "kommun":
        links = kommun_links(counts["area_code"].unique())
    elif links is None and level == "country":
        links = country_links(counts["area_code"].unique())
    if links is not None:
        counts = aggregate_counts(counts, links, level=level, require_complete=level != "country")
    return finalize_indicators(counts, catalogue=catalogue, confidence=confidence, smooth=smooth)


def reference_values(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    kommun_links_frame: pd.DataFrame | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Kommun and country values for comparison, from the same base observations.

    Parameters
    ----------
    observations
        Base-level observations (DeSO or RegSO codes unless ``kommun_links_frame`` is given).
    kommun_links_frame
        Links from the observations' areas to kommuner; by default the code rule.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS` with ``level`` ``"kommun"`` and ``"country"`` (code
        :data:`COUNTRY_CODE`: the sum over *all areas in the observations* — the whole
        country only if the observations cover it).
    """
    counts = indicator_counts(
        observations, catalogue=catalogue, indicators=indicators, periods=periods, level="base"
    )
    if counts.empty:
        return _empty(OUTPUT_COLUMNS)
    codes = counts["area_code"].unique()
    klinks = kommun_links_frame if kommun_links_frame is not None else kommun_links(codes)
    kom = aggregate_counts(counts, klinks, level="kommun")
    nat = aggregate_counts(counts, country_links(codes), level="country", require_complete=False)
    return finalize_indicators(
        pd.concat([kom, nat], ignore_index=True), catalogue=catalogue, confidence=confidence
    )


def add_reference_levels(
    result: pd.DataFrame,
    references: pd.DataFrame,
    *,
    area_kommun: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Add ``kommun_code``, ``kommun_value`` and ``country_value`` columns for comparison.

    Parameters
    ----------
    result
        Output of :func:`compute_indicators`.
    references
        Output of :func:`reference_values`.
    area_kommun
        Kommun code per area code for areas whose code does not start with one (city
        districts, custom areas); DeSO, RegSO and kommun codes use the code rule.

    Returns
    -------
    DataFrame
        A copy of ``result`` with the three added columns (``NaN`` where unknown).
    """
    out = result.copy()
    mapping = dict(area_kommun or {})

    def _kommun(code: str) -> str | None:
        if code in mapping:
            return mapping[code]
        if DESO_RE.match(code) or REGSO_RE.match(code) or KOMMUN_RE.match(code):
            return kommun_of(code)
        return None

    out["kommun_code"] = [_kommun(str(c)) for c in out["area_code"]]
    kom = references.loc[
        references["level"] == "kommun", ["area_code", "period", "indicator", "value"]
    ]
    kom = kom.rename(columns={"area_code": "kommun_code", "value": "kommun_value"})
    nat = references.loc[references["level"] == "country", ["period", "indicator", "value"]]
    nat = nat.rename(columns={"value": "country_value"})
    out = out.merge(kom, on=["kommun_code", "period", "indicator"], how="left")
    out = out.merge(nat, on=["period", "indicator"], how="left")
    return out


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
