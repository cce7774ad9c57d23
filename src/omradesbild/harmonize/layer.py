"""Links from the geometries held in a store: from a base version to a layer.

Re-exported by :mod:`omradesbild.harmonize.apply`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from omradesbild.config import BASE_VERSION
from omradesbild.errors import NotFoundError
from omradesbild.harmonize.compose import compose_links
from omradesbild.sources.base import LINK_COLUMNS
from omradesbild.wording import both

if TYPE_CHECKING:
    from omradesbild.store.store import Store


def _with_geometry(gdf: Any, what: str) -> Any:
    has = gdf.geometry.notna() & ~gdf.geometry.is_empty
    if not has.any():
        raise NotFoundError(both("err_ana_no_geometries", what=what))
    return gdf.loc[has]


def _latest_values(store: Store, variable: str, version: str, period: str | None) -> pd.Series:
    obs = store.observations(
        variables=[variable], area_version=version, periods=[period] if period else None
    )
    if obs.empty:
        return pd.Series(dtype=float)
    p = period or max(obs["period"].astype(str), key=lambda s: (len(s), s))
    sel = obs.loc[obs["period"].astype(str) == p]
    return pd.Series(sel["value"].to_numpy(dtype=float), index=sel["area_code"].astype(str))


def harmonise_to_layer(
    store: Store,
    *,
    target_level: str,
    target_version: str,
    source_level: str = "deso",
    source_version: str = BASE_VERSION,
    via_code_rule_to: str | None = None,
    population_variable: str = "pop_total",
    period: str | None = None,
    renormalise: bool = False,
    min_share: float = 1e-6,
) -> pd.DataFrame:
    """Links from a source version to any polygon layer, from the geometries in a store.

    Parameters
    ----------
    store
        An open :class:`~omradesbild.store.store.Store`.
    target_level, target_version
        The target layer (its areas must have geometries), e.g. ``"district"``,
        ``"goteborg_primaromraden2025"``.
    source_level, source_version
        The areas the data are published for, e.g. DeSO 2018.
    via_code_rule_to
        When the store holds geometries of another DeSO version than ``source_version``
        (e.g. ``"deso2025"`` polygons for 2018 data): the source codes are first linked to
        that version by SCB's code rule
        (:func:`~omradesbild.harmonize.code_rule.code_rule_links`, restricted to the kommuner
        of the geometries), then by area to the target, and the two are composed.
    population_variable, period
        The population used to weight code-rule splits (read for ``via_code_rule_to``'s
        version; default period: the latest). Without it, a split 2018 area is shared
        equally among its parts.
    renormalise, min_share
        Passed to :func:`~omradesbild.harmonize.areal.build_crosswalk`.

    Returns
    -------
    pandas.DataFrame
        :data:`~omradesbild.sources.base.LINK_COLUMNS` from ``source_version`` to
        ``target_version``, ready for ``Store.ingest(Areas(source, areas=…, links=…))``.
        ``attrs`` holds the areal crosswalk's coverage lists and notes.

    Raises
    ------
    NotFoundError
        No areas or no geometries for the source or target layer in the store.
    """
    from omradesbild.harmonize.areal import build_crosswalk
    from omradesbild.harmonize.code_rule import code_rule_links

    target = store.areas(level=target_level, version=target_version, geometry=True)
    if len(target) == 0:
        raise NotFoundError(both("err_no_version", level=target_level, version=target_version))
    target = _with_geometry(target, f"{target_level} {target_version}")
    geom_version = via_code_rule_to or source_version
    source = store.areas(level=source_level, version=geom_version, geometry=True)
    if len(source) == 0:
        raise NotFoundError(both("err_no_version", level=source_level, version=geom_version))
    source = _with_geometry(source, f"{source_level} {geom_version}")
    areal = build_crosswalk(source, target, renormalise=renormalise, min_share=min_share)
    links = areal[list(LINK_COLUMNS)]
    if via_code_rule_to is not None and via_code_rule_to != source_version:
        geo_codes = source["area_code"].astype(str)
        kommuner = set(geo_codes.str[:4])
        codes18 = store.areas(level=source_level, version=source_version)["area_code"].astype(str)
        codes18 = codes18.loc[codes18.str[:4].isin(kommuner)]
        if codes18.empty:
            raise NotFoundError(
                both(
                    "err_ana_no_areas_kommuner",
                    level=source_level,
                    version=source_version,
                    kommuner=", ".join(sorted(kommuner)),
                )
            )
        pop = _latest_values(store, population_variable, via_code_rule_to, period)
        rule = code_rule_links(
            codes18.tolist(),
            geo_codes.tolist(),
            population2025=pop if geo_codes.isin(pop.dropna().index).all() else None,
        )
        links = compose_links(rule, links)
        links.attrs["unmatched_source_codes"] = rule.attrs.get("unmatched_2018", [])
    for key in ("sources_without_target", "targets_without_source", "notes"):
        links.attrs[key] = areal.attrs.get(key, [])
    return links
