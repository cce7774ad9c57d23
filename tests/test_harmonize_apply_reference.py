"""apply_crosswalk against a plain, row-by-row reference implementation (Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omradesbild.errors import InputError
from omradesbild.harmonize.apply import apply_crosswalk

Case = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Links (some weights 0), values with NaN, absent rows and unlinked areas, and
    optional intensive weights with NaN and zeros."""
    n_src, n_tgt = draw(st.integers(1, 7)), draw(st.integers(1, 4))
    rows = []
    for i in range(n_src):
        targets = draw(st.lists(st.integers(0, n_tgt - 1), max_size=n_tgt, unique=True))
        for j in targets:
            rows.append((f"s{i}", f"t{j}", draw(st.sampled_from([0.0, 0.25, 0.5, 1.0, 0.3]))))
    links = pd.DataFrame(rows, columns=["from_code", "to_code", "weight"])
    if not (links["weight"] > 0).any():
        links = pd.DataFrame([("s0", "t0", 1.0)], columns=["from_code", "to_code", "weight"])
    value = st.one_of(st.just(math.nan), st.floats(-1e3, 1e3, allow_nan=False))
    values = [
        (f"s{i}", p, v, draw(value))
        for i in range(n_src + 1)  # s{n_src} is linked nowhere
        for v in ("a", "b")
        for p in ("2021", "2022")
        if draw(st.booleans()) or draw(st.booleans())  # about a quarter of the rows absent
    ]
    if not values:
        values = [("s0", "2021", "a", 1.0)]
    vals = pd.DataFrame(values, columns=["area_code", "period", "variable", "value"])
    den = None
    if draw(st.booleans()):
        weight = st.sampled_from([math.nan, 0.0, 1.0, 2.5, 10.0])
        den = pd.DataFrame(
            {
                "area_code": [f"s{i}" for i in range(n_src)],
                "value": [draw(weight) for _ in range(n_src)],
            }
        )
    return links, vals, den


def reference(
    values: pd.DataFrame, links: pd.DataFrame, kind: str, den: pd.DataFrame | None, complete: bool
) -> pd.DataFrame:
    """The documented formulas, one target, variable and period at a time."""
    lk = links.loc[links["weight"] > 0]
    val = {(a, v, p): x for a, p, v, x in values.itertuples(index=False)}
    d = dict(zip(den["area_code"], den["value"], strict=True)) if den is not None else {}
    linked = values.loc[values["area_code"].isin(set(lk["from_code"]))]
    cols = sorted(set(zip(linked["variable"], linked["period"], strict=True)))
    out = []
    for t in sorted(set(lk["to_code"])):
        srcs = lk.loc[lk["to_code"] == t]
        for v, p in cols:
            num = tot = 0.0
            missing = 0
            for s, w in zip(srcs["from_code"], srcs["weight"], strict=True):
                y = val.get((s, v, p), math.nan)
                di = d.get(s, math.nan) if den is not None else 1.0
                if math.isnan(y) or (kind == "intensive" and math.isnan(di)):
                    missing += 1
                    continue
                num += w * (y if kind == "extensive" else di * y)
                tot += w * di
            n = len(srcs)
            gone = missing > 0 if complete else missing >= n
            if gone or (kind == "intensive" and tot <= 0):
                x = math.nan
            else:
                x = num if kind == "extensive" else num / tot
            out.append((t, v, p, x, n))
    return pd.DataFrame(out, columns=["area_code", "variable", "period", "value", "n_sources"])


@settings(max_examples=100, deadline=None)
@given(cases(), st.sampled_from(["extensive", "intensive"]), st.booleans())
def test_apply_equals_the_reference(case: Case, kind: str, complete: bool) -> None:
    links, values, den = case
    got = apply_crosswalk(
        values,
        links,
        kind=kind,  # type: ignore[arg-type]
        intensive_weights=den if kind == "intensive" else None,
        require_complete=complete,
    )
    want = reference(values, links, kind, den if kind == "intensive" else None, complete)
    keys = ["area_code", "variable", "period"]
    assert got[keys].astype(str).values.tolist() == want[keys].values.tolist()
    assert got["n_sources"].tolist() == want["n_sources"].tolist()
    g, w = got["value"].to_numpy(dtype=float), want["value"].to_numpy(dtype=float)
    assert np.array_equal(np.isnan(g), np.isnan(w))
    assert g[~np.isnan(g)] == pytest.approx(w[~np.isnan(w)], rel=1e-12, abs=1e-9)
    assert got["missing_reason"].isna().tolist() == (~np.isnan(w)).tolist()
    unlinked = sorted(set(values["area_code"]) - set(links.loc[links["weight"] > 0, "from_code"]))
    assert got.attrs["unlinked_areas"] == unlinked


@pytest.mark.parametrize("column", ["area_code", "period", "variable"])
@pytest.mark.parametrize("dtype", ["str", "object", "category"])
def test_a_missing_key_is_named_whatever_the_dtype(column: str, dtype: str) -> None:
    links = pd.DataFrame({"from_code": ["a", "b"], "to_code": ["x", "x"], "weight": [1.0, 1.0]})
    values = pd.DataFrame(
        {"area_code": ["a", "b"], "period": ["2022", "2022"], "variable": ["n", "n"]}
    ).astype(dtype)
    values[column] = values[column].astype(object).where([True, False], None).astype(dtype)
    values["value"] = [1.0, 2.0]
    with pytest.raises(InputError, match=f"{column} is missing") as err:
        apply_crosswalk(values, links)
    assert err.value.row == 2


def test_keys_of_any_dtype_give_the_same_result() -> None:
    links = pd.DataFrame(
        {"from_code": ["a", "b", "c"], "to_code": ["x", "x", "y"], "weight": [1.0, 0.5, 1.0]}
    )
    values = pd.DataFrame(
        {
            "area_code": ["c", "a", "b", "q", "a"],
            "period": ["2022", "2021", "2021", "2021", "2022"],
            "variable": ["n", "n", "n", "n", "m"],
            "value": [3.0, 1.0, 2.0, 9.0, 4.0],
        }
    )
    want = apply_crosswalk(values, links)
    assert want.attrs["unlinked_areas"] == ["q"]
    for dtype in ("object", "category"):
        keys = {c: dtype for c in ("area_code", "period", "variable")}
        got = apply_crosswalk(values.astype(keys), links)
        pd.testing.assert_frame_equal(got, want)
        assert got.attrs == want.attrs
