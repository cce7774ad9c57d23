"""Agreement between two classifications of the same areas (pure).

:func:`compare_classifications` cross-tabulates an index's classes against another
classification (e.g. Göteborg's own socioeconomic area classes);
:func:`classification_agreement` measures how alike the two rank the areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from omradesbild.errors import InputError
from omradesbild.wording import Message


@dataclass(frozen=True)
class Agreement:
    r"""Rank agreement between our index and another ordinal classification.

    Attributes
    ----------
    n
        Areas with both our score and their class.
    n_unclassified
        Their areas marked "not classified" (left out).
    n_without_index
        Their areas without our score.
    spearman_score, spearman_score_p
        :math:`\rho` of our score against their *challenge order*, and its p-value.
    spearman_class, spearman_class_p
        :math:`\rho` of our class against theirs (both with 1 = most challenged), p-value.
    same_extreme
        Areas in our class 1 that are in their lowest class.
    ours_class_1, theirs_lowest
        Areas in our class 1; areas in their lowest class.
    """

    n: int
    n_unclassified: int
    n_without_index: int
    spearman_score: float
    spearman_score_p: float
    spearman_class: float
    spearman_class_p: float
    same_extreme: int
    ours_class_1: int
    theirs_lowest: int


def compare_classifications(
    ours: pd.DataFrame,
    theirs: pd.DataFrame,
    *,
    our_class: str = "class",
    their_class: str = "class",
    their_label: str | None = None,
) -> pd.DataFrame:
    """Cross-table of our classes (columns) against another classification (rows).

    Parameters
    ----------
    ours
        ``area_code`` and ``our_class`` (e.g. the area type 1–5 of an index; missing =
        no index).
    theirs
        ``area_code``, ``their_class`` and optionally ``their_label``.

    Returns
    -------
    pandas.DataFrame
        One row per class of theirs (sorted; a missing class is ``"—"``) with its label
        when given, one column per class of ours (``"saknas"``: area without our class or
        not in ``ours``) and ``total``; counts of areas. Areas of ``ours`` that are not in
        ``theirs`` are left out.
    """
    for df, col, what in ((ours, our_class, "ours"), (theirs, their_class, "theirs")):
        missing = [c for c in ("area_code", col) if c not in df.columns]
        if missing:
            raise InputError(
                Message("err_ana_lacks_columns", what=what, missing=", ".join(missing)),
                field=missing[0],
                expected=Message("exp_ana_with_area_code", what=what, column=col),
            )
    t = theirs.assign(area_code=theirs["area_code"].astype(str))
    o = ours.assign(area_code=ours["area_code"].astype(str))[["area_code", our_class]]
    m = t.merge(o.rename(columns={our_class: "_ours"}), on="area_code", how="left")
    ours_txt = m["_ours"].map(lambda v: "saknas" if pd.isna(v) else str(_as_int(v)))
    theirs_txt = m[their_class].map(lambda v: "—" if pd.isna(v) else str(_as_int(v)))
    tab = pd.crosstab(theirs_txt.rename("their_class"), ours_txt.rename("our_class"))
    cols = sorted((c for c in tab.columns if c != "saknas"), key=_sort_key)
    if "saknas" in tab.columns:
        cols.append("saknas")
    tab = tab.reindex(index=sorted(tab.index, key=_sort_key), columns=cols, fill_value=0)
    tab["total"] = tab.sum(axis=1)
    tab.columns.name = None
    out = tab.reset_index()
    if their_label and their_label in t.columns:
        labels = t.groupby(theirs_txt)[their_label].first()
        out.insert(1, "their_label", out["their_class"].map(labels))
    return out


def _as_int(v: object) -> object:
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return v
    return int(f) if f.is_integer() else f


def _sort_key(v: object) -> tuple[int, float, str]:
    try:
        return (0, float(str(v)), "")
    except ValueError:
        return (1, 0.0, str(v))


def classification_agreement(
    ours: pd.DataFrame,
    theirs: pd.DataFrame,
    *,
    our_score: str = "score",
    our_class: str = "class",
    their_class: str = "class",
    their_higher_is_better: bool = True,
    unclassified: Sequence[str] = (),
) -> Agreement:
    r"""Rank agreement between our index and another ordinal classification.

    Parameters
    ----------
    ours
        ``area_code``, ``our_score`` (higher = more vulnerable) and ``our_class`` (1 = most
        vulnerable).
    theirs
        ``area_code`` and ``their_class`` (numbers, ordered).
    their_higher_is_better
        Their classes run from most challenged (lowest) to best off (highest), as
        Göteborg's 1–6. Otherwise the reverse.
    unclassified
        Their values that mean "not classified" (left out), e.g. ``["99"]``.

    Returns
    -------
    Agreement
        The numbers of areas and Spearman's :math:`\rho` of score and class (our class
        against theirs with 1 = most challenged on both sides when
        ``their_higher_is_better``).

    Notes
    -----
    Spearman's :math:`\rho` is the Pearson correlation of the (average) ranks. Their
    challenge order is :math:`-c` when higher classes are better off, :math:`c` otherwise,
    so a positive :math:`\rho` means the two rank the areas the same way.
    """
    from scipy.stats import spearmanr

    t = theirs.assign(area_code=theirs["area_code"].astype(str))
    skip = t[their_class].astype(str).isin({str(u) for u in unclassified}) | t[their_class].isna()
    t = t.loc[~skip]
    o = ours.assign(area_code=ours["area_code"].astype(str))
    m = t.merge(o[["area_code", our_score, our_class]], on="area_code", how="left")
    their = pd.to_numeric(m[their_class], errors="coerce")
    if their.isna().any():
        bad = m.loc[their.isna(), their_class].iloc[0]
        raise InputError(
            Message("err_ana_class_not_number", value=repr(bad)),
            field=their_class,
            expected=Message("exp_ana_numeric_classes"),
        )
    have = m[our_score].notna()
    score = m.loc[have, our_score].astype(float)
    order = -their[have] if their_higher_is_better else their[have]
    cls = pd.to_numeric(m.loc[have, our_class], errors="coerce")
    their_cls = their[have] if their_higher_is_better else -their[have]
    n = int(have.sum())
    rho_s = spearmanr(score, order) if n >= 3 else None
    rho_c = spearmanr(cls, their_cls) if n >= 3 else None
    lowest = their.min() if their_higher_is_better else their.max()
    nan = float("nan")
    return Agreement(
        n=n,
        n_unclassified=int(skip.sum()),
        n_without_index=int((~have).sum()),
        spearman_score=float(rho_s[0]) if rho_s is not None else nan,
        spearman_score_p=float(rho_s[1]) if rho_s is not None else nan,
        spearman_class=float(rho_c[0]) if rho_c is not None else nan,
        spearman_class_p=float(rho_c[1]) if rho_c is not None else nan,
        same_extreme=int(((cls == 1) & (their[have] == lowest)).sum()),
        ours_class_1=int((cls == 1).sum()),
        theirs_lowest=int((their == lowest).sum()),
    )
