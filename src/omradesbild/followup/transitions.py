"""Class transitions between two periods, and classes anchored at a base period.

An area's *relative* class (e.g. SCB's area type computed each year against that year's
distribution) can change only because other areas changed. :func:`anchored_classes` puts
next to it the class obtained with the thresholds of a fixed base period, which changes only
when the area's own score crosses a fixed cut.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from omradesbild.errors import InputError, MethodError
from omradesbild.followup._common import as_text, check_unique, period_absent, require_columns
from omradesbild.index import IndexMethod, load_method
from omradesbild.index.method import FixedClassification
from omradesbild.wording import Message
from omradesbild.wording import both as bilingual

#: Columns of the ``moves`` frame returned by :func:`class_transitions`.
MOVE_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period_from",
    "period_to",
    "class_from",
    "class_to",
    "steps",
    "movement",
)

#: Columns of :func:`anchored_classes`' output, in order.
ANCHORED_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "score",
    "class_relative",
    "class_label_relative",
    "class_anchored",
    "class_label_anchored",
    "differs",
)

Better = Literal["higher", "lower"]


def class_transitions(
    classes: pd.DataFrame,
    *,
    period_from: str | int,
    period_to: str | int,
    class_column: str = "class",
    better: Better = "higher",
    id_column: str = "area_code",
    period_column: str = "period",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transition matrix of classes between two periods, and each area's move.

    Parameters
    ----------
    classes
        One row per area and period with an integer class (e.g. the output of
        :func:`~omradesbild.index.compute_index`, or :func:`anchored_classes` with
        ``class_column="class_anchored"``). Rows with a missing class are ignored.
    period_from, period_to
        The two periods.
    class_column, id_column, period_column
        Column names.
    better
        Which end of the class numbers means *better conditions*: ``"higher"`` (SCB's area
        types: 1 = large socioeconomic challenges … 5 = very good conditions; the
        default) or ``"lower"``.

    Returns
    -------
    matrix
        Counts of areas present (with a class) in both periods: rows ``class_from``,
        columns ``class_to``, every class seen in either period on both axes, plus a
        ``total`` row and column (margins). ``matrix.loc["total", "total"]`` is the number
        of areas in both periods.
    moves
        :data:`MOVE_COLUMNS`, one row per such area: ``steps`` is the signed number of
        classes moved towards better conditions and ``movement`` is ``"up"`` (better),
        ``"down"`` (worse) or ``"same"``.

    Raises
    ------
    InputError
        Missing columns, a period without rows, an area with two rows in one period, or a
        class that is not a whole number.
    """
    if better not in ("higher", "lower"):
        raise InputError(Message("err_ana_better", value=repr(better)), field="better")
    require_columns(classes, (id_column, period_column, class_column), what="class table")
    frame = classes[[id_column, period_column, class_column]].copy()
    frame[period_column] = frame[period_column].astype(str)
    p_from, p_to = str(period_from), str(period_to)
    present = set(frame[period_column].unique())
    for p in (p_from, p_to):
        if p not in present:
            raise period_absent(Message("exp_ana_period"), p, "class table", present, period_column)
    frame = frame.loc[frame[period_column].isin([p_from, p_to])]
    check_unique(frame, [id_column, period_column], what="class table")
    values = pd.to_numeric(frame[class_column], errors="coerce").astype(float)
    finite = values.notna().to_numpy()
    if (np.abs(values[finite] - np.round(values[finite])) > 0).any():
        raise InputError(
            Message("err_ana_classes_whole"), field=class_column, expected="1, 2, 3, …"
        )
    frame = frame.assign(_c=values).loc[finite]
    a = frame.loc[frame[period_column] == p_from, [id_column, "_c"]]
    b = frame.loc[frame[period_column] == p_to, [id_column, "_c"]]
    both = a.merge(b, on=id_column, suffixes=("_from", "_to"), sort=True)
    c_from = both["_c_from"].to_numpy(dtype=float).astype(int)
    c_to = both["_c_to"].to_numpy(dtype=float).astype(int)
    sign = 1 if better == "higher" else -1
    steps = (c_to - c_from) * sign
    movement = np.where(steps > 0, "up", np.where(steps < 0, "down", "same"))
    moves = pd.DataFrame(
        {
            "area_code": both[id_column].to_numpy(),
            "period_from": p_from,
            "period_to": p_to,
            "class_from": pd.array(c_from, dtype="Int64"),
            "class_to": pd.array(c_to, dtype="Int64"),
            "steps": steps.astype(int),
            "movement": as_text(movement),
        }
    )
    labels = sorted({int(v) for v in frame["_c"].unique()})
    counts = pd.crosstab(
        pd.Categorical(c_from, categories=labels),
        pd.Categorical(c_to, categories=labels),
        dropna=False,
    )
    counts = counts.reindex(index=labels, columns=labels, fill_value=0).astype(int)
    matrix = counts.copy()
    matrix["total"] = counts.sum(axis=1)
    matrix.loc["total"] = matrix.sum(axis=0)
    matrix.index = pd.Index([*labels, "total"], name="class_from", dtype=object)
    matrix.columns = pd.Index([*labels, "total"], name="class_to", dtype=object)
    matrix = matrix.astype(int)
    return matrix, moves[list(MOVE_COLUMNS)]


def anchored_classes(
    index_table: pd.DataFrame,
    *,
    method: IndexMethod | str,
    base_period: str | int,
    id_column: str = "area_code",
    period_column: str = "period",
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Relative classes (each period against itself) next to classes anchored at a base
    period.

    Parameters
    ----------
    index_table
        The wide indicator table :func:`~omradesbild.index.compute_index` takes, with a
        period column: one row per area and period, one column per indicator of the method.
    method
        An index method (or the id / path of one) with a ``mean_sd`` or ``quantiles``
        classification (``fixed`` thresholds are absolute: both columns are then equal).
    base_period
        The period whose score distribution fixes the cut points for every period.
    id_column, period_column
        Column names.
    reference
        Optional reference distribution, as for :func:`~omradesbild.index.compute_index`
        (e.g. all RegSO in Sweden per period).

    Returns
    -------
    DataFrame
        :data:`ANCHORED_COLUMNS` (``area_code`` and ``period`` hold the id and period
        values). ``class_*`` are Int64; ``differs`` is true where the two classes differ.
        ``attrs["thresholds_relative"]`` and ``attrs["thresholds_anchored"]`` hold the cuts
        per period.

    Raises
    ------
    MethodError
        The method does not classify.
    InputError
        As :func:`~omradesbild.index.compute_index` (e.g. the base period is absent).

    Notes
    -----
    Relative classes use the method with ``base_period`` unset: the cuts of period
    :math:`t` come from the scores of :math:`t` (for ``mean_sd``, :math:`c_j(t) =
    \bar s_t + k_j \, \mathrm{sd}_t`). Anchored classes use the engine's
    ``classification.base_period``: :math:`c_j = \bar s_{b} + k_j \, \mathrm{sd}_{b}`
    for every period. With a method whose scores are not re-normalised per period (e.g.
    ``scb-omradestyp``, normalisation ``none``: the score is the mean of the shares) an
    area whose indicator values do not change keeps its anchored class whatever the other
    areas do. With per-period normalisation (``zscore``, percentile ranks) the score itself
    is relative, and anchoring the cuts does not make the classes absolute.
    """
    m = load_method(method) if isinstance(method, str) else method
    rule = m.classification
    if rule is None:
        raise MethodError(bilingual("err_ana_no_classification", method=repr(m.id)))
    require_columns(index_table, (id_column, period_column), what="index table")
    if isinstance(rule, FixedClassification):
        rel_method = anc_method = m
    else:
        rel_method = m.model_copy(
            update={"classification": rule.model_copy(update={"base_period": None})}
        )
        anc_method = m.model_copy(
            update={"classification": rule.model_copy(update={"base_period": str(base_period)})}
        )
    from omradesbild.index import compute_index

    table = index_table.assign(**{period_column: index_table[period_column].astype(str)})
    ref = None
    if reference is not None and period_column in reference.columns:
        ref = reference.assign(**{period_column: reference[period_column].astype(str)})
    elif reference is not None:
        ref = reference
    if str(base_period) not in set(table[period_column]) and (
        ref is None
        or period_column not in ref.columns
        or str(base_period) not in set(ref[period_column])
    ):
        raise period_absent(
            Message("exp_ana_base_period"),
            base_period,
            "index table",
            set(table[period_column]),
            period_column,
        )
    rel = compute_index(
        table, method=rel_method, id_column=id_column, period_column=period_column, reference=ref
    )
    anc = compute_index(
        table, method=anc_method, id_column=id_column, period_column=period_column, reference=ref
    )
    c_rel = rel["class"].astype("Int64")
    c_anc = anc["class"].astype("Int64")
    differs = (c_rel != c_anc).fillna(c_rel.isna() != c_anc.isna()).astype(bool)
    out = pd.DataFrame(
        {
            "area_code": rel[id_column].to_numpy(),
            "period": rel[period_column].to_numpy(),
            "score": rel["score"].to_numpy(dtype=float),
            "class_relative": c_rel.to_numpy(),
            "class_label_relative": as_text(rel["class_label"]),
            "class_anchored": c_anc.to_numpy(),
            "class_label_anchored": as_text(anc["class_label"]),
            "differs": differs.to_numpy(dtype=bool),
        }
    )
    out["class_relative"] = out["class_relative"].astype("Int64")
    out["class_anchored"] = out["class_anchored"].astype("Int64")
    out.attrs = {
        "method_id": m.id,
        "method_version": m.version,
        "base_period": str(base_period),
        "thresholds_relative": rel.attrs.get("thresholds", {}),
        "thresholds_anchored": anc.attrs.get("thresholds", {}),
    }
    return out[list(ANCHORED_COLUMNS)]
