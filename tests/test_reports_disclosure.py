"""Disclosure control: small counts and what is computed from them are not published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import two_areas
from omradesbild.errors import ConfigError, InputError
from omradesbild.reports.disclosure import (
    DISCLOSED_ATTR,
    apply_disclosure,
    disclosure_rule_text,
    mask_components,
    round_half_up,
)

VALUES = ["value", "ci_low", "ci_high", "value_smoothed"]
ORIGINAL = ["area_code", "period", "indicator", "numerator", "denominator", *VALUES]


def frame(numerators: list[float], denominators: list[float]) -> pd.DataFrame:
    n = len(numerators)
    num = np.asarray(numerators, dtype="float64")
    den = np.asarray(denominators, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = np.where(den > 0, 100 * num / den, np.nan)
    return pd.DataFrame(
        {
            "area_code": [f"A{i:03d}" for i in range(n)],
            "period": "2024",
            "indicator": "x",
            "numerator": num,
            "denominator": den,
            "value": value,
            "ci_low": value - 1,
            "ci_high": value + 1,
            "value_smoothed": value,
            "reliable": True,
        }
    )


def row(out: pd.DataFrame, i: int) -> pd.Series:
    return out.iloc[i]


# --------------------------------------------------------------------------- hand-made cases


def test_small_nonzero_counts_are_masked_zero_is_published() -> None:
    df = frame([0, 1, 4, 5, 30], [100, 100, 100, 100, 100])
    out = apply_disclosure(df, threshold=5)
    assert out["masked"].tolist() == [False, True, True, False, False]
    assert out.loc[0, "numerator"] == 0 and out.loc[0, "value"] == 0
    for i in (1, 2):
        assert pd.isna(out.loc[i, "numerator"])
        assert out.loc[i, "mask_reason"] == "numerator<5"
        assert out.loc[i, VALUES].isna().all()
        assert out.loc[i, "denominator"] == 100  # the denominator itself is not small
    assert out.loc[3, "numerator"] == 5
    assert pd.isna(out.loc[0, "mask_reason"])


def test_weighted_counts_are_tested_on_their_rounded_value() -> None:
    # 4.6 -> 5 published; 4.4 -> 4 masked; 0.3 -> 0 published; 0.5 -> 1 masked (halves up).
    df = frame([4.6, 4.4, 0.3, 0.5], [1000.0, 1000.0, 1000.0, 1000.0])
    out = apply_disclosure(df, threshold=5)
    assert out["masked"].tolist() == [False, True, False, True]
    assert out.loc[0, "numerator"] == pytest.approx(4.6)
    assert out.loc[2, "numerator"] == pytest.approx(0.3)
    assert round_half_up(pd.Series([0.5, 1.5, 2.5, 4.49999, -0.5])).tolist() == [
        1.0,
        2.0,
        3.0,
        4.0,
        -1.0,
    ]


def test_small_denominator_masks_numerator_and_values() -> None:
    df = frame([0, 2], [3, 4.4])
    out = apply_disclosure(df, threshold=5)
    assert out["masked"].all()
    assert out[["numerator", "denominator", *VALUES]].isna().all().all()
    assert out.loc[0, "mask_reason"] == "denominator<5"
    assert out.loc[1, "mask_reason"] == "numerator<5;denominator<5"


def test_a_note_stating_a_suppressed_count_is_suppressed() -> None:
    """The indicators' note of a small denominator names it ("denominator 3 below 100"):
    published beside a suppressed denominator, it gave the count away."""
    from omradesbild.indicators.finalize import finalize_indicators

    counts = pd.DataFrame(
        {
            "area_code": ["A", "B"],
            "area_version": "deso2018",
            "level": "deso",
            "period": "2024",
            "indicator": "foreign_born",
            "numerator": [1.0, 60.0],
            "denominator": [3.0, 80.0],
            "n_parts": 1,
            "partial": False,
            "approximate": False,
            "note": None,
        }
    )
    ind = finalize_indicators(counts)
    assert ind["note"].tolist() == ["denominator 3 below 100", "denominator 80 below 100"]
    out = apply_disclosure(ind, threshold=5)
    assert out["masked"].tolist() == [True, False]
    assert pd.isna(out.loc[0, "note"]) and pd.isna(out.loc[0, "denominator"])
    assert out.loc[1, "note"] == "denominator 80 below 100"  # its counts are published


def test_missing_counts_are_not_tested() -> None:
    df = frame([np.nan, 3], [np.nan, np.nan])
    df.loc[0, "value"] = 42.0  # a published percentage without its base
    out = apply_disclosure(df)
    assert not out.loc[0, "masked"] and out.loc[0, "value"] == 42.0
    assert out.loc[1, "masked"] and pd.isna(out.loc[1, "value"])


def test_median_without_numerator_is_masked_by_its_denominator() -> None:
    df = pd.DataFrame(
        {
            "area_code": ["A", "B"],
            "period": "2024",
            "indicator": "median_income",
            "numerator": [np.nan, np.nan],
            "denominator": [3.0, 800.0],
            "value": [310.0, 290.0],
        }
    )
    out = apply_disclosure(df)
    assert out["masked"].tolist() == [True, False]
    assert pd.isna(out.loc[0, "value"]) and out.loc[1, "value"] == 290.0


def test_input_is_not_modified_and_attrs_record_threshold() -> None:
    df = frame([1, 10], [100, 100])
    before = df.copy()
    out = apply_disclosure(df, threshold=3)
    pd.testing.assert_frame_equal(df, before)
    assert out.attrs[DISCLOSED_ATTR] == 3
    assert "masked" not in df.columns


def test_object_columns_as_from_area_indicators() -> None:
    df = frame([2, 50], [100, 100]).astype({"numerator": object, "value": object})
    out = apply_disclosure(df)
    assert out["masked"].tolist() == [True, False]
    assert pd.isna(out.loc[0, "numerator"]) and out.loc[1, "value"] == 50


def test_threshold_one_masks_nothing_and_invalid_thresholds_fail() -> None:
    df = frame([1, 2], [2, 3])
    out = apply_disclosure(df, threshold=1)
    assert not out["masked"].any()
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ConfigError):
            apply_disclosure(df, threshold=bad)  # type: ignore[arg-type]


def test_reapplying_keeps_earlier_flags() -> None:
    df = frame([3, 7, 40], [100, 100, 100])
    once = apply_disclosure(df, threshold=10)
    twice = apply_disclosure(once, threshold=5)
    assert twice["masked"].tolist() == [True, True, False]
    assert twice.loc[1, "mask_reason"] == "numerator<10"
    bad = once.assign(masked=["yes", "no", "no"])
    with pytest.raises(InputError, match="masked"):
        apply_disclosure(bad)


def test_rule_text_states_the_rule() -> None:
    sv = disclosure_rule_text(5)
    en = disclosure_rule_text(5, lang="en")
    assert "T = 5" in sv and "1–4" in sv and "0 redovisas" in sv
    assert "sekundär" in sv and "'..'" in sv
    assert "1–4" in en and "0 is published" in en and "No secondary" in en
    assert "rounded" in en and "denominator is suppressed" in en
    assert "1–9" in disclosure_rule_text(10, "en")
    assert "value is 1 is" in disclosure_rule_text(2, "en")
    assert "no counts are suppressed" in disclosure_rule_text(1, "en")
    with pytest.raises(ConfigError):
        disclosure_rule_text(5, lang="de")


def test_mask_components_masks_and_drops_unchecked_columns() -> None:
    long = apply_disclosure(
        pd.DataFrame(
            {
                "area_code": ["A", "B", "A", "B"],
                "period": "2024",
                "indicator": ["x", "x", "y", "y"],
                "numerator": [2.0, 50.0, 60.0, 70.0],
                "denominator": [100.0] * 4,
                "value": [2.0, 50.0, 60.0, 70.0],
            }
        )
    )
    wide = two_areas(score=[1.0, 2.0], x=[2.0, 50.0], y=[60.0, 70.0], z=[1.0, 1.0])
    out = mask_components(wide, long, columns=["x", "y", "z"])
    assert "z" not in out.columns
    assert pd.isna(out.loc[0, "x"]) and out.loc[1, "x"] == 50.0
    assert out["y"].tolist() == [60.0, 70.0] and out["score"].tolist() == [1.0, 2.0]
    with pytest.raises(InputError):
        mask_components(wide, long.drop(columns="masked"), columns=["x"])


# --------------------------------------------------------------------------- properties

counts = st.one_of(
    st.just(np.nan),
    st.integers(min_value=0, max_value=12).map(float),
    st.floats(min_value=0, max_value=12, allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
)
pairs = st.lists(st.tuples(counts, counts), min_size=1, max_size=30)
thresholds = st.integers(min_value=1, max_value=15)


def _frame(data: list[tuple[float, float]]) -> pd.DataFrame:
    return frame([a for a, _ in data], [b for _, b in data])


def _small(x: pd.Series, t: int) -> pd.Series:
    r = np.floor(x.astype(float) + 0.5)
    return (r >= 1) & (r <= t - 1)


#: One drawing serves all five properties below: each holds on every one of the 100
#: drawings, as when each property drew its own, and the counts are drawn and masked once
#: a drawing instead of five times.
@settings(max_examples=100, deadline=None)
@given(pairs, thresholds, st.integers(min_value=0, max_value=10))
def test_disclosure_properties(data: list[tuple[float, float]], t: int, extra: int) -> None:
    df = _frame(data)
    out = apply_disclosure(df, threshold=t)
    no_small_count_is_published(out, t)
    no_value_where_a_count_is_masked(df, out)
    unmasked_rows_unchanged(df, out, t)
    threshold_monotonicity(df, out, t + extra)
    idempotent(out, t)


def no_small_count_is_published(out: pd.DataFrame, t: int) -> None:
    """No published count is small (run on each drawing of
    :func:`test_disclosure_properties`)."""
    for c in ("numerator", "denominator"):
        published = out[c].dropna()
        assert not _small(published, t).any()


def no_value_where_a_count_is_masked(df: pd.DataFrame, out: pd.DataFrame) -> None:
    """A row with a masked count is masked, without values and with a reason."""
    hidden = pd.Series(False, index=df.index)
    for c in ("numerator", "denominator"):
        hidden |= df[c].notna() & out[c].isna()
    assert (out["masked"] == hidden).all()
    assert out.loc[hidden, VALUES].isna().all().all()
    assert out.loc[hidden, "mask_reason"].notna().all()


def unmasked_rows_unchanged(df: pd.DataFrame, out: pd.DataFrame, t: int) -> None:
    """Unmasked rows are as given, without a reason; a row with no small count is kept."""
    keep = ~out["masked"]
    pd.testing.assert_frame_equal(out.loc[keep, df.columns], df.loc[keep])
    assert out.loc[keep, "mask_reason"].isna().all()
    # A row with no small count is never masked.
    clean = ~(_small(df["numerator"].fillna(0), t) | _small(df["denominator"].fillna(0), t))
    assert not out.loc[clean, "masked"].any()


def threshold_monotonicity(df: pd.DataFrame, low: pd.DataFrame, higher: int) -> None:
    """A higher threshold masks every row a lower one (``low``'s) masks."""
    high = apply_disclosure(df, threshold=higher)
    assert not (low["masked"] & ~high["masked"]).any()
    assert high["masked"].sum() >= low["masked"].sum()


def idempotent(once: pd.DataFrame, t: int) -> None:
    """Masking a masked frame again changes nothing."""
    twice = apply_disclosure(once, threshold=t)
    pd.testing.assert_frame_equal(once, twice)
