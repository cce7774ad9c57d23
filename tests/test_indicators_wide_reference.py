"""The observations' dense matrix equals one built an observation at a time.

:class:`ReferenceWide` below builds the matrix of
:class:`~omradesbild.indicators._shared.WideObservations` the plain way (rows and variables
in order of first appearance, each cell's first value, else its first missing reason); the
vectorised one must hold the same values, rows, missing reasons and periods, with and
without duplicate observations of a cell.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st

from omradesbild.indicators._shared import WideObservations
from strategies import observations


class ReferenceWide:
    """The dense matrix built one observation at a time (the reference)."""

    def __init__(self, observations: pd.DataFrame, variables: set[str]) -> None:
        obs = observations.loc[observations["variable"].isin(variables)]
        if "area_version" in obs.columns:
            versions = obs["area_version"].fillna("").astype(str).tolist()
        else:
            versions = [""] * len(obs)
        if "missing_reason" in obs.columns:
            texts = obs["missing_reason"].to_numpy(dtype=object).tolist()
        else:
            texts = [None] * len(obs)
        values = pd.to_numeric(obs["value"], errors="coerce").tolist()
        keys = zip(obs["area_code"].astype(str), versions, obs["period"].astype(str), strict=True)
        rows: dict[tuple[str, str, str], int] = {}
        self.var_pos: dict[str, int] = {}
        cells: list[tuple[int, int]] = []
        for key, var in zip(keys, obs["variable"].astype(str), strict=True):
            cells.append(
                (rows.setdefault(key, len(rows)), self.var_pos.setdefault(var, len(self.var_pos)))
            )
        self.n = len(rows)
        self.values = np.full((self.n, len(self.var_pos)), np.nan)
        self.has = np.zeros(self.values.shape, dtype=bool)
        first_reason: dict[tuple[int, int], object] = {}
        for cell, value, text in zip(cells, values, texts, strict=True):
            self.has[cell] = True
            if np.isnan(value):
                first_reason.setdefault(cell, text)
            elif np.isnan(self.values[cell]):
                self.values[cell] = value  # the first value observed
        self.reasons: npt.NDArray[np.object_] | None = None
        if first_reason:
            self.reasons = np.full(self.values.shape, None, dtype=object)
            for cell, text in first_reason.items():
                if np.isnan(self.values[cell]):  # a reason only where no value was found
                    self.reasons[cell] = text if isinstance(text, str) and text else "value missing"
        order = list(rows)
        self.code = np.asarray([k[0] for k in order], dtype=object)
        self.version = np.asarray([k[1] for k in order], dtype=object)
        self.period = np.asarray([k[2] for k in order], dtype=object)
        self.periods_of = {v: set(self.period[self.has[:, j]]) for v, j in self.var_pos.items()}


#: A missing value in a frame without ``missing_reason`` (forty drawings now and then miss
#: it). Given here, 50 drawings reach every line and branch of ``WideObservations``
#: that 200 did (measured with branch coverage on several seeds).
_NO_REASON_COLUMN = pd.DataFrame(
    {"area_code": ["0180C1010", "0180C1010"], "area_version": ["deso2018", "deso2018"],
     "variable": ["a", "b"], "period": ["2020", "2020"], "value": [np.nan, 1.0]}
)  # fmt: skip


@settings(max_examples=50, deadline=None)
@given(obs=observations(["a", "b", "c"], max_rows=40), few=st.booleans())
@example(obs=_NO_REASON_COLUMN, few=False)
def test_the_wide_table_equals_the_reference(obs: pd.DataFrame, few: bool) -> None:
    variables = {"a", "b"} if few else {"a", "b", "c"}
    got, want = WideObservations(obs, variables), ReferenceWide(obs, variables)
    np.testing.assert_array_equal(got.values, want.values)
    np.testing.assert_array_equal(got.has, want.has)
    assert (got.reasons is None) == (want.reasons is None)
    if got.reasons is not None:
        assert got.reasons.tolist() == want.reasons.tolist()
    for name in ("code", "version", "period"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist()
    assert got.periods_of == want.periods_of
    assert got.var_pos == want.var_pos
    for v in variables:
        assert got.first_reason([v]).tolist() == _first_reason(want, [v]).tolist()
    assert got.first_reason(["c", "a"]).tolist() == _first_reason(want, ["c", "a"]).tolist()


def _first_reason(wide: ReferenceWide, variables: list[str]) -> npt.NDArray[np.object_]:
    """Per row, the missing reason of the first of ``variables`` that has one."""
    cols = [wide.var_pos[v] for v in variables if v in wide.var_pos]
    reasons = wide.reasons if wide.reasons is not None else [[None] * len(wide.var_pos)] * wide.n
    firsts = [next((r[j] for j in cols if r[j] is not None), None) for r in reasons]
    return np.asarray(firsts, dtype=object)
