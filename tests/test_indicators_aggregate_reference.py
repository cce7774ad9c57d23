"""The aggregation of counts over links equals the pandas merge and group-by it replaced.

:func:`reference_aggregate_counts` below finds and sums the members as the earlier
implementation of :func:`~omradesbild.indicators.aggregate_counts` did (a merge of the
counts with the links and a group-by of the text keys; the expected members and the final
frame are the module's own); the positional implementation must give the same frame, cell
by cell, dtypes and row order included, on random counts and links (several links per
area, fractional weights, boundary versions, missing counts and notes) and on the
synthetic city's store.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from omradesbild.config import BASE_VERSION
from omradesbild.indicators import COUNT_COLUMNS, aggregate_counts, country_links, kommun_links
from omradesbild.indicators._shared import empty_frame
from omradesbild.indicators.aggregate import (
    _prepare_links,
    count_frame,
    country_counts,
    expected_members,
)
from omradesbild.services.base_counts import base_counts
from omradesbild.services.links import compose_links
from omradesbild.store import Store

_MEMBER_TOTALS: dict[str, str] = {
    **dict.fromkeys(
        ("numerator", "denominator", "num_nan", "den_nan", "members", "n_parts"), "sum"
    ),
    **dict.fromkeys(("partial", "approximate"), "max"),
}


def reference_aggregate_counts(
    counts: pd.DataFrame, links: pd.DataFrame, *, level: str, require_complete: bool = True
) -> pd.DataFrame:
    """``aggregate_counts`` as it was: merge, then group by the text keys."""
    lk = _prepare_links(links, level)
    if counts.empty or lk.empty:
        return empty_frame(COUNT_COLUMNS)
    m = counts.merge(lk, left_on="area_code", right_on="from_code", how="inner")
    keep = (
        (m["from_version"] == "")
        | (m["area_version"] == "")
        | (m["from_version"] == m["area_version"])
    )
    m = m.loc[keep]
    w = m["weight"].to_numpy()
    m = m.assign(
        numerator=m["numerator"].to_numpy(dtype=float) * w,
        denominator=m["denominator"].to_numpy(dtype=float) * w,
        partial=m["partial"].to_numpy(dtype=bool) | (w < 1.0),
        num_nan=m["numerator"].isna().to_numpy(),
        den_nan=m["denominator"].isna().to_numpy(),
        members=1,
    )
    if m.empty:
        return empty_frame(COUNT_COLUMNS)
    keys = ["to_code", "to_version", "period", "indicator"]
    agg = m.groupby(keys, sort=False).agg(_MEMBER_TOTALS).reset_index()
    agg = _with_member_notes(agg, m, keys)
    totals = {col: agg[col].to_numpy() for col in _MEMBER_TOTALS}
    notes = agg["member_note"].to_numpy(dtype=object)
    key_columns = (agg["to_code"], agg["to_version"], agg["period"], agg["indicator"])
    expected = expected_members(counts, lk)
    return count_frame(key_columns, totals, expected, notes, level, require_complete)


def _with_member_notes(agg: pd.DataFrame, m: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``agg`` with ``member_note``: the distinct notes of each group's members, joined."""
    noted = m.loc[m["note"].notna(), [*keys, "note"]].drop_duplicates()
    group = noted.groupby(keys, sort=False).ngroup().to_numpy()
    noted, group = noted.loc[group >= 0], group[group >= 0]  # no group for a missing key
    if not len(noted):
        agg["member_note"] = None
        return agg
    # Each group's notes in row order, joined with "; " by one sum per group.
    order = np.argsort(group, kind="stable")
    group = group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    parts = noted["note"].to_numpy(dtype=object)[order]
    later = np.ones(len(parts), dtype=bool)
    later[starts] = False
    parts[later] = "; " + parts[later]
    notes = noted.iloc[order[starts]][keys].reset_index(drop=True)
    notes["member_note"] = np.add.reduceat(parts, starts)
    return agg.merge(notes, on=keys, how="left")


_NOTES = [None, None, None, "numerator missing (..)", "denominator from 2021", "x; y"]


@st.composite
def counts_and_links(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    n_areas = draw(st.integers(1, 12))
    areas = [f"0180C{i:03d}0" for i in range(n_areas)]
    versions = draw(st.lists(st.sampled_from(["deso2018", "deso2025", ""]), min_size=1))
    periods = draw(st.lists(st.sampled_from(["2019", "2020", "2021"]), min_size=1, unique=True))
    inds = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, unique=True))
    rows = []
    for area in areas:
        for period in periods:
            for ind in inds:
                if draw(st.integers(0, 5)) == 0:
                    continue  # no row for this area, period and indicator
                rows.append(
                    {
                        "area_code": area,
                        "area_version": draw(st.sampled_from(versions)),
                        "level": "base",
                        "period": period,
                        "indicator": ind,
                        "numerator": draw(
                            st.sampled_from([np.nan, 0.0]) | st.floats(0, 1e4, width=32)
                        ),
                        "denominator": draw(
                            st.sampled_from([np.nan, 0.0]) | st.floats(0, 1e5, width=32)
                        ),
                        "n_parts": draw(st.integers(1, 3)),
                        "partial": draw(st.booleans()),
                        "approximate": draw(st.booleans()),
                        "note": draw(st.sampled_from(_NOTES)),
                    }
                )
    counts = _counts(rows)
    targets = [f"T{j}" for j in range(draw(st.integers(1, 4)))]
    links = []
    for area in [*areas, "0180C9990"]:  # a linked area without counts too
        for target in draw(st.lists(st.sampled_from(targets), max_size=3, unique=True)):
            links.append(
                {
                    "from_code": area,
                    "from_version": draw(st.sampled_from([None, "deso2018", "deso2025"])),
                    "to_code": target,
                    "to_level": "district",
                    "to_version": draw(st.sampled_from([None, "d1"])),
                    "weight": draw(st.sampled_from([1.0, 0.5, 0.0]) | st.floats(0.01, 1.0)),
                }
            )
    return counts, _links(links), draw(st.booleans())


def _counts(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The counts frame of ``rows`` (dicts of :data:`COUNT_COLUMNS`), typed as stored."""
    counts = pd.DataFrame(rows, columns=list(COUNT_COLUMNS))
    for col in ("area_code", "area_version", "level", "period", "indicator"):
        counts[col] = counts[col].astype("str")
    counts["note"] = counts["note"].astype(object)
    return counts


def _links(rows: list[dict[str, object]]) -> pd.DataFrame:
    """The links frame of ``rows``."""
    columns = ["from_code", "from_version", "to_code", "to_level", "to_version", "weight"]
    return pd.DataFrame(rows, columns=columns)


def _row(area: str, version: str) -> dict[str, object]:
    """One count of ``area`` in ``version`` (2020, indicator a, with a note)."""
    return {"area_code": area, "area_version": version, "level": "base", "period": "2020",
            "indicator": "a", "numerator": 3.0, "denominator": 10.0, "n_parts": 1,
            "partial": False, "approximate": False, "note": "x; y"}  # fmt: skip


def _link(area: str, version: str | None) -> dict[str, object]:
    return {"from_code": area, "from_version": version, "to_code": "T0",
            "to_level": "district", "to_version": None, "weight": 1.0}  # fmt: skip


#: Two cases the drawings reach only now and then (in a hundred drawings, once or not at all): no
#: link leads from an area with counts (only from one without), and every link from an area
#: with counts is of another boundary version than its counts. Both give an empty frame
#: where links and counts are not empty; given here, every run checks them.
_RARE = (
    (_counts([_row("0180C0000", "deso2018")]), _links([_link("0180C9990", None)]), True),
    (_counts([_row("0180C0000", "deso2018")]), _links([_link("0180C0000", "deso2025")]), True),
)


#: A case fifty drawings reach only now and then: no member of any sum has a note.
_NO_NOTES = (
    _counts([{**_row("0180C0000", "deso2018"), "note": None}]),
    _links([_link("0180C0000", None)]),
    True,
)


#: One drawing of random counts serves two comparisons: over its random links, and to the
#: country over the country links of its areas (the country's sums use only the
#: counts). Drawing the counts takes about as long as comparing them; each comparison runs
#: on every one of the 50 drawings and on the cases given. With :data:`_RARE` and
#: :data:`_NO_NOTES` given, 50 drawings reach every line and branch of
#: ``indicators/aggregate.py`` that 100 (and 200) drawings did (measured with coverage on
#: several seeds); without them, 100 drawings now and then missed one of the rare cases and
#: 50 drawings one without notes.
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=counts_and_links())
@example(data=_RARE[0])
@example(data=_RARE[1])
@example(data=_NO_NOTES)
def test_random_counts_aggregate_as_before(data: tuple[pd.DataFrame, pd.DataFrame, bool]) -> None:
    counts, links, complete = data
    want = reference_aggregate_counts(counts, links, level="district", require_complete=complete)
    got = aggregate_counts(counts, links, level="district", require_complete=complete)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    country_sums_equal_those_over_the_country_links(counts)


def country_sums_equal_those_over_the_country_links(counts: pd.DataFrame) -> None:
    """``country_counts`` and the sums over the country links both equal the reference's
    (run on each drawing of :func:`test_random_counts_aggregate_as_before`)."""
    links = country_links(counts["area_code"].unique())
    want = reference_aggregate_counts(counts, links, level="country", require_complete=False)
    pd.testing.assert_frame_equal(country_counts(counts), want, check_exact=True)
    got = aggregate_counts(counts, links, level="country", require_complete=False)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.fixture(scope="module")
def demo(demo_store: Path) -> Iterator[Store]:
    with Store(demo_store, read_only=True) as store:
        yield store


@pytest.mark.parametrize("level", ["regso", "district", "deso2025", "kommun", "country"])
def test_the_synthetic_city_aggregates_as_before(demo: Store, level: str) -> None:
    counts = base_counts(demo, base_version=BASE_VERSION)
    codes = counts["area_code"].unique()
    complete = True
    if level == "kommun":
        links = kommun_links(codes)
    elif level == "country":
        links, complete = country_links(codes), False
    else:
        version = {"regso": "regso2020", "district": None, "deso2025": "deso2025"}[level]
        if version is None:
            held = demo.con.execute(
                "SELECT DISTINCT version FROM areas WHERE level = 'district'"
            ).fetchall()
            version = str(held[0][0])
        links = compose_links(demo.links(), from_version=BASE_VERSION, to_version=version)
        level = str(links["to_level"].iloc[0])
    want = reference_aggregate_counts(counts, links, level=level, require_complete=complete)
    got = aggregate_counts(counts, links, level=level, require_complete=complete)
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_the_synthetic_citys_country_sums_equal_those_over_the_country_links(
    demo: Store,
) -> None:
    counts = base_counts(demo, base_version=BASE_VERSION)
    links = country_links(counts["area_code"].unique())
    want = aggregate_counts(counts, links, level="country", require_complete=False)
    assert len(want) > 0
    pd.testing.assert_frame_equal(country_counts(counts), want, check_exact=True)
