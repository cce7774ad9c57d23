"""The base areas' counts equal those of the frame-per-indicator implementation they replaced.

:func:`reference_indicator_counts` below computes the counts as the earlier implementation
of :func:`~omradesbild.indicators.indicator_counts` did: a frame per indicator, the rows
whose denominator comes from another period (crime rates: the nearest population year)
found by three pandas merges (the last an outer join, which sorts its keys), the frames
concatenated. The positional implementation (one frame, the shifted rows joined by NumPy)
must give the same frame, cell by cell, dtypes, row order and missing-value objects of the
notes included, on random observations (several versions, periods with and without a
population, missing values with and without reasons, duplicate cells) and on the real data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omradesbild.indicators import COUNT_COLUMNS, indicator_counts
from omradesbild.indicators._shared import (
    WideObservations,
    check_observations,
    empty_frame,
    eval_term,
    join_notes,
    resolve_term,
)
from omradesbild.indicators.catalogue import Indicator, default_catalogue
from omradesbild.indicators.counts import _missing_for, _missing_note, _period_mapping

INDICATORS = ["crime_rate_1211", "crime_rate_1210", "foreign_born", "median_income", "age_0_19"]


def reference_indicator_counts(
    observations: pd.DataFrame, *, indicators: list[str] | None = None, level: str = "base"
) -> pd.DataFrame:
    """``indicator_counts`` as it was: a frame per indicator, concatenated."""
    check_observations(observations)
    cat = default_catalogue()
    present = {str(v) for v in observations["variable"].unique()}
    runnable = []
    for ind in cat.select(indicators):
        if _missing_for(ind, present):
            continue
        nvars, dvars = resolve_term(ind.numerator, present), resolve_term(ind.denominator, present)
        assert nvars is not None and dvars is not None
        runnable.append((ind, nvars, dvars))
    if not runnable:
        return empty_frame(COUNT_COLUMNS)
    wide = WideObservations(observations, {v for _, n, d in runnable for v in (*n, *d)})
    frames = [_reference_one(ind, n, d, wide, level) for ind, n, d in runnable]
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame(COUNT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(COUNT_COLUMNS)]


def _reference_one(
    ind: Indicator, nvars: list[str], dvars: list[str], wide: WideObservations, level: str
) -> pd.DataFrame:
    mapping = _period_mapping(ind, nvars, dvars, wide, None)
    if not mapping:
        return empty_frame(COUNT_COLUMNS)
    absent_zero = ind.numerator_absent_is_zero
    num = eval_term(ind.numerator, nvars, wide, absent_zero=absent_zero)
    den = eval_term(ind.denominator, dvars, wide, absent_zero=False)
    if ind.kind == "median":
        num = num * den
    n_present = np.logical_or.reduce([wide.present(v) for v in nvars])
    d_present = np.logical_or.reduce([wide.present(v) for v in dvars])
    n_reason, d_reason = wide.first_reason(nvars), wide.first_reason(dvars)
    same = [p for p, d in mapping.items() if p == d]
    rows = wide.in_periods(same) & (n_present | d_present)
    cols: dict[str, npt.NDArray[Any]] = {
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
    shifted = {p: d for p, d in mapping.items() if p != d}
    if shifted:
        more = _reference_shifted(shifted, wide, num, den, n_present, d_present, n_reason, d_reason)
        cols = {k: np.concatenate([cols[k], more[k]]) for k in cols}
    numerator = cols["numerator"].astype(float)
    if absent_zero:
        numerator = np.where(cols["n_row"], numerator, 0.0)
    denominator = cols["denominator"].astype(float)
    moved = (cols["period"] != cols["dperiod"]) & cols["d_row"].astype(bool)
    p_note = np.full(len(numerator), None, dtype=object)
    p_note[moved] = "denominator from " + cols["dperiod"][moved].astype(str).astype(object)
    note = join_notes(
        _missing_note("numerator", np.isnan(numerator), cols["n_reason"]),
        _missing_note("denominator", np.isnan(denominator), cols["d_reason"]),
        p_note,
    )
    return pd.DataFrame(
        {
            "area_code": cols["area_code"],
            "area_version": cols["area_version"],
            "level": level,
            "period": cols["period"],
            "indicator": ind.id,
            "numerator": numerator,
            "denominator": denominator,
            "n_parts": 1,
            "partial": False,
            "approximate": np.asarray(moved, dtype=bool),
            "note": note,
        }
    )


def _reference_shifted(
    shifted: dict[str, str],
    wide: WideObservations,
    num: npt.NDArray[np.float64],
    den: npt.NDArray[np.float64],
    n_present: npt.NDArray[np.bool_],
    d_present: npt.NDArray[np.bool_],
    n_reason: npt.NDArray[np.object_],
    d_reason: npt.NDArray[np.object_],
) -> dict[str, npt.NDArray[Any]]:
    """The shifted rows by three merges, the last an outer join (sorted keys)."""

    def area_rows(mask: npt.NDArray[np.bool_], **columns: npt.NDArray[Any]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "area_code": wide.code[mask],
                "area_version": wide.version[mask],
                **{name: values[mask] for name, values in columns.items()},
            }
        )

    nmask = n_present & wide.in_periods(shifted)
    numdf = area_rows(nmask, period=wide.period, numerator=num, n_reason=n_reason)
    dmask = d_present & wide.in_periods(shifted.values())
    dendf = area_rows(dmask, dperiod=wide.period, denominator=den, d_reason=d_reason)
    mapdf = pd.DataFrame({"period": list(shifted), "dperiod": list(shifted.values())})
    numdf = numdf.merge(mapdf, on="period", how="left")
    base = mapdf.merge(dendf, on="dperiod", how="inner")
    keys = ["area_code", "area_version", "period", "dperiod"]
    full = base.merge(numdf, on=keys, how="outer", indicator=True)
    return {
        **{k: full[k].to_numpy(dtype=object) for k in keys},
        "numerator": full["numerator"].to_numpy(dtype=float, na_value=np.nan),
        "denominator": full["denominator"].to_numpy(dtype=float, na_value=np.nan),
        "n_row": (full["_merge"] != "left_only").to_numpy(),
        "d_row": (full["_merge"] != "right_only").to_numpy(),
        "n_reason": full["n_reason"].to_numpy(dtype=object),
        "d_reason": full["d_reason"].to_numpy(dtype=object),
    }


def assert_same_counts(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal frames, dtypes and the notes' missing-value objects (None or NaN) included."""
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    kinds = [[type(x) for x in f["note"].to_numpy(dtype=object)] for f in (got, want)]
    assert kinds[0] == kinds[1]


@st.composite
def observations(draw: st.DrawFn) -> pd.DataFrame:
    # codes out of order and not sorted as first seen: the sorted outer join must be kept
    cells = st.tuples(
        st.sampled_from(["0180C1020", "0180C1010", "0114A0010", "0180C1010x"]),
        st.sampled_from(["deso2018", "deso2025", ""]),
        st.sampled_from(
            [
                "pop_total",
                "crime_1211",
                "crime_1210",
                "pop_born_sweden",
                "income_net_median_tkr",
                "income_persons_20plus",
                "pop_0_19",
            ]
        ),
        st.sampled_from(["2023", "2019", "2020", "2022", "2024", "2017"]),
        st.sampled_from([np.nan, 0.0, 1.0, 7.5, 300.0]),
        st.sampled_from([None, "..", "", "suppressed"]),
    )
    rows = draw(st.lists(cells, min_size=1, max_size=60))
    frame = pd.DataFrame(
        rows,
        columns=["area_code", "area_version", "variable", "period", "value", "missing_reason"],
    )
    if draw(st.booleans()):  # text columns as read from the store
        for col in ("area_code", "area_version", "variable", "period", "missing_reason"):
            frame[col] = frame[col].astype("str")
    return frame


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obs=observations(), some=st.booleans())
def test_the_counts_equal_the_reference(obs: pd.DataFrame, some: bool) -> None:
    chosen = INDICATORS[:2] if some else INDICATORS
    want = reference_indicator_counts(obs, indicators=chosen)
    assert_same_counts(indicator_counts(obs, indicators=chosen, level="base"), want)


def test_shifted_rows_come_in_the_order_of_the_texts() -> None:
    """An area first seen after another but sorted before it: the outer join's order."""
    obs = pd.DataFrame(
        [
            ("0180C1020", "pop_total", "2022", 100.0),
            ("0180C1020", "crime_1211", "2020", 2.0),
            ("0180C1010", "pop_total", "2022", 50.0),
            ("0180C1010", "crime_1211", "2024", 1.0),
            ("0180C1010", "crime_1211", "2020", 3.0),
        ],
        columns=["area_code", "variable", "period", "value"],
    )
    got = indicator_counts(obs, indicators=["crime_rate_1211"], level="base")
    want = reference_indicator_counts(obs, indicators=["crime_rate_1211"])
    assert_same_counts(got, want)
    assert got["area_code"].tolist() == ["0180C1010", "0180C1010", "0180C1020", "0180C1020"]
    assert got["period"].tolist() == ["2020", "2024", "2020", "2024"]


def test_the_real_data_counts_equal_the_reference(real_store: Path) -> None:
    from omradesbild.config import BASE_VERSION
    from omradesbild.services.base_counts import level_observations
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        obs = level_observations(store, area_version=BASE_VERSION)
    assert_same_counts(indicator_counts(obs, level="base"), reference_indicator_counts(obs))
