"""Class transition matrices and classes anchored at a base period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError, MethodError
from omradesbild.followup.transitions import (
    ANCHORED_COLUMNS,
    MOVE_COLUMNS,
    anchored_classes,
    class_transitions,
)
from omradesbild.index import load_method, parse_method

COLS = ["edu_low_25_64", "low_econ_standard", "ekbist_longterm_20_64"]


def _classes(by_area: dict[str, dict[str, int | None]]) -> pd.DataFrame:
    """One row per area and period from each area's class by period (None: no class)."""
    rows = [(a, p, c) for a, classes in by_area.items() for p, c in classes.items()]
    return pd.DataFrame(rows, columns=["area_code", "period", "class"]).astype({"class": "Int64"})


def test_matrix_and_moves_small_example() -> None:
    cl = _classes(
        {
            "a": {"2020": 1, "2024": 2},
            "b": {"2020": 3, "2024": 3},
            "c": {"2020": 5, "2024": 4},
            "d": {"2020": 2},  # gone in 2024
            "e": {"2024": 1},  # new in 2024
            "f": {"2020": None, "2024": 2},  # no class in 2020
        }
    )
    matrix, moves = class_transitions(cl, period_from=2020, period_to="2024")
    assert list(moves.columns) == list(MOVE_COLUMNS)
    assert moves.set_index("area_code")["movement"].to_dict() == {
        "a": "up",
        "b": "same",
        "c": "down",
    }
    assert matrix.loc["total", "total"] == 3
    assert matrix.loc[1, 2] == 1 and matrix.loc[5, 4] == 1 and matrix.loc[3, 3] == 1
    assert list(matrix.index) == [1, 2, 3, 4, 5, "total"]
    _, lower = class_transitions(cl, period_from=2020, period_to=2024, better="lower")
    assert lower.set_index("area_code")["movement"].to_dict()["a"] == "down"
    with pytest.raises(InputError, match="2019"):
        class_transitions(cl, period_from=2019, period_to=2024)
    with pytest.raises(InputError, match="more than one row"):
        class_transitions(pd.concat([cl, cl.iloc[:1]]), period_from=2020, period_to=2024)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(1, 5)), st.one_of(st.none(), st.integers(1, 5))),
        min_size=1,
        max_size=40,
    )
)
def test_matrix_totals_equal_areas_in_both_periods(
    pairs: list[tuple[int | None, int | None]],
) -> None:
    by_area: dict[str, dict[str, int | None]] = {
        f"A{i}": {p: c for p, c in (("2020", a), ("2024", b)) if c is not None}
        for i, (a, b) in enumerate(pairs)
    }
    by_area["anchor"] = {"2020": 3, "2024": 3}
    matrix, moves = class_transitions(_classes(by_area), period_from=2020, period_to=2024)
    both = 1 + sum(a is not None and b is not None for a, b in pairs)
    assert matrix.loc["total", "total"] == both == len(moves)
    inner = matrix.drop(index="total", columns="total")
    assert inner.to_numpy().sum() == both
    assert np.trace(inner.to_numpy()) == (moves["movement"] == "same").sum()
    assert (matrix["total"].drop("total") == inner.sum(axis=1)).all()
    assert (moves["steps"] > 0).sum() == (moves["movement"] == "up").sum()


def _wide(scores: dict[tuple[str, str], float]) -> pd.DataFrame:
    """A table for scb-omradestyp where every indicator equals the wanted score."""
    rows = [{"area_code": a, "period": p, **dict.fromkeys(COLS, v)} for (a, p), v in scores.items()]
    return pd.DataFrame(rows)


def test_relative_class_changes_only_because_others_did() -> None:
    areas = [f"R{i:02d}" for i in range(20)]
    base = {a: 5.0 + i for i, a in enumerate(areas)}  # 5 … 24
    scores = {(a, "2018"): v for a, v in base.items()}
    for a, v in base.items():
        scores[(a, "2024")] = v if a == "R12" else v - 6.0  # everyone else improves
    out = anchored_classes(_wide(scores), method="scb-omradestyp", base_period=2018)
    assert list(out.columns) == list(ANCHORED_COLUMNS)
    r12 = out.loc[out["area_code"] == "R12"].set_index("period")
    assert r12.loc["2018", "score"] == r12.loc["2024", "score"]
    assert r12.loc["2018", "class_anchored"] == r12.loc["2024", "class_anchored"]
    assert r12.loc["2024", "class_relative"] < r12.loc["2018", "class_relative"]
    assert bool(r12.loc["2024", "differs"])
    assert set(out.attrs["thresholds_anchored"]) == {"2018", "2024"}
    assert out.attrs["thresholds_anchored"]["2024"] == out.attrs["thresholds_anchored"]["2018"]
    first = out.loc[out["period"] == "2018"]
    assert (first["class_relative"] == first["class_anchored"]).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.5, 60.0), min_size=6, max_size=25),
    st.lists(st.floats(0.5, 60.0), min_size=6, max_size=25),
    st.floats(0.5, 60.0),
)
def test_anchored_class_unchanged_when_own_score_unchanged(
    before: list[float], after: list[float], own: float
) -> None:
    n = min(len(before), len(after))
    scores = {("own", "2018"): own, ("own", "2024"): own}
    for i in range(n):
        scores[(f"o{i}", "2018")] = before[i]
        scores[(f"o{i}", "2024")] = after[i]
    out = anchored_classes(_wide(scores), method="scb-omradestyp", base_period="2018")
    mine = out.loc[out["area_code"] == "own"].set_index("period")["class_anchored"]
    assert mine["2018"] == mine["2024"]


def test_anchored_needs_classification_and_base_period() -> None:
    method = load_method("scb-omradestyp")
    table = _wide({("a", "2018"): 1.0, ("b", "2018"): 2.0, ("c", "2018"): 4.0})
    with pytest.raises(InputError, match="2010"):
        anchored_classes(table, method=method, base_period=2010)
    raw = method.model_dump(exclude_none=True)
    raw.pop("classification")
    with pytest.raises(MethodError):
        anchored_classes(table, method=parse_method(raw), base_period=2018)
