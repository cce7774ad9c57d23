"""The method explorer: an index recomputed with other weights or fewer indicators."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from omradesbild.errors import InputError, MethodError
from omradesbild.index.method import IndexMethod
from omradesbild.services.level import LevelIndex, LevelIndicators, rank_uncertainty
from omradesbild.services.models import _Frozen
from omradesbild.services.records import clean, records
from omradesbild.wording import Message, both

#: Maximum Monte-Carlo draws the explorer accepts per request.
MAX_DRAWS = 500


class ExploreRow(_Frozen):
    """One area's rank and class under the modified method next to the declared method's.

    ``rank_change`` is the declared rank minus the new rank (positive = moved up);
    ``rank_p05``/``rank_p95`` the Monte-Carlo 90 % rank interval (None without draws).
    """

    area_code: str
    name: str
    score: float | None
    rank: int | None
    base_rank: int | None
    rank_change: int | None = Field(description="base rank - new rank (positive = moved up)")
    cls: int | None = Field(serialization_alias="class")
    base_class: int | None
    rank_p05: float | None = None
    rank_p95: float | None = None


class ExploreUncertainty(_Frozen):
    """Summary of the Monte-Carlo draws under the modified method (``draws == 0``: none)."""

    draws: int = 0
    median_rank_interval_90: float | None = None
    share_robust_class: float | None = None


class ExploreResult(_Frozen):
    """Ranks and classes of every area under a modified method (see :func:`explore`)."""

    method: str
    level: str
    version: str
    period: str
    weights: dict[str, float]
    indicators: list[str]
    n_areas: int
    n_class_changed: int
    rank_correlation: float | None
    uncertainty: ExploreUncertainty
    rows: list[ExploreRow]


def modified_method(
    method: IndexMethod,
    *,
    weights: Mapping[str, float] | None = None,
    include: Sequence[str] | None = None,
) -> IndexMethod:
    """The method with some indicators left out and/or the top-level weights replaced.

    Parameters
    ----------
    weights
        Non-negative weights of the top-level units (indicator ids, or theme ids when the
        method has themes); units not named keep their declared (or equal) weight. They are
        rescaled to sum to one. A weight for a unit that ``include`` leaves out (an
        indicator not kept, a theme left empty) is ignored; one for a unit the method does
        not have is an error.
    include
        Indicator ids to keep (default all); themes left empty are dropped.

    The body is long because it edits the method's definition in one place (indicators,
    fallbacks, themes, weights) before one validation by :func:`parse_method`.

    Notes
    -----
    With weights :math:`v_u \\ge 0` the method uses :math:`w_u = v_u / \\sum_k v_k`
    (explicit weighting), so only the ratios of the given weights matter.
    """
    from omradesbild.index import parse_method

    data = method.model_dump(mode="python")
    ids = [i.id for i in method.indicators]
    declared_units = [t.id for t in method.resolved_themes()] or ids
    if include is not None:
        keep = [i for i in ids if i in set(include)]
        unknown = sorted(set(include) - set(ids))
        if unknown:
            raise MethodError(
                both("err_svc_explore_unknown_indicators", ids=str(unknown),
                     method=repr(method.id), known=str(ids))
            )  # fmt: skip
        if not keep:
            raise MethodError(both("err_svc_explore_keep_one"))
        data["indicators"] = [d for d in data["indicators"] if d["id"] in keep]
        data["fallbacks"] = [f for f in data["fallbacks"] if f["indicator"] in keep]
        themes = method.resolved_themes()
        if themes:
            kept_themes = []
            for t in themes:
                members = [i for i in t.indicators if i in keep]
                if not members:
                    continue
                td = t.model_dump(mode="python")
                td["indicators"] = members
                td["weighting"] = _restrict(td["weighting"], members)
                kept_themes.append(td)
            data["themes"] = kept_themes
            for d in data["indicators"]:
                d["theme"] = None
            units = [t["id"] for t in kept_themes]
        else:
            units = keep
        data["weighting"] = _restrict(data["weighting"], units)
    units = (
        [t["id"] for t in data["themes"]]
        if data.get("themes")
        else ([t.id for t in method.resolved_themes()] or [d["id"] for d in data["indicators"]])
    )
    if weights:
        unknown = sorted(set(weights) - set(declared_units))
        if unknown:
            raise MethodError(
                both("err_svc_explore_unknown_units", units=str(unknown),
                     declared=str(declared_units))
            )  # fmt: skip
        # A weight for a unit left out with ``include`` has nothing left to weigh.
        weights = {u: v for u, v in weights.items() if u in units}
        current = data["weighting"]
        base = (
            current["weights"]
            if current.get("method") == "explicit" and current.get("weights")
            else {u: 1.0 / len(units) for u in units}
        )
        raw = {u: float(weights.get(u, base.get(u, 0.0))) for u in units}
        bad = [u for u, v in raw.items() if not math.isfinite(v) or v < 0]
        if bad:
            raise MethodError(both("err_svc_explore_bad_weights", units=str(bad)))
        total = math.fsum(raw.values())
        if total <= 0:
            raise MethodError(both("err_svc_explore_zero_weights"))
        normed = {u: v / total for u, v in raw.items()}
        # Make the sum exactly 1 within the method's tolerance.
        last = units[-1]
        normed[last] = 1.0 - math.fsum(v for u, v in normed.items() if u != last)
        data["weighting"] = {"method": "explicit", "weights": normed}
    data["id"] = f"{method.id}-explore"
    return parse_method(data, source=f"explore:{method.id}")


def _restrict(weighting: dict[str, Any], units: list[str]) -> dict[str, Any]:
    if weighting.get("method") != "explicit" or not weighting.get("weights"):
        return weighting
    w = {u: float(weighting["weights"].get(u, 0.0)) for u in units}
    total = math.fsum(w.values())
    if total <= 0:
        return {"method": "equal", "weights": None}
    normed = {u: v / total for u, v in w.items()}
    normed[units[-1]] = 1.0 - math.fsum(v for u, v in normed.items() if u != units[-1])
    return {"method": "explicit", "weights": normed}


def effective_unit_weights(method: IndexMethod) -> dict[str, float]:
    """Top-level unit -> weight as declared (equal weights spelled out)."""
    themes = method.resolved_themes()
    units = [t.id for t in themes] if themes else [i.id for i in method.indicators]
    if method.weighting.method == "explicit" and method.weighting.weights:
        return {u: float(method.weighting.weights.get(u, 0.0)) for u in units}
    return {u: 1.0 / len(units) for u in units}


def explore(
    lv: LevelIndicators,
    base: LevelIndex,
    *,
    period: str | None,
    weights: Mapping[str, float] | None,
    include: Sequence[str] | None,
    draws: int,
    seed: int = 0,
) -> ExploreResult:
    """Ranks and classes of every area under a modified method, next to the declared one.

    The long body builds the answer's rows and summary in one pass over the areas.
    """
    from omradesbild.index import compute_index

    if draws < 0 or draws > MAX_DRAWS:
        raise InputError(Message("err_svc_draws_range", max=MAX_DRAWS, value=draws), field="draws")
    level = lv.level
    p = base.period_or_latest(period)
    method = modified_method(base.method, weights=weights, include=include)
    table = base.tables[p]
    res = compute_index(table, method=method, id_column="area_code", period_column="period")
    b = base.results[p].set_index("area_code")
    r = res.set_index("area_code")
    unc: dict[str, dict[str, Any]] = {}
    summary = ExploreUncertainty()
    if draws > 0:
        u, s = rank_uncertainty(lv, method, table, p, draws=draws, seed=seed)
        unc = {str(x["area_code"]): x for x in records(u)}
        summary = ExploreUncertainty(
            draws=draws,
            median_rank_interval_90=clean(s.get("median_rank_interval_90")),
            share_robust_class=clean(s.get("share_robust_class")),
        )
    rows: list[ExploreRow] = []
    has_class = "class" in r.columns
    for code in r.index.astype(str):
        nr = clean(r.at[code, "rank"])
        br = clean(b.at[code, "rank"]) if code in b.index else None
        nc = clean(r.at[code, "class"]) if has_class else None
        bc = clean(b.at[code, "class"]) if has_class and code in b.index else None
        u_ = unc.get(code, {})
        rows.append(
            ExploreRow(
                area_code=code,
                name=lv.names.get(code, code),
                score=clean(r.at[code, "score"]),
                rank=None if nr is None else int(nr),
                base_rank=None if br is None else int(br),
                rank_change=None if nr is None or br is None else int(br) - int(nr),
                cls=None if nc is None else int(nc),
                base_class=None if bc is None else int(bc),
                rank_p05=u_.get("rank_p05"),
                rank_p95=u_.get("rank_p95"),
            )
        )
    rows.sort(key=lambda x: (x.rank is None, x.rank or 0, x.area_code))
    both = [(x.rank, x.base_rank) for x in rows if x.rank and x.base_rank]
    rho = None
    if len(both) > 2:
        a = np.array(both, dtype=float)
        rho = clean(np.corrcoef(a[:, 0], a[:, 1])[0, 1])
    return ExploreResult(
        method=base.method.id,
        level=level,
        version=lv.version,
        period=p,
        weights=effective_unit_weights(method),
        indicators=[i.id for i in method.indicators],
        n_areas=len(rows),
        n_class_changed=sum(1 for x in rows if x.cls is not None and x.cls != x.base_class),
        rank_correlation=rho,
        uncertainty=summary,
        rows=rows,
    )
