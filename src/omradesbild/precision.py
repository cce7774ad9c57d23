"""The precision of every published figure, in one place: pages show it, downloads round to it.

A figure is published with a fixed number of decimals, rounded half away from zero
(:func:`~omradesbild.rounding.round_half_away`, as Excel and SAS round):

- an indicator's value, its interval (``ci_low``, ``ci_high``), its smoothed value and
  standard error (``se``): the indicator's :attr:`~omradesbild.indicators.catalogue.
  Indicator.precision` (its catalogue ``decimals``, else by its unit:
  :data:`~omradesbild.config.UNIT_DECIMALS` — per cent, rates per 1 000 and tkr one
  decimal, kronor and counts none);
- counts (``numerator``, ``denominator``): whole numbers, :data:`~omradesbild.config.
  COUNT_DECIMALS` (the numerator of a median indicator is the median itself and has the
  indicator's precision);
- an index score and theme scores: :func:`score_decimals` (the method's ``sum_digits``,
  else the digits its percentile ranks keep, else :data:`~omradesbild.config.SCORE_DECIMALS`);
- ranks and classes: whole numbers; probabilities: :data:`~omradesbild.config.
  PROBABILITY_DECIMALS`;
- a goal's values: :func:`goal_decimals` (its indicator's precision; a count of areas
  whole, its projection :data:`~omradesbild.config.GOAL_COUNT_DECIMALS`).

Rounding never turns a missing value into a number: NaN stays NaN (an empty cell).
:data:`PRECISIONS` names the two ways a download can be written: ``rounded`` (the default)
and ``full`` (every stored digit, as the JSON API gives them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import pandas as pd

from omradesbild.config import (
    CONTRIBUTION_DECIMALS,
    COUNT_DECIMALS,
    DEFAULT_DECIMALS,
    GOAL_COUNT_DECIMALS,
    P_VALUE_DECIMALS,
    PROBABILITY_DECIMALS,
    SCORE_DECIMALS,
    UNIT_DECIMALS,
)
from omradesbild.rounding import round_half_away

if TYPE_CHECKING:
    from omradesbild.index.method import IndexMethod
    from omradesbild.indicators import Catalogue

#: How a download is written: ``rounded`` to the published precision, or ``full``.
Precision = Literal["rounded", "full"]
#: The allowed values of :data:`Precision`, the default first.
PRECISIONS: tuple[Precision, ...] = ("rounded", "full")

#: Columns of the long indicator table rounded to the indicator's precision.
VALUE_COLUMNS: tuple[str, ...] = ("value", "ci_low", "ci_high", "value_smoothed", "se")
#: Columns of counts (whole numbers).
COUNT_COLUMNS: tuple[str, ...] = ("numerator", "denominator")
#: Columns of a change table in the unit of the row's indicator (:func:`round_display`).
CHANGE_COLUMNS: tuple[str, ...] = (
    "value_from", "value_to", "diff", "diff_ci_low", "diff_ci_high", "kommun_from",
    "kommun_to", "kommun_diff", "country_from", "country_to", "country_diff",
)  # fmt: skip
#: Columns of whole numbers in the tables of :func:`round_display` (counts of offences,
#: reports, areas and residents).
WHOLE_COLUMNS: tuple[str, ...] = ("count", "population", "not_geocoded", "reports", "areas")
#: Columns of rates per 1 000 residents and of percentages in :func:`round_display`.
RATE_COLUMNS: tuple[str, ...] = ("rate_per_1000", "reported_per_1000")
PERCENT_COLUMNS: tuple[str, ...] = ("victimised_pct",)
#: Percentile ranks in :func:`score_decimals`: the normalisations that keep fixed digits.
_RANK_NORMALISATIONS = ("percentrank_inc", "percent_rank")

__all__ = [
    "CONTRIBUTION_DECIMALS",
    "COUNT_DECIMALS",
    "PRECISIONS",
    "PROBABILITY_DECIMALS",
    "GoalDecimals",
    "Precision",
    "check_precision",
    "decimals_format",
    "goal_decimals",
    "indicator_decimals",
    "round_display",
    "round_index_table",
    "round_indicator_rows",
    "round_values",
    "score_decimals",
]


def _catalogue(catalogue: Catalogue | None) -> Catalogue:
    from omradesbild.indicators import default_catalogue

    return catalogue if catalogue is not None else default_catalogue()


def check_precision(precision: str) -> Precision:
    """``precision`` if it is one of :data:`PRECISIONS`; otherwise an :class:`InputError`
    naming them."""
    from omradesbild.errors import InputError

    for p in PRECISIONS:
        if precision == p:
            return p
    from omradesbild.wording import Message

    raise InputError(
        Message("err_svc_unknown_precision", value=repr(precision)),
        field="precision",
        expected=", ".join(PRECISIONS),
    )


def indicator_decimals(indicator: str, catalogue: Catalogue | None = None) -> int:
    """Decimals of the value and interval of ``indicator`` (an id of the catalogue);
    :data:`~omradesbild.config.DEFAULT_DECIMALS` for an id the catalogue does not have."""
    cat = _catalogue(catalogue)
    return cat.get(indicator).precision if indicator in cat.ids else DEFAULT_DECIMALS


class GoalDecimals(NamedTuple):
    """Decimals of a goal's figures: :func:`goal_decimals`."""

    observed: int  #: the base and current values
    target: int  #: the target
    projection: int  #: the projection and its interval


def goal_decimals(goal: Any, catalogue: Catalogue | None = None) -> GoalDecimals:
    """Decimals of a goal's observed values (base, current), its target and its projection
    (with the interval).

    A goal on an indicator (``indicator``, ``gap``) has the indicator's precision for all
    three. A count of areas (``count_of_areas``, or any goal without an indicator) is a
    whole number, and so is a whole ``target_value``; a target from a relative change (half
    of 3 areas) and the projection have :data:`~omradesbild.config.GOAL_COUNT_DECIMALS`.
    """
    indicator = getattr(goal, "indicator", None)
    if indicator:
        d = indicator_decimals(str(indicator), catalogue)
        return GoalDecimals(d, d, d)
    value = getattr(goal, "target_value", None)
    whole = value is not None and float(value).is_integer()
    target = COUNT_DECIMALS if whole else GOAL_COUNT_DECIMALS
    return GoalDecimals(COUNT_DECIMALS, target, GOAL_COUNT_DECIMALS)


def score_decimals(method: IndexMethod | str | None = None) -> int:
    """Decimals of an index score (and of its theme scores) under ``method`` (a method, or
    the id of a shipped one).

    The method's own rounding of the score (``sum_digits`` of the overall step) when it
    has one, else the digits its percentile ranks keep (``percentrank_inc``,
    ``percent_rank`` with a ``significance``), else :data:`~omradesbild.config.
    SCORE_DECIMALS` (also for no method or an id that is not shipped).
    """
    if isinstance(method, str):
        return _shipped_score_decimals(method)
    if method is None:
        return SCORE_DECIMALS
    if method.overall.sum_digits is not None:
        return method.overall.sum_digits
    norm = method.normalisation
    if norm.method == "percentrank_inc":
        return norm.digits
    if norm.method in _RANK_NORMALISATIONS and norm.significance is not None:
        return norm.significance
    return SCORE_DECIMALS


@cache
def _shipped_score_decimals(method_id: str) -> int:
    from omradesbild.index import load_method, shipped_methods

    if method_id not in shipped_methods():
        return SCORE_DECIMALS
    return score_decimals(load_method(method_id))


def round_values(values: Any, decimals: int) -> pd.Series:
    """``values`` rounded half away from zero to ``decimals`` (a float Series; NaN stays
    NaN, text that is not a number becomes NaN)."""
    num = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    return pd.Series(round_half_away(num.to_numpy(), decimals), index=num.index)


def _whole(values: pd.Series) -> pd.Series:
    """Whole numbers as a nullable integer column (missing stays missing)."""
    return round_values(values, 0).astype("Int64")


def round_indicator_rows(df: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """A copy of a long indicator table (``indicator``, ``value``, …) rounded to the
    published precision: :data:`VALUE_COLUMNS` to each row's indicator's decimals,
    :data:`COUNT_COLUMNS` to whole numbers (a median's numerator to its indicator's
    decimals). Other columns are unchanged."""
    out = df.copy()
    if out.empty or "indicator" not in out.columns:
        return out
    cat = _catalogue(catalogue)
    ids = out["indicator"].astype(str)
    decimals = ids.map({i: indicator_decimals(i, cat) for i in ids.unique()})
    medians = ids.isin([i.id for i in cat.indicators if i.kind == "median"])
    for col in (c for c in VALUE_COLUMNS if c in out.columns):
        out[col] = _by_decimals(out[col], decimals)
    if "denominator" in out.columns:
        out["denominator"] = _whole(out["denominator"])
    if "numerator" in out.columns:
        whole = _whole(out["numerator"])
        if medians.any():  # counts as whole numbers beside the medians' values
            median = _by_decimals(out["numerator"], decimals)
            cells = [
                None if pd.isna(w) and pd.isna(m) else (float(m) if is_median else int(w))
                for w, m, is_median in zip(whole, median, medians, strict=True)
            ]
            out["numerator"] = pd.Series(cells, index=out.index, dtype="object")
        else:
            out["numerator"] = whole
    return out


def _by_decimals(values: pd.Series, decimals: pd.Series) -> pd.Series:
    """``values`` rounded row by row to ``decimals`` (both on the same index)."""
    out = pd.to_numeric(values, errors="coerce").astype("float64").copy()
    for d in sorted(set(int(x) for x in decimals.unique())):
        rows = decimals == d
        out.loc[rows] = round_values(out.loc[rows], d)
    return out


def round_index_table(
    df: pd.DataFrame,
    *,
    method: IndexMethod | None = None,
    catalogue: Catalogue | None = None,
    components: Iterable[str] | None = None,
) -> pd.DataFrame:
    """A copy of an index table (one row per area) rounded to the published precision.

    Component columns (catalogue ids, or ``components``) take their indicator's decimals;
    ``rank*`` and ``class`` columns whole numbers; ``prob*`` columns
    :data:`~omradesbild.config.PROBABILITY_DECIMALS`; ``contribution*`` columns
    :data:`~omradesbild.config.CONTRIBUTION_DECIMALS`; every other number (the score, the
    theme scores) :func:`score_decimals` of ``method`` (default: the shipped method named
    by the table's ``attrs["method_id"]``). Text and flags are unchanged.
    """
    out = df.copy()
    cat = _catalogue(catalogue)
    comps = set(components) if components is not None else set(cat.ids)
    score = score_decimals(method if method is not None else str(df.attrs.get("method_id", "")))
    for col in out.columns:
        name = str(col)
        s = out[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            continue
        if name in comps:
            out[col] = round_values(s, indicator_decimals(name, cat))
        elif name.startswith("rank") or name == "class":
            out[col] = s if pd.api.types.is_integer_dtype(s) else _whole(s)
        elif name.startswith("prob"):
            out[col] = round_values(s, PROBABILITY_DECIMALS)
        elif name.startswith("contribution"):
            out[col] = round_values(s, CONTRIBUTION_DECIMALS)
        elif pd.api.types.is_float_dtype(s):
            out[col] = round_values(s, score)
    return out


def round_display(
    df: pd.DataFrame,
    digits: int = DEFAULT_DECIMALS,
    *,
    decimals: Mapping[str, int | pd.Series] | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """A copy of a table rounded as the pages show its figures (the command line's tables),
    halves away from zero.

    With an ``indicator`` column, :data:`VALUE_COLUMNS` and :data:`CHANGE_COLUMNS` take
    each row's indicator's decimals; :data:`COUNT_COLUMNS` and :data:`WHOLE_COLUMNS` are
    whole numbers; rates per 1 000 (:data:`RATE_COLUMNS`, and ``ci_low``/``ci_high``
    beside a rate) and percentages (:data:`PERCENT_COLUMNS`) the decimals of their unit
    (:data:`~omradesbild.config.UNIT_DECIMALS`); ``p_value``
    :data:`~omradesbild.config.P_VALUE_DECIMALS`; a column named in ``decimals`` those
    decimals; every other number ``digits``. Text, flags and integers are unchanged.
    """
    out = df.copy()
    if out.empty:
        return out
    fixed = dict(decimals or {})
    if "indicator" in out.columns:
        cat = _catalogue(catalogue)
        ids = out["indicator"].astype(str)
        per_row = ids.map({i: indicator_decimals(i, cat) for i in ids.unique()})
    rate = "rate_per_1000" in out.columns
    for col in out.columns:
        name, s = str(col), out[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        if name in fixed:
            d = fixed[name]
            out[col] = _by_decimals(s, d) if isinstance(d, pd.Series) else round_values(s, d)
        elif "indicator" in out.columns and name in (*VALUE_COLUMNS, *CHANGE_COLUMNS):
            out[col] = _by_decimals(s, per_row)
        elif name in (*COUNT_COLUMNS, *WHOLE_COLUMNS):
            out[col] = _whole(s)
        elif name in RATE_COLUMNS or (rate and name in ("ci_low", "ci_high")):
            out[col] = round_values(s, UNIT_DECIMALS["per 1 000 invånare"])
        elif name in PERCENT_COLUMNS:
            out[col] = round_values(s, UNIT_DECIMALS["procent"])
        elif name == "p_value":
            out[col] = round_values(s, P_VALUE_DECIMALS)
        else:
            out[col] = round_values(s, digits)
    return out


def decimals_format(decimals: int) -> str:
    """The Excel number format of a figure with ``decimals`` (``#,##0.0`` for one)."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
