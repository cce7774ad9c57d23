"""Narrow reads for the computations: only the columns and rows they use.

:meth:`Store.observations <omradesbild.store.Store.observations>` returns every column of
the current observations; the indicator computation needs six of them, and usually not
every variable. These reads return the same rows in the same order, with fewer columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from omradesbild.store.store import Store

#: Columns :func:`indicator_observations` returns (those the indicator counts read).
INDICATOR_OBS_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_version",
    "variable",
    "period",
    "value",
    "missing_reason",
)


def stored_variables(store: Store, *, area_version: str) -> list[str]:
    """The variables observed for ``area_version`` areas (any period), sorted."""
    return _distinct(store, "variable", area_version)


def stored_periods(store: Store, *, area_version: str) -> list[str]:
    """The periods observed for ``area_version`` areas, sorted as text."""
    return _distinct(store, "period", area_version)


def _distinct(store: Store, column: str, area_version: str) -> list[str]:
    """The distinct texts of ``column`` among ``area_version``'s observations, sorted; read
    once per read-only connection (:meth:`Store._kept <omradesbild.store.Store._kept>`:
    every level's indicators ask for them again)."""
    assert column in ("variable", "period")  # a column name, never a value

    def read() -> pd.DataFrame:
        rows = store.con.execute(
            f"SELECT DISTINCT {column} FROM observations WHERE area_version = ? ORDER BY 1",
            [area_version],
        ).fetchall()
        return pd.DataFrame({"text": pd.Series([str(r[0]) for r in rows], dtype=object)})

    kept = store._kept(("distinct", column, area_version), read)
    return [str(t) for t in kept["text"]]


def indicator_observations(
    store: Store,
    *,
    area_version: str,
    variables: Sequence[str] | None = None,
    kommuner: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The current observations of ``area_version`` areas, :data:`INDICATOR_OBS_COLUMNS`.

    Parameters
    ----------
    store
        The store.
    area_version
        Boundary version of the areas.
    variables
        Only these variables (all by default).
    kommuner
        Only the areas whose code starts with one of these kommun codes (all by default):
        DeSO and RegSO codes start with their kommun's. The rows kept are in the same
        order as among all rows.

    Returns
    -------
    DataFrame
        The rows and row order of ``store.observations(area_version=…, variables=…)``
        (by area, variable, period), with only :data:`INDICATOR_OBS_COLUMNS`; text columns
        have pandas' text dtype even when all missing (``.df()`` gives ``object`` then).

    Notes
    -----
    The current revision of each (area, variable, period) is the one with the highest
    ``revision``, as in the ``current_observations`` view; it is selected with a window
    over the version's rows instead of a join of the whole table, and only when some of
    the rows read have an older revision than others (after a first ingest every row is
    revision 1 and the window would keep them all). The rows are put in order by NumPy on
    the dictionary codes of the three key columns (the distinct texts sorted once), not by
    a sort of the text columns in the database, which cost about twice the whole read.
    """
    params: list[object] = [area_version]
    where = "area_version = ?"
    if variables is not None:
        names = [str(v) for v in variables]
        where += f" AND variable IN ({', '.join('?' * len(names))})" if names else " AND FALSE"
        params.extend(names)
    if kommuner is not None:
        codes = [str(k) for k in kommuner]
        where += (
            f" AND ({' OR '.join(_prefix_test(k, params) for k in codes)})"
            if codes
            else " AND FALSE"
        )
    # Fetched whole: a relation does not run while an ``execute()`` result is left open on
    # the connection (e.g. after a ``fetchone()``).
    rows = store.con.execute(
        f"SELECT min(revision) < max(revision) FROM observations WHERE {where}", params
    ).fetchall()
    revised = bool(rows and rows[0][0])
    qualify = (
        "QUALIFY revision = max(revision) OVER (PARTITION BY area_code, variable, period) "
        if revised
        else ""
    )
    sql = f"SELECT {', '.join(INDICATOR_OBS_COLUMNS)} FROM observations WHERE {where} {qualify}"
    # Through Arrow: the text columns arrive as pandas' Arrow-backed strings without
    # building a Python string per cell (about a third less CPU than ``.df()``).
    table = store.con.sql(sql, params=params).to_arrow_table()
    assert table is not None  # a SELECT always has a result
    # every row's ``area_version`` is the one asked for: the same in any order
    return _sorted_by(table, ("area_code", "variable", "period"), ("area_version",)).to_pandas()


def _prefix_test(kommun: str, params: list[object]) -> str:
    """SQL testing that ``area_code`` starts with the 4-character code ``kommun`` (its
    parameters appended to ``params``).

    The test ``left(area_code, 4) = kommun`` alone reads every row of the version; the
    range of codes between ``kommun`` and the next code of its length holds the same rows
    and lets the database skip the blocks of other kommuner (about half the time of the
    read), so both are asked.
    """
    if not kommun or len(kommun) != 4 or ord(kommun[-1]) >= 0x10FFFF:
        params.append(kommun)
        return "left(area_code, 4) = ?"
    params.extend([kommun, kommun[:-1] + chr(ord(kommun[-1]) + 1), kommun])
    return "(area_code >= ? AND area_code < ? AND left(area_code, 4) = ?)"


def _sorted_by(table: pa.Table, keys: Sequence[str], same: Sequence[str] = ()) -> pa.Table:
    """``table`` in the row order of ``ORDER BY keys`` (text columns without missing
    values; ties keep the table's order).

    Each key column is dictionary-encoded and its distinct texts ranked (by code point,
    as the database compares UTF-8 bytes); the rows are sorted by one number made of the
    ranks, and the key columns are rebuilt from their reordered dictionary codes. The
    columns ``same`` hold one value on every row (e.g. the one asked for in the query),
    so they are kept as they are.
    """
    if not table.num_rows:
        return table
    encoded = {name: pc.dictionary_encode(table.column(name).combine_chunks()) for name in keys}
    ranks = []
    for name in keys:
        texts = np.asarray(encoded[name].dictionary.to_pylist(), dtype=object)
        rank = np.empty(len(texts), dtype=np.int64)
        rank[np.argsort(texts, kind="stable")] = np.arange(len(texts))
        ranks.append((rank[encoded[name].indices.to_numpy(zero_copy_only=False)], len(texts)))
    if math.prod(n for _, n in ranks) < 2**62:
        key = np.zeros(table.num_rows, dtype=np.int64)
        for rank_of_row, n in ranks:
            key = key * n + rank_of_row
        order = pa.array(np.argsort(key, kind="stable"))
    else:  # too many combinations for one number
        order = pa.array(np.lexsort([r for r, _ in reversed(ranks)]))
    columns = []
    for name in table.column_names:
        column = table.column(name)
        if name in same:
            columns.append(column)
            continue
        if name not in encoded and pa.types.is_string(column.type) and column.null_count == 0:
            # other texts without missing values by their codes too: taking a few
            # distinct texts by code costs about a third of taking every row's text
            encoded[name] = pc.dictionary_encode(column.combine_chunks())
        if name in encoded:
            codes = encoded[name].indices.take(order)
            dictionary = encoded[name].dictionary
            columns.append(pa.DictionaryArray.from_arrays(codes, dictionary).cast(dictionary.type))
        else:
            columns.append(column.take(order))
    return pa.table(columns, schema=table.schema)


__all__ = [
    "INDICATOR_OBS_COLUMNS",
    "indicator_observations",
    "stored_periods",
    "stored_variables",
]
