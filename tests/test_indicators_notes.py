"""Notes joined on whole columns equal the row-by-row join they replaced."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.indicators._shared import _reason_texts, general_format, join_notes
from omradesbild.indicators.aggregate import _member_notes

TEXTS = (
    st.sampled_from(
        [None, "", "numerator missing (..)", "denominator is zero", "denominator 3 below 50", "x"]
    )
    | st.none()
)


def reference_join_notes(*parts: list[object]) -> list[object]:
    """The row-by-row join: distinct non-empty texts of a row, in order, with "; "."""
    out: list[object] = []
    for row in zip(*parts, strict=True):
        if all(v is None or (isinstance(v, float) and np.isnan(v)) for v in row):
            out.append(None)
            continue
        texts = [v for v in row if isinstance(v, str) and v]
        out.append("; ".join(dict.fromkeys(texts)))
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda k: st.integers(0, 12).flatmap(
            lambda n: st.lists(
                st.lists(TEXTS | st.just(np.nan), min_size=n, max_size=n), min_size=k, max_size=k
            )
        )
    )
)
def test_join_notes_equals_the_row_by_row_join(parts: list[list[object]]) -> None:
    got = join_notes(*parts)
    assert got.dtype == object
    assert list(got) == reference_join_notes(*parts)


def test_join_notes_examples() -> None:
    got = join_notes(["a", None, "", None], ["b", "c", None, None], ["a", "c", "", np.nan])
    assert list(got) == ["a; b", "c", "", None]
    assert len(join_notes([])) == 0


NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**7), 10**7).map(float)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBERS | st.sampled_from([0.0, -0.0, 1e6, 999999.0, 0.5, 2.5e-5]), max_size=40))
def test_general_format_equals_format_g(values: list[float]) -> None:
    # The small-denominator note's numbers, formatted on a whole column as f"{v:g}" did.
    out = general_format(np.asarray(values, dtype=float))
    assert list(out) == [f"{v:g}" for v in values]


REASONS = st.sampled_from([None, "", "..", "suppressed", 5, float("nan"), pd.NA, b"x"])


@settings(max_examples=200, deadline=None)
@given(st.lists(REASONS, min_size=1, max_size=30))
def test_reason_texts_equal_row_by_row(reasons: list[object]) -> None:
    # Missing values' reasons, decided per distinct reason, as the row-by-row rule did.
    out = _reason_texts(np.asarray([*reasons, None], dtype=object)[:-1])
    expected = [r if isinstance(r, str) and r else "value missing" for r in reasons]
    assert list(out) == expected


def _old_member_notes(agg: pd.DataFrame, m: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The per-group join the member notes used before (a Python join per group)."""
    noted = m.loc[m["note"].notna(), [*keys, "note"]].drop_duplicates()
    if not len(noted):
        return agg.assign(member_note=None)
    notes = noted.groupby(keys, sort=False)["note"].agg(lambda s: "; ".join(s))
    return agg.merge(notes.rename("member_note").reset_index(), on=keys, how="left")


#: 50 drawings reach every line and branch of ``_member_notes`` that 200 did (measured with
#: branch coverage on three seeds).
@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2"]), TEXTS),
        min_size=1,
        max_size=25,
    )
)
def test_member_notes_equal_per_group_join(rows: list[tuple[str, str, object]]) -> None:
    # The notes of an aggregate's members, joined on whole columns as the per-group join did.
    m = pd.DataFrame(rows, columns=["to_code", "period", "note"])
    m["note"] = m["note"].replace("", "e")  # an empty text is a note here like any other
    keys = ["to_code", "period"]
    agg = m[keys].drop_duplicates().reset_index(drop=True)
    group, _ = pd.factorize(pd.MultiIndex.from_frame(m[keys]))
    new = _member_notes(m["note"].to_numpy(dtype=object), group, len(agg))
    old = _old_member_notes(agg.copy(), m, keys)["member_note"]
    assert new.tolist() == [None if pd.isna(v) else v for v in old]


PERIODS = st.from_regex(r"\A[0-9A-Za-z_\-]{1,12}\Z")


@settings(max_examples=200, deadline=None)
@given(period=PERIODS, before=TEXTS, after=TEXTS)
def test_denominator_note_reads_back_its_period(period: str, before: object, after: object) -> None:
    """The period a denominator note names is read back from the note, alone or joined with
    other notes on either side: the note's writer and its readers (the change test's
    "not tested" rule, the crime rates' population year) share one definition."""
    from omradesbild.indicators.counts import denominator_note, denominator_periods

    joined = join_notes([before], [denominator_note(period)], [after])
    notes = pd.Series([joined[0], None, "numerator missing (..)"], dtype=object)
    got = denominator_periods(notes).tolist()
    assert got[0] == period
    assert all(isinstance(v, float) and np.isnan(v) for v in got[1:])
