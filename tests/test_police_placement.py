"""The police list placed on a level for the level's pages is the one ``followup police`` gives.

Real files: the Police's 2023 polygons (placed on RegSO 2020 through the DeSO 2018
polygons of Stockholms län and Göteborg) and the 2025 list (RegSO 2025 codes, which cannot
be placed on RegSO 2020 with the stored links).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

LEVEL, VERSION, PERIOD = "regso", "regso2020", "2022"


def test_a_year_that_cannot_be_placed_is_not_tried(
    real_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored years are read once; the latest one that cannot be placed (2025) is passed
    over, not placed and then let go."""
    from omradesbild.services.followup import police
    from omradesbild.services.level_police import placed_police
    from omradesbild.store import Store

    tried: list[str] = []
    place = police.place_police

    def counting(store: Store, **kw: Any) -> police.Placement:
        tried.append(str(kw["police_year"]))
        return place(store, **kw)

    monkeypatch.setattr(police, "place_police", counting)
    with Store(real_store, read_only=True) as store:
        data = placed_police(store, level=LEVEL, version=VERSION, period=PERIOD)
    assert tried == ["2023"]
    assert data.years == ["2023"] and data.unplaced == ("2025",)


def test_the_level_list_is_the_followup_analysis(real_store: Path) -> None:
    """Each area's category and share per year on the level's pages are those of
    ``followup police`` (:func:`~omradesbild.services.followup.police_analysis`)."""
    from omradesbild.services.followup import police_analysis
    from omradesbild.services.followup.police import police_status_of
    from omradesbild.services.level_police import placed_police
    from omradesbild.store import Store

    with Store(real_store, read_only=True) as store:
        data = placed_police(store, level=LEVEL, version=VERSION, period=PERIOD)
        res = police_analysis(
            store, level=LEVEL, version=VERSION, period=PERIOD, police_year="2023"
        )
    assert res.listed.equals(data.listed.drop(columns="basis"))
    named = [c for c in res.overlay.columns if c not in data.overlay.columns]
    assert named == ["area_name", "kommun_code", "kommun_name"]
    assert res.overlay.drop(columns=named).equals(data.overlay)
    assert (data.years, data.known, data.unknown) == (res.police_years, res.analysed, res.unknown)
    status = police_status_of(res)
    assert len(status) > 100 and (status["category"] != "not_listed").sum() > 10
