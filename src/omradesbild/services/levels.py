"""Indicators, change and trend from observations stored at the level itself as well as DeSO.

:func:`level_indicators` computes each indicator either from base-area (DeSO 2018) counts
summed over the stored links or from the observations published for the level's own version
(e.g. SCB's RegSO series), one source per indicator (:func:`~omradesbild.indicators.levels.
combine_levels`). :func:`change_table` and :func:`trend_table` use it; when the level has no
observations of its own they use the base-area counts of :mod:`omradesbild.services.followup`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from omradesbild.config import BASE_VERSION, DEFAULT_CONFIDENCE
from omradesbild.errors import ConfigError, NotFoundError
from omradesbild.followup._common import sort_periods
from omradesbild.followup.change import trend
from omradesbild.indicators import compute_indicators, reference_values
from omradesbild.indicators.levels import AGGREGATED, choose_level_sources, combine_levels
from omradesbild.services.base_counts import level_observations
from omradesbild.services.followup._common import (
    between,
    check_indicators,
    check_kommun,
    span_message,
    store_periods,
)
from omradesbild.services.followup.change import (
    ChangeQuery,
    base_change_input,
    base_indicators,
    change_with_references,
    of_kommun,
)
from omradesbild.services.links import compose_links
from omradesbild.services.pipeline import resolve_version
from omradesbild.store import Store
from omradesbild.wording import both


def has_native(store: Store, level: str, version: str | None) -> bool:
    """Whether the store holds observations for the level's own boundary version."""
    if level in ("deso", "country"):
        return False
    ver = resolve_version(store, level, version)
    return ver != BASE_VERSION and bool(store_periods(store, area_version=ver))


def _aggregated(
    store: Store, level: str, version: str, periods: list[str], inds: list[str] | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Every stored period is read, not only ``periods``: a rate whose denominator is taken
    # from the nearest year (``denominator_period: nearest``) must find that year among them.
    obs = level_observations(store, area_version=BASE_VERSION, indicators=inds)
    empty = pd.DataFrame(columns=["area_code", "indicator", "period", "value"])
    if obs.empty:
        return empty, obs
    links = None
    if version != BASE_VERSION and level != "country":
        try:
            links = compose_links(store.links(), from_version=BASE_VERSION, to_version=version)
        except NotFoundError:
            return empty, obs
    ind = compute_indicators(obs, links=links, level=level, periods=periods, indicators=inds)
    return ind, obs


def level_indicators(
    store: Store,
    *,
    level: str,
    periods: Sequence[str],
    indicators: Sequence[str] | None = None,
    version: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Indicators of every area of a level, one source per indicator.

    Returns
    -------
    tuple
        The indicators (:func:`~omradesbild.indicators.compute_indicators`' columns plus
        ``source``), the kommun and country reference values computed from the same source,
        and the source chosen per indicator (``aggregated``: DeSO counts summed over the
        links; ``native``: the level's own observations).
    """
    ver = resolve_version(store, level, version) if level != "country" else "country"
    ps = [str(p) for p in periods]
    inds = check_indicators(indicators)
    agg, base_obs = _aggregated(store, level, ver, ps, inds)
    native_obs = (
        level_observations(store, area_version=ver, indicators=inds)
        if ver not in (BASE_VERSION, "country")
        else base_obs.iloc[0:0]
    )
    native = (
        compute_indicators(native_obs, level=level, periods=ps, indicators=inds)
        if not native_obs.empty
        else agg.iloc[0:0]
    )
    sources = choose_level_sources(agg, native, periods=ps)
    ind = combine_levels(agg, native, periods=ps, sources=sources)
    refs = []
    for obs, label in ((base_obs, AGGREGATED), (native_obs, "native")):
        want = sorted(k for k, v in sources.items() if v == label)
        if want and not obs.empty:
            refs.append(reference_values(obs, indicators=want, periods=ps))
    ref = pd.concat(refs, ignore_index=True) if refs else pd.DataFrame()
    return ind, ref, sources


def change_table(
    store: Store,
    *,
    level: str,
    period_from: str | int,
    period_to: str | int,
    indicators: Sequence[str] | None = None,
    version: str | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
    kommun: str | None = None,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """Change of indicators between two periods per area, next to its kommun and the country.

    Columns: :func:`~omradesbild.services.followup.change.change_with_references`. Without
    observations stored for the level's version the indicators and the kommun and country
    references are summed from base-area (DeSO) counts
    (:func:`~omradesbild.services.followup.change.base_change_input`). Otherwise each
    indicator comes from one source for both periods (:func:`level_indicators`, named in a
    ``source`` column), and the references from that same source. ``kommun`` (e.g.
    ``"0180"``) keeps only the areas of that kommun. Either way, crime rates are left out
    when either period is a year the offence extract does not cover
    (:func:`omradesbild.services.crime.crime_coverage`) unless ``include_incomplete``.
    The areas' names lead the table (:func:`~omradesbild.services.names.with_area_names`).

    Raises
    ------
    NotFoundError
        A period in which no area has a value of any indicator asked for, or has none but
        crime rates of a year the extract does not cover (left out): a table whose every
        row says "no value" would say nothing.
    """
    periods = (str(period_from), str(period_to))
    query = ChangeQuery(level, version, periods, indicators, kommun)
    native = has_native(store, level, version)
    ind, ref = (_native_change_input if native else base_change_input)(store, query)
    out = change_with_references(ind, ref, periods, confidence=confidence).reset_index(drop=True)
    _check_values(store, out, query)
    if not include_incomplete:
        kept = _without_unusable_years(store, out, *periods)
        if _missing(kept, periods):  # every value of a period was such a crime rate
            dropped = out.loc[~out.index.isin(kept.index)]
            raise NotFoundError(
                both("err_change_only_incomplete", level=level,
                     periods=", ".join(_unusable_periods(store, dropped, periods)))
            )  # fmt: skip
        out = kept.reset_index(drop=True)
    return _named(store, out, level, version)


def _named(store: Store, df: pd.DataFrame, level: str, version: str | None) -> pd.DataFrame:
    from omradesbild.services.names import with_area_names

    ver = None if level == "country" else resolve_version(store, level, version)
    return with_area_names(store, df, level=level, version=ver)


def _without_unusable_years(
    store: Store, out: pd.DataFrame, p_from: str, p_to: str
) -> pd.DataFrame:
    """``out`` without the crime rates of a period the offence extract does not cover."""
    if out.empty:
        return out
    from omradesbild.followup.crime_coverage import unusable_years
    from omradesbild.services.crime import crime_coverage

    bad = unusable_years(crime_coverage(store))
    if not bad:
        return out
    flagged = [bool(o) and ((o, p_from) in bad or (o, p_to) in bad) for o in _offences(out)]
    return out.loc[[not f for f in flagged]]


def _offences(out: pd.DataFrame) -> pd.Series:
    """The offence code of each row's crime rate (``""`` for another indicator)."""
    codes = out["indicator"].astype(str)
    return codes.where(codes.str.startswith("crime_rate_"), "").str.removeprefix("crime_rate_")


def _unusable_periods(store: Store, rows: pd.DataFrame, periods: tuple[str, str]) -> list[str]:
    """The ``periods`` that are years the offence extract does not cover for a crime rate of
    ``rows`` (:func:`_without_unusable_years` left those rows out)."""
    from omradesbild.followup.crime_coverage import unusable_years
    from omradesbild.services.crime import crime_coverage

    bad = unusable_years(crime_coverage(store))
    offences = set(_offences(rows)) - {""}
    return [p for p in periods if any((o, p) in bad for o in offences)]


def _missing(out: pd.DataFrame, periods: tuple[str, str]) -> list[str]:
    """The ``periods`` (from, to) in which no row of the change table ``out`` has a value."""
    cols = ("value_from", "value_to")
    return [
        p for p, col in zip(periods, cols, strict=True)
        if out.empty or col not in out or out[col].isna().all()
    ]  # fmt: skip


def _native_change_input(store: Store, query: ChangeQuery) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicators of both periods (one source each, of the kommun when given) and
    their kommun and country values."""
    level, version = query.level, query.version
    kommun = check_kommun(query.kommun)
    p_from, p_to = query.periods
    if p_from == p_to:
        raise ConfigError(both("err_same_periods", period=p_from))
    ind, ref, _ = level_indicators(
        store, level=level, periods=[p_from, p_to], indicators=query.indicators, version=version
    )
    have = set(ind["period"].astype(str)) if not ind.empty else set()
    missing = [p for p in (p_from, p_to) if p not in have]
    if missing:
        stored = {*store_periods(store), *_native_periods(store, level, version)}
        raise NotFoundError(
            both("err_no_values_at_level", level=level, periods=", ".join(missing),
                 stored=", ".join(sort_periods(stored)))
        )  # fmt: skip
    return of_kommun(ind, kommun, level=level), ref


def _check_values(store: Store, out: pd.DataFrame, query: ChangeQuery) -> None:
    """A period of the change in which no area has a value of any indicator asked for is a
    :class:`NotFoundError` naming it (as the level's own data gives it,
    :func:`_native_change_input`), not a table whose every row says so."""
    missing = _missing(out, query.periods)
    if missing:
        stored = {*store_periods(store), *_native_periods(store, query.level, query.version)}
        raise NotFoundError(
            both("err_no_values_at_level", level=query.level, periods=", ".join(missing),
                 stored=", ".join(sort_periods(stored)))
        )  # fmt: skip


def _native_periods(store: Store, level: str, version: str | None) -> list[str]:
    if level in ("deso", "country"):
        return []
    return store_periods(store, area_version=resolve_version(store, level, version))


def trend_table(
    store: Store,
    *,
    level: str,
    indicators: Sequence[str] | None = None,
    period_from: str | int | None = None,
    period_to: str | int | None = None,
    version: str | None = None,
    weighted: bool = True,
    confidence: float = DEFAULT_CONFIDENCE,
    include_incomplete: bool = False,
) -> pd.DataFrame:
    """Linear trend per area and indicator over the stored periods in ``[from, to]``
    (:func:`~omradesbild.followup.change.trend`).

    Indicators are summed from base-area (DeSO) counts unless the level has observations
    of its own (then one source per indicator over all periods, named in a ``source``
    column) or offence years the crime extracts do not cover are to be left out
    (:func:`omradesbild.services.crime.crime_coverage`; kept with ``include_incomplete``).
    The areas' names lead the table (:func:`~omradesbild.services.names.with_area_names`).
    """
    from omradesbild.followup.crime_coverage import unusable_years
    from omradesbild.services.crime import crime_coverage, drop_flagged_crime_indicators

    coverage = crime_coverage(store)
    flagged = bool(unusable_years(coverage)) and not include_incomplete
    stored = sort_periods({*store_periods(store), *_native_periods(store, level, version)})
    periods = between(stored, period_from, period_to)
    if not periods:
        raise NotFoundError(
            both("err_no_periods_between", span=span_message(period_from, period_to),
                 stored=", ".join(stored))
        )  # fmt: skip
    if has_native(store, level, version) or flagged:
        ind, _, _ = level_indicators(
            store, level=level, periods=periods, indicators=indicators, version=version
        )
        if flagged:
            ind = drop_flagged_crime_indicators(ind, coverage)
    else:
        ind = base_indicators(
            store, level=level, version=version, periods=periods, indicators=indicators
        )
    if ind.empty:
        raise NotFoundError(
            both("err_no_indicators_level", level=level, periods=", ".join(map(str, periods)))
        )
    out = trend(ind, weighted=weighted, confidence=confidence)
    if "source" in ind.columns:
        src = ind.drop_duplicates("indicator").set_index("indicator")["source"]
        out = out.assign(source=out["indicator"].map(src))
    return _named(store, out, level, version)
