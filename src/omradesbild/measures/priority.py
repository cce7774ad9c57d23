"""Which areas to look at first: the largest and/or worsening challenges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from omradesbild.index.method import IndexMethod

#: Columns of :func:`priority_list`.
PRIORITY_COLUMNS = ("area_code", "rank", "score", "class", "by_type", "top", "worsening")


def priority_list(
    index: pd.DataFrame,
    trends: pd.DataFrame,
    *,
    method: IndexMethod,
    top_share: float = 0.1,
    vulnerable_classes: int = 2,
) -> pd.DataFrame:
    """Areas with the largest and/or worsening challenges, with the reasons as data.

    An area is on the list when its class is among the method's ``vulnerable_classes`` most
    vulnerable classes (1 … ``vulnerable_classes``), or its score is among the
    ``top_share`` highest, or a component indicator of the index has a significant
    worsening trend.

    Parameters
    ----------
    index
        ``area_code, score, rank, class`` of the areas in scope.
    trends
        :func:`omradesbild.followup.trend` output (``area_code, indicator, direction,
        slope``; may be empty).
    method
        The index method (its component indicators and fallbacks).
    top_share
        Share of the highest scores that count as "largest challenges".
    vulnerable_classes
        Classes 1 … this count as "largest challenges" by area type.

    Returns
    -------
    DataFrame
        :data:`PRIORITY_COLUMNS`: ``by_type`` (class among the most vulnerable), ``top``
        (score among the highest ``top_share``), ``worsening`` (a tuple of
        ``(indicator, slope)`` of the component indicators with a worsening trend); most
        vulnerable (lowest rank) first.

    Notes
    -----
    With :math:`n` scored areas the cut-off is the :math:`1 - q` quantile of the scores
    (linear interpolation), :math:`q` = ``top_share``; an area is "top" when its score is
    at or above it.
    """
    scored = index.dropna(subset=["score"])
    n = len(scored)
    cutoff = scored["score"].quantile(1 - top_share) if n else np.nan
    components = {i.source_column for i in method.indicators} | {f.column for f in method.fallbacks}
    if trends.empty:
        worse_by_area: dict[str, list[tuple[str, float]]] = {}
    else:
        worse = trends[(trends["direction"] == "worsening") & trends["indicator"].isin(components)]
        worse_by_area = {}
        for r in worse[["area_code", "indicator", "slope"]].to_dict("records"):
            worse_by_area.setdefault(str(r["area_code"]), []).append(
                (str(r["indicator"]), float(r["slope"]))
            )
    rows = []
    for r in index[["area_code", "score", "rank", "class"]].to_dict("records"):
        code = str(r["area_code"])
        cls = r["class"]
        by_type = bool(pd.notna(cls) and int(cls) <= vulnerable_classes)
        top = bool(pd.notna(r["score"]) and n and r["score"] >= cutoff)
        worsening = tuple(worse_by_area.get(code, ()))
        if by_type or top or worsening:
            rows.append(
                {
                    "area_code": code,
                    "rank": r["rank"],
                    "score": r["score"],
                    "class": cls,
                    "by_type": by_type,
                    "top": top,
                    "worsening": worsening,
                }
            )
    out = pd.DataFrame(rows, columns=list(PRIORITY_COLUMNS))
    return out.sort_values("rank", na_position="last", kind="mergesort").reset_index(drop=True)
