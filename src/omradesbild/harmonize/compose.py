"""Compose two crosswalks (links) into one.

Re-exported by :mod:`omradesbild.harmonize.apply`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from omradesbild.harmonize._common import _require
from omradesbild.sources.base import LINK_COLUMNS, empty_frame

#: How the chained links of one (from, to) pair become one link: the weights summed over the
#: middle areas, the rest taken from the first chain.
_COMPOSED_LINK: dict[str, str] = {
    **dict.fromkeys(("from_level", "from_version", "to_level", "to_version"), "first"),
    "weight": "sum",
    "method": "first",
}


def compose_links(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    r"""Chain two crosswalks: A → B (``first``) then B → C (``second``) gives A → C.

    Parameters
    ----------
    first, second
        :data:`~omradesbild.sources.base.LINK_COLUMNS`; ``first``'s ``to_code`` meets
        ``second``'s ``from_code`` (and ``to_version`` / ``from_version`` when both are set).

    Returns
    -------
    pandas.DataFrame
        :data:`~omradesbild.sources.base.LINK_COLUMNS`, levels and versions from ``first``'s
        start and ``second``'s end, method ``"<first method>+<second method>"``.

    Notes
    -----
    .. math:: w_{ac} = \sum_b w_{ab}\, w_{bc} .

    If every :math:`\sum_b w_{ab} = 1` and every :math:`\sum_c w_{bc} = 1`, then every
    :math:`\sum_c w_{ac} = 1`. Intermediate areas :math:`b` missing from ``second`` drop
    their share (the composed source coverage is below 1).
    """
    _require(first, ("from_code", "to_code"), "first links")
    _require(second, ("from_code", "to_code"), "second links")

    def col(df: pd.DataFrame, name: str, default: Any = None) -> pd.Series:
        if name in df.columns:
            return df[name]
        return pd.Series(default, index=df.index, dtype=object)

    a = pd.DataFrame(
        {
            "from_code": first["from_code"].astype(str),
            "from_level": col(first, "from_level"),
            "from_version": col(first, "from_version"),
            "mid": first["to_code"].astype(str),
            "mid_version": col(first, "to_version").fillna("").astype(str),
            "w1": pd.to_numeric(col(first, "weight", 1.0), errors="coerce").fillna(1.0),
            "m1": col(first, "method").fillna("").astype(str),
        }
    )
    b = pd.DataFrame(
        {
            "mid": second["from_code"].astype(str),
            "mid_version2": col(second, "from_version").fillna("").astype(str),
            "to_code": second["to_code"].astype(str),
            "to_level": col(second, "to_level"),
            "to_version": col(second, "to_version"),
            "w2": pd.to_numeric(col(second, "weight", 1.0), errors="coerce").fillna(1.0),
            "m2": col(second, "method").fillna("").astype(str),
        }
    )
    m = a.merge(b, on="mid", how="inner")
    m = m.loc[
        (m["mid_version"] == "")
        | (m["mid_version2"] == "")
        | (m["mid_version"] == m["mid_version2"])
    ]
    if m.empty:
        return empty_frame(LINK_COLUMNS)
    m = m.assign(
        weight=m["w1"].to_numpy(dtype=float) * m["w2"].to_numpy(dtype=float),
        method=(m["m1"] + "+" + m["m2"]).str.strip("+"),
    )
    out = (
        m.groupby(["from_code", "to_code"], sort=True, dropna=False)
        .agg(_COMPOSED_LINK)
        .reset_index()
    )
    return out[list(LINK_COLUMNS)]
