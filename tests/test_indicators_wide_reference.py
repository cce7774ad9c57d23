"""The observations' dense matrix equals the one built before the whole-column shortcuts.

:class:`ReferenceWide` below is the earlier construction of
:class:`~omradesbild.indicators._shared.WideObservations` (a sort of every observed cell, a
comparison of every text cell); the current one must hold the same values, rows, missing
reasons and periods, with and without duplicate observations of a cell.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.indicators._shared import WideObservations, _reason_texts


class ReferenceWide:
    """The dense matrix as it was built before (the reference)."""

    def __init__(self, observations: pd.DataFrame, variables: set[str]) -> None:
        obs = observations.loc[observations["variable"].isin(variables)]
        # Text columns are factorised as they are (codes in order of first appearance) and
        # only their distinct values turned into Python strings.
        if "area_version" in obs.columns:
            version = obs["area_version"].fillna("").astype(str)
        else:
            version = pd.Series("", index=obs.index, dtype=object)
        value = pd.to_numeric(obs["value"], errors="coerce").to_numpy(dtype=float)
        c_i, c_u = pd.factorize(obs["area_code"].astype(str))
        v_i, v_u = pd.factorize(version)
        p_i, p_u = pd.factorize(obs["period"].astype(str))
        var_i, var_u = pd.factorize(obs["variable"].astype(str))
        raw_row = (c_i.astype(np.int64) * len(v_u) + v_i) * len(p_u) + p_i
        row_i, row_u = pd.factorize(raw_row)
        n_rows, n_vars = len(row_u), len(var_u)
        cell = row_i.astype(np.int64) * n_vars + var_i

        self.values = np.full((n_rows, n_vars), np.nan)
        ok = ~np.isnan(value)
        uniq, first = np.unique(cell[ok], return_index=True)
        self.values.flat[uniq] = value[ok][first]
        self.has = np.zeros((n_rows, n_vars), dtype=bool)
        self.has.flat[cell] = True
        self.reasons: npt.NDArray[np.object_] | None = None
        nan_rows = ~ok
        if nan_rows.any():
            if "missing_reason" in obs.columns:
                reason = obs["missing_reason"].to_numpy(dtype=object)[nan_rows]
            else:
                reason = np.full(int(nan_rows.sum()), None, dtype=object)
            reason = _reason_texts(reason)
            self.reasons = np.full((n_rows, n_vars), None, dtype=object)
            uniq, first = np.unique(cell[nan_rows], return_index=True)
            self.reasons.flat[uniq] = reason[first]
            self.reasons[~np.isnan(self.values) | ~self.has] = None

        # decode the row keys
        raw = np.asarray(row_u, dtype=np.int64)
        pp = raw % len(p_u)
        vv = (raw // len(p_u)) % len(v_u)
        cc = raw // (len(p_u) * len(v_u))
        self.code = np.asarray(c_u, dtype=object)[cc]
        self.version = np.asarray(v_u, dtype=object)[vv]
        self.period = np.asarray(p_u, dtype=object)[pp]
        self.var_pos = {str(v): i for i, v in enumerate(var_u)}
        self.periods_of: dict[str, set[str]] = {}
        for v, j in self.var_pos.items():
            self.periods_of[v] = set(self.period[self.has[:, j]])
        self.n = n_rows


@st.composite
def observations(draw: st.DrawFn) -> pd.DataFrame:
    cells = st.tuples(
        st.sampled_from(["0180C1010", "0180C1020", "0114A0010"]),
        st.sampled_from(["deso2018", "deso2025"]),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["2020", "2021", "2023"]),
        st.sampled_from([np.nan, 0.0, 1.0, 7.5]),
        st.sampled_from([None, "..", "", "suppressed"]),
    )
    rows = draw(st.lists(cells, min_size=1, max_size=40))
    frame = pd.DataFrame(
        rows,
        columns=["area_code", "area_version", "variable", "period", "value", "missing_reason"],
    )
    if draw(st.booleans()):  # text columns as read from the store
        for col in ("area_code", "area_version", "variable", "period", "missing_reason"):
            frame[col] = frame[col].astype("str")
    return frame


@settings(max_examples=200, deadline=None)
@given(obs=observations(), few=st.booleans())
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
    out = np.full(wide.n, None, dtype=object)
    if wide.reasons is None:
        return out
    for v in reversed(variables):
        j = wide.var_pos.get(v)
        if j is not None:
            col = wide.reasons[:, j]
            out = np.where(col != None, col, out)  # noqa: E711
    return out
