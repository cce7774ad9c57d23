"""Hypothesis strategies the test modules share (import them as ``from strategies import ...``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from hypothesis import strategies as st

#: Area codes out of order and not sorted as first seen (an order kept by position, or one
#: by the texts, shows), one a prefix of another.
AREA_CODES = ("0180C1020", "0180C1010", "0114A0010", "0180C1010x")
#: Boundary versions, the empty one (no version) included.
AREA_VERSIONS = ("deso2018", "deso2025", "")
#: Years out of order, with gaps (a nearest period on either side, ties among them).
PERIODS = ("2023", "2019", "2020", "2022", "2024", "2017")
VALUES = (np.nan, 0.0, 1.0, 7.5, 300.0)
#: Missing reasons: none, SCB's "..", an empty text and a word.
REASONS = (None, "..", "", "suppressed")
#: Indicators the count tests draw from (a crime rate whose denominator may come from
#: another year, a share, a median, an age band), and the variables they read.
COUNT_INDICATORS = (
    "crime_rate_1211",
    "crime_rate_1210",
    "foreign_born",
    "median_income",
    "age_0_19",
)
COUNT_VARIABLES = (
    "pop_total",
    "crime_1211",
    "crime_1210",
    "pop_born_sweden",
    "income_net_median_tkr",
    "income_persons_20plus",
    "pop_age_0_9",
    "pop_age_10_19",
)
_TEXT_COLUMNS = ("area_code", "area_version", "variable", "period", "missing_reason")


@st.composite
def observations(
    draw: st.DrawFn, variables: Sequence[str], *, min_rows: int = 1, max_rows: int = 60
) -> pd.DataFrame:
    """Long observations of ``variables``: ``min_rows`` to ``max_rows`` random cells of a few
    areas, versions and periods (so that cells meet; duplicates of a cell included), values
    missing with and without a reason, the text columns as objects or as pandas' text dtype
    (as read from the store), ``area_version`` and ``missing_reason`` sometimes left out.
    """

    def some(texts: Sequence[str | None], most: int = 3) -> list[str | None]:
        return draw(st.lists(st.sampled_from(texts), min_size=1, max_size=most, unique=True))

    cells = st.tuples(
        st.sampled_from(some(AREA_CODES)),
        st.sampled_from(some(AREA_VERSIONS)),
        st.sampled_from(list(variables)),
        st.sampled_from(some(PERIODS, 4)),
        st.sampled_from(VALUES),
        st.sampled_from(REASONS),
    )
    rows = draw(st.lists(cells, min_size=min_rows, max_size=max_rows))
    frame = pd.DataFrame(
        rows,
        columns=["area_code", "area_version", "variable", "period", "value", "missing_reason"],
    )
    if draw(st.booleans()):  # text columns as read from the store
        for col in _TEXT_COLUMNS:
            frame[col] = frame[col].astype("str")
    dropped = draw(st.sampled_from([(), ("area_version",), ("missing_reason",)]))
    return frame.drop(columns=list(dropped))
