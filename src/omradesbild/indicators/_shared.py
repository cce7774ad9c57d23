"""Shared parts of the indicator computation: the frames' columns, observations as a dense
matrix, catalogue terms and expressions evaluated on it, and note handling."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.indicators.catalogue import AgeBands, Term, parse_expression
from omradesbild.wording import Message

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

_REQUIRED_OBS = ("area_code", "variable", "period", "value")

FloatArray = npt.NDArray[np.float64]


class WideObservations:
    """Observations as a dense matrix: one row per (area_code, area_version, period).

    Duplicate observations of the same cell keep the first non-missing value.
    """

    def __init__(self, observations: pd.DataFrame, variables: set[str]) -> None:
        obs = observations
        wanted = obs["variable"].isin(variables).to_numpy(dtype=bool)
        # the rows of other variables are left out by position (not by copying the frame)
        rows_kept = None if wanted.all() else np.flatnonzero(wanted)
        # Text columns are factorised as they are (codes in order of first appearance among
        # the rows kept) and only their distinct values turned into Python strings.
        if "area_version" in obs.columns:
            version = obs["area_version"].fillna("").astype(str)
        else:
            version = pd.Series("", index=obs.index, dtype=object)
        value = pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float)
        if rows_kept is not None:
            value = value[rows_kept]
        c_i, c_u = _factorize_kept(obs["area_code"].astype(str), rows_kept)
        v_i, v_u = _factorize_kept(version, rows_kept)
        p_i, p_u = _factorize_kept(obs["period"].astype(str), rows_kept)
        var_i, var_u = _factorize_kept(obs["variable"].astype(str), rows_kept)
        raw_row = (c_i.astype(np.int64) * len(v_u) + v_i) * len(p_u) + p_i
        row_i, row_u = pd.factorize(raw_row)
        n_rows, n_vars = len(row_u), len(var_u)
        cell = row_i.astype(np.int64) * n_vars + var_i

        self.values = np.full((n_rows, n_vars), np.nan)
        ok = ~np.isnan(value)
        if np.bincount(cell, minlength=n_rows * n_vars).max(initial=0) <= 1:
            # every cell observed once (the usual case): no first value to pick
            self.values.flat[cell[ok]] = value[ok]
        else:
            uniq, first = np.unique(cell[ok], return_index=True)
            self.values.flat[uniq] = value[ok][first]
        self.has = np.zeros((n_rows, n_vars), dtype=bool)
        self.has.flat[cell] = True
        self.reasons: npt.NDArray[np.object_] | None = None
        nan_rows = ~ok
        if nan_rows.any():
            if "missing_reason" in obs.columns:
                at = np.flatnonzero(nan_rows) if rows_kept is None else rows_kept[nan_rows]
                reason = obs["missing_reason"].array[at].to_numpy(dtype=object)
            else:
                reason = np.full(int(nan_rows.sum()), None, dtype=object)
            reason = _reason_texts(reason)
            self.reasons = np.full((n_rows, n_vars), None, dtype=object)
            uniq, first = np.unique(cell[nan_rows], return_index=True)
            self.reasons.flat[uniq] = reason[first]
            # a reason only where no value was found either (the cells have rows)
            kept = np.isnan(self.values.flat[uniq])
            self.reasons.flat[uniq[~kept]] = None
            self.has_reason = np.zeros((n_rows, n_vars), dtype=bool)
            self.has_reason.flat[uniq[kept]] = True

        # decode the row keys
        raw = np.asarray(row_u, dtype=np.int64)
        pp = raw % len(p_u)
        vv = (raw // len(p_u)) % len(v_u)
        cc = raw // (len(p_u) * len(v_u))
        self.code = np.asarray(c_u, dtype=object)[cc]
        self.version = np.asarray(v_u, dtype=object)[vv]
        self.period = np.asarray(p_u, dtype=object)[pp]
        self._area = (cc, vv, np.asarray(c_u, dtype=object), np.asarray(v_u, dtype=object))
        self.period_code = pp
        self.period_names = [str(p) for p in p_u]
        self._texts: dict[str, pd.api.extensions.ExtensionArray] = {}
        self.var_pos = {str(v): i for i, v in enumerate(var_u)}
        self.periods_of: dict[str, set[str]] = {}
        for v, j in self.var_pos.items():
            held = np.unique(pp[self.has[:, j]])
            self.periods_of[v] = {self.period_names[k] for k in held}
        self.n = n_rows

    def in_periods(self, periods: Iterable[str]) -> npt.NDArray[np.bool_]:
        """Whether each wide row's period is one of ``periods`` (compared as codes)."""
        wanted = {str(p) for p in periods}
        chosen = np.asarray([p in wanted for p in self.period_names], dtype=bool)
        return chosen[self.period_code]

    def area_rank(self) -> npt.NDArray[np.int64]:
        """Each row's area (code, version) as its rank in the order of the texts (code
        point order, code first): equal for equal areas, ordered as the text pairs are."""
        cc, vv, codes, versions = self._area
        return _text_ranks(codes)[cc] * max(len(versions), 1) + _text_ranks(versions)[vv]

    def period_ranks(self) -> npt.NDArray[np.int64]:
        """The rank of each of :attr:`period_names` in the order of the texts."""
        return _text_ranks(np.asarray(self.period_names, dtype=object))

    def text(self, name: str) -> pd.api.extensions.ExtensionArray:
        """The rows' ``code``, ``version`` or ``period`` as pandas' text array (the dtype a
        frame gives these texts), converted once: a frame built from rows of it takes
        them without converting each string again."""
        if name not in self._texts:
            self._texts[name] = pd.array(getattr(self, name), dtype="str")
        return self._texts[name]

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
                given = self.has_reason[:, j]
                out[given] = self.reasons[given, j]
        return out


def _factorize_kept(
    column: pd.Series, kept: npt.NDArray[np.intp] | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
    """``pd.factorize`` of the rows ``kept`` of ``column`` (all when ``None``): codes in
    order of first appearance among those rows, ``-1`` for a missing value. The column is
    factorised whole and only the codes of the rows kept numbered again: each distinct
    value by the position of its first row kept (the values without a row kept left out)."""
    codes, uniques = pd.factorize(column)
    if kept is None:
        return codes, np.asarray(uniques, dtype=object)
    codes = codes[kept]
    valid = np.flatnonzero(codes >= 0)
    first = np.full(len(uniques), len(codes), dtype=np.intp)
    np.minimum.at(first, codes[valid], valid)
    used = np.flatnonzero(first < len(codes))
    used = used[np.argsort(first[used], kind="stable")]
    renumbered = np.full(len(uniques) + 1, -1, dtype=np.intp)  # the last: a missing value
    renumbered[used] = np.arange(len(used))
    return renumbered[codes], np.asarray(uniques, dtype=object)[used]


def _text_ranks(texts: npt.NDArray[np.object_]) -> npt.NDArray[np.int64]:
    """The rank of each of the distinct ``texts`` in code point order (Python's)."""
    ranks = np.empty(len(texts), dtype=np.int64)
    ranks[np.argsort(texts, kind="stable")] = np.arange(len(texts))
    return ranks


def _reason_texts(reason: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Each missing value's reason: its text, or "value missing" when it is not a non-empty
    text. Decided once per distinct reason (a handful), not per row."""
    codes, uniques = pd.factorize(pd.Series(reason, dtype=object))
    texts = [u if isinstance(u, str) and u else "value missing" for u in uniques]
    return np.asarray([*texts, "value missing"], dtype=object)[codes]


def general_format(x: FloatArray) -> npt.NDArray[np.object_]:
    """Numbers as ``f"{v:g}"`` gives them, on a whole column.

    Whole numbers below a million (counts, the usual case) are written by NumPy; any other
    value is formatted once per distinct value.
    """
    x = np.asarray(x, dtype=float)
    out = np.empty(len(x), dtype=object)
    whole = np.isfinite(x) & (np.abs(x) < 1e6) & (x == np.round(x)) & ~np.signbit(x)
    out[whole] = x[whole].astype(np.int64).astype(str).astype(object)
    rest = ~whole
    if rest.any():
        codes, uniques = pd.factorize(x[rest], use_na_sentinel=False)
        texts = np.asarray([f"{u:g}" for u in uniques], dtype=object)
        out[rest] = texts[codes]
    return out


def eval_expression(node: ast.AST, get: Mapping[str, FloatArray] | _Getter) -> FloatArray:
    if isinstance(node, ast.Expression):
        return eval_expression(node.body, get)
    if isinstance(node, ast.Name):
        return get[node.id]
    if isinstance(node, ast.Constant):
        return np.asarray(float(node.value), dtype=float)  # type: ignore[arg-type]
    if isinstance(node, ast.UnaryOp):
        operand = eval_expression(node.operand, get)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        left = eval_expression(node.left, get)
        right = eval_expression(node.right, get)
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
    def __init__(self, wide: WideObservations, absent_zero: bool) -> None:
        self.wide = wide
        self.absent_zero = absent_zero

    def __getitem__(self, var: str) -> FloatArray:
        return self.wide.column(var, absent_zero=self.absent_zero)


def resolve_term(term: Term, available: Iterable[str]) -> list[str] | None:
    """Variables a term needs, or ``None`` when an age-band selector cannot be met."""
    if isinstance(term, AgeBands):
        return term.select(available)
    if isinstance(term, list):
        return list(dict.fromkeys(term))
    from omradesbild.indicators.catalogue import expression_variables

    return expression_variables(term)


def eval_term(
    term: Term, variables: list[str], wide: WideObservations, *, absent_zero: bool
) -> FloatArray:
    getter = _Getter(wide, absent_zero)
    if isinstance(term, str):
        return eval_expression(parse_expression(term), getter) * np.ones(wide.n)
    total = np.zeros(wide.n)
    for var in variables:
        total = total + getter[var]
    return total


def period_sort_key(period: str) -> tuple[int, str]:
    digits = period[:4]
    return (int(digits), period) if digits.isdigit() else (10**6, period)


def nearest_period(period: str, candidates: set[str]) -> str | None:
    if not candidates:
        return None
    if period in candidates:
        return period
    year = period_sort_key(period)[0]
    # the closest year; on ties the later one
    return min(
        candidates, key=lambda c: (abs(period_sort_key(c)[0] - year), -period_sort_key(c)[0])
    )


def join_notes(*parts: Sequence[object] | npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    r"""Join per-row note parts with "; ", skipping empty ones (``None`` when none).

    A text repeated in a row is kept once, where it first appears. A row whose parts are
    all missing gives ``None``; a row with an empty text but no other gives ``""``.

    Notes
    -----
    Computed on whole columns: for parts :math:`a_1, \ldots, a_k` (a handful), part
    :math:`a_j` is dropped in the rows where it is missing, empty or equal to an earlier
    kept part, and the kept parts are concatenated column by column.
    """
    arrays = [np.asarray(p, dtype=object) for p in parts]
    n = len(arrays[0]) if arrays else 0
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out
    present = [np.asarray(pd.notna(a), dtype=bool) for a in arrays]
    # texts are compared only in the rows that hold them (most parts are mostly missing)
    keep = []
    for a, m in zip(arrays, present, strict=True):
        k = m.copy()
        k[m] = a[m] != ""
        keep.append(k)
    for j in range(len(arrays)):
        for i in range(j):
            both = np.flatnonzero(keep[i] & keep[j])
            if len(both):
                keep[j][both] = arrays[i][both] != arrays[j][both]
    started = np.zeros(n, dtype=bool)
    for a, k in zip(arrays, keep, strict=True):
        more = k & started
        if more.any():
            out[more] = out[more] + "; " + a[more]
        first = k & ~started
        out[first] = a[first]
        started |= k
    empty = np.logical_or.reduce(present) & ~started
    out[empty] = ""
    return out


def text_values(col: pd.Series) -> npt.NDArray[np.object_] | pd.api.extensions.ExtensionArray:
    """A column's values for a new frame, as the frame would hold them anyway.

    A column of pandas' default text dtype gives its own array (the new frame takes it
    without converting each string); any other column its NumPy values (the new frame
    infers their dtype, as it always did).
    """
    if col.dtype == "str":
        return col.array
    return col.to_numpy()


def check_observations(observations: pd.DataFrame) -> None:
    missing = [c for c in _REQUIRED_OBS if c not in observations.columns]
    if missing:
        raise InputError(
            Message("err_ana_obs_lacks"),
            field=", ".join(missing),
            expected=Message("exp_src_columns", columns=", ".join(_REQUIRED_OBS)),
        )


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty frame with ``columns`` (object dtype)."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
