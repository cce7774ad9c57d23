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
from omradesbild.validation import what as _what
from omradesbild.wording import Message

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
            columns = str(list(map(str, long.columns)))
            raise InputError(
                Message("err_ana_column_missing", column=repr(col), columns=columns),
                field=col,
                expected=Message("exp_src_columns", columns=str(needed)),
            )
    dup = long.duplicated([*keys, indicator_column], keep=False)
    if dup.any():
        first = long.loc[dup].iloc[0]
        where = ", ".join(f"{c}={first[c]!r}" for c in [*keys, indicator_column])
        raise InputError(
            Message("err_ana_duplicate_indicator_row", where=where),
            row=int(np.flatnonzero(dup.to_numpy())[0]) + 2,
            field=indicator_column,
            expected=Message("exp_ana_one_value_per"),
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
            key = "err_ana_no_indicator_column" + ("_fallback" if alts else "")
            values = {"fallback": str(alts)} if alts else {}
            message = Message(
                key,
                what=_what(what),
                column=repr(col),
                indicator=repr(ind.id),
                method=repr(method.id),
                columns=str(available),
                **values,
            )
            raise InputError(
                message, field=col, expected=Message("exp_ana_numeric_column", column=repr(col))
            )
        resolved[ind.id] = alt
        used[ind.id] = alt
    return ResolvedColumns(resolved, used)


def _numeric_matrix(
    frame: pd.DataFrame,
    columns: list[str],
    missing_values: list[float],
    what: str,
    rows: NDArray[np.int64],
) -> FloatArray:
    """The indicator columns of ``frame`` as floats; ``rows`` gives the row of each of
    ``frame``'s rows in the input as a spreadsheet shows it (an error names it)."""
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
                    Message("err_ana_non_numeric", what=_what(what), value=repr(raw.iloc[pos])),
                    row=int(rows[pos]),
                    field=col,
                    expected=Message("exp_ana_number_or_empty"),
                )
            raw = coerced
        vals = raw.to_numpy(dtype=np.float64, na_value=np.nan)
        if missing_values:
            vals = np.where(np.isin(vals, missing_values), np.nan, vals)
        vals = np.where(np.isfinite(vals), vals, np.nan)
        out[:, j] = vals
    return out


def _no_column(
    frame: pd.DataFrame, col: str, what: str, indicator: str | None, expected: Message
) -> InputError:
    """The error for a column ``col`` (of ``indicator`` when given) missing from ``frame``."""
    columns = str(list(map(str, frame.columns)))
    values: dict[str, object] = {"what": _what(what), "column": repr(col), "columns": columns}
    if indicator is None:
        return InputError(Message("err_ana_no_column", **values), field=col, expected=expected)
    message = Message("err_ana_no_column_for", indicator=repr(indicator), **values)
    return InputError(message, field=col, expected=expected)


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
            raise _no_column(frame, col, what, None, Message("exp_ana_id_period_columns"))
    if frame[id_column].isna().any():
        pos = int(np.flatnonzero(frame[id_column].isna().to_numpy())[0])
        raise InputError(
            Message("err_ana_empty_id", what=_what(what)),
            row=pos + 2,
            field=id_column,
            expected=Message("exp_ana_an_id"),
        )
    resolved = columns or resolve_columns(method, list(frame.columns), what=what)
    if columns is not None:
        for ind_id, col in columns.columns.items():
            if col not in frame.columns:
                raise _no_column(frame, col, what, ind_id, Message("exp_ana_same_columns"))
    keys = [id_column] + ([period_column] if period_column else [])
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        area = repr(frame[id_column].iloc[pos])
        if period_column:
            period = repr(frame[period_column].iloc[pos])
            message = Message(
                "err_ana_area_twice_period", what=_what(what), area=area, period=period
            )
            expected = Message("exp_ana_one_row_per_area_period")
        else:
            message = Message("err_ana_area_twice", what=_what(what), area=area)
            expected = Message("exp_ana_one_row_per_area")
        raise InputError(message, row=pos + 2, field=id_column, expected=expected)
    cols = [resolved.columns[i.id] for i in method.indicators]
    # (period, id) is unique, so this order is total: input row order cannot matter (but an
    # error names the row of the input, the header being row 1).
    at = frame[keys].reset_index(drop=True).sort_values(keys[1:] + keys[:1], kind="mergesort")
    order = at.index.to_numpy(dtype=np.int64)
    ordered = frame.iloc[order].reset_index(drop=True)
    values = _numeric_matrix(ordered, cols, method.missing_values, what, rows=order + 2)
    return ordered[keys], values, resolved
