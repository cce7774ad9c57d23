"""The index's input table: long ↔ wide, column resolution and the numeric matrix.

Used by :func:`omradesbild.index.engine.compute_index`, which re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from omradesbild.errors import InputError
from omradesbild.index.method import IndexMethod

FloatArray = NDArray[np.float64]


# -- input helpers -----------------------------------------------------------------------------
def pivot_long(
    long: pd.DataFrame,
    *,
    id_column: str = "area_code",
    period_column: str | None = "period",
    indicator_column: str = "indicator",
    value_column: str = "value",
) -> pd.DataFrame:
    """Pivot a long tidy table (id, period, indicator, value) to the wide form the engine takes.

    Parameters
    ----------
    long
        One row per area, period and indicator (e.g. the store's observations, with
        ``indicator_column="variable"``).
    id_column, period_column, indicator_column, value_column
        Column names; ``period_column=None`` when the table has no period.

    Returns
    -------
    pandas.DataFrame
        One row per (id[, period]), one float column per indicator (sorted by name); an
        indicator missing for an area is NaN.

    Raises
    ------
    InputError
        When a column is missing or an (id, period, indicator) occurs twice.
    """
    keys = [id_column] + ([period_column] if period_column else [])
    needed = [*keys, indicator_column, value_column]
    for col in needed:
        if col not in long.columns:
            raise InputError(
                f"column {col!r} is missing; available columns: {list(map(str, long.columns))}",
                field=col,
                expected=f"columns {needed}",
            )
    dup = long.duplicated([*keys, indicator_column], keep=False)
    if dup.any():
        first = long.loc[dup].iloc[0]
        raise InputError(
            "the same area, period and indicator occurs more than once: "
            + ", ".join(f"{c}={first[c]!r}" for c in [*keys, indicator_column]),
            row=int(np.flatnonzero(dup.to_numpy())[0]) + 2,
            field=indicator_column,
            expected="one value per area, period and indicator",
        )
    values = pd.to_numeric(long[value_column], errors="coerce")
    frame = long[[*keys, indicator_column]].assign(**{value_column: values})
    wide = frame.pivot(index=keys, columns=indicator_column, values=value_column)
    wide = wide.reindex(sorted(wide.columns, key=str), axis=1)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def to_long(
    result: pd.DataFrame,
    *,
    id_column: str = "area_code",
    period_column: str | None = None,
    variable_column: str = "variable",
) -> pd.DataFrame:
    """Melt an index result to long form: id[, period], variable, value (numeric columns)."""
    keys = [id_column] + ([period_column] if period_column else [])
    numeric = [
        c for c in result.columns if c not in keys and pd.api.types.is_numeric_dtype(result[c])
    ]
    long = result[keys + numeric].melt(id_vars=keys, var_name=variable_column, value_name="value")
    long["value"] = long["value"].astype("float64")
    return long


@dataclass(frozen=True)
class ResolvedColumns:
    """Which table column feeds each indicator, and the fallbacks that were used."""

    columns: dict[str, str]
    fallbacks_used: dict[str, str] = field(default_factory=dict)

    def note(self) -> str | None:
        """``"indicator -> column; …"`` for the fallbacks used, or None."""
        if not self.fallbacks_used:
            return None
        return "; ".join(f"{k} -> {v}" for k, v in self.fallbacks_used.items())


def resolve_columns(
    method: IndexMethod, columns: list[str], *, what: str = "table"
) -> ResolvedColumns:
    """Map each indicator to a column of the table, using the method's fallbacks if needed.

    Raises
    ------
    InputError
        Naming the missing column and the columns available.
    """
    available = [str(c) for c in columns]
    resolved: dict[str, str] = {}
    used: dict[str, str] = {}
    for ind in method.indicators:
        col = ind.source_column
        if col in available:
            resolved[ind.id] = col
            continue
        alts = [fb.column for fb in method.fallbacks if fb.indicator == ind.id]
        alt = next((a for a in alts if a in available), None)
        if alt is None:
            extra = f" (or fallback {alts})" if alts else ""
            raise InputError(
                f"the {what} has no column {col!r}{extra} for indicator {ind.id!r} of method "
                f"{method.id!r}; available columns: {available}",
                field=col,
                expected=f"a numeric column {col!r}",
            )
        resolved[ind.id] = alt
        used[ind.id] = alt
    return ResolvedColumns(resolved, used)


def _numeric_matrix(
    frame: pd.DataFrame, columns: list[str], missing_values: list[float], what: str
) -> FloatArray:
    out = np.empty((len(frame), len(columns)), dtype=np.float64)
    for j, col in enumerate(columns):
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw) or not pd.api.types.is_numeric_dtype(raw):
            coerced = pd.to_numeric(raw, errors="coerce")
            text = raw.astype("string").str.strip()
            bad = coerced.isna() & raw.notna() & (text != "")
            if pd.api.types.is_bool_dtype(raw) or bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
                raise InputError(
                    f"{what}: non-numeric value {raw.iloc[pos]!r} in indicator column",
                    row=pos + 2,
                    field=col,
                    expected="a number (or empty / NaN when missing)",
                )
            raw = coerced
        vals = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        if missing_values:
            vals = np.where(np.isin(vals, missing_values), np.nan, vals)
        vals = np.where(np.isfinite(vals), vals, np.nan)
        out[:, j] = vals
    return out


def _no_column(frame: pd.DataFrame, col: str, what: str, of: str, expected: str) -> InputError:
    """The error for a column ``col`` (``of`` says whose) missing from ``frame``."""
    return InputError(
        f"the {what} has no column {col!r}{of}; available columns: {list(map(str, frame.columns))}",
        field=col,
        expected=expected,
    )


def prepare_table(
    frame: pd.DataFrame,
    *,
    method: IndexMethod,
    id_column: str,
    period_column: str | None,
    what: str,
    columns: ResolvedColumns | None = None,
) -> tuple[pd.DataFrame, FloatArray, ResolvedColumns]:
    for col in [id_column] + ([period_column] if period_column else []):
        if col not in frame.columns:
            raise _no_column(
                frame, col, what, "", "the id/period column named by id_column/period_column"
            )
    if frame[id_column].isna().any():
        pos = int(np.flatnonzero(frame[id_column].isna().to_numpy())[0])
        raise InputError(f"{what}: empty area id", row=pos + 2, field=id_column, expected="an id")
    resolved = columns or resolve_columns(method, list(frame.columns), what=what)
    if columns is not None:
        for ind_id, col in columns.columns.items():
            if col not in frame.columns:
                expected = "the same indicator columns as the table"
                raise _no_column(frame, col, what, f" for indicator {ind_id!r}", expected)
    keys = [id_column] + ([period_column] if period_column else [])
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(
            f"{what}: area {frame[id_column].iloc[pos]!r} occurs more than once"
            + (f" in period {frame[period_column].iloc[pos]!r}" if period_column else ""),
            row=pos + 2,
            field=id_column,
            expected="one row per area" + (" and period" if period_column else ""),
        )
    cols = [resolved.columns[i.id] for i in method.indicators]
    # (period, id) is unique, so this order is total: input row order cannot matter.
    ordered = frame.sort_values(keys[1:] + keys[:1], kind="mergesort").reset_index(drop=True)
    values = _numeric_matrix(ordered, cols, method.missing_values, what)
    return ordered[keys], values, resolved
