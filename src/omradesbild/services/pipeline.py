"""Store-backed pipeline: thin glue between the store and the pure functions.

The command line, the demo and the reports call these; each reads what it needs from a
:class:`~omradesbild.store.Store`, hands plain DataFrames to the pure functions in
:mod:`omradesbild.indicators` and :mod:`omradesbild.index`, and returns DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Required, TypedDict, Unpack

import pandas as pd

from omradesbild.config import (
    BASE_VERSION,
    DEFAULT_VERSION,
    NEW_DESO_VERSION,
    POPULATION_VARIABLE,
    UNCERTAINTY_DRAWS,
)
from omradesbild.errors import ConfigError, MethodError, NotFoundError
from omradesbild.index.method import IndexMethod
from omradesbild.services.links import links_to
from omradesbild.services.reference import Reference, reference_of, with_reference
from omradesbild.sources.base import (
    Areas,
)
from omradesbild.store import Store
from omradesbild.wording import both

_KEYS = ("area_code", "period")

#: Catalogue domains that belong to each picture (see IndexMethod.picture).
PICTURE_DOMAINS: dict[str, set[str]] = {
    "socioeconomic": {"inkomst", "utbildning", "arbete", "boende", "befolkning", "hushåll"},
    "crime_insecurity": {"brott och trygghet"},
}


def resolve_version(store: Store, level: str, version: str | None) -> str:
    """The boundary version to use for ``level``: as given, the default, or the only one."""
    if version:
        return version
    versions = sorted(
        r[0]
        for r in store.con.execute(
            "SELECT DISTINCT version FROM areas WHERE level = ?", [level]
        ).fetchall()
    )
    default = DEFAULT_VERSION.get(level)
    if default is not None and default in versions:
        return default
    if len(versions) == 1:
        return versions[0]
    if not versions:
        raise NotFoundError(both("err_no_level", level=repr(level)))
    raise ConfigError(both("err_several_versions", level=repr(level), versions=", ".join(versions)))


def area_indicators(
    store: Store,
    *,
    level: str,
    version: str | None = None,
    periods: Sequence[str] | None = None,
    indicators: Sequence[str] | None = None,
    base_version: str = BASE_VERSION,
    smooth: bool = False,
    include_incomplete_crime: bool = False,
    areas: Collection[str] | None = None,
    base: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Indicators for every area of a level, aggregated from counts of the base areas.

    Counts of ``base_version`` areas (DeSO 2018 by default; computed once per store content
    for every period, :func:`~omradesbild.services.base_counts.base_counts`) are summed over
    the stored links
    (composed through intermediate versions when needed) — never averaged. When the level's
    own version has observations too (e.g. SCB's RegSO 2020 series), each indicator takes
    one source for all periods (:func:`~omradesbild.indicators.levels.combine_levels`, as
    :func:`omradesbild.services.levels.level_indicators`; a ``source`` column tells which).
    Offence years that :func:`omradesbild.services.crime.crime_coverage` flags as incomplete
    are dropped from ``crime_rate_*`` indicators unless ``include_incomplete_crime``.

    ``areas`` (codes of the level) keeps only their rows, equal to the rows the whole level
    gives: only the base areas linked to them are summed (unless the level has observations
    of its own, whose source is chosen per indicator on the whole level, or ``smooth``, whose
    estimates borrow from every area; then the whole level is computed and restricted).
    ``base`` is :func:`~omradesbild.services.base_counts.base_counts` when already at hand.
    """
    from omradesbild.indicators import compute_indicators, indicators_from_counts
    from omradesbild.indicators.levels import combine_levels
    from omradesbild.services.base_counts import counts_of, level_observations
    from omradesbild.services.crime import crime_coverage, drop_flagged_crime_indicators
    from omradesbild.store.reads import stored_periods

    version = resolve_version(store, level, version) if level != "country" else "country"
    held = stored_periods(store, area_version=base_version)
    if not held:
        raise NotFoundError(both("err_no_obs_version", version=base_version))
    if periods:
        missing = [str(p) for p in periods if str(p) not in held]
        if len(missing) == len(periods):
            raise NotFoundError(
                both("err_no_period_obs", periods=", ".join(missing), stored=", ".join(held))
            )
    links = None
    if version != base_version and level != "country":
        links = links_to(store, base_version=base_version, level=level, version=version)
    asked = [str(p) for p in periods] if periods else None
    chosen = list(indicators) if indicators else None
    kw = {"periods": asked, "indicators": chosen, "smooth": smooth}
    counts = counts_of(
        store, base_version=base_version, indicators=chosen, periods=asked, every=base
    )
    own_data = version != base_version and level != "country"
    own_data = own_data and bool(stored_periods(store, area_version=version))
    keep = None if areas is None else {str(a) for a in areas}
    if keep is not None and not own_data and not smooth and level != "country":
        counts, links = _restricted(counts, links, keep)
        keep = None if links is not None else keep  # summed over links: only ``areas`` left
    out = indicators_from_counts(counts, links=links, level=level, smooth=smooth)
    # Data published for the level itself (e.g. SCB's RegSO series) and base counts summed
    # over the links: one source per indicator, never both added together.
    if own_data:
        native = level_observations(store, area_version=version, indicators=chosen)
        own = compute_indicators(native, level=level, **kw)  # type: ignore[arg-type]
        out = combine_levels(out, own, periods=kw["periods"])  # type: ignore[arg-type]
    if keep is not None and not out.empty:
        out = out.loc[out["area_code"].astype(str).isin(keep)].reset_index(drop=True)
    coverage = crime_coverage(store)
    if not include_incomplete_crime and not coverage.empty and not out.empty:
        out = drop_flagged_crime_indicators(out, coverage)
    return out


def _restricted(
    counts: pd.DataFrame, links: pd.DataFrame | None, areas: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The base counts and links that the indicators of ``areas`` are summed from.

    Without links (the level is the base version) the counts of ``areas`` themselves. With
    links, the links to ``areas`` and the counts of the base areas they start from: each
    target's sum runs over the same rows in the same order as on the whole level.
    """
    if links is None:
        return counts.loc[counts["area_code"].astype(str).isin(areas)], None
    lk = links.loc[links["to_code"].astype(str).isin(areas)]
    base = set(lk["from_code"].astype(str))
    return counts.loc[counts["area_code"].astype(str).isin(base)], lk


class IndicatorSelection(TypedDict, total=False):
    """The keywords :func:`indicator_table` passes on to :func:`area_indicators`."""

    level: Required[str]
    version: str | None
    periods: Sequence[str] | None
    indicators: Sequence[str] | None
    smooth: bool


def indicator_table(store: Store, **selection: Unpack[IndicatorSelection]) -> pd.DataFrame:
    """:func:`area_indicators` for a reader: the areas' names first
    (:func:`~omradesbild.services.names.with_area_names`).

    Raises
    ------
    NotFoundError
        No indicator can be computed in the periods asked; the message names the periods
        in which they can.
    """
    from omradesbild.followup._common import sort_periods
    from omradesbild.services.names import with_area_names

    out = area_indicators(store, **selection)
    level, periods = selection["level"], selection.get("periods")
    if out.empty and periods:
        every = area_indicators(store, **(selection | {"periods": None, "smooth": False}))
        have = sort_periods(every["period"].astype(str).unique()) if not every.empty else []
        indicators = selection.get("indicators")
        asked, held = ", ".join(map(str, periods)), ", ".join(have) or "–"
        words = {"level": level, "periods": asked, "have": held}
        if indicators:
            ids = ", ".join(indicators)
            raise NotFoundError(both("err_these_not_computable", ids=ids, **words))
        raise NotFoundError(both("err_none_computable", **words))
    ver = None if level == "country" else resolve_version(store, level, selection.get("version"))
    return with_area_names(store, out, level=level, version=ver)


def check_picture(method: IndexMethod) -> None:
    """Refuse a method that mixes socioeconomic and crime/insecurity indicators silently."""
    from omradesbild.indicators import default_catalogue

    if method.picture == "generic":
        return
    allowed = PICTURE_DOMAINS[method.picture]
    cat = default_catalogue()
    wrong = []
    for ind in method.indicators:
        if ind.source_column in cat.ids:
            domain = cat.get(ind.source_column).domain
            if domain not in allowed:
                wrong.append(f"{ind.source_column} ({domain})")
    if wrong:
        raise MethodError(
            both("err_svc_picture_domains", method=repr(method.id), picture=method.picture,
                 indicators=", ".join(wrong))
        )  # fmt: skip


def index_table(ind: pd.DataFrame, method: IndexMethod) -> pd.DataFrame:
    """Wide table (area_code, period + one column per indicator) for :func:`compute_index`.

    Values of unreliable estimates are kept (the index uses every area), the reliability
    travels in ``<indicator>_reliable`` columns for the output.
    """
    wanted = set()
    for ind_spec in method.indicators:
        wanted.add(ind_spec.source_column)
    for fb in method.fallbacks:
        wanted.add(fb.column)
    sub = ind[ind["indicator"].isin(wanted)]
    wide = sub.pivot_table(
        index=["area_code", "period"], columns="indicator", values="value", aggfunc="first"
    )
    wide.columns.name = None
    return wide.reset_index()


@dataclass(frozen=True)
class IndexSelection:
    """What an index is computed for: a method on every area of a level in one period.

    :func:`method_indicators`, :func:`area_index`, :func:`area_index_uncertainty`,
    :func:`~omradesbild.services.index.index_from_store` and
    :func:`~omradesbild.services.harmonize.compare_with_layer_classes` take one; a caller
    builds it once and hands the same selection to each.

    Attributes
    ----------
    method
        The index method.
    level
        The areas' level (``"regso"``, ``"deso"``, a layer such as ``"district"`` …).
    period
        The period of the indicators.
    version
        The level's boundary version; ``None`` takes the level's default
        (:data:`~omradesbild.config.DEFAULT_VERSION`) or the only one stored
        (:meth:`resolved`).
    base_version
        The areas whose counts are summed over the links (DeSO 2018 by default).
    reference_level
        Classify against every area of this level in the store (e.g. all RegSO: the whole
        country when the national tables are ingested) instead of the level's own areas
        (``None``). The Monte-Carlo draws always use the level's own areas.
    include_incomplete_crime
        Keep offence years flagged incomplete (see :func:`area_indicators`).
    """

    method: IndexMethod
    level: str
    period: str
    version: str | None = None
    base_version: str = BASE_VERSION
    reference_level: str | None = None
    include_incomplete_crime: bool = False

    def resolved(self, store: Store) -> IndexSelection:
        """The selection with its boundary version chosen (:func:`resolve_version`); the
        country has none (``None``)."""
        if self.level == "country":
            return replace(self, version=None)
        return replace(self, version=resolve_version(store, self.level, self.version))

    def of_reference(self) -> IndexSelection | None:
        """The same method and period on the reference level's areas (its default version),
        or ``None`` when the level's own areas are the reference."""
        if self.reference_level is None or self.reference_level == self.level:
            return None
        return replace(self, level=self.reference_level, version=None, reference_level=None)


def method_indicators(store: Store, selection: IndexSelection) -> pd.DataFrame:
    """The indicators the selection's method needs (and its fallbacks), for every area of
    its level in its period.

    Offence years flagged incomplete are left out unless ``include_incomplete_crime``
    (see :func:`area_indicators`).

    Raises
    ------
    MethodError
        The method mixes pictures (see :func:`check_picture`).
    NotFoundError
        None of the method's indicators can be computed from the store.
    """
    method, level, period = selection.method, selection.level, selection.period
    check_picture(method)
    of_method = partial(
        area_indicators, store, level=level, version=selection.version,
        indicators=method_indicator_ids(method), base_version=selection.base_version,
    )  # fmt: skip
    ind = of_method(periods=[period], include_incomplete_crime=selection.include_incomplete_crime)
    if ind.empty:
        every = of_method()
        words = {"method": repr(method.id), "level": level, "period": period}
        if every.empty:
            raise NotFoundError(both("err_method_no_variables", **words))
        from omradesbild.followup._common import sort_periods

        have = ", ".join(sort_periods(every["period"].astype(str).unique()))
        raise NotFoundError(both("err_method_not_in_period", have=have, **words))
    return ind


def area_index(store: Store, selection: IndexSelection) -> pd.DataFrame:
    """Compute the selection's index method for every area of its level in its period.

    The reference distribution is every area of the level in the store (for SCB's area
    types: all RegSO in Sweden when the national tables are ingested), or every area of
    the selection's ``reference_level`` when given (e.g. a city's districts against all
    RegSO). The ``reference`` column names it ("riket", "staden Stockholm" …) and classes
    against a non-national reference get relative names
    (:mod:`omradesbild.services.reference`). A stand-in used for a missing indicator is
    named in ``fallback_label_sv``/``fallback_label_en``
    (:func:`~omradesbild.services.standins.with_standin_labels`).
    """
    from omradesbild.index import compute_index

    method = selection.method
    ind = method_indicators(store, selection)
    table = index_table(ind, method)
    ref = None
    of_reference = selection.of_reference()
    if of_reference is not None:
        ref = index_table(method_indicators(store, of_reference), method)
    result = compute_index(
        table, method=method, id_column="area_code", period_column="period", reference=ref
    )
    # The component indicators as values with their reliability flag, for the output.
    rel = index_table(ind.assign(value=ind["reliable"].astype("float64")), method)
    rel = rel.rename(columns={c: f"{c}_reliable" for c in rel.columns if c not in _KEYS})
    for c in rel.columns:
        if c.endswith("_reliable"):
            rel[c] = rel[c].map({1.0: True, 0.0: False}).astype("boolean")
    extra = table.merge(rel, on=list(_KEYS), how="left")
    attrs = dict(result.attrs)
    out = result.merge(extra, on=list(_KEYS), how="left")
    out.attrs = attrs
    from omradesbild.services.standins import with_standin_labels

    ref_areas = table if ref is None else ref
    ref_level = selection.level if of_reference is None else of_reference.level
    reference = _reference(store, ref_areas, level=ref_level)
    return with_reference(with_standin_labels(out), method, reference)


def _reference(store: Store, table: pd.DataFrame, *, level: str) -> Reference:
    """The reference of the areas of ``table`` (of ``level``) that have values."""
    from omradesbild.services.names import area_name_frame, kommun_names

    codes = table["area_code"].astype(str).unique()
    names = area_name_frame(store, level=level, codes=codes)
    return reference_of(names["kommun_code"], kommun_names(store))


def method_indicator_ids(method: IndexMethod) -> list[str]:
    """Catalogue ids of the indicators (and fallbacks) a method needs."""
    from omradesbild.indicators import default_catalogue

    needed = {i.source_column for i in method.indicators} | {f.column for f in method.fallbacks}
    return sorted(needed & set(default_catalogue().ids))


#: Ratio of a 95 % interval's width to the standard error of a normal estimate (2 × 1.96).
CI95_WIDTH_IN_SE = 3.92


def rank_intervals(
    ind: pd.DataFrame,
    table: pd.DataFrame,
    *,
    method: IndexMethod,
    draws: int = UNCERTAINTY_DRAWS,
    seed: int = 0,
    normalisations: Sequence[str] | None = ("own", "zscore", "percentrank_inc"),
    sensitivity: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Monte-Carlo rank intervals and class probabilities from one period's indicators.

    ``ind`` is the long indicator frame of the period (``ci_low``/``ci_high`` give the
    sampling error), ``table`` the wide index table of the same areas (its ``period``
    column, if any, is dropped). Each draw perturbs the weights (Dirichlet around the
    declared weights), picks one of ``normalisations`` (``"own"`` = the method's) and adds
    each indicator's sampling error. A method with ``uncertainty.fixed_formula`` (SCB's
    area types) draws only the sampling error unless ``sensitivity`` names ``weights``
    and/or ``normalisation``.

    Notes
    -----
    The standard error of an indicator is the one implied by its 95 % confidence interval,
    :math:`\\mathrm{SE} = (\\mathrm{high} - \\mathrm{low}) / 3.92`.
    """
    from omradesbild.index.uncertainty import monte_carlo

    se_long = ind.assign(value=(ind["ci_high"] - ind["ci_low"]) / CI95_WIDTH_IN_SE)
    se = index_table(se_long, method).drop(columns="period").fillna(0.0)
    norms = [method.normalisation.method if n == "own" else n for n in (normalisations or ["own"])]
    return monte_carlo(
        table.drop(columns="period", errors="ignore"),
        method=method,
        id_column="area_code",
        draws=draws,
        seed=seed,
        normalisations=list(dict.fromkeys(norms)),
        indicator_se=se,
        sensitivity=sensitivity,
        progress=progress,
    )


class DrawOptions(TypedDict, total=False):
    """The Monte-Carlo keywords of :func:`rank_intervals` (its defaults apply)."""

    draws: int
    seed: int
    normalisations: Sequence[str] | None
    sensitivity: Sequence[str]
    progress: Callable[[int, int], None] | None


def area_index_uncertainty(
    store: Store, selection: IndexSelection, **options: Unpack[DrawOptions]
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Monte-Carlo rank intervals and class probabilities for every area of the selection
    (one period, against the level's own areas).

    Reads the method's indicators from the store and calls :func:`rank_intervals` with
    ``options``.
    """
    ind = method_indicators(store, selection)
    method = selection.method
    return rank_intervals(ind, index_table(ind, method), method=method, **options)


def code_rule_from_store(
    store: Store,
    *,
    from_version: str = BASE_VERSION,
    to_version: str = NEW_DESO_VERSION,
    population_variable: str | None = POPULATION_VARIABLE,
) -> Areas:
    """DeSO 2018 -> 2025 links by SCB's code rule for the kommuner present in both versions.

    Splits are weighted by the 2025 population (the latest period of
    ``population_variable`` stored for the 2025 areas) when it covers every split area,
    else split equally. The result is an :class:`Areas` ready for ``store.ingest``.
    """
    from omradesbild.areas.codes import kommun_of
    from omradesbild.harmonize.code_rule import code_rule_crosswalk

    d25 = store.areas(level="deso", version=to_version)["area_code"].tolist()
    if not d25:
        raise NotFoundError(both("err_no_version", level="DeSO", version=to_version))
    kommuner = {kommun_of(c) for c in d25}
    d18 = [
        c
        for c in store.areas(level="deso", version=from_version)["area_code"].tolist()
        if kommun_of(c) in kommuner
    ]
    if not d18:
        raise NotFoundError(
            both("err_svc_no_deso_in_kommuner", from_version=from_version,
                 to_version=to_version, kommuner=", ".join(sorted(kommuner)))
        )  # fmt: skip
    pop: dict[str, float] | None = None
    if population_variable:
        obs = store.observations(variables=[population_variable], area_version=to_version)
        obs = obs[obs["value"].notna()]
        if not obs.empty:
            latest = obs[obs["period"] == obs["period"].max()]
            pop = dict(zip(latest["area_code"], latest["value"].astype(float), strict=True))
            if not set(d25) <= set(pop):
                pop = None
    cw = code_rule_crosswalk(d18, d25, population2025=pop)
    return Areas.of_links(
        cw.links,
        publisher="Områdesbild",
        table_id=f"code-rule-{from_version}-{to_version}",
        title=f"{from_version} -> {to_version} enligt SCB:s kodregel"
        + (" (befolkningsviktad vid delning)" if pop else " (lika delning)"),
        reference=f"code-rule:{from_version}->{to_version}",
        notes=(
            f"unmatched {from_version}: {len(cw.unmatched_2018)}; "
            f"unmatched {to_version}: {len(cw.unmatched_2025)}"
        ),
    )
