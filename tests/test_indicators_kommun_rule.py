"""The kommun code rule on whole columns equals the per-code rule it replaced."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE
from omradesbild.errors import InputError
from omradesbild.indicators import add_reference_levels, kommun_links

CODES = st.sampled_from(
    ["0180C1010", "0180R001", "0180", "1480A0020", "018", "0180X1010", "Centrum", "0180\n", "SE"]
)


def _old_kommun(code: str, mapping: dict[str, str | None]) -> str | None:
    if code in mapping:
        return mapping[code]
    if DESO_RE.match(code) or REGSO_RE.match(code) or KOMMUN_RE.match(code):
        return code[:4]
    return None


#: 50 drawings reach every line and branch of ``add_reference_levels`` and ``coded_area`` that
#: 150 did (measured with branch coverage on several seeds; 30 already did): nine kinds of
#: code in lists of up to twelve meet each kind, with and without a mapping, many times over.
@settings(max_examples=50, deadline=None)
@given(
    st.lists(CODES, max_size=12),
    st.dictionaries(CODES, st.sampled_from(["0180", "1480", None]), max_size=3),
)
def test_add_reference_levels_kommun_equals_per_code_rule(
    codes: list[str], mapping: dict[str, str | None]
) -> None:
    result = pd.DataFrame({"area_code": codes, "period": "2023", "indicator": "x"})
    refs = pd.DataFrame(
        {"area_code": ["0180", "SE"], "level": ["kommun", "country"], "period": "2023"}
    ).assign(indicator="x", value=[1.0, 2.0])
    # The old function: the per-code rule, then the same merges.
    old = result.copy()
    old["kommun_code"] = [_old_kommun(str(c), mapping) for c in old["area_code"]]
    kom = refs.loc[refs["level"] == "kommun", ["area_code", "period", "indicator", "value"]]
    kom = kom.rename(columns={"area_code": "kommun_code", "value": "kommun_value"})
    nat = refs.loc[refs["level"] == "country", ["period", "indicator", "value"]]
    try:
        old = old.merge(kom, on=["kommun_code", "period", "indicator"], how="left")
    except ValueError:  # no kommun code at all (a column of None): both refuse the merge
        with pytest.raises(ValueError):
            add_reference_levels(result, refs, area_kommun=mapping)
        return
    old = old.merge(nat.rename(columns={"value": "country_value"}), on=["period", "indicator"])
    pd.testing.assert_frame_equal(add_reference_levels(result, refs, area_kommun=mapping), old)


#: 50 drawings reach every line and branch of ``kommun_links`` that 150 did (measured with
#: branch coverage on several seeds; 30 already did).
@settings(max_examples=50, deadline=None)
@given(st.lists(CODES, max_size=12))
def test_kommun_links_equal_per_code_rule(codes: list[str]) -> None:
    distinct = sorted(set(codes))
    bad = [c for c in distinct if _old_kommun(c, {}) is None]
    if bad:
        with pytest.raises(InputError, match=repr(bad[0])):
            kommun_links(codes)
        return
    links = kommun_links(codes)
    assert list(links["from_code"]) == distinct
    assert list(links["to_code"]) == [c[:4] for c in distinct]
