"""The service layer's area and city picture on the synthetic city, and its rules where the
old copies of the pages disagreed (rank interval as whole ranks, score hidden with a
suppressed component)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omradesbild.services.city import CityData
from omradesbild.services.level import rank_bounds


@pytest.fixture(scope="module")
def strict(demo_store: Path) -> CityData:
    """The demo city with a high disclosure threshold (many values suppressed)."""
    from omradesbild.services.city import load_city
    from omradesbild.store import Store

    with Store(demo_store, read_only=True) as store:
        return load_city(store, level="regso", draws=20, threshold=200)


@given(
    lo=st.floats(min_value=1, max_value=5000, allow_nan=False),
    width=st.floats(min_value=0, max_value=5000, allow_nan=False),
)
def test_rank_bounds_contain_the_percentiles(lo: float, width: float) -> None:
    low, high = rank_bounds({"rank_p05": lo, "rank_p95": lo + width})
    assert low is not None and high is not None
    assert low <= lo + 1e-6 and high >= lo + width - 1e-6
    assert lo - low < 1 and high - (lo + width) < 1


def test_rank_bounds_of_whole_ranks_and_missing() -> None:
    assert rank_bounds({"rank_p05": 3.0, "rank_p95": 7.0}) == (3, 7)
    assert rank_bounds({"rank_p05": 3.4, "rank_p95": 6.2}) == (3, 7)
    assert rank_bounds({}) == (None, None)


def test_score_hidden_where_a_component_is_suppressed(strict: CityData) -> None:
    ix = strict.pic.index
    assert ix is not None
    hidden = sorted(ix.hidden[strict.period])
    assert hidden, "the threshold should suppress some component"
    p = strict.profile(hidden[0])
    assert p.rank is not None and p.rank.score is None
    assert p.drivers == ()
    row = next(r for r in strict.picture.ranking if r.code == hidden[0])
    assert row.score is None and row.rank == p.rank.rank
    shown = [c for c in strict.profile_codes if c not in ix.hidden[strict.period]]
    if shown:
        q = strict.profile(shown[0])
        assert q.rank is not None and q.rank.score is not None and q.drivers


def test_profile_and_overview_agree(strict: CityData) -> None:
    for row in strict.picture.ranking[:10]:
        p = strict.profile(row.code)
        assert p.rank is not None
        assert (p.rank.rank, p.rank.low, p.rank.high, p.rank.cls) == (
            row.rank,
            row.low,
            row.high,
            row.cls,
        )
        assert [v.period for v in p.indicators] == [strict.period] * len(p.indicators)
        masked = [v for v in p.indicator_history if v.masked]
        assert all(v.value is None and v.reliability == "masked" for v in masked)
