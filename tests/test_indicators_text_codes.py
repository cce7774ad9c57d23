"""The codes of a text column kept per its Arrow data (:mod:`omradesbild.indicators.text_codes`):
the numbers ``pd.factorize`` gives, never those of data the column no longer holds."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from omradesbild.indicators import aggregate_counts, country_links, text_codes
from omradesbild.indicators.aggregate import country_counts
from test_indicators_aggregate_reference import _RARE, counts_and_links, reference_aggregate_counts

_TEXTS = st.lists(st.sampled_from(["a", "b", "Ä", "", "0180C1010", None]), max_size=30)
_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def kept_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes kept for columns of any length (the random columns are short)."""
    monkeypatch.setattr(text_codes, "MIN_KEPT_ROWS", 0)


@_SETTINGS
@given(texts=_TEXTS, written=st.sampled_from(["b", "new", None]))
def test_codes_equal_pandas_before_and_after_a_write(
    kept_always: None, texts: list[str | None], written: str | None
) -> None:
    frame = pd.DataFrame({"t": pd.array(texts, dtype="str")})
    for _ in range(2):  # computed, then kept
        codes, uniques = text_codes.factorize(frame["t"])
        want_codes, want_uniques = pd.factorize(frame["t"])
        np.testing.assert_array_equal(codes, want_codes)
        pd.testing.assert_index_equal(uniques, want_uniques, exact=True)
    if texts:
        frame.loc[0, "t"] = written  # the column's data changes: its codes with it
        codes, uniques = text_codes.factorize(frame["t"])
        want_codes, want_uniques = pd.factorize(frame["t"])
        np.testing.assert_array_equal(codes, want_codes)
        pd.testing.assert_index_equal(uniques, want_uniques, exact=True)


def test_kept_codes_are_read_only_and_forgotten_with_their_data(kept_always: None) -> None:
    gc.collect()
    before = text_codes.kept_count()
    column = pd.Series(pd.array(["x", "y", "x"], dtype="str"))
    codes, _ = text_codes.factorize(column)
    assert text_codes.kept_count() == before + 1
    with pytest.raises(ValueError):
        codes[0] = 5
    del column
    gc.collect()
    assert text_codes.kept_count() == before


def test_short_and_other_columns_are_not_kept() -> None:
    before = text_codes.kept_count()
    text_codes.factorize(pd.Series(pd.array(["x", "y"], dtype="str")))
    text_codes.factorize(pd.Series(["x", "y"] * 10_000, dtype=object))
    assert text_codes.kept_count() == before


#: 30 drawings and the two cases drawings reach only now and then (``_RARE``: sums that come
#: out empty) reach every line and branch of ``indicators/text_codes.py`` that 60 drawings
#: did, and of ``indicators/aggregate.py`` at least as many (measured with coverage on
#: several seeds; ``test_indicators_aggregate_reference`` draws 100 against the reference).
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=counts_and_links())
@example(data=_RARE[0])
@example(data=_RARE[1])
def test_sums_from_kept_codes_equal_the_reference(
    kept_always: None, data: tuple[pd.DataFrame, pd.DataFrame, bool]
) -> None:
    """Two sums of the same counts (the second from the codes kept by the first) equal
    the reference's, over random links and to the country."""
    counts, links, complete = data
    want = reference_aggregate_counts(counts, links, level="district", require_complete=complete)
    country = country_links(counts["area_code"].unique())
    want_country = reference_aggregate_counts(
        counts, country, level="country", require_complete=False
    )
    for _ in range(2):
        got = aggregate_counts(counts, links, level="district", require_complete=complete)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
        pd.testing.assert_frame_equal(country_counts(counts), want_country, check_exact=True)


@_SETTINGS
@given(texts=_TEXTS)
def test_distinct_values_equal_pandas(kept_always: None, texts: list[str | None]) -> None:
    column = pd.Series(pd.array(texts, dtype="str"))
    for _ in range(2):  # computed, then from the codes kept
        got = list(text_codes.distinct(column))
        want = list(column.unique())
        assert len(got) == len(want)
        assert all(g == w or (pd.isna(g) and pd.isna(w)) for g, w in zip(got, want, strict=True))
