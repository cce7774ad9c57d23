"""Small helpers shared by the follow-up modules (not public API)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from omradesbild.errors import InputError

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
            f"cannot read the period {period!r} as a year",
            field=field,
            expected="a year such as 2022, or 2022-06 / 2022-Q2",
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
        raise InputError(
            f"{what} lacks column(s) {', '.join(missing)}; columns present: "
            f"{', '.join(map(str, frame.columns))}",
            field=missing[0],
            expected="columns " + ", ".join(columns),
        )


def check_unique(frame: pd.DataFrame, keys: Sequence[str], *, what: str) -> None:
    """Raise :class:`InputError` for the first duplicated key (row number as in a CSV)."""
    dup = frame.duplicated(list(keys), keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        row = frame.iloc[pos]
        key = ", ".join(f"{k}={row[k]!r}" for k in keys)
        raise InputError(
            f"{what} has more than one row for {key}",
            row=pos + 2,
            field=keys[-1],
            expected="one row per " + ", ".join(keys),
        )


def as_text(values: Iterable[object]) -> pd.Series:
    """A text column with ``None`` for missing, as plain object dtype."""
    return pd.Series([None if v is None or v is pd.NA else v for v in values], dtype=object)


def sort_periods(periods: Iterable[object]) -> list[str]:
    """Distinct period labels as text, in time order."""
    uniq = {str(p) for p in periods}
    return sorted(uniq, key=lambda p: (period_to_year(p), p))
