"""The police list placed on a level for the level's pages is the one ``followup police`` gives.

Real files: the Police's 2023 polygons (placed on RegSO 2020 through the DeSO 2018
polygons of Stockholms län and Göteborg) and the 2025 list (RegSO 2025 codes, which cannot
be placed on RegSO 2020 with the stored links).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from omradesbild.services.level_police import PoliceData

LEVEL, VERSION, PERIOD = "regso", "regso2020", "2022"


@dataclass(frozen=True)
class Whole:
    """The police list placed on every area of the level (:func:`placed_police` with no
    ``areas``), and the police years it tried to place, in order."""

    data: PoliceData
    tried: list[str]


@pytest.fixture(scope="module")
def whole(real_store: Path) -> Whole:
    """The whole level's placement, computed once for the module's tests (each only reads
    it), with the years :func:`~omradesbild.services.followup.police.place_police` was
    asked to place while computing it."""
    from omradesbild.services.followup import police
    from omradesbild.services.level_police import placed_police
    from omradesbild.store import Store

    tried: list[str] = []
    place = police.place_police

    def counting(store: Store, **kw: Any) -> police.Placement:
        tried.append(str(kw["police_year"]))
        return place(store, **kw)

    with pytest.MonkeyPatch.context() as mp, Store(real_store, read_only=True) as store:
        mp.setattr(police, "place_police", counting)
        data = placed_police(store, level=LEVEL, version=VERSION, period=PERIOD)
    return Whole(data, tried)


def test_a_year_that_cannot_be_placed_is_not_tried(whole: Whole) -> None:
    """The stored years are read once; the latest one that cannot be placed (2025) is passed
    over, not placed and then let go."""
    assert whole.tried == ["2023"]
    assert whole.data.years == ["2023"] and whole.data.unplaced == ("2025",)


def test_the_level_list_is_the_followup_analysis(real_store: Path, whole: Whole) -> None:
    """Each area's category and share per year on the level's pages are those of
    ``followup police`` (:func:`~omradesbild.services.followup.police_analysis`)."""
    from omradesbild.services.followup import police_analysis
    from omradesbild.services.followup.police import police_status_of
    from omradesbild.store import Store

    data = whole.data
    with Store(real_store, read_only=True) as store:
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


#: Kommuner of the real data: Stockholm, Huddinge and Sundbyberg (police areas reaching over
#: their borders: Vårby, Rissne-Hallonbergen), Botkyrka, Järfälla and Södertälje (an area
#: listed because it holds most of a police area: Storvreten, Sångvägen, Fornhöjden), and
#: Malmö and Göteborg (no RegSO 2020 with DeSO 2018 polygons under all its DeSO).
KOMMUNER = ("0180", "0126", "0183", "0127", "0123", "0181", "1280", "1480")


def test_one_kommun_placed_equals_the_whole_level(real_store: Path, whole: Whole) -> None:
    """The police list placed on one kommun's areas only states, for each of them, what the
    list placed on every area does: the same years, rows, shares, categories and years that
    cannot decide it."""
    from omradesbild.services.level_police import placed_police
    from omradesbild.store import Store

    every = whole.data
    with Store(real_store, read_only=True) as store:
        codes = store.areas(level=LEVEL, version=VERSION)["area_code"].astype(str)
        listed = 0
        for kommun in KOMMUNER:
            shown = frozenset(c for c in codes if c.startswith(kommun))
            got = placed_police(store, level=LEVEL, version=VERSION, period=PERIOD, areas=shown)
            assert (got.years, got.unplaced) == (every.years, every.unplaced), kommun
            assert got.known == every.known & shown, kommun
            assert got.unknown == {y: a & shown for y, a in every.unknown.items() if a & shown}
            for name in ("listed", "overlay"):
                frame = getattr(every, name)
                want = frame.loc[frame["area_code"].isin(shown)].reset_index(drop=True)
                assert getattr(got, name).reset_index(drop=True).equals(want), (kommun, name)
            assert got.by_area() == {c: r for c, r in every.by_area().items() if c in shown}
            listed += int(got.listed["on_list"].sum())
    assert every.years == ["2023"] and len(every.known) > 400
    assert listed > 15
    assert set(every.overlay.loc[every.overlay["basis"] == "polygon_inside", "area_code"]) >= {
        "0127R013", "0123R016", "0181R006"
    }  # fmt: skip


def test_the_index_at_hand_gives_the_area_types_only_of_the_default_base(
    demo_store: Path, area_index_calls: list[Any]
) -> None:
    """:func:`~omradesbild.services.level_scope.police_of_index` takes SCB's area types from
    the index at hand only when its indicators sum the list's own base areas
    (:data:`~omradesbild.config.BASE_VERSION`); for other base areas it computes the list's
    own index, as :func:`~omradesbild.services.level_police.police_data` does."""
    from omradesbild.config import AREA_TYPE_METHOD, BASE_VERSION
    from omradesbild.index import load_method
    from omradesbild.services import cache
    from omradesbild.services.level import level_index, level_indicators
    from omradesbild.services.level_police import police_data
    from omradesbild.services.level_scope import police_of_index
    from omradesbild.store import Store

    computed = area_index_calls
    with Store(demo_store, read_only=True) as store:
        version = store.areas(level=LEVEL)["version"].astype(str).iloc[0]
        ix = level_index(
            level_indicators(store, level=LEVEL, version=version), load_method(AREA_TYPE_METHOD)
        )
        period = ix.latest()
        kw: dict[str, Any] = {"level": LEVEL, "version": version, "period": period, "index": ix}
        cache.clear()
        police_of_index(store, **kw)
        police_of_index(store, **kw, base_version=BASE_VERSION)
        assert computed == []  # the index at hand, of the default base areas
        cache.clear()
        got = police_of_index(store, **kw, base_version="another_base")
        assert len(computed) == 1  # the list's own index
        cache.clear()
        want = police_data(store, level=LEVEL, version=version, period=period)
    assert got.listed.equals(want.listed) and got.overlay.equals(want.overlay)
    assert (got.years, got.known, got.notes) == (want.years, want.known, want.notes)
    cache.clear()
