"""SCB/Delmos's published area types next to ours: ingest, look up, compare, follow over years.

The published områdestyp per RegSO is stored as a classification series of its own (scheme
:data:`~omradesbild.sources.scb_omradestyp.PUBLISHED_SCHEME`), never mixed with the types
Områdesbild computes. This module is the only place that joins it with the store and with
the index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from omradesbild.config import UNCERTAINTY_DRAWS
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.services.names import with_area_names
from omradesbild.sources.scb_omradestyp import (
    LEVEL,
    PUBLISHED_SCHEME,
    VERSION,
    PublishedTypes,
    read_scb_omradestyp,
)
from omradesbild.store import Store
from omradesbild.store.store import IngestReport
from omradesbild.wording import Message, both

#: The method whose classes SCB's published types correspond to.
AREA_TYPE_METHOD = "scb-omradestyp"

#: Columns of :func:`compare_official`'s per-area table, in order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "area_code",
    "area_name",
    "kommun_code",
    "kommun_name",
    "area_type",
    "official_type",
    "agree",
    "robust_class",
)


@dataclass(frozen=True)
class PublishedType:
    """SCB/Delmos's published områdestyp of one RegSO in one year."""

    area_code: str
    period: str
    official_type: int
    name: str | None
    scheme: str = PUBLISHED_SCHEME


def regso_names(store: Store) -> pd.DataFrame:
    """``area_code, kommun_name, regso_name`` of every RegSO 2020 in the store (SCB's key).

    Raises
    ------
    NotFoundError
        When the store holds no RegSO (ingest SCB's key first).
    """
    reg = store.areas(level=LEVEL, version=VERSION)
    if reg.empty:
        raise NotFoundError(both("err_svc_no_regso_names"))
    kom = store.areas(level="kommun")
    names = dict(zip(kom["area_code"].astype(str), kom["name"], strict=True))
    return pd.DataFrame(
        {
            "area_code": reg["area_code"].astype(str),
            "kommun_name": [names.get(str(c)[:4], "") for c in reg["area_code"]],
            "regso_name": reg["name"].fillna(""),
        }
    )


def ingest_published_types(
    store: Store, paths: Sequence[str | Path]
) -> list[tuple[PublishedTypes, IngestReport]]:
    """Read every file (matched through the stored key) and write them in one transaction."""
    names = regso_names(store)
    parsed = [read_scb_omradestyp(p, regso=names) for p in paths]
    with store.transaction():
        reports = [store.ingest(p.parsed, kind="scb-omradestyp") for p in parsed]
    return list(zip(parsed, reports, strict=True))


def published_types_frame(
    store: Store,
    *,
    area_codes: Sequence[str] | None = None,
    periods: Sequence[str | int] | None = None,
) -> pd.DataFrame:
    """``area_code, period, official_type (Int64), name`` of the stored published types."""
    cls = store.classifications(scheme=PUBLISHED_SCHEME)
    if area_codes is not None:
        cls = cls.loc[cls["area_code"].isin([str(a) for a in area_codes])]
    if periods is not None:
        cls = cls.loc[cls["period"].astype(str).isin([str(p) for p in periods])]
    names = [
        json.loads(a).get("name") if isinstance(a, str) and a else None for a in cls["attributes"]
    ]
    return pd.DataFrame(
        {
            "area_code": cls["area_code"].astype(str).to_numpy(),
            "period": cls["period"].astype(str).to_numpy(),
            "official_type": pd.array(cls["category"].astype(int).to_numpy(), dtype="Int64"),
            "name": names,
        }
    ).reset_index(drop=True)


def published_types(
    store: Store,
    *,
    area_codes: Sequence[str] | None = None,
    periods: Sequence[str | int] | None = None,
) -> list[PublishedType]:
    """SCB's published områdestyp for the given RegSO and years (all when None).

    Meant for an area's profile: show ``official_type`` of the same year next to the type
    Områdesbild computes, labelled as SCB/Delmos's published classification. An area or a
    year SCB has not published (or that was not ingested) is simply absent.
    """
    df = published_types_frame(store, area_codes=area_codes, periods=periods)
    return [
        PublishedType(str(code), str(period), int(kind), None if name is None else str(name))
        for code, period, kind, name in zip(
            df["area_code"], df["period"], df["official_type"].astype(int), df["name"], strict=True
        )
    ]


def published_periods(store: Store) -> list[str]:
    """Years of published types in the store, sorted."""
    cls = store.classifications(scheme=PUBLISHED_SCHEME)
    return sorted(cls["period"].astype(str).unique())


@dataclass
class OfficialComparison:
    """Our area types next to SCB's published ones (see :func:`compare_official`)."""

    table: pd.DataFrame
    confusion: pd.DataFrame
    period: str
    official_period: str
    n_compared: int
    n_agree: int
    n_disagree_not_robust: int
    n_disagree_with_robustness: int
    uncertainty: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        """Share of compared RegSO whose type equals the published one."""
        return self.n_agree / self.n_compared if self.n_compared else float("nan")


def compare_official(
    store: Store,
    *,
    period: str | int,
    official_period: str | int | None = None,
    method: str = AREA_TYPE_METHOD,
    level: str = LEVEL,
    draws: int = UNCERTAINTY_DRAWS,
    seed: int = 0,
) -> OfficialComparison:
    """Compare the area types of ``method`` in ``period`` with SCB's published types.

    Parameters
    ----------
    period
        Period of our index.
    official_period
        Year of the published types (default: ``period``); e.g. 2023 when only that year is
        published, as a proxy.
    draws, seed
        Monte-Carlo draws for ``robust_class`` (0 = no uncertainty, the column is empty).

    Returns
    -------
    OfficialComparison
        Per RegSO :data:`COMPARISON_COLUMNS`, the confusion table (rows ours, columns
        published), the agreement and how many disagreements are flagged not robust.
    """
    from omradesbild.index import load_method
    from omradesbild.services.pipeline import IndexSelection, area_index, area_index_uncertainty

    if level != LEVEL:
        raise ConfigError(both("err_svc_official_regso_only", level=repr(level)))
    m = load_method(method)
    if m.classification is None:
        raise ConfigError(both("err_svc_no_classes", method=repr(m.id)))
    p, op = str(period), str(official_period if official_period is not None else period)
    official = published_types_frame(store, periods=[op])
    if official.empty:
        raise NotFoundError(
            both("err_svc_no_official_types", periods=op,
                 have=", ".join(published_periods(store)) or Message("exp_src_none"))
        )  # fmt: skip
    selection = IndexSelection(m, level, p)
    ours = area_index(store, selection)
    table = ours[["area_code", "class"]].rename(columns={"class": "area_type"})
    summary: dict[str, object] = {}
    if draws > 0:
        mc, summary = area_index_uncertainty(store, selection, draws=draws, seed=seed)
        table = table.merge(mc[["area_code", "robust_class"]], on="area_code", how="left")
    else:
        table["robust_class"] = pd.array([pd.NA] * len(table), dtype="boolean")
    table = table.merge(official[["area_code", "official_type"]], on="area_code", how="outer")
    table = with_area_names(store, table, level=LEVEL, version=VERSION)
    paired = table["area_type"].notna() & table["official_type"].notna()
    pairs = zip(table["area_type"], table["official_type"], paired, strict=True)
    table["agree"] = pd.array(
        [bool(a == b) if ok else pd.NA for a, b, ok in pairs], dtype="boolean"
    )
    table = table[list(COMPARISON_COLUMNS)].sort_values("area_code").reset_index(drop=True)
    cmp = table.loc[table["agree"].notna()]
    confusion = pd.crosstab(
        cmp["area_type"].astype(int).rename("area_type"),
        cmp["official_type"].astype(int).rename("official_type"),
        margins=True,
        margins_name="total",
    )
    dis = cmp.loc[~cmp["agree"].astype(bool)]
    known = dis["robust_class"].notna()
    notes: list[str] = []
    if p != op:
        notes.append(Message("note_official_proxy", period=p, published=op))
    return OfficialComparison(
        table=table,
        confusion=confusion,
        period=p,
        official_period=op,
        n_compared=len(cmp),
        n_agree=int(cmp["agree"].astype(bool).sum()),
        n_disagree_not_robust=int((~dis.loc[known, "robust_class"].astype(bool)).sum()),
        n_disagree_with_robustness=int(known.sum()),
        uncertainty=summary,
        notes=notes,
    )


@dataclass
class PublishedTransitions:
    """Transitions of SCB's published types between two years."""

    matrix: pd.DataFrame
    moves: pd.DataFrame
    period_from: str
    period_to: str


def published_transitions(
    store: Store, *, period_from: str | int, period_to: str | int
) -> PublishedTransitions:
    """Transition matrix of SCB's published types from ``period_from`` to ``period_to``."""
    from omradesbild.followup.transitions import class_transitions

    p_from, p_to = str(period_from), str(period_to)
    if p_from == p_to:
        raise ConfigError(both("err_same_periods", period=p_from))
    df = published_types_frame(store, periods=[p_from, p_to])
    have = set(df["period"])
    lacking = [p for p in (p_from, p_to) if p not in have]
    if lacking:
        raise NotFoundError(
            both("err_svc_no_official_types_for", periods=", ".join(lacking),
                 have=", ".join(published_periods(store)) or Message("exp_src_none"))
        )  # fmt: skip
    frame = df.assign(**{"class": df["official_type"].astype(np.int64)})
    matrix, moves = class_transitions(frame, period_from=p_from, period_to=p_to, better="higher")
    moves = with_area_names(store, moves, level=LEVEL, version=VERSION)
    return PublishedTransitions(matrix, moves, p_from, p_to)
