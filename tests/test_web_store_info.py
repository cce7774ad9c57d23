"""What the web app reads of a store at start-up (levels, periods, the area lookup) equals
what the first, plain implementation read (kept here as the reference)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from omradesbild.store import Store
from omradesbild.web.cache import HIDDEN_LEVELS, area_lookup


def reference_lookup(areas: pd.DataFrame) -> dict[str, list[tuple[str, str, str]]]:
    """The first implementation: one row at a time."""
    lookup: dict[str, list[tuple[str, str, str]]] = {}
    for code, lvl, ver, name in areas[["area_code", "level", "version", "name"]].itertuples(
        index=False, name=None
    ):
        if lvl in HIDDEN_LEVELS:
            continue
        nm = name if isinstance(name, str) and name else str(code)
        lookup.setdefault(str(code), []).append((str(lvl), str(ver), nm))
    return lookup


def test_area_lookup_equals_the_reference_on_the_demo_store(demo_store: Path) -> None:
    with Store(demo_store, read_only=True) as store:
        areas = store.areas()
    found = area_lookup(areas)
    assert found == reference_lookup(areas)
    assert len(found) > 100
    assert any(len(v) > 1 for v in found.values())  # a code at more than one level


def test_area_lookup_equals_the_reference_on_odd_rows() -> None:
    areas = pd.DataFrame(
        {
            "area_code": ["0180", "0180", "SE", "0180C1010", "1280", "x", "x"],
            "level": ["kommun", "police_area", "country", "regso", "kommun", "deso", "deso"],
            "version": ["2024", "2024", "2024", "regso2025", "2024", "deso2018", "deso2025"],
            "name": ["Stockholm", "Polisområde", "Sverige", "", None, float("nan"), "X"],
        }
    )
    found = area_lookup(areas)
    assert found == reference_lookup(areas)
    assert found == {
        "0180": [("kommun", "2024", "Stockholm")],
        "0180C1010": [("regso", "regso2025", "0180C1010")],
        "1280": [("kommun", "2024", "1280")],
        "x": [("deso", "deso2018", "x"), ("deso", "deso2025", "X")],
    }


def _reference_summary(store: Store) -> dict[str, Any]:
    con = store.con
    areas = con.execute(
        "SELECT level, version, count(*) AS n, count(geometry) AS with_geometry "
        "FROM areas GROUP BY ALL ORDER BY level, version"
    ).fetchall()
    periods = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT period FROM current_observations ORDER BY 1"
        ).fetchall()
    ]
    return {
        "areas": [{"level": lv, "version": v, "n": n, "with_geometry": g} for lv, v, n, g in areas],
        "periods": periods,
    }


def test_store_periods_and_area_counts_equal_the_summary_queries(demo_store: Path) -> None:
    with Store(demo_store, read_only=True) as store:
        ref = _reference_summary(store)
        assert store.periods() == ref["periods"] and len(ref["periods"]) >= 2
        assert store.area_counts() == ref["areas"] and ref["areas"]
        summary = store.summary()
    assert summary["periods"] == ref["periods"]
    assert summary["areas"] == ref["areas"]
