"""The city picture: every area of a level in scope, computed once for a report run.

:func:`load_city` reads the store once (through
:func:`~omradesbild.services.level_picture.level_picture`)
and gives a :class:`CityData`: the :class:`~omradesbild.services.models.CityPicture` of the
overview and, through :meth:`CityData.profile`, the
:class:`~omradesbild.services.models.AreaProfile` of any area in scope.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel

from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION, PAGE_UNCERTAINTY_DRAWS
from omradesbild.errors import NotFoundError, OmradesbildError
from omradesbild.index.method import IndexMethod
from omradesbild.services.area import area_profile, catalogue_names
from omradesbild.services.city_goals import city_goals
from omradesbild.services.level import LevelIndicators, References, components, rank_bounds
from omradesbild.services.level_picture import LevelPicture, level_picture
from omradesbild.services.models import (
    AreaProfile,
    CityPicture,
    MethodRecord,
    PartnerEntry,
    PoliceTypeRow,
    PriorityRow,
    RankingRow,
    SegregationRow,
    TypePopulation,
)
from omradesbild.services.records import AreaRecords, clean, records
from omradesbild.store import Store
from omradesbild.wording import both

#: Groups for the gap measures: indicator whose numerator/denominator are the counts.
GAP_GROUPS: tuple[str, ...] = ("foreign_born", "low_econ_standard", "foreign_background")

#: Indicators whose denominator is the total population (the first present is used).
POPULATION_INDICATORS = ("age_0_19", "age_65_plus", "foreign_born", "foreign_background")

_Row = TypeVar("_Row", bound=BaseModel)


@dataclass
class CityData:
    """One level in scope (a kommun or everything), computed once for the report.

    Its level, boundary version, disclosure threshold and index method are those of ``pic``.
    """

    pic: LevelPicture
    period: str
    lang: str
    areas: pd.DataFrame  # area_code, name, kommun_code, has_geometry (scope)
    profile_codes: list[str]
    geojson: dict[str, Any] | None
    geometry_dissolved: bool
    sources: pd.DataFrame
    method_info: MethodRecord
    picture: CityPicture
    synthetic: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> str:
        return self.pic.indicators.level

    @property
    def version(self) -> str:
        return self.pic.indicators.version

    @property
    def threshold(self) -> int:
        """The disclosure threshold (counts below it are suppressed)."""
        return self.pic.indicators.threshold

    @property
    def method(self) -> IndexMethod:
        assert self.pic.index is not None
        return self.pic.index.method

    @cached_property
    def scope(self) -> frozenset[str]:
        """The codes of the areas in scope (read once: :meth:`profile` asks per area)."""
        return frozenset(self.areas["area_code"].astype(str))

    @cached_property
    def _with_geometry(self) -> frozenset[str]:
        a = self.areas
        return frozenset(a.loc[a["has_geometry"].astype(bool), "area_code"].astype(str))

    def has_geometry(self) -> frozenset[str]:
        """The codes of the areas in scope that have a geometry."""
        return self._with_geometry

    def profile(
        self,
        code: str,
        *,
        lang: str | None = None,
        partner_entries: Sequence[PartnerEntry] = (),
        interventions: Sequence[PartnerEntry] = (),
    ) -> AreaProfile:
        """The :class:`AreaProfile` of ``code`` in the report's period, with the partners'
        approved input and the interventions given (see :mod:`omradesbild.services.partners`)."""
        if code not in self.scope:
            raise NotFoundError(
                both("err_svc_not_in_report", code=code, level=self.level, version=self.version)
            )
        return area_profile(
            self.pic,
            code,
            period=self.period,
            lang=lang or self.lang,
            has_geometry=code in self.has_geometry(),
            partner_entries=partner_entries,
            interventions=interventions,
        )


def _scope(
    store: Store, *, level: str, version: str, kommun: str | None, areas: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    from omradesbild.services.level import kommun_code

    all_areas = store.areas(level=level, version=version)
    if all_areas.empty:
        raise NotFoundError(both("err_no_version", level=level, version=version))
    all_areas = all_areas.assign(
        area_code=all_areas["area_code"].astype(str),
        kommun_code=all_areas["area_code"].astype(str).map(kommun_code),
    )
    scope_areas = all_areas
    if kommun:
        scope_areas = all_areas[all_areas["kommun_code"] == kommun]
        if scope_areas.empty:
            raise NotFoundError(
                both("err_no_areas_in_kommun", level=level, version=version, kommun=kommun)
            )
    scope = set(scope_areas["area_code"])
    if areas:
        missing = sorted(set(areas) - scope)
        if missing:
            key = "err_areas_not_found_kommun" if kommun else "err_areas_not_found"
            codes = ", ".join(missing[:10])
            raise NotFoundError(both(key, level=level, version=version, kommun=kommun, codes=codes))
        return scope_areas, sorted(set(areas))
    return scope_areas, sorted(scope)


def load_city(
    store: Store,
    *,
    level: str = "regso",
    version: str | None = None,
    period: str | None = None,
    lang: str = "sv",
    method: str | IndexMethod = AREA_TYPE_METHOD,
    threshold: int = 5,
    areas: Sequence[str] | None = None,
    kommun: str | None = None,
    draws: int = PAGE_UNCERTAINTY_DRAWS,
    seed: int = 0,
    base_version: str = BASE_VERSION,
    simplify_m: float = 25.0,
    goals_path: Path | None = None,
) -> CityData:
    """Read and compute everything the report shows (one pass over the store).

    Longer than most functions: it is the one place where the report's parameters are
    checked and handed to the level, the geometry and the overview, in that order.

    Parameters
    ----------
    store
        An open :class:`~omradesbild.store.Store`.
    level, version
        The areas profiled (default RegSO 2020).
    period
        The year of the picture; default the latest year in which the index can be computed.
    lang
        ``"sv"`` or ``"en"``.
    method
        Index method id, path or object.
    threshold
        Disclosure threshold (counts below it are suppressed).
    areas
        Only these area codes get a profile page (the overview still covers the scope).
    kommun
        Restrict the scope (overview and profiles) to one kommun's areas; the index's
        reference distribution stays every area of the level in the store. Only what the
        kommun's pages show is computed: every indicator of its areas (and of the areas the
        goals name), the index's components of every area, the kommun's and the country's
        references (:mod:`omradesbild.services.level_scope`); the values are those the
        whole level gives.
    draws, seed
        Monte-Carlo settings of the rank intervals.
    base_version
        Version of the observations aggregated to ``level``.
    simplify_m
        Display simplification tolerance in metres.
    goals_path
        Goal file (default the shipped example).
    """
    from omradesbild.index import load_method
    from omradesbild.services.geometry import display_geometry
    from omradesbild.services.level import level_index
    from omradesbild.services.level_scope import police_of_index
    from omradesbild.services.names import names_by_code
    from omradesbild.services.pipeline import resolve_version
    from omradesbild.wording import check_lang

    lang = check_lang(lang)
    m = method if isinstance(method, IndexMethod) else load_method(method)
    version = resolve_version(store, level, version)
    scope_areas, profile_codes = _scope(
        store, level=level, version=version, kommun=kommun, areas=areas
    )
    lv, refs = _level_data(
        store, level=level, version=version, base_version=base_version, threshold=threshold,
        method=m, shown=set(scope_areas["area_code"]) if kommun else None, goals_path=goals_path,
    )  # fmt: skip
    if not kommun and len(profile_codes) > AreaRecords.RECENT:  # profiles of the whole level
        lv = lv.rows_at_once()
    ix = level_index(lv, m)
    if not ix.results:
        raise NotFoundError(both("err_index_no_period", method=repr(m.id), level=level))
    period = ix.period_or_latest(None if period is None else str(period))
    shown = frozenset(scope_areas["area_code"]) if lv.index_raw is not None else None
    police = police_of_index(
        store,
        level=level,
        version=version,
        period=period,
        index=ix,
        areas=shown,
        base_version=base_version,
    )  # the kommun's areas placed when only they are computed, else every area
    pic = level_picture(
        store, level=level, version=version, method=m, base_version=base_version,
        threshold=threshold, draws=draws, seed=seed, police_period=period, indicators=lv,
        index=ix, references=refs, police=police,
    )  # fmt: skip
    scope = set(scope_areas["area_code"])
    geojson, dissolved = display_geometry(
        store, level=level, version=version, base_version=base_version, codes=scope,
        tolerance=simplify_m,
    )  # fmt: skip
    with_geo = {f["id"] for f in geojson["features"]} if geojson else set()
    scope_areas = scope_areas.assign(has_geometry=scope_areas["area_code"].isin(with_geo))
    sources = store.sources()
    info = method_info(pic, period=period, threshold=threshold, seed=seed)
    picture = city_picture(
        pic, names_by_code(scope_areas), period=period, lang=lang, threshold=threshold,
        goals_path=goals_path, has_geometry=with_geo,
    )  # fmt: skip
    return CityData(
        pic=pic,
        period=period,
        lang=lang,
        areas=scope_areas.reset_index(drop=True),
        profile_codes=profile_codes,
        geojson=geojson,
        geometry_dissolved=dissolved,
        sources=sources,
        method_info=info,
        picture=picture,
        synthetic="syntetisk" in " ".join(sources["publisher"].astype(str)).lower(),
    )


def _level_data(
    store: Store,
    *,
    level: str,
    version: str,
    base_version: str,
    threshold: int,
    method: IndexMethod,
    shown: set[str] | None,
    goals_path: Path | None,
) -> tuple[LevelIndicators, References | None]:
    """The level's indicators and references: of every area, or, when only the areas
    ``shown`` are (one kommun's), of those areas, the areas the goals name and the index's
    components of every area (:mod:`omradesbild.services.level_scope`), with the kommun
    values of their kommuner and the country's (None: every kommun's, as
    :func:`~omradesbild.services.level_picture.level_picture` reads them). When the whole level's
    indicators and references are kept in memory already they are used: the same values."""
    from omradesbild.followup import load_goals
    from omradesbild.followup.goal_file import IndicatorGoal
    from omradesbild.services.cache import peek
    from omradesbild.services.level import level_indicators, references
    from omradesbild.services.level_scope import scoped_level

    kw = {"level": level, "version": version, "base_version": base_version}
    if shown is None:
        return level_indicators(store, **kw, threshold=threshold), None
    every = peek(level_indicators, store, **kw, threshold=threshold)
    refs_kw = {"base_version": base_version, "threshold": threshold}
    if every is not None and peek(references, store, **refs_kw) is not None:
        return every, None  # the whole level at hand (e.g. the web app's): the same values
    named = {g.area_code for g in load_goals(goals_path).goals if isinstance(g, IndicatorGoal)}
    return scoped_level(
        store, level=level, version=version, areas=frozenset(shown | named),
        index_components=tuple(sorted(components(method))), base_version=base_version,
        threshold=threshold,
    )  # fmt: skip


def method_info(pic: LevelPicture, *, period: str, threshold: int, seed: int) -> MethodRecord:
    """Method, catalogue and package versions and the Monte-Carlo settings, for the record
    (the draws those of the rank intervals of ``period``: 0 when none are drawn)."""
    from omradesbild import __version__ as pkg_version
    from omradesbild.indicators import default_catalogue

    assert pic.index is not None
    m = pic.index.method
    _, summary = pic.uncertainty(period)
    return MethodRecord(
        method_id=m.id,
        method_version=str(m.version),
        title_sv=m.title_sv,
        title_en=m.title_en,
        catalogue_version=default_catalogue().version,
        package_version=pkg_version,
        draws=int(summary.get("draws", 0)),
        seed=seed,
        threshold=threshold,
    )


# --------------------------------------------------------------------------- the overview
def _population(pic: LevelPicture, scope: set[str], period: str) -> pd.Series:
    ind = pic.indicators.raw
    for pi in POPULATION_INDICATORS:
        sub = ind[(ind["indicator"] == pi) & (ind["period"] == period)]
        sub = sub[sub["area_code"].isin(scope)]
        if not sub.empty:
            return sub.set_index("area_code")["denominator"].astype("float64")
    return pd.Series(dtype="float64")


def _segregation(pic: LevelPicture, scope: set[str], period: str) -> tuple[SegregationRow, ...]:
    from omradesbild.measures.segregation import segregation_indices

    ind = pic.indicators.indicators
    ind = ind[ind["area_code"].isin(scope) & (ind["period"] == period)]
    parts = [
        pd.DataFrame(
            {
                "group": g,
                "area_code": sub["area_code"],
                "x": sub["numerator"],
                "t": sub["denominator"],
            }
        )
        for g in GAP_GROUPS
        if not (sub := ind[ind["indicator"] == g]).empty
    ]
    if not parts:
        return ()
    gaps = segregation_indices(pd.concat(parts, ignore_index=True))
    return _model_rows(SegregationRow, gaps)


def _model_rows(model: type[_Row], frame: pd.DataFrame) -> tuple[_Row, ...]:
    """One ``model`` per row of ``frame``, from the columns named as its fields (missing
    values as ``None``, numpy scalars as Python's; see :func:`~omradesbild.services.level.
    records`)."""
    return tuple(model(**r) for r in records(frame, list(model.model_fields)))


def _trends_in_scope(pic: LevelPicture, scope: set[str]) -> pd.DataFrame:
    from omradesbild.followup import trend

    empty = pd.DataFrame(columns=["area_code", "indicator", "direction", "slope"])
    ix = pic.index
    if ix is None:
        return empty
    raw = pic.indicators.raw
    sub = raw[raw["area_code"].isin(scope) & raw["indicator"].isin(components(ix.method))]
    n_per = sub.groupby(["area_code", "indicator"])["period"].nunique()
    if not len(n_per) or n_per.max() < 3:
        return empty
    with contextlib.suppress(OmradesbildError):
        return trend(sub)
    return empty


def _priority(
    pic: LevelPicture, index_scope: pd.DataFrame, names: dict[str, str], lang: str
) -> tuple[PriorityRow, ...]:
    from omradesbild.measures.priority import priority_list

    assert pic.index is not None
    trends = _trends_in_scope(pic, set(names))
    pr = priority_list(index_scope, trends, method=pic.index.method)
    labels, _, _ = catalogue_names(lang)
    out = []
    for r in pr.to_dict("records"):
        code = str(r["area_code"])
        out.append(
            PriorityRow(
                code=code,
                name=names.get(code, code),
                rank=_opt_int(r["rank"]),
                score=clean(r["score"]),
                cls=_opt_int(r["class"]),
                by_type=bool(r["by_type"]),
                top=bool(r["top"]),
                worsening=tuple((i, labels.get(i, i), s) for i, s in r["worsening"]),
            )
        )
    return tuple(out)


def _opt_int(x: Any) -> int | None:
    v = clean(x)
    return None if v is None else int(v)


def _police_types(
    pic: LevelPicture, scope: set[str]
) -> tuple[tuple[PoliceTypeRow, ...], tuple[int, ...]]:
    from omradesbild.followup import crosstab_police_types

    ix, listed = pic.index, pic.police.listed
    listed = listed[listed["area_code"].isin(scope)]
    if ix is None or listed.empty:
        return (), ()
    th = pd.DataFrame(
        [(c, p, cls) for c, h in ix.history.items() if c in scope for p, cls in h],
        columns=["area_code", "period", "class"],
    )
    try:  # the numbers of areas alone are shown
        ct = crosstab_police_types(listed, th)
    except OmradesbildError:
        return (), ()
    cols = tuple(sorted(int(c) for c in ct["area_type"].dropna().unique()))
    rows = []
    for (period, cat), g in ct.groupby(["period", "category"], sort=False):
        counts = g.set_index("area_type")["n_areas"].to_dict()
        rows.append(
            PoliceTypeRow(
                period=str(period),
                category=str(cat),
                counts=tuple(int(counts.get(c, 0)) for c in cols),
            )
        )
    return tuple(rows), cols


def city_picture(
    pic: LevelPicture,
    names: dict[str, str],
    *,
    period: str,
    lang: str,
    threshold: int,
    goals_path: Path | None = None,
    has_geometry: set[str] | None = None,
) -> CityPicture:
    """The overview of the areas ``names`` (code -> name) of ``pic`` in ``period``."""
    from omradesbild.measures.segregation import population_by_type

    ix = pic.index
    if ix is None:
        raise NotFoundError(both("err_svc_no_index_at", level=pic.indicators.level))
    scope = set(names)
    unc, summary = pic.uncertainty(period)
    index = ix.results[period]
    index_scope = index[index["area_code"].isin(scope)]
    population = _population(pic, scope, period)
    pop_types = population_by_type(index_scope, population, threshold=threshold)
    type_names = ix.class_names(lang, period)
    pop_types["class_label"] = [type_names.get(int(c), str(c)) for c in pop_types["class"]]
    police_rows, police_cols = _police_types(pic, scope)
    goals, goals_skipped, goals_note = city_goals(pic, scope, lang=lang, goals_path=goals_path)
    geo = has_geometry or set()
    ranking = []
    for code in sorted(scope):
        row = ix.by_area[period].get(code, {})
        u = unc.get(code, {})
        cls = _opt_int(row.get("class"))
        ranking.append(
            RankingRow(
                code=code,
                name=names[code],
                has_geometry=code in geo,
                rank=_opt_int(row.get("rank")),
                low=rank_bounds(u)[0],
                high=rank_bounds(u)[1],
                score=ix.score(code, period),
                cls=cls,
                prob=clean(u.get(f"prob_class_{cls}")) if cls is not None else None,
            )
        )
    ranking.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return CityPicture(
        level=pic.indicators.level,
        version=pic.indicators.version,
        period=period,
        lang=lang,
        method=ix.method.id,
        method_title=ix.method.title_en if lang == "en" else ix.method.title_sv,
        n_areas=len(scope),
        n_reference=ix.n_reference(period),
        draws=int(summary.get("draws", 0) or 0),
        perturbed=tuple(summary.get("perturbed") or ()),
        ranking=tuple(ranking),
        population_by_type=_model_rows(
            TypePopulation, pop_types.rename(columns={"class": "cls", "class_label": "label"})
        ),
        segregation=_segregation(pic, scope, period),
        priority=_priority(pic, index_scope, names, lang),
        police_types=police_rows,
        police_type_columns=police_cols,
        police_available=bool(pic.police.years) and bool(pic.police.known & scope),
        police_unplaced=pic.police.unplaced,
        goals=goals,
        goals_note=goals_note,
        goals_skipped=goals_skipped,
    )
