"""Notes joined on whole columns equal the row-by-row join they replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.indicators._shared import join_notes

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
