"""Step 1 of the indicator computation: numerator and denominator counts per base area and
period, evaluated from long observations (and which indicators can be computed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.indicators._shared import (
    COUNT_COLUMNS,
    FloatArray,
    WideObservations,
    check_observations,
    empty_frame,
    eval_term,
    join_notes,
    nearest_period,
    resolve_term,
)
from omradesbild.indicators.catalogue import (
    AgeBands,
    Catalogue,
    Indicator,
    default_catalogue,
    parse_age_band,
)


def indicator_availability(
    observations: pd.DataFrame, *, catalogue: Catalogue | None = None
) -> pd.DataFrame:
    """Which catalogue indicators can be computed from these observations, and why not.

    Returns
    -------
    DataFrame
        Columns ``indicator``, ``available`` (bool), ``missing_variables`` (text or ``None``).
    """
    check_observations(observations)
    cat = catalogue or default_catalogue()
    present = {str(v) for v in observations["variable"].unique()}
    rows = []
    for ind in cat.indicators:
        missing = _missing_for(ind, present)
        rows.append(
            {
                "indicator": ind.id,
                "available": not missing,
                "missing_variables": ", ".join(missing) if missing else None,
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "available", "missing_variables"])


def needed_variables(
    available: Iterable[str],
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
) -> list[str]:
    """The variables of ``available`` that :func:`indicator_counts` can read for these
    indicators: observations of the others can be left out without changing its result.

    Parameters
    ----------
    available
        Variables held (e.g. every variable stored for the base areas).
    catalogue, indicators
        As for :func:`indicator_counts`.

    Returns
    -------
    list of str
        Sorted. Every variable a chosen indicator's terms name, and every age-band variable
        when a term sums age bands (the bands are chosen among those present).
    """
    cat = catalogue or default_catalogue()
    present = {str(v) for v in available}
    wanted: set[str] = set()
    for ind in cat.select(indicators):
        for term in (ind.numerator, ind.denominator):
            if isinstance(term, AgeBands):
                wanted.update(v for v in present if parse_age_band(v) is not None)
            else:
                wanted.update(resolve_term(term, present) or [])
    return sorted(wanted & present)


def _missing_for(ind: Indicator, present: set[str]) -> list[str]:
    missing: list[str] = []
    nvars = resolve_term(ind.numerator, present)
    dvars = resolve_term(ind.denominator, present)
    for term, vars_ in ((ind.numerator, nvars), (ind.denominator, dvars)):
        if vars_ is None:
            assert isinstance(term, AgeBands)
            missing.append(f"({term.describe()}: bands do not cover the range)")
    if nvars is not None:
        absent = [v for v in nvars if v not in present]
        if ind.numerator_absent_is_zero:
            if len(absent) == len(nvars):
                missing.extend(absent)
        else:
            missing.extend(absent)
    if dvars is not None:
        missing.extend(v for v in dvars if v not in present)
    return list(dict.fromkeys(missing))


def indicator_counts(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    level: str = "deso",
    strict: bool = False,
) -> pd.DataFrame:
    r"""Numerator and denominator counts per area, period and indicator.

    Parameters
    ----------
    observations
        Long observations with at least ``area_code``, ``variable``, ``period``, ``value``
        (``area_version`` and ``missing_reason`` are used when present). Duplicate rows for
        the same area, version, variable and period (e.g. ``pop_total`` from several SCB
        tables) are collapsed to the first non-missing value.
    catalogue
        Indicator catalogue; the shipped one by default.
    indicators
        Indicator ids to compute (all by default). Indicators whose variables are absent from
        ``observations`` are skipped (see :func:`indicator_availability`).
    periods
        Numerator periods to compute (all available by default).
    level
        Level label written to the ``level`` column.
    strict
        Raise :class:`~omradesbild.errors.InputError` if an explicitly requested indicator
        cannot be computed.

    Returns
    -------
    DataFrame
        :data:`COUNT_COLUMNS`.

    Notes
    -----
    For each indicator, area :math:`i` and period :math:`t`, the numerator :math:`y_{it}` and
    denominator :math:`n_{it}` are evaluated from the catalogue terms (sums, expressions or
    age bands). A missing input value (SCB's ``..``) makes the term missing — it is never
    treated as zero — and the row's note gives the reason. For indicators with
    ``numerator_absent_is_zero`` (offence counts built from individual reports) an area
    with a denominator but no numerator row has :math:`y_{it} = 0`.

    With ``denominator_period: nearest`` the denominator is taken from period :math:`t` when
    available, otherwise from the nearest period :math:`s` that has it; such rows are flagged
    ``approximate`` and noted ``denominator from s``. For kind ``median`` the numerator is
    :math:`m_{it} \cdot n_{it}` (median times its weight) so that sums give a
    weight-averaged median.
    """
    check_observations(observations)
    cat = catalogue or default_catalogue()
    chosen = cat.select(indicators)
    present = {str(v) for v in observations["variable"].unique()}
    runnable: list[tuple[Indicator, list[str], list[str]]] = []
    for ind in chosen:
        missing = _missing_for(ind, present)
        if missing:
            if strict and indicators is not None:
                raise InputError(
                    f"indicator {ind.id!r} cannot be computed: variables missing from the "
                    "observations",
                    field="variable",
                    expected=", ".join(missing),
                )
            continue
        nvars = resolve_term(ind.numerator, present)
        dvars = resolve_term(ind.denominator, present)
        assert nvars is not None and dvars is not None
        runnable.append((ind, nvars, dvars))
    if not runnable:
        return empty_frame(COUNT_COLUMNS)
    needed = {v for _, n, d in runnable for v in (*n, *d)}
    wide = WideObservations(observations, needed)
    wanted = {str(p) for p in periods} if periods is not None else None
    frames = [_counts_one(ind, nvars, dvars, wide, wanted, level) for ind, nvars, dvars in runnable]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(COUNT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(COUNT_COLUMNS)]


def _counts_one(
    ind: Indicator,
    nvars: list[str],
    dvars: list[str],
    wide: WideObservations,
    wanted: set[str] | None,
    level: str,
) -> pd.DataFrame:
    absent_zero = ind.numerator_absent_is_zero
    mapping = _period_mapping(ind, nvars, dvars, wide, wanted)
    if not mapping:
        return empty_frame(COUNT_COLUMNS)

    num = eval_term(ind.numerator, nvars, wide, absent_zero=absent_zero)
    den = eval_term(ind.denominator, dvars, wide, absent_zero=False)
    if ind.kind == "median":
        num = num * den
    n_present = np.zeros(wide.n, dtype=bool)
    for v in nvars:
        n_present |= wide.present(v)
    d_present = np.zeros(wide.n, dtype=bool)
    for v in dvars:
        d_present |= wide.present(v)
    n_reason = wide.first_reason(nvars)
    d_reason = wide.first_reason(dvars)

    # periods whose denominator is in the same period: one wide row gives both
    same = [p for p, d in mapping.items() if p == d]
    rows = wide.in_periods(same) & (n_present | d_present)
    parts = [
        {
            "area_code": wide.code[rows],
            "area_version": wide.version[rows],
            "period": wide.period[rows],
            "dperiod": wide.period[rows],
            "numerator": num[rows],
            "denominator": den[rows],
            "n_row": n_present[rows],
            "d_row": d_present[rows],
            "n_reason": n_reason[rows],
            "d_reason": d_reason[rows],
        }
    ]
    shifted = {p: d for p, d in mapping.items() if p != d}
    if shifted:
        parts.append(
            _shifted_rows(shifted, wide, num, den, n_present, d_present, n_reason, d_reason)
        )
    cols = {k: np.concatenate([pt[k] for pt in parts]) for k in parts[0]}
    numerator = cols["numerator"].astype(float)
    if absent_zero:
        numerator = np.where(cols["n_row"], numerator, 0.0)
    denominator = cols["denominator"].astype(float)
    d_row = cols["d_row"].astype(bool)

    note, moved = _count_notes(numerator, denominator, d_row, cols)
    text: dict[str, Any] = {k: cols[k] for k in ("area_code", "area_version", "period")}
    if not shifted:  # the rows of the wide table only: their texts are taken as converted
        text = {
            "area_code": wide.text("code")[rows],
            "area_version": wide.text("version")[rows],
            "period": wide.text("period")[rows],
        }
    return pd.DataFrame(
        {
            "area_code": text["area_code"],
            "area_version": text["area_version"],
            "level": level,
            "period": text["period"],
            "indicator": ind.id,
            "numerator": numerator,
            "denominator": denominator,
            "n_parts": 1,
            "partial": False,
            "approximate": moved,
            "note": note,
        }
    )


def _period_mapping(
    ind: Indicator,
    nvars: list[str],
    dvars: list[str],
    wide: WideObservations,
    wanted: set[str] | None,
) -> dict[str, str]:
    """Numerator period → the period its denominator is taken from (same, or nearest)."""
    absent_zero = ind.numerator_absent_is_zero
    nsets = [wide.periods_of.get(v, set()) for v in nvars]
    if absent_zero:
        num_periods: set[str] = set().union(*nsets)
    else:
        num_periods = set.intersection(*nsets) if nsets else set()
    dsets = [wide.periods_of.get(v, set()) for v in dvars]
    den_periods: set[str] = set.intersection(*dsets) if dsets else set()
    if wanted is not None:
        num_periods &= wanted
    mapping: dict[str, str] = {}
    for p in sorted(num_periods):  # a set: fix the order, whatever the hash seed
        if p in den_periods:
            mapping[p] = p
        elif ind.denominator_period == "nearest":
            near = nearest_period(p, den_periods)
            if near is not None:
                mapping[p] = near
    return mapping


def _count_notes(
    numerator: FloatArray,
    denominator: FloatArray,
    d_row: npt.NDArray[np.bool_],
    cols: dict[str, npt.NDArray[Any]],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
    """Each row's note (missing numerator/denominator and why, shifted denominator period)
    and whether its denominator comes from another period."""
    n_note = _missing_note("numerator", np.isnan(numerator), cols["n_reason"])
    d_note = _missing_note("denominator", np.isnan(denominator), cols["d_reason"])
    moved = (cols["period"] != cols["dperiod"]) & d_row
    p_note = np.full(len(numerator), None, dtype=object)
    p_note[moved] = "denominator from " + cols["dperiod"][moved].astype(str).astype(object)
    return join_notes(n_note, d_note, p_note), np.asarray(moved, dtype=bool)


def _missing_note(
    what: str, missing: npt.NDArray[np.bool_], reason: npt.NDArray[Any]
) -> npt.NDArray[np.object_]:
    """``"<what> missing (<reason>)"`` where ``missing`` (``no data`` without a reason)."""
    out = np.full(len(missing), None, dtype=object)
    given = missing & np.asarray(pd.notna(reason), dtype=bool)
    out[given] = f"{what} missing (" + np.asarray(reason, dtype=object)[given] + ")"
    out[missing & ~given] = f"{what} missing (no data)"
    return out


def _area_rows(
    wide: WideObservations, mask: npt.NDArray[np.bool_], **columns: npt.NDArray[Any]
) -> pd.DataFrame:
    """The areas (code, version) of the rows in ``mask``, with ``columns`` of those rows."""
    return pd.DataFrame(
        {
            "area_code": wide.code[mask],
            "area_version": wide.version[mask],
            **{name: values[mask] for name, values in columns.items()},
        }
    )


def _shifted_rows(
    shifted: dict[str, str],
    wide: WideObservations,
    num: FloatArray,
    den: FloatArray,
    n_present: npt.NDArray[np.bool_],
    d_present: npt.NDArray[np.bool_],
    n_reason: npt.NDArray[np.object_],
    d_reason: npt.NDArray[np.object_],
) -> dict[str, npt.NDArray[Any]]:
    """Rows for numerator periods whose denominator comes from another period."""
    nmask = n_present & wide.in_periods(shifted)
    numdf = _area_rows(wide, nmask, period=wide.period, numerator=num, n_reason=n_reason)
    dmask = d_present & wide.in_periods(shifted.values())
    dendf = _area_rows(wide, dmask, dperiod=wide.period, denominator=den, d_reason=d_reason)
    mapdf = pd.DataFrame({"period": list(shifted), "dperiod": list(shifted.values())})
    numdf = numdf.merge(mapdf, on="period", how="left")
    base = mapdf.merge(dendf, on="dperiod", how="inner")
    full = base.merge(
        numdf, on=["area_code", "area_version", "period", "dperiod"], how="outer", indicator=True
    )
    return {
        "area_code": full["area_code"].to_numpy(dtype=object),
        "area_version": full["area_version"].to_numpy(dtype=object),
        "period": full["period"].to_numpy(dtype=object),
        "dperiod": full["dperiod"].to_numpy(dtype=object),
        "numerator": full["numerator"].to_numpy(dtype=float, na_value=np.nan),
        "denominator": full["denominator"].to_numpy(dtype=float, na_value=np.nan),
        "n_row": (full["_merge"] != "left_only").to_numpy(),
        "d_row": (full["_merge"] != "right_only").to_numpy(),
        "n_reason": full["n_reason"].to_numpy(dtype=object),
        "d_reason": full["d_reason"].to_numpy(dtype=object),
    }
