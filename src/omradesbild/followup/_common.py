"""Small helpers shared by the follow-up modules (not public API)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.validation import what as _what
from omradesbild.wording import Message

if TYPE_CHECKING:
    from pandas.core.groupby import DataFrameGroupBy, SeriesGroupBy

_PERIOD_RE = re.compile(r"^(\d{4})(?:-(?:(\d{2})|[QqKk]([1-4])))?$")


def period_to_year(period: object, *, field: str = "period") -> float:
    """Decimal year of a period label: ``"2022"`` -> 2022.0, ``"2022-07"`` -> 2022.5,
    ``"2022-Q3"`` -> 2022.5 (the start of the month or quarter).

    Raises
    ------
    InputError
        If the label is not a year, ``YYYY-MM`` or ``YYYY-Qn``.
    """
    text = str(period).strip()
    m = _PERIOD_RE.match(text)
    if m is None:
        raise InputError(
            Message("err_ana_period_not_year", period=repr(period)),
            field=field,
            expected=Message("exp_ana_year"),
        )
    year = float(m.group(1))
    if m.group(2) is not None:
        return year + (int(m.group(2)) - 1) / 12.0
    if m.group(3) is not None:
        return year + (int(m.group(3)) - 1) / 4.0
    return year


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, what: str) -> None:
    """Raise :class:`InputError` naming the missing columns of ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        message = Message(
            "err_ana_lacks_columns_present",
            what=_what(what),
            missing=", ".join(missing),
            present=", ".join(map(str, frame.columns)),
        )
        raise InputError(
            message,
            field=missing[0],
            expected=Message("exp_src_columns", columns=", ".join(columns)),
        )


def period_absent(
    name: Message | str, period: object, table: str, present: Iterable[str], field: str
) -> InputError:
    """The error for a ``period`` (``name``: which one) that ``table`` does not hold.

    Parameters
    ----------
    name
        What the period is ("period", "base period", a parameter's name).
    period
        The period asked for.
    table
        The table's name (worded by :func:`omradesbild.validation.what`).
    present
        The periods the table holds.
    field
        The table's period column.

    Returns
    -------
    InputError
        Naming the periods present and the period column.
    """
    message = Message(
        "err_ana_period_absent",
        name=name,
        period=repr(period),
        table=_what(table),
        periods=", ".join(sorted(present)),
    )
    expected = Message("exp_svc_rows_for_period", period=repr(period))
    return InputError(message, field=field, expected=expected)


def check_unique(frame: pd.DataFrame, keys: Sequence[str], *, what: str) -> None:
    """Raise :class:`InputError` for the first duplicated key (row number as in a CSV)."""
    dup = frame.duplicated(list(keys), keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        row = frame.iloc[pos]
        key = ", ".join(f"{k}={row[k]!r}" for k in keys)
        raise InputError(
            Message("err_ana_rows_twice", what=_what(what), row=key),
            row=pos + 2,
            field=keys[-1],
            expected=Message("exp_ana_one_row_per", keys=", ".join(keys)),
        )


def as_text(values: Iterable[object]) -> pd.Series:
    """A text column with ``None`` for missing, as plain object dtype."""
    return pd.Series([None if v is None or v is pd.NA else v for v in values], dtype=object)


def among(
    column: pd.Series | pd.Index | npt.NDArray[Any], values: Iterable[object]
) -> npt.NDArray[np.bool_]:
    """Whether each value of ``column`` is one of ``values``: ``column.isin(values)`` as an
    array, with one set look-up a row.

    pandas' text columns turn each of ``values`` into an Arrow scalar one by one before
    comparing, which costs more than the comparison when ``values`` are thousands of codes.
    """
    wanted = values if isinstance(values, set | frozenset) else set(values)
    rows = np.asarray(column)
    return np.fromiter((v in wanted for v in rows), dtype=bool, count=len(rows))


def group_sums(
    grouped: DataFrameGroupBy | SeriesGroupBy, values: pd.Series | npt.NDArray[Any]
) -> npt.NDArray[np.float64]:
    """The sum of each group's ``values`` (one per row of the grouped frame), missing values
    left out and NaN for a group without any, in the order of the groups: what
    ``grouped.agg(lambda s: s.sum(min_count=1))`` gives, to the last bit.

    Each group's values are summed by numpy in the order of their rows, as
    :meth:`pandas.Series.sum` sums them (the groupby's own ``sum`` compensates its rounding
    and can differ in the last bit), without calling through pandas once per group.
    """
    ids = grouped.ngroup().to_numpy()
    order = np.argsort(ids, kind="stable")
    ids = ids[order]
    v = np.asarray(values, dtype=float)[order]
    known = ~np.isnan(v)
    filled = np.where(known, v, 0.0)
    bounds = np.searchsorted(ids, np.arange(grouped.ngroups + 1))
    sums = np.array([filled[a:b].sum() for a, b in itertools.pairwise(bounds)], dtype=float)
    return np.where(np.bincount(ids[known], minlength=grouped.ngroups) > 0, sums, np.nan)


def sort_periods(periods: Iterable[object]) -> list[str]:
    """Distinct period labels as text, in time order."""
    uniq = {str(p) for p in periods}
    return sorted(uniq, key=lambda p: (period_to_year(p), p))
