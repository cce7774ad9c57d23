"""A level's indicators by (period, indicator) are cut out of the disclosed frame when asked
for (:class:`~omradesbild.services.groups.GroupFrames`) and are exactly the frames the
level held before as a dict of copies: the same keys in the same order, and each frame's
rows, index labels, columns and dtypes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omradesbild.services.groups import GroupFrames
from omradesbild.services.level import LevelIndicators, level_indicators
from omradesbild.store import Store


def copies(pub: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """The groups as the level made them before (a sorted copy per group)."""
    return {
        (str(p), str(i)): g.sort_values("area_code")
        for (p, i), g in pub.groupby(["period", "indicator"], sort=False)
    }


def assert_same_groups(groups: GroupFrames, pub: pd.DataFrame) -> None:
    before = copies(pub)
    assert list(groups) == list(before) and len(groups) == len(before)
    for key, frame in before.items():
        assert key in groups
        pd.testing.assert_frame_equal(groups[key], frame, check_exact=True, obj=str(key))
        assert groups.get(key) is not None
    assert ("no-such-period", "x") not in groups
    assert groups.get(("no-such-period", "x")) is None


def _level(store_path: Path, level: str) -> LevelIndicators:
    with Store(store_path, read_only=True) as store:
        versions = store.area_counts()
        version = next(str(a["version"]) for a in versions if a["level"] == level)
        return level_indicators(store, level=level, version=version)


@pytest.mark.parametrize("level", ["deso", "regso"])
def test_the_groups_are_the_copies_made_before(demo_store: Path, level: str) -> None:
    lv = _level(demo_store, level)
    assert isinstance(lv.by_period_indicator, GroupFrames)
    assert_same_groups(lv.by_period_indicator, lv.indicators)


def test_the_groups_are_the_copies_made_before_on_the_real_files(real_store: Path) -> None:
    lv = _level(real_store, "regso")
    assert len(lv.by_period_indicator) > 10
    assert_same_groups(lv.by_period_indicator, lv.indicators)


def test_rows_out_of_order_and_a_shuffled_frame_give_the_same_groups() -> None:
    rng = np.random.default_rng(3)
    n = 600
    pub = pd.DataFrame({
        "area_code": [f"A{c:03d}" for c in rng.permutation(n) % 200],
        "period": rng.choice(["2019", "2020", "2021"], n),
        "indicator": rng.choice(["x", "y"], n),
        "value": rng.normal(size=n),
    }).astype({"area_code": "string", "indicator": "string"})  # fmt: skip
    pub.index = rng.permutation(n) + 1000
    assert_same_groups(GroupFrames(pub), pub)
    assert len(GroupFrames(pub.iloc[:0])) == 0
