"""What the store holds: summary, variables, sources, one variable's values, revisions.

Each function checks that the store can answer and otherwise raises one clear error naming
what is there instead (the periods or versions held, the area's stored observations).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from omradesbild.config import BASE_VERSION
from omradesbild.errors import NotFoundError
from omradesbild.followup._common import sort_periods
from omradesbild.store import Store
from omradesbild.wording import Message, both

#: Columns of :func:`sources` (the provenance a reader needs).
SOURCE_COLUMNS: tuple[str, ...] = (
    "source_id", "publisher", "table_id", "reference", "licence", "ingested_at",
)  # fmt: skip


def store_summary(store: Store) -> dict[str, Any]:
    """Counts per level and version, variables, periods, sources, links and classifications."""
    return store.summary()


def variables(store: Store) -> pd.DataFrame:
    """The variables in the store with their labels, units, periods, area versions and the
    tables their current values come from (``source_tables``)."""
    from omradesbild.store.ingest import variable_sources

    return store.variables().merge(variable_sources(store), on="variable", how="left")


def sources(store: Store) -> pd.DataFrame:
    """Every ingested source with publisher, table, reference, licence and time."""
    return store.sources().loc[:, list(SOURCE_COLUMNS)]


def _held(store: Store, variable: str) -> pd.DataFrame:
    """``area_version, period`` pairs in which ``variable`` has current observations."""
    return store.con.execute(
        "SELECT DISTINCT area_version, period FROM current_observations WHERE variable = ?",
        [variable],
    ).df()


def variable_values(
    store: Store, variable: str, period: str | int, *, version: str = BASE_VERSION
) -> pd.DataFrame:
    """One variable for every area of one boundary version in one period, the areas'
    names first (:func:`~omradesbild.services.names.with_area_names`).

    Raises
    ------
    NotFoundError
        The variable is not stored (naming close matches), or has no values for that
        version (naming the versions that have it) or that period (naming its periods).
    """
    store.require_variable(variable)
    df = store.variable_values(variable, str(period), area_version=version)
    if not df.empty:
        from omradesbild.services.names import with_area_names

        return with_area_names(store, df, version=version)
    held = _held(store, variable)
    mine = held.loc[held["area_version"] == version, "period"].astype(str)
    if mine.empty:
        versions = sorted(set(held["area_version"].astype(str)))
        raise NotFoundError(
            both("err_svc_variable_no_version", variable=repr(variable), version=repr(version),
                 versions=", ".join(versions) or Message("exp_src_none"))
        )  # fmt: skip
    raise NotFoundError(
        both("err_svc_variable_no_period", variable=repr(variable), period=period,
             version=version, periods=", ".join(sort_periods(mine.unique())))
    )  # fmt: skip


def revisions(store: Store, area_code: str, variable: str, period: str | int) -> pd.DataFrame:
    """Every stored revision of one observation, oldest first.

    Raises
    ------
    NotFoundError
        No such observation: the message says whether the area or the variable is unknown,
        or which periods the area has values of the variable for.
    """
    df = store.revisions(area_code, variable, str(period))
    if not df.empty:
        return df
    store.require_variable(variable)
    if store.areas(codes=[area_code]).empty:
        raise NotFoundError(both("err_svc_area_not_in_store", code=repr(area_code)))
    rows = store.con.execute(
        "SELECT DISTINCT period FROM observations WHERE area_code = ? AND variable = ?",
        [area_code, variable],
    ).fetchall()
    have = sort_periods(r[0] for r in rows)
    raise NotFoundError(
        both("err_svc_no_observation", variable=repr(variable), code=area_code, period=period,
             periods=", ".join(have) or Message("exp_src_none"))
    )  # fmt: skip
