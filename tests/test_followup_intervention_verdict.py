"""The follow-up page's plain words: the target's reading, the verdict, the uncertainty."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.followup.did import difference_in_differences
from omradesbild.services.followup.intervention import (
    did_uncertainty,
    followup_axes,
    parse_change,
    parse_target,
    target_verdict,
)
from omradesbild.wording import fmt_num

SIDES = {"högst": "at_most", "≤": "at_most", "<=": "at_most", "at most": "at_most",
         "minst": "at_least", "≥": "at_least", ">=": "at_least",
         "at least": "at_least"}  # fmt: skip
numbers = st.floats(min_value=-1e5, max_value=1e5, allow_nan=False).map(lambda x: round(x, 2))


@settings(deadline=None)  # timings vary on a shared machine
@given(word=st.sampled_from(sorted(SIDES)), value=numbers, lang=st.sampled_from(["sv", "en"]))
def test_a_written_target_is_read_back(word: str, value: float, lang: str) -> None:
    written = f"{word} {fmt_num(value, lang, 2)} procent"
    parsed = parse_target(written, 0)
    assert parsed is not None
    assert parsed[0] == pytest.approx(value) and parsed[1] == SIDES[word]


@pytest.mark.parametrize(
    ("written", "direction", "expected"),
    [("20", 1, (20.0, "at_most")), ("20", -1, (20.0, "at_least")), ("20", 0, None),
     ("färre brott", 1, None), ("", 1, None), (None, 1, None), ("−2,5", 1, (-2.5, "at_most"))],
)  # fmt: skip
def test_bare_numbers_take_the_indicators_direction(
    written: str | None, direction: int, expected: tuple[float, str] | None
) -> None:
    assert parse_target(written, direction) == expected


def _means(treated: dict[str, float]) -> pd.DataFrame:
    rows = [("treated", p, v) for p, v in treated.items()]
    rows += [("comparison", p, 10.0) for p in treated]
    return pd.DataFrame(rows, columns=["group", "period", "value"])


@settings(deadline=None)
@given(
    values=st.lists(numbers, min_size=1, max_size=6),
    goal=numbers,
    side=st.sampled_from(["högst", "minst"]),
)
def test_verdict_agrees_with_the_latest_value_it_names(
    values: list[float], goal: float, side: str
) -> None:
    periods = [str(2016 + 2 * i) for i in range(len(values))]  # uneven from the start year
    means = _means(dict(zip(periods, values, strict=True)))
    v = target_verdict(means, target=f"{side} {goal}", direction=0, start_period="2016")
    assert v.period == periods[-1] and v.value == values[-1]
    meets = values[-1] <= goal + 1e-9 * max(1.0, abs(goal)) if side == "högst" else (
        values[-1] >= goal - 1e-9 * max(1.0, abs(goal)))  # fmt: skip
    assert v.verdict == ("reached" if meets else "not_reached")
    sentence = v.sentence.text("sv")  # type: ignore[attr-defined]
    assert sentence.startswith("Nått." if meets else "Inte nått.")
    assert fmt_num(values[-1], "sv", 1) in sentence and periods[-1] in sentence


def test_no_values_from_the_start_cannot_say() -> None:
    v = target_verdict(_means({"2015": 5.0, "2016": 4.0}), target="högst 10", direction=1,
                       start_period="2018")  # fmt: skip
    assert v.verdict == "cannot_say" and "2018" in v.sentence.text("sv")  # type: ignore[attr-defined]


def _panel(treated: list[str], comparison: list[str]) -> pd.DataFrame:
    rows = [(a, str(y), 10.0 + y - 2015 + 0.3 * ((i * 3 + y) % 4) - (2 if a in treated and
             y >= 2018 else 0)) for i, a in enumerate([*treated, *comparison])
            for y in range(2015, 2021)]  # fmt: skip
    return pd.DataFrame(rows, columns=["area_code", "period", "value"])


def test_one_against_one_has_no_uncertainty_and_three_areas_have() -> None:
    one = difference_in_differences(_panel(["T"], ["C"]), treated=["T"], start_period="2018",
                                    comparison=["C"])  # fmt: skip
    u = did_uncertainty(one)
    assert not u.shown and u.reason is not None
    assert "1 insatsområde och 1 jämförelseområde" in u.reason.text("sv")  # type: ignore[attr-defined]
    three = difference_in_differences(_panel(["T"], ["C1", "C2"]), treated=["T"],
                                      start_period="2018", comparison=["C1", "C2"])  # fmt: skip
    assert did_uncertainty(three).shown
    assert not did_uncertainty(None).shown


def test_axes_name_the_indicator_its_unit_and_the_year() -> None:
    sv = followup_axes("unemployment_16_64", "sv")
    assert sv.x == "År" and sv.y.endswith("(procent)") and "16–64" in sv.y
    assert followup_axes("unemployment_16_64", "en").x == "Year"
    assert followup_axes("not_an_indicator", "sv").y == "not_an_indicator"


@pytest.mark.parametrize(
    ("target", "latest", "verdict", "goal"),
    [
        ("minska med 2 procentenheter", 7.5, "reached", 8.0),
        ("minska med 2 procentenheter", 8.5, "not_reached", 8.0),
        ("Minska med 1,5.", 8.5, "reached", 8.5),
        ("öka med 10 %", 11.0, "reached", 11.0),
        ("öka med 10 %", 10.9, "not_reached", 11.0),
        ("minska", 9.9, "reached", 10.0),
        ("minska", 10.0, "not_reached", 10.0),  # no fall at all
        ("increase", 10.5, "reached", 10.0),
    ],
)
def test_targets_of_change_count_from_the_value_before_the_start(
    target: str, latest: float, verdict: str, goal: float
) -> None:
    means = _means({"2016": 12.0, "2019": 10.0, "2021": 9.0, "2023": latest})
    v = target_verdict(means, target=target, direction=1, start_period="2020", unit="procent")
    assert (v.verdict, v.value, v.period) == (verdict, latest, "2023")
    assert v.target == pytest.approx(goal)
    sentence = v.sentence.text("sv")  # type: ignore[attr-defined]
    assert sentence.startswith("Nått." if verdict == "reached" else "Inte nått.")
    assert (
        "från 10,0 procent år 2019" in sentence
        and f"{fmt_num(latest, 'sv', 1)} procent år 2023" in sentence
    )


def test_a_target_of_change_without_a_value_before_the_start_cannot_say() -> None:
    v = target_verdict(_means({"2021": 9.0}), target="minska", direction=1, start_period="2020")
    assert v.verdict == "cannot_say"
    assert "före starten" in v.sentence.text("sv")  # type: ignore[attr-defined]
    assert parse_change("minskad oro") is None and parse_change("") is None
