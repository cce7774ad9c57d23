"""The web app's police list of a level: the one ``police_data`` gives, with the area types
of the index the app already holds (not computed a second time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")


def test_the_police_list_takes_the_area_types_of_the_index_at_hand(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, area_index_calls: list[Any]
) -> None:
    from omradesbild.config import AREA_TYPE_METHOD
    from omradesbild.services import cache as service_cache
    from omradesbild.services.level_police import police_data
    from omradesbild.store import Store
    from omradesbild.web import cache

    cache.clear_caches()
    service_cache.clear()
    computed = area_index_calls
    pic = cache.WebData(demo_store, draws=0).picture(AREA_TYPE_METHOD, "regso")
    assert pic.index is not None and computed == []
    monkeypatch.undo()
    service_cache.clear()
    with Store(demo_store, read_only=True) as store:
        want = police_data(
            store, level="regso", version=pic.indicators.version, period=pic.index.latest()
        )
    got = pic.police
    assert got.listed.equals(want.listed) and got.overlay.equals(want.overlay)
    assert (got.years, got.known, got.unknown, got.notes, got.unplaced) == (
        want.years, want.known, want.unknown, want.notes, want.unplaced
    )  # fmt: skip
    assert len(got.known) > 10 and got.listed["on_list"].any()
    cache.clear_caches()
