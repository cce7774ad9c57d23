"""The police areas held by an area (:func:`police_known.contained`): the column-wise update
of the list (:func:`police_known.list_held`) gives what the first, row-by-row update gave
(kept here as reference), for the same held rows (:func:`police_known.held_rows`)."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pandas as pd
import pytest

from omradesbild.services.followup.police_known import contained, held_rows


def reference_list(listed: pd.DataFrame, hold: pd.DataFrame) -> pd.DataFrame:
    """The first implementation of the list's update: each held row compared with the whole
    list."""
    listed = listed.copy()
    for a, p, code, cat in hold[["area_code", "period", "police_code", "category"]].itertuples(
        index=False
    ):
        row = (listed["area_code"].astype(str) == str(a)) & (listed["period"].astype(str) == str(p))
        listed.loc[row, "on_list"] = True
        listed.loc[row, "category"] = cat
        listed.loc[row, "police_code"] = code
    return listed


def _check(
    overlay: pd.DataFrame, listed: pd.DataFrame, population: pd.Series, threshold: float
) -> pd.DataFrame:
    """Check :func:`contained` against the reference; the list it gives."""
    got_o, got_l = contained(overlay, listed, population, threshold=threshold)
    hold = held_rows(overlay, listed, population, threshold=threshold)
    # the overlay: the held rows listed inside a police area, every other row as it was
    pd.testing.assert_frame_equal(got_o.drop(index=hold.index), overlay.drop(index=hold.index))
    assert got_o.loc[hold.index, "on_list"].astype(bool).all()
    assert (got_o.loc[hold.index, "basis"] == "polygon_inside").all()
    pd.testing.assert_frame_equal(got_l, reference_list(listed, hold))
    return got_l


def _case(seed: int, *, n_areas: int, none_category: bool) -> tuple[pd.DataFrame, ...]:
    rng = random.Random(seed)
    areas = [f"0180R{i:03d}" for i in range(n_areas)]
    periods = ["2021", "2023", "2025"]
    police = [f"P{i}" for i in range(max(3, n_areas // 3))]
    rows = []
    for p in periods:
        for a in areas:
            for code in rng.sample(police, rng.randint(0, 3)):
                rows.append({
                    "area_code": a, "period": p, "police_code": code,
                    "category": rng.choice(["särskilt utsatt", "utsatt", "riskområde"]),
                    "basis": rng.choice(["polygon", "polygon", "code"]),
                    "share_population": rng.choice([None, rng.random(), 1.0, 0.0]),
                    "on_list": rng.random() < 0.3,
                })  # fmt: skip
    overlay = pd.DataFrame(rows)
    listed = pd.DataFrame({
        "area_code": [a for p in periods for a in areas] + areas[:3],  # some pairs twice
        "period": [p for p in periods for _ in areas] + ["2023"] * 3,
        "on_list": [rng.random() < 0.2 for _ in range(len(areas) * 3 + 3)],
        "category": [None if none_category else rng.choice(["utsatt", None])
                     for _ in range(len(areas) * 3 + 3)],
        "police_code": [None] * (len(areas) * 3 + 3),
        "n": np.arange(len(areas) * 3 + 3),
    })  # fmt: skip
    listed.index = listed.index * 2 + 1  # not a plain range
    population = pd.Series({a: float(rng.randint(0, 5000)) for a in areas[:-1]})
    return overlay, listed, population


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.9])
def test_contained_equals_the_row_by_row_reference(seed: int, threshold: float) -> None:
    overlay, listed, population = _case(seed, n_areas=5 + seed * 3, none_category=seed % 3 == 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        _check(overlay, listed, population, threshold)


def test_contained_lists_the_held_area() -> None:
    overlay, listed, population = _case(3, n_areas=20, none_category=False)
    got = _check(overlay, listed, population, 0.5)
    assert got["on_list"].sum() > listed["on_list"].sum()  # the case lists someone new
