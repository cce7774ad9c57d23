"""The links from one boundary version to another, composed from the stored links.

:func:`compose_links` chains the store's links (DeSO → RegSO → district …) into one table of
weights; :func:`links_to` is that table from the base version, kept per store content,
with an error that names the file that would add the missing polygons when no links lead
to a layer.
"""

from __future__ import annotations

import itertools
from collections import deque

import pandas as pd

from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.services.cache import store_cached_intermediate
from omradesbild.sources.base import LINK_COLUMNS
from omradesbild.store import Store
from omradesbild.wording import Message, both


@store_cached_intermediate
def links_to(store: Store, *, base_version: str, level: str, version: str) -> pd.DataFrame:
    """:func:`compose_links` from the base version; when none lead to a layer because no
    DeSO polygons lie under it, the error says so and names the file that would add them.

    Kept per store content (a level's indicators of some areas and of some indicators sum
    over the same links); shared by every caller, so treat it as read-only."""
    from omradesbild.services.layers import missing_polygons

    try:
        return compose_links(store.links(), from_version=base_version, to_version=version)
    except NotFoundError:
        why = missing_polygons(store, level=level, version=version, from_version=base_version)
        if not why:
            raise
        raise NotFoundError(
            both(
                "err_svc_links_need_polygons",
                why=why,
                error=Message("err_no_links", source=base_version, target=version),
            )
        ) from None


def compose_links(links: pd.DataFrame, *, from_version: str, to_version: str) -> pd.DataFrame:
    """Links from ``from_version`` to ``to_version``, composing a chain of stored links.

    The shortest chain of versions is found (breadth first); weights multiply along it and
    are summed over parallel paths, so ``DeSO -> RegSO -> district`` gives each DeSO's share
    in each district.

    Raises
    ------
    NotFoundError
        No chain of links connects the two versions.
    """
    if from_version == to_version:
        raise ConfigError(both("err_svc_same_versions", version=from_version))
    edges: dict[str, set[str]] = {}
    for f, t in links[["from_version", "to_version"]].drop_duplicates().itertuples(index=False):
        edges.setdefault(str(f), set()).add(str(t))
    prev: dict[str, str] = {}
    queue = deque([from_version])
    while queue and to_version not in prev:
        v = queue.popleft()
        for nxt in sorted(edges.get(v, ())):
            if nxt not in prev and nxt != from_version:
                prev[nxt] = v
                queue.append(nxt)
    if to_version not in prev:
        raise NotFoundError(both("err_no_links", source=from_version, target=to_version))
    chain = [to_version]
    while chain[-1] != from_version:
        chain.append(prev[chain[-1]])
    chain.reverse()
    result: pd.DataFrame | None = None
    for a, b in itertools.pairwise(chain):
        step = links[(links["from_version"] == a) & (links["to_version"] == b)]
        # One method per step: prefer exact keys over approximations, and SCB's change log
        # (``scb_changes*``) over the code rule that only guesses what it records.
        methods = list(step["method"].unique())
        preferences = (
            "scb_key",
            "scb_changes",
            "code_rule_population",
            "code_rule",
            "population",
            "areal_normalised",
            "areal",
        )
        for preferred in preferences:
            # a stored composed method ("scb_changes+areal") belongs to its first step's family
            family = [
                m
                for m in methods
                if (head := str(m).split("+")[0]) == preferred or head.startswith(preferred + "_")
            ]
            if preferred in ("scb_changes", "code_rule") and family:
                step = step[step["method"].isin(family)]
                break
            if preferred in methods:
                keep = {preferred}
                if preferred.startswith("code_rule"):
                    keep = {m for m in methods if m.startswith("code_rule")}
                step = step[step["method"].isin(keep)]
                break
        step = step[["from_code", "from_level", "to_code", "to_level", "weight", "method"]]
        if result is None:
            result = step.copy()
        else:
            merged = result.merge(
                step, left_on="to_code", right_on="from_code", suffixes=("", "_2")
            )
            merged["weight"] = merged["weight"] * merged["weight_2"]
            merged["method"] = merged["method"] + "+" + merged["method_2"]
            grouped = merged.assign(to_code=merged["to_code_2"], to_level=merged["to_level_2"])
            keys = ["from_code", "from_level", "to_code", "to_level", "method"]
            result = grouped.groupby(keys, as_index=False).agg(weight=("weight", "sum"))
    assert result is not None
    out = result.assign(from_version=from_version, to_version=to_version)
    return out.loc[:, list(LINK_COLUMNS)].reset_index(drop=True)
