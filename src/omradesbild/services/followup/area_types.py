"""Area types (classes of an index) over time, relative and anchored, and their transitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION, DEFAULT_LEVEL
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.followup._common import sort_periods
from omradesbild.followup.transitions import anchored_classes, class_transitions
from omradesbild.index import IndexMethod
from omradesbild.services.followup._common import as_method
from omradesbild.services.names import with_area_names
from omradesbild.services.pipeline import (
    area_indicators,
    check_picture,
    index_table,
    method_indicator_ids,
    resolve_version,
)
from omradesbild.store import Store
from omradesbild.wording import both


def method_periods(
    store: Store, method: str | IndexMethod, *, base_version: str = BASE_VERSION
) -> list[str]:
    """Periods in which every indicator of ``method`` (or its fallback) has values."""
    m = as_method(method)
    ind = area_indicators(
        store, level="country", indicators=method_indicator_ids(m), base_version=base_version
    )
    ind = ind.loc[ind["value"].notna()]
    have = ind.groupby(ind["period"].astype(str))["indicator"].agg(set)
    fb = {f.indicator: f.column for f in m.fallbacks}
    out = []
    for period, present in have.items():
        if all(
            i.source_column in present or fb.get(i.source_column, "") in present
            for i in m.indicators
        ):
            out.append(str(period))
    return sort_periods(out)


def area_classes(
    store: Store,
    *,
    method: str | IndexMethod = AREA_TYPE_METHOD,
    level: str = DEFAULT_LEVEL,
    periods: Sequence[str | int] | None = None,
    base_period: str | int | None = None,
    version: str | None = None,
) -> pd.DataFrame:
    """Relative and anchored classes of every area of a level in several periods.

    Wraps :func:`~omradesbild.followup.transitions.anchored_classes`; the reference
    distribution is every area of the level in the store (for SCB's area types on the
    national tables: every RegSO in Sweden). ``periods`` defaults to every period in which
    the method's indicators exist; ``base_period`` to the first of them.
    """
    m = as_method(method)
    check_picture(m)
    available = method_periods(store, m)
    plist = [str(p) for p in periods] if periods is not None else available
    missing = [p for p in plist if p not in available]
    if missing:
        raise NotFoundError(
            both("err_method_not_in_periods", method=repr(m.id), periods=", ".join(missing),
                 available=", ".join(available) or "–")
        )  # fmt: skip
    base = str(base_period) if base_period is not None else plist[0]
    if base not in available:
        raise NotFoundError(
            both("err_svc_base_no_values", base=base, method=repr(m.id),
                 periods=", ".join(available))
        )  # fmt: skip
    use = sort_periods({*plist, base})
    ind = area_indicators(
        store, level=level, version=version, periods=use, indicators=method_indicator_ids(m)
    )
    table = index_table(ind, m)
    out = anchored_classes(table, method=m, base_period=base)
    return out.loc[out["period"].isin(plist)].reset_index(drop=True)


@dataclass(frozen=True)
class Transitions:
    """Class transitions between two periods, relative and anchored at the first."""

    matrix_relative: pd.DataFrame
    matrix_anchored: pd.DataFrame
    moves: pd.DataFrame
    classes: pd.DataFrame
    period_from: str
    period_to: str
    method_id: str

    @property
    def n_differ(self) -> int:
        """Areas whose relative and anchored classes differ in ``period_to``."""
        c = self.classes
        return int((c["differs"] & (c["period"] == self.period_to)).sum())


def transitions(
    store: Store,
    *,
    method: str | IndexMethod = AREA_TYPE_METHOD,
    level: str = DEFAULT_LEVEL,
    period_from: str | int,
    period_to: str | int,
    version: str | None = None,
) -> Transitions:
    """Transition matrices of ``method``'s classes from ``period_from`` to ``period_to``.

    Relative classes are computed against each period's own distribution, anchored ones
    with the cut points of ``period_from`` (the base period). ``moves`` has one row per area
    with both (``class_from``/``class_to``/``steps``/``movement`` for the relative classes
    and the same with an ``_anchored`` suffix), the areas' names first.
    """
    m = as_method(method)
    p_from, p_to = str(period_from), str(period_to)
    if p_from == p_to:
        raise ConfigError(both("err_same_periods", period=p_from))
    classes = area_classes(
        store, method=m, level=level, periods=[p_from, p_to], base_period=p_from, version=version
    )
    better: Literal["higher", "lower"] = "higher" if m.id == AREA_TYPE_METHOD else "lower"
    mat_r, mov_r = class_transitions(
        classes, period_from=p_from, period_to=p_to, class_column="class_relative", better=better
    )
    mat_a, mov_a = class_transitions(
        classes, period_from=p_from, period_to=p_to, class_column="class_anchored", better=better
    )
    keys = ["area_code", "period_from", "period_to"]
    moves = mov_r.merge(mov_a, on=keys, how="outer", suffixes=("", "_anchored"))
    ver = None if level == "country" else resolve_version(store, level, version)
    moves = with_area_names(store, moves, level=level, version=ver)
    return Transitions(mat_r, mat_a, moves, classes, p_from, p_to, m.id)
