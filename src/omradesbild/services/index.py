"""Index runs for the renderers: from the store or from a plain wide table, with uncertainty.

:func:`index_from_store` and :func:`index_from_table` compute an index method, optionally
with Monte-Carlo rank intervals and class probabilities, and return an :class:`IndexRun`
with the output table in the order a reader expects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.errors import InputError
from omradesbild.index.method import IndexMethod
from omradesbild.store import Store
from omradesbild.wording import Message, both

if TYPE_CHECKING:
    from omradesbild.services.pipeline import IndexSelection

_FIRST = ("area_code", "period", "score", "rank", "area_type", "class")


@dataclass(frozen=True)
class IndexRun:
    """An index computed for every area, ready to write.

    Attributes
    ----------
    table
        One row per area: id, (period), score, rank, class (``area_type`` for SCB's area
        types), components, and the Monte-Carlo columns when drawn.
    method
        The method used.
    uncertainty
        The Monte-Carlo summary (``draws``, ``share_robust_class``,
        ``median_rank_interval_90`` …); empty without draws.
    """

    table: pd.DataFrame
    method: IndexMethod
    uncertainty: dict[str, object] = field(default_factory=dict)

    @property
    def class_column(self) -> str | None:
        """``area_type`` or ``class``, whichever the table has."""
        for c in ("area_type", "class"):
            if c in self.table.columns:
                return c
        return None

    def class_counts(self) -> pd.Series:
        """Number of areas per class (missing class included), in class order."""
        col = self.class_column
        if col is None:
            return pd.Series(dtype="int64")
        return self.table[col].value_counts(dropna=False).sort_index()

    @property
    def fallback_used(self) -> str | None:
        """The fallback indicator used, if any."""
        fb = self.table.get("fallback_used")
        if fb is None or not fb.notna().any():
            return None
        return str(fb.dropna().iloc[0])

    def fallback_label(self, lang: str) -> str | None:
        """What the stand-ins used are, in ``lang`` (``fallback_label_<lang>``), if any."""
        col = self.table.get(f"fallback_label_{lang}")
        if col is None or not col.notna().any():
            return None
        return str(col.dropna().iloc[0])


def store_index_output(result: pd.DataFrame, method_id: str) -> pd.DataFrame:
    """Order and name the columns of a store-mode index result.

    SCB's area-type method calls its class ``area_type``.
    """
    df = result.rename(columns={"class": "area_type"} if method_id == AREA_TYPE_METHOD else {})
    first = [c for c in _FIRST if c in df]
    rest = [c for c in df.columns if c not in first]
    return df[first + rest]


def merge_uncertainty(result: pd.DataFrame, mc: pd.DataFrame, id_column: str) -> pd.DataFrame:
    """Add the rank percentiles and class probabilities of a Monte-Carlo run to a result."""
    keep = [c for c in mc.columns if c.startswith(("rank_p", "rank_median", "prob_class_"))]
    keep += [c for c in ("modal_class", "robust_class") if c in mc.columns]
    return result.merge(mc[[id_column, *keep]], on=id_column, how="left")


def read_wide_table(path: Path, id_column: str) -> pd.DataFrame:
    """A wide CSV with one row per area, its id column read as text.

    Raises
    ------
    InputError
        The file is missing, unreadable, or has no column ``id_column``.
    """
    if not path.exists():
        raise InputError(both("err_table_missing"), file=path)
    try:
        df = pd.read_csv(path, dtype={id_column: str})
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(
            Message("err_svc_csv_unreadable", error=str(exc)), file=path,
            expected=Message("exp_src_csv_file"),
        ) from None  # fmt: skip
    if id_column not in df.columns:
        raise InputError(
            Message("err_svc_no_column", column=repr(id_column), columns=str(list(df.columns))),
            file=path,
            field=id_column,
            expected=Message("exp_svc_id_column"),
        )
    return df


def index_from_table(
    path: Path,
    *,
    method: IndexMethod,
    id_column: str = "area_code",
    draws: int = 0,
    seed: int = 0,
    sensitivity: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> IndexRun:
    """An index of the areas of a wide CSV (one column per indicator), with ``draws``
    Monte-Carlo draws when positive (``sensitivity`` and ``progress``: see
    :func:`~omradesbild.index.uncertainty.monte_carlo`)."""
    from omradesbild.index import compute_index
    from omradesbild.index.uncertainty import monte_carlo
    from omradesbild.services.standins import with_standin_labels

    df = read_wide_table(path, id_column)
    summary: dict[str, object] = {}
    try:  # the table's problems (a row, a field) are named with the file they are in
        result = with_standin_labels(compute_index(df, method=method, id_column=id_column))
        notes = list(result.attrs.get("notes", []))
        if draws:
            norms = [method.normalisation.method, "zscore", "percentrank_inc"]
            alternatives = list(dict.fromkeys(norms))
            mc, summary = monte_carlo(
                df,
                method=method,
                id_column=id_column,
                draws=draws,
                seed=seed,
                normalisations=alternatives if "normalisation" in sensitivity else None,
                sensitivity=sensitivity,
                progress=progress,
            )
            result = merge_uncertainty(result, mc, id_column)
    except InputError as exc:
        raise exc.in_file(path) from None
    result.attrs["notes"] = notes
    return IndexRun(result, method, summary)


def index_from_store(
    store: Store,
    selection: IndexSelection,
    *,
    draws: int = 0,
    seed: int = 0,
    sensitivity: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> IndexRun:
    """The selection's index of every area of a level in one period from the store (see
    :func:`~omradesbild.services.pipeline.area_index`), with ``draws`` Monte-Carlo draws
    (:func:`~omradesbild.services.pipeline.area_index_uncertainty`) when positive; classified
    against the selection's ``reference_level`` when given (the ``reference`` column says
    which). The areas' names lead the table
    (:func:`~omradesbild.services.names.with_area_names`)."""
    from omradesbild.services.names import with_area_names
    from omradesbild.services.pipeline import area_index, area_index_uncertainty

    result = area_index(store, selection)
    out = store_index_output(result, selection.method.id)
    out = with_area_names(
        store, out, level=selection.level, version=selection.resolved(store).version
    )
    summary: dict[str, object] = {}
    if draws:
        mc, summary = area_index_uncertainty(
            store, selection, draws=draws, seed=seed, sensitivity=sensitivity, progress=progress
        )
        out = merge_uncertainty(out, mc, "area_code")
    return IndexRun(out, selection.method, summary)


def method_list() -> pd.DataFrame:
    """The shipped index methods: id, version, picture and Swedish title."""
    from omradesbild.index import load_method, shipped_methods

    rows = []
    for name in shipped_methods():
        m = load_method(name)
        rows.append({"id": m.id, "version": m.version, "picture": m.picture, "title": m.title_sv})
    return pd.DataFrame(rows, columns=["id", "version", "picture", "title"])


def class_label_counts(result: pd.DataFrame) -> pd.DataFrame:
    """Number of areas per class of an index result: ``class``, ``class_label``, ``n``."""
    return result.groupby(["class", "class_label"]).size().reset_index(name="n")
