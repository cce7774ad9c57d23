"""Compose two crosswalks (links) into one.

Re-exported by :mod:`omradesbild.harmonize.apply`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from omradesbild.errors import InputError
from omradesbild.harmonize._common import _require
from omradesbild.sources.base import LINK_COLUMNS, empty_frame
from omradesbild.wording import Message

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


def link_weights(
    links: pd.DataFrame, *, missing: float | None = None, number_rows: bool = False
) -> pd.Series:
    """The links' weights as numbers, checked: 1 for every link without a ``weight``
    column, a missing weight taken as ``missing`` (refused when ``None``).

    Raises
    ------
    InputError
        Naming the first link whose weight is negative, not finite or (without
        ``missing``) not a number; with ``number_rows`` also its row (1-based position of
        the link in ``links``, for a whole table as read).
    """
    if "weight" not in links.columns:
        return pd.Series(1.0, index=links.index)
    weight = pd.to_numeric(links["weight"], errors="coerce")
    if missing is not None:
        weight = weight.fillna(missing)
    values = weight.to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        link = links.iloc[pos]
        raise InputError(
            Message(
                "err_ana_bad_link_weight",
                weight=repr(link.get("weight")),
                source=link["from_code"],
                target=link["to_code"],
            ),
            row=pos + 1 if number_rows else None,
            field="weight",
            expected=Message("exp_ana_finite_weight"),
        )
    return weight
