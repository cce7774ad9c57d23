"""Narrow reads for the computations: only the columns and rows they use.

:meth:`Store.observations <omradesbild.store.Store.observations>` returns every column of
the current observations; the indicator computation needs six of them, and usually not
every variable. These reads return the same rows in the same order, with fewer columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

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
    assert column in ("variable", "period")  # a column name, never a value
    rows = store.con.execute(
        f"SELECT DISTINCT {column} FROM observations WHERE area_version = ? ORDER BY 1",
        [area_version],
    ).fetchall()
    return [str(r[0]) for r in rows]


def indicator_observations(
    store: Store, *, area_version: str, variables: Sequence[str] | None = None
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
    over the version's rows instead of a join of the whole table.
    """
    params: list[object] = [area_version]
    where = "area_version = ?"
    if variables is not None:
        names = [str(v) for v in variables]
        where += f" AND variable IN ({', '.join('?' * len(names))})" if names else " AND FALSE"
        params.extend(names)
    sql = (
        f"SELECT {', '.join(INDICATOR_OBS_COLUMNS)} FROM observations WHERE {where} "
        "QUALIFY revision = max(revision) OVER (PARTITION BY area_code, variable, period) "
        "ORDER BY area_code, variable, period"
    )
    # Through Arrow: the text columns arrive as pandas' Arrow-backed strings without
    # building a Python string per cell (about a third less CPU than ``.df()``). A relation
    # does not run while an ``execute()`` result is left open on the connection (e.g. after
    # a ``fetchone()``), so a finished one takes its place first.
    store.con.execute("SELECT 1").fetchall()
    table = store.con.sql(sql, params=params).to_arrow_table()
    assert table is not None  # a SELECT always has a result
    return table.to_pandas()


__all__ = [
    "INDICATOR_OBS_COLUMNS",
    "indicator_observations",
    "stored_periods",
    "stored_variables",
]
