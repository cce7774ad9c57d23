"""Step 1 of the indicator computation: numerator and denominator counts per base area and
period, evaluated from long observations (and which indicators can be computed)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.indicators._shared import (
    FloatArray,
    WideObservations,
    check_observations,
    eval_term,
    join_notes,
    nearest_period,
    resolve_term,
)
from omradesbild.indicators.blocks import CountBlock, CountBlocks
from omradesbild.indicators.catalogue import (
    AgeBands,
    Catalogue,
    Indicator,
    default_catalogue,
    parse_age_band,
)
from omradesbild.indicators.notes import (
    DENOMINATOR_FROM,
    DENOMINATOR_MISSING,
    DENOMINATOR_NO_DATA,
    NUMERATOR_MISSING,
    NUMERATOR_NO_DATA,
    NoteForm,
)
from omradesbild.wording import Message


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
        :data:`COUNT_COLUMNS`. Rows indicator by indicator, in the order of ``indicators``
        (the catalogue's when ``None``); within an indicator, first the rows whose
        denominator is of the same period, in the order in which each (area, version,
        period) first appears among the observations of the variables the chosen
        indicators read, then those whose denominator comes from another period, ordered
        by area code, version, period and denominator period (as text). Callers (e.g.
        :func:`~omradesbild.services.base_counts.counts_of`) rely on this order.

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
    blocks = count_blocks(
        observations, catalogue=catalogue, indicators=indicators, periods=periods, strict=strict
    )
    return blocks.frame(level)


def count_blocks(
    observations: pd.DataFrame,
    *,
    catalogue: Catalogue | None = None,
    indicators: Sequence[str] | None = None,
    periods: Iterable[str] | None = None,
    strict: bool = False,
) -> CountBlocks:
    """:func:`indicator_counts` before its rows are one frame: a block of rows per
    indicator (:meth:`~omradesbild.indicators.blocks.CountBlocks.frame` gives the frame).
    The parameters are :func:`indicator_counts`'."""
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
                    Message("err_ana_variables_missing", indicator=repr(ind.id)),
                    field="variable",
                    expected=", ".join(missing),
                )
            continue
        nvars = resolve_term(ind.numerator, present)
        dvars = resolve_term(ind.denominator, present)
        assert nvars is not None and dvars is not None
        runnable.append((ind, nvars, dvars))
    if not runnable:
        return CountBlocks([], None)
    needed = {v for _, n, d in runnable for v in (*n, *d)}
    wide = WideObservations(observations, needed)
    wanted = {str(p) for p in periods} if periods is not None else None
    blocks = [_counts_one(ind, nvars, dvars, wide, wanted) for ind, nvars, dvars in runnable]
    return CountBlocks([b for b in blocks if b is not None and len(b.row)], wide)


def _counts_one(
    ind: Indicator,
    nvars: list[str],
    dvars: list[str],
    wide: WideObservations,
    wanted: set[str] | None,
) -> CountBlock | None:
    absent_zero = ind.numerator_absent_is_zero
    mapping = _period_mapping(ind, nvars, dvars, wide, wanted)
    if not mapping:
        return None

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
    rows = np.flatnonzero(wide.in_periods(same) & (n_present | d_present))
    parts = [
        {
            "row": rows,
            "period": wide.period_code[rows],
            "dperiod": wide.period_code[rows],
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
    cols = (
        parts[0]
        if len(parts) == 1
        else {k: np.concatenate([pt[k] for pt in parts]) for k in parts[0]}
    )
    numerator = cols["numerator"].astype(float)
    if absent_zero:
        numerator = np.where(cols["n_row"], numerator, 0.0)
    denominator = cols["denominator"].astype(float)
    d_row = cols["d_row"].astype(bool)
    note, code, moved = _count_notes(numerator, denominator, d_row, cols, wide.period_names)
    return CountBlock(
        ind.id, cols["row"], cols["period"], numerator, denominator, moved, note, code
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


#: The count note of a row whose denominator was taken from another period ``s``
#: (``denominator_period: nearest``, :data:`~omradesbild.indicators.notes.DENOMINATOR_FROM`):
#: :func:`denominator_note` writes it, and :func:`denominator_periods` reads ``s`` back
#: (a period has no spaces, nor the semicolon that separates joined notes).
_DENOMINATOR_NOTE_RE = re.compile(DENOMINATOR_FROM.regex)


def denominator_note(period: str) -> str:
    """The count note of a row whose denominator comes from ``period``."""
    return DENOMINATOR_FROM.text(period=period)


def denominator_periods(notes: pd.Series) -> pd.Series:
    """The period each note says the row's denominator comes from (:func:`denominator_note`,
    alone or joined with other notes), NaN where it says none."""
    text = notes.astype(object).where(notes.notna(), "")
    return text.str.extract(_DENOMINATOR_NOTE_RE, expand=False)


def _count_notes(
    numerator: FloatArray,
    denominator: FloatArray,
    d_row: npt.NDArray[np.bool_],
    cols: dict[str, npt.NDArray[Any]],
    period_names: Sequence[str],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Each row's note (missing numerator/denominator and why, shifted denominator period),
    its code (equal for equal notes, ``-1`` for none) and whether its denominator comes
    from another period (``cols``' ``period`` and ``dperiod``: codes of ``period_names``)."""
    n_miss, d_miss = np.isnan(numerator), np.isnan(denominator)
    moved = np.asarray((cols["period"] != cols["dperiod"]) & d_row, dtype=bool)
    note = np.full(len(numerator), None, dtype=object)
    code = np.full(len(numerator), -1, dtype=np.intp)
    names = np.asarray([denominator_note(p) for p in period_names], dtype=object)
    if moved.any():  # the denominator's period: the whole note where nothing is missing
        note[moved] = names[cols["dperiod"][moved]]
        code[moved] = cols["dperiod"][moved]
    at = np.flatnonzero(n_miss | d_miss)  # the rows with a missing value (joined notes)
    if len(at):
        note[at] = join_notes(
            _missing_note(NUMERATOR_MISSING, NUMERATOR_NO_DATA, n_miss[at], cols["n_reason"][at]),
            _missing_note(
                DENOMINATOR_MISSING, DENOMINATOR_NO_DATA, d_miss[at], cols["d_reason"][at]
            ),
            note[at],
        )
        # numbered with the periods' notes: a text equal to one of them takes its code
        joined, _ = pd.factorize(np.concatenate([names, note[at]]))
        code[at] = joined[len(names) :]
    return note, code, moved


def _missing_note(
    with_reason: NoteForm,
    no_data: NoteForm,
    missing: npt.NDArray[np.bool_],
    reason: npt.NDArray[Any],
) -> npt.NDArray[np.object_]:
    """The note ``with_reason`` (``"<what> missing (<reason>)"``) where ``missing``, and
    ``no_data`` where the source gave no reason."""
    out = np.full(len(missing), None, dtype=object)
    given = missing & np.asarray(pd.notna(reason), dtype=bool)
    out[given] = with_reason.fill(reason=np.asarray(reason, dtype=object)[given])
    out[missing & ~given] = no_data.text()
    return out


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
    """Rows for numerator periods whose denominator comes from another period.

    Each area's numerator in period :math:`p` meets its denominator in period
    :math:`d(p)` (``shifted``): a row for every area with either, in the order of the
    texts (area code, version, period, denominator period), as an outer join sorts its
    keys. ``row``, ``period`` and ``dperiod`` are positions: a wide row of the area, codes
    of ``wide.period_names``.
    """
    code = {p: i for i, p in enumerate(wide.period_names)}
    target = np.full(len(code), -1, dtype=np.intp)  # period code -> its denominator's
    for p, d in shifted.items():
        target[code[p]] = code[d]
    n_idx = np.flatnonzero(n_present & (target[wide.period_code] >= 0))
    n_period = wide.period_code[n_idx]
    d_sides = [
        (code[p], np.flatnonzero(d_present & (wide.period_code == code[d])))
        for p, d in shifted.items()
    ]
    d_idx = np.concatenate([rows for _, rows in d_sides])
    d_period = np.repeat([p for p, _ in d_sides], [len(rows) for _, rows in d_sides])
    d_period = d_period.astype(np.intp)
    # one slot per (area, period) (the denominator period follows from the period), in
    # the order of the texts: each side's rows in the slots they fill, the slots filled
    area, rank, n_codes = wide.area_rank(), wide.period_ranks(), len(code)
    n_slots = (int(area.max()) + 1 if len(area) else 0) * n_codes
    n_at = np.full(n_slots, -1, dtype=np.intp)
    n_at[area[n_idx] * n_codes + rank[n_period]] = np.arange(len(n_idx))
    d_at = np.full(n_slots, -1, dtype=np.intp)
    d_at[area[d_idx] * n_codes + rank[d_period]] = np.arange(len(d_idx))
    filled = np.flatnonzero((n_at >= 0) | (d_at >= 0))
    n_at, d_at = n_at[filled], d_at[filled]
    n_row, d_row = n_at >= 0, d_at >= 0
    # a side's position -1 (no row there) picks the appended 0, then left unused
    n_pick, d_pick = np.append(n_idx, 0)[n_at], np.append(d_idx, 0)[d_at]
    period = np.where(n_row, np.append(n_period, 0)[n_at], np.append(d_period, 0)[d_at])
    n_why = np.full(len(filled), None, dtype=object)
    n_why[n_row] = n_reason[n_pick[n_row]]
    d_why = np.full(len(filled), None, dtype=object)
    d_why[d_row] = d_reason[d_pick[d_row]]
    return {
        "row": np.where(n_row, n_pick, d_pick),
        "period": period,
        "dperiod": target[period],
        "numerator": np.where(n_row, num[n_pick], np.nan),
        "denominator": np.where(d_row, den[d_pick], np.nan),
        "n_row": n_row,
        "d_row": d_row,
        "n_reason": n_why,
        "d_reason": d_why,
    }
