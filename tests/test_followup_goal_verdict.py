"""A goal's plain verdict is the same decision as its reasoning and its interval."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.followup.goals import goal_status, goals_from_dict
from omradesbild.wording import text

GOAL = goals_from_dict(
    {
        "goals": [
            {
                "id": "g", "kind": "indicator", "title_sv": "Mål", "title_en": "Goal",
                "indicator": "unemployment_16_64", "area_code": "9999", "base_year": 2016,
                "target_year": 2030, "target_value": 5.0,
            }
        ]
    }
).goals[0]  # fmt: skip

VERDICTS = {"achieved", "not_achieved", "clearly_on_track", "clearly_off_track", "uncertain",
            "insufficient_data"}  # fmt: skip


def _meets(x: float, target: float, comparison: str) -> bool:
    """The target's side of ``x`` (``at_most`` below, ``at_least`` above)."""
    eps = 1e-9 * max(1.0, abs(target))
    return x <= target + eps if comparison == "at_most" else x >= target - eps


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(0, 20, allow_nan=False), min_size=0, max_size=8),
    last_year=st.integers(2018, 2032),
)
def test_verdict_follows_the_interval_and_says_what_the_reasoning_says(
    values: list[float], last_year: int
) -> None:
    years = range(last_year - len(values) + 1, last_year + 1)
    hist = pd.DataFrame({"period": [str(y) for y in years], "value": values})
    s = goal_status(GOAL, hist, language="sv")
    assert s.verdict in VERDICTS
    target = s.target if s.target is not None else math.nan
    if s.verdict in ("clearly_on_track", "clearly_off_track", "uncertain"):
        assert s.projection_low is not None and s.projection_high is not None
        lo = _meets(s.projection_low, target, s.comparison)
        hi = _meets(s.projection_high, target, s.comparison)
        assert (s.verdict == "uncertain") == (lo != hi)
        if s.verdict == "clearly_on_track":
            assert lo and hi and s.on_track
        if s.verdict == "clearly_off_track":
            assert not lo and not hi and s.on_track is False
        assert text(f"goal_{s.verdict}", "sv") in s.reasoning
    elif s.verdict in ("achieved", "not_achieved"):
        assert s.status == s.verdict
        assert s.current is not None
        assert (s.verdict == "achieved") == _meets(s.current, target, s.comparison)
    else:
        assert s.status == "insufficient_data" and s.on_track is None
        assert s.projection is None and s.projection_low is None and s.projection_high is None
