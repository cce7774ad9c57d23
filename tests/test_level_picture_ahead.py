"""Rank intervals drawn ahead on a thread of their own: the same as drawn when asked for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import omradesbild.services.level_picture as level_picture_module
from omradesbild.index import load_method
from omradesbild.services.level import level_index, level_indicators
from omradesbild.services.level_picture import level_picture, uncertainty_ahead, uncertainty_of
from omradesbild.store import Store


def _plain(unc: Any) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    rows, summary = unc
    return {code: rows[code] for code in rows}, summary


def test_rank_intervals_drawn_ahead_are_those_drawn_when_asked(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(demo_store, read_only=True) as store:
        lv = level_indicators(store, level="regso", version="regso2020")
        ix = level_index(lv, load_method("scb-omradestyp"))
        period = ix.latest()
        want = _plain(uncertainty_of(lv, ix, period, 40, 3))
        assert want[0] and want[1]["draws"] == 40
        ahead = uncertainty_ahead(lv, ix, period, 40, 3)
        ahead[period].result()

        def drawn_again(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("drawn a second time")

        monkeypatch.setattr(level_picture_module, "rank_uncertainty", drawn_again)
        pic = level_picture(
            store, level="regso", version="regso2020", method=ix.method, draws=40, seed=3,
            indicators=lv, index=ix, ahead=ahead,
        )  # fmt: skip
        got = pic.uncertainty(period)
        assert _plain(got) == want
        assert pic.uncertainty(period) is got  # kept, the thread's result taken once
        # a period not drawn ahead is drawn when asked for (here: the patched draws)
        other = next((p for p in ix.tables if p != period), None)
        if other is not None:
            with pytest.raises(AssertionError, match="second time"):
                pic.uncertainty(other)
