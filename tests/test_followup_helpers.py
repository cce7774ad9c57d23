"""The follow-up modules' column helpers give what the pandas operations they replace give, and
the police overlay's residents are those of the nearest stored period, and the areas on
drawn polygons name the versions drawn from only while there are some."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.followup._common import among, group_sums

_values = st.one_of(
    st.just(np.nan),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.floats(min_value=1e-6, max_value=1.0),
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.tuples(st.sampled_from("abcdefg"), st.integers(0, 2), _values), max_size=80),
    sort=st.booleans(),
    two_keys=st.booleans(),
)
def test_group_sums_are_the_series_sums_of_each_group(
    rows: list[tuple[str, int, float]], sort: bool, two_keys: bool
) -> None:
    """Each group's sum is ``Series.sum(min_count=1)`` of its values to the last bit (the
    groupby's own sum compensates its rounding and differs), in the groupby's order."""
    frame = pd.DataFrame(rows, columns=["a", "b", "v"]).astype({"a": str, "v": float})
    grouped = frame.groupby(["a", "b"] if two_keys else "a", sort=sort)
    want = grouped.agg(v=("v", lambda s: s.sum(min_count=1)))["v"].to_numpy(dtype=float)
    got = group_sums(grouped, frame["v"])
    assert got.dtype == np.float64 and len(got) == len(want)
    assert ((got == want) | (np.isnan(got) & np.isnan(want))).all()


def test_group_sums_differ_from_the_compensated_sum() -> None:
    """The case the helper exists for: the groupby's sum rounds otherwise."""
    frame = pd.DataFrame({"a": ["x"] * 4, "v": [1e16, -1e16, 0.1, 0.1]})
    grouped = frame.groupby("a")
    assert group_sums(grouped, frame["v"]).tolist() == [frame["v"].sum()]
    assert grouped["v"].sum().tolist() != [frame["v"].sum()]


@given(
    column=st.lists(st.one_of(st.none(), st.sampled_from(["A1", "A2", "B1", "x"])), max_size=30),
    values=st.sets(st.sampled_from(["A1", "B1", "y"])),
)
def test_among_is_isin(column: list[str | None], values: set[str]) -> None:
    series = pd.Series(column, dtype="str")
    assert among(series, values).tolist() == series.isin(values).tolist()
    assert among(series.to_numpy(), list(values)).tolist() == series.isin(values).tolist()


def test_population_near_is_the_nearest_stored_period(demo_store: Path) -> None:
    """The residents the police overlay weighs: the stored period nearest the one asked for
    (a year held itself read alone), as choosing among every stored period gives."""
    from omradesbild.config import BASE_VERSION
    from omradesbild.followup._common import period_to_year, sort_periods
    from omradesbild.services.followup.police_place import population_near
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        pop = store.observations(variables=["pop_total"], area_version=BASE_VERSION)
        pop = pop.loc[pop["value"].notna()]
        held = sort_periods(pop["period"].unique())
        first, last = int(held[0]), int(held[-1])
        asked = [*held, str(first - 3), str(last + 2), f"{last}-07", f"{first}-Q3"]
        for period in asked:
            y = period_to_year(period)
            want = min(held, key=lambda p: (abs(period_to_year(p) - y), -period_to_year(p)))
            rows = pop.loc[pop["period"] == want]
            got, chosen = population_near(store, period, BASE_VERSION)
            assert chosen == want, period
            assert got.index.tolist() == rows["area_code"].astype(str).tolist()
            assert got.tolist() == rows["value"].astype(float).tolist()
        assert len(held) > 1 and len(got) > 100


def test_drawn_areas_name_their_versions_only_while_some_area_rests_on_them() -> None:
    from omradesbild.services.followup.police_known import NOT_DRAWN, DrawnAreas

    drawn = DrawnAreas.of(pd.Series(["1480C1010", "1480C1020"]), ("deso2025",))
    assert drawn.areas == {"1480C1010", "1480C1020"} and drawn.versions == ("deso2025",)
    assert drawn.among({"1480C1020", "0180C1010"}) == DrawnAreas(
        frozenset({"1480C1020"}), ("deso2025",)
    )
    assert drawn.among({"0180C1010"}) == NOT_DRAWN == DrawnAreas.of([], ("deso2025",))
    assert NOT_DRAWN.versions == ()
