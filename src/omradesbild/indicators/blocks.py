"""The indicators' counts before they are one frame: a block of count rows per indicator,
as positions in the observations' dense matrix
(:class:`~omradesbild.indicators._shared.WideObservations`).

:func:`~omradesbild.indicators.indicator_counts` gives :meth:`CountBlocks.frame` of every
block. A caller that needs the frame of a few indicators only and the country's sums of
every indicator (a one-kommun report's national parts) takes them from the blocks instead
(:meth:`CountBlocks.frame` of those indicators, :meth:`CountBlocks.country`): the same rows
and sums, without turning every row's texts into a frame first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.indicators._shared import (
    COUNT_COLUMNS,
    FloatArray,
    WideObservations,
    empty_frame,
)
from omradesbild.indicators.aggregate import MemberValues, country_counts, country_sums


class CountBlock(NamedTuple):
    """One indicator's count rows; each row's area and period as positions in the wide table."""

    indicator: str
    row: npt.NDArray[np.intp]  # a wide row of the count row's area (its code and version)
    period: npt.NDArray[np.intp]  # the count row's period, a code of ``wide.period_names``
    numerator: FloatArray
    denominator: FloatArray
    approximate: npt.NDArray[np.bool_]
    note: npt.NDArray[np.object_]
    #: Each row's note as a number: equal for equal notes of the block, -1 for none.
    note_code: npt.NDArray[np.intp]


@dataclass(frozen=True)
class CountBlocks:
    """The count rows of some indicators: one block per indicator with rows, in order."""

    blocks: list[CountBlock]
    wide: WideObservations | None

    @property
    def empty(self) -> bool:
        """Whether there is no count row (the frame is empty)."""
        return not self.blocks

    def frame(self, level: str, indicators: Sequence[str] | None = None) -> pd.DataFrame:
        """:data:`COUNT_COLUMNS` of the rows, ``level`` written to the ``level`` column.

        ``indicators``: only the rows of these (each once), indicator by indicator in the
        order given: the rows, values and dtypes that
        :func:`~omradesbild.services.base_counts.counts_of` takes of the frame of every
        block (the index numbered afresh).
        """
        if self.wide is None or not self.blocks:
            return empty_frame(COUNT_COLUMNS)
        if indicators is None:
            return _count_frame(self.blocks, self.wide, level, _all_noted(self.blocks))
        asked = dict.fromkeys(str(i) for i in indicators)
        chosen = [b for i in asked for b in self.blocks if b.indicator == i]
        if not chosen:  # none of them: the whole frame's columns, without rows
            return self.frame(level).iloc[:0]
        return _count_frame(chosen, self.wide, level, _all_noted(self.blocks))

    def country(self) -> pd.DataFrame:
        """:func:`~omradesbild.indicators.aggregate.country_counts` of :meth:`frame`: the
        sums over every area per period and indicator, summed from the blocks."""
        wide = self.wide
        if wide is None or not self.blocks:
            return empty_frame(COUNT_COLUMNS)
        if len({b.indicator for b in self.blocks}) < len(self.blocks):
            return country_counts(self.frame("base"))  # an indicator asked twice: one sum
        row = np.concatenate([b.row for b in self.blocks])
        period = np.concatenate([b.period for b in self.blocks])
        ind_i, ind_u = pd.factorize(np.asarray([b.indicator for b in self.blocks], dtype=object))
        which = np.repeat(ind_i, [len(b.row) for b in self.blocks])
        key = period.astype(np.int64) * max(len(ind_u), 1) + which
        values = MemberValues(
            numerator=np.concatenate([b.numerator for b in self.blocks]),
            denominator=np.concatenate([b.denominator for b in self.blocks]),
            n_parts=np.ones(len(row), dtype=np.int64),
            partial=np.zeros(len(row), dtype=bool),
            approximate=np.concatenate([b.approximate for b in self.blocks]),
            note=np.concatenate([b.note for b in self.blocks]),
        )
        # the notes' codes: groups never span two blocks (indicators), so a block's own
        # numbers tell its notes apart
        codes = np.concatenate([b.note_code for b in self.blocks])
        periods = pd.array(wide.period_names, dtype="str")
        names = pd.array(np.asarray(ind_u, dtype=object), dtype="str")

        def labels(first: npt.NDArray[np.intp]) -> tuple[pd.Series, pd.Series]:
            return pd.Series(periods[period[first]]), pd.Series(names[which[first]])

        # the rows' area codes: the distinct texts of the wide rows used
        used = np.zeros(wide.n, dtype=bool)
        used[row] = True
        n_areas = len(pd.unique(wide.code[used]))
        return country_sums(key, values, n_areas, labels, note_code=codes)


def _all_noted(blocks: list[CountBlock]) -> bool:
    """Whether every block has a note (the frame's note column is then text)."""
    return all(bool((b.note_code >= 0).any()) for b in blocks)


def _count_frame(
    blocks: list[CountBlock], wide: WideObservations, level: str, all_noted: bool
) -> pd.DataFrame:
    """:data:`COUNT_COLUMNS` of the indicators' rows, one block after another, as one frame:
    its texts taken by position from texts converted once (the values and dtypes a frame
    per indicator, concatenated, would have)."""
    row = np.concatenate([b.row for b in blocks])
    period = np.concatenate([b.period for b in blocks])
    which = np.repeat(np.arange(len(blocks)), [len(b.row) for b in blocks])
    periods = pd.array(wide.period_names, dtype="str")
    frame = pd.DataFrame(
        {
            "area_code": wide.text("code")[row],
            "area_version": wide.text("version")[row],
            "level": level,
            "period": periods[period],
            "indicator": pd.array([b.indicator for b in blocks], dtype="str")[which],
            "numerator": np.concatenate([b.numerator for b in blocks]),
            "denominator": np.concatenate([b.denominator for b in blocks]),
            "n_parts": 1,
            "partial": False,
            "approximate": np.concatenate([b.approximate for b in blocks]),
            "note": _note_column(blocks, all_noted),
        }
    )
    return frame[list(COUNT_COLUMNS)]


def _note_column(
    blocks: list[CountBlock], all_noted: bool
) -> pd.Series | pd.api.extensions.ExtensionArray:
    """The blocks' notes as the concatenation of a frame per block gave them: a block with
    a note is a text column (missing: NaN), one without holds ``None``; text when every
    block (of the whole frame, ``all_noted``) has a note, else ``object``."""
    if all_noted:
        return pd.array(np.concatenate([b.note for b in blocks]), dtype="str")
    parts = []
    for b in blocks:
        n = b.note
        none = b.note_code < 0
        if not none.all():
            n = n.copy()
            n[none] = np.nan
        parts.append(n)
    return pd.Series(np.concatenate(parts), dtype=object)  # kept as objects, not inferred
