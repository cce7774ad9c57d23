"""Step 2 of the indicator computation: counts summed over links (crosswalks) to a higher
level, with missing values propagated; the kommun and country links by the code rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE
from omradesbild.errors import InputError
from omradesbild.indicators._shared import (
    COUNT_COLUMNS,
    COUNTRY_CODE,
    empty_frame,
    join_notes,
    text_values,
)
from omradesbild.sources.base import LINK_COLUMNS

#: How the weighted members of an aggregate are combined: counts and tallies summed, the
#: flags true when true for any member.
_MEMBER_TOTALS: dict[str, str] = {
    **dict.fromkeys(
        ("numerator", "denominator", "num_nan", "den_nan", "members", "n_parts"), "sum"
    ),
    **dict.fromkeys(("partial", "approximate"), "max"),
}


def _prepare_links(links: pd.DataFrame, level: str) -> pd.DataFrame:
    for col in ("from_code", "to_code"):
        if col not in links.columns:
            raise InputError(
                "links frame lacks a required column",
                field=col,
                expected="columns " + ", ".join(LINK_COLUMNS),
            )
    lk = links
    if "to_level" in lk.columns and lk["to_level"].notna().any():
        lk = lk.loc[lk["to_level"] == level]
        if lk.empty:
            levels = ", ".join(sorted(str(x) for x in links["to_level"].dropna().unique()))
            raise InputError(
                f"no links lead to level {level!r}",
                field="to_level",
                expected=f"links with to_level {level!r} (links hold: {levels})",
            )
    weight = (
        pd.to_numeric(lk["weight"], errors="coerce").fillna(1.0)
        if "weight" in lk.columns
        else pd.Series(1.0, index=lk.index)
    )
    if (weight < 0).any() or not np.isfinite(weight.to_numpy()).all():
        bad = lk.loc[(weight < 0) | ~np.isfinite(weight)].iloc[0]
        raise InputError(
            f"invalid link weight {bad.get('weight')!r} from {bad['from_code']} to "
            f"{bad['to_code']}",
            field="weight",
            expected="a finite weight >= 0",
        )
    out = pd.DataFrame(
        {
            "from_code": lk["from_code"].astype(str),
            "from_version": (
                lk["from_version"].fillna("").astype(str) if "from_version" in lk.columns else ""
            ),
            "to_code": lk["to_code"].astype(str),
            "to_version": (
                lk["to_version"].fillna("").astype(str) if "to_version" in lk.columns else ""
            ),
            "weight": weight.astype(float),
        }
    )
    return out.loc[out["weight"] > 0]


def aggregate_counts(
    counts: pd.DataFrame, links: pd.DataFrame, *, level: str, require_complete: bool = True
) -> pd.DataFrame:
    r"""Sum indicator counts over links to a higher level.

    Parameters
    ----------
    counts
        :data:`COUNT_COLUMNS`, from :func:`indicator_counts` or from a previous aggregation.
    links
        :data:`~omradesbild.sources.base.LINK_COLUMNS` (``from_code``, ``to_code`` required;
        ``weight`` defaults to 1; rows are restricted to ``to_level == level`` when
        ``to_level`` is given; ``from_version`` must match the counts' ``area_version`` when
        both are set).
    level
        Target level, written to the ``level`` column.
    require_complete
        If true (default), a target area some of whose linked areas have no row for the
        indicator and period gets missing counts. If false, the sum runs over the linked areas
        that have rows (used for the "all areas" country reference).

    Returns
    -------
    DataFrame
        :data:`COUNT_COLUMNS` at the target level.

    Notes
    -----
    For target area :math:`J` with links :math:`i \to J` of weight :math:`w_{iJ}`:

    .. math::

        y_J = \sum_i w_{iJ}\, y_i, \qquad n_J = \sum_i w_{iJ}\, n_i .

    If any linked area's :math:`y_i` (or :math:`n_i`) is missing, :math:`y_J` (or
    :math:`n_J`) is missing — a suppressed value is never counted as zero. If some linked
    areas have no row at all for the indicator and period, both are missing and the note
    says how many. Weights below 1 (areal or population crosswalks) give estimated counts
    and set ``partial``. Aggregation is associative: DeSO → RegSO → kommun equals
    DeSO → kommun for nested keys.
    """
    lk = _prepare_links(links, level)
    if counts.empty or lk.empty:
        return empty_frame(COUNT_COLUMNS)
    versions = {str(v) for v in counts["area_version"].unique()}
    lk_used = lk.loc[(lk["from_version"] == "") | lk["from_version"].isin(versions | {""})]
    expected = lk_used.groupby("to_code")["from_code"].nunique()

    m = _weighted_members(counts, lk)
    if m.empty:
        return empty_frame(COUNT_COLUMNS)
    keys = ["to_code", "to_version", "period", "indicator"]
    g = m.groupby(keys, sort=False)
    agg = g.agg(_MEMBER_TOTALS).reset_index()

    agg = _with_member_notes(agg, m, keys)
    exp = agg["to_code"].map(expected).fillna(0).to_numpy()
    members = agg["members"].to_numpy()
    incomplete = (members < exp) if require_complete else np.zeros(len(agg), dtype=bool)
    num_nan = agg["num_nan"].to_numpy()
    den_nan = agg["den_nan"].to_numpy()
    numerator = np.where((num_nan > 0) | incomplete, np.nan, agg["numerator"].to_numpy())
    denominator = np.where((den_nan > 0) | incomplete, np.nan, agg["denominator"].to_numpy())

    missing_notes = _missing_notes(members, exp, incomplete, num_nan, den_nan)
    out = pd.DataFrame(
        {
            "area_code": text_values(agg["to_code"]),
            "area_version": text_values(agg["to_version"]),
            "level": level,
            "period": text_values(agg["period"]),
            "indicator": text_values(agg["indicator"]),
            "numerator": numerator,
            "denominator": denominator,
            "n_parts": agg["n_parts"].to_numpy(dtype=int),
            "partial": agg["partial"].to_numpy(dtype=bool),
            "approximate": agg["approximate"].to_numpy(dtype=bool),
            "note": join_notes(*missing_notes, agg["member_note"].to_numpy(dtype=object)),
        }
    )
    return out[list(COUNT_COLUMNS)]


def _weighted_members(counts: pd.DataFrame, lk: pd.DataFrame) -> pd.DataFrame:
    """Counts joined to their links (matching versions), multiplied by the link weight."""
    m = counts.merge(lk, left_on="area_code", right_on="from_code", how="inner")
    keep = (
        (m["from_version"] == "")
        | (m["area_version"] == "")
        | (m["from_version"] == m["area_version"])
    )
    m = m.loc[keep]
    w = m["weight"].to_numpy()
    return m.assign(
        numerator=m["numerator"].to_numpy(dtype=float) * w,
        denominator=m["denominator"].to_numpy(dtype=float) * w,
        partial=m["partial"].to_numpy(dtype=bool) | (w < 1.0),
        num_nan=m["numerator"].isna().to_numpy(),
        den_nan=m["denominator"].isna().to_numpy(),
        members=1,
    )


def _with_member_notes(agg: pd.DataFrame, m: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``agg`` with ``member_note``: the distinct notes of each group's members, joined."""
    noted = m.loc[m["note"].notna(), [*keys, "note"]].drop_duplicates()
    group = noted.groupby(keys, sort=False).ngroup().to_numpy()
    noted, group = noted.loc[group >= 0], group[group >= 0]  # no group for a missing key
    if not len(noted):
        agg["member_note"] = None
        return agg
    # Each group's notes in row order, joined with "; " by one sum per group.
    order = np.argsort(group, kind="stable")
    group = group[order]
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    parts = noted["note"].to_numpy(dtype=object)[order]
    later = np.ones(len(parts), dtype=bool)
    later[starts] = False
    parts[later] = "; " + parts[later]
    notes = noted.iloc[order[starts]][keys].reset_index(drop=True)
    notes["member_note"] = np.add.reduceat(parts, starts)
    return agg.merge(notes, on=keys, how="left")


def _missing_notes(
    members: npt.NDArray[Any],
    exp: npt.NDArray[Any],
    incomplete: npt.NDArray[np.bool_],
    num_nan: npt.NDArray[Any],
    den_nan: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Notes on areas without data and on missing numerators and denominators."""
    inc_note = np.full(len(members), None, dtype=object)
    sel = np.asarray(incomplete, dtype=bool)
    e = _whole(exp[sel])
    inc_note[sel] = _whole(exp[sel] - members[sel]) + " of " + e + " areas without data"
    nn_note = np.full(len(members), None, dtype=object)
    sel = num_nan > 0
    t = _whole(members[sel])
    nn_note[sel] = "numerator missing in " + _whole(num_nan[sel]) + " of " + t + " areas"
    dn_note = np.full(len(members), None, dtype=object)
    sel = den_nan > 0
    t = _whole(members[sel])
    dn_note[sel] = "denominator missing in " + _whole(den_nan[sel]) + " of " + t + " areas"
    return inc_note, nn_note, dn_note


def _whole(x: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Numbers as whole-number texts (``int(v)`` of each, truncated toward zero)."""
    return np.asarray(x).astype(np.int64).astype(str).astype(object)


def kommun_links(codes: Iterable[str]) -> pd.DataFrame:
    """Links from DeSO, RegSO or kommun codes to their kommun, by the code rule.

    Raises
    ------
    InputError
        For a code that is not a DeSO, RegSO or kommun code.
    """
    text = pd.Series(pd.unique(pd.Series(list(codes), dtype=object).astype(str))).sort_values()
    ok = coded_area(text)
    if not ok.all():
        raise InputError(
            f"cannot derive the kommun of area code {text[~ok].iloc[0]!r}",
            field="area_code",
            expected="a DeSO, RegSO or kommun code (or pass links explicitly)",
        )
    return pd.DataFrame(
        {
            "from_code": text.to_numpy(dtype=object),
            "from_level": None,
            "from_version": None,
            "to_code": text.str[:4].to_numpy(dtype=object),
            "to_level": "kommun",
            "to_version": None,
            "weight": 1.0,
            "method": "code_rule",
        },
        columns=list(LINK_COLUMNS),
    )


def coded_area(codes: pd.Series) -> pd.Series:
    """Whether each code is a DeSO, RegSO or kommun code (its kommun by the code rule)."""
    pattern = "|".join(f"(?:{r.pattern})" for r in (DESO_RE, REGSO_RE, KOMMUN_RE))
    # Python's regular expressions, as the code rule's (not Arrow's: ``$``, ``\\d`` differ).
    return codes.astype(object).str.match(pattern).fillna(False).astype(bool)


def country_links(codes: Iterable[str]) -> pd.DataFrame:
    """Links from every area code to the country (:data:`COUNTRY_CODE`)."""
    codes = sorted({str(c) for c in codes})
    return pd.DataFrame(
        {
            "from_code": codes,
            "from_level": None,
            "from_version": None,
            "to_code": COUNTRY_CODE,
            "to_level": "country",
            "to_version": None,
            "weight": 1.0,
            "method": "all_areas",
        },
        columns=list(LINK_COLUMNS),
    )
