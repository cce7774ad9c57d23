"""Helpers shared by :mod:`~omradesbild.followup.change` and :mod:`~omradesbild.followup.trends`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.errors import ConfigError, InputError
from omradesbild.indicators import Catalogue
from omradesbild.wording import Message, both

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_IND_REQUIRED = ("area_code", "level", "period", "indicator", "value")
_KEYS = ["area_code", "level", "indicator"]


def _alpha(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ConfigError(both("err_ana_confidence", value=repr(confidence)))
    return 1.0 - confidence


def _catalogue_info(
    indicators: Iterable[str], catalogue: Catalogue
) -> dict[str, tuple[str, float, int]]:
    """``{id: (kind, multiplier, direction)}``; raises for ids the catalogue lacks."""
    known = {i.id: i for i in catalogue.indicators}
    ids = sorted({str(i) for i in indicators})
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError(
            Message("err_ana_not_in_catalogue", ids=", ".join(unknown)),
            field="indicator",
            expected=Message("exp_ana_catalogue_ids"),
        )
    return {i: (known[i].kind, known[i].multiplier, known[i].direction) for i in ids}


def _col(frame: pd.DataFrame, name: str, default: float = np.nan) -> FloatArray:
    if name not in frame.columns:
        return np.full(len(frame), default)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def _bool_col(frame: pd.DataFrame, name: str) -> BoolArray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).astype(bool).to_numpy()


def _label_by_direction(
    labels: npt.NDArray[np.object_],
    up: BoolArray,
    down: BoolArray,
    direction: npt.NDArray[np.int_],
    *,
    neutral: tuple[str, str],
) -> None:
    """Write ``worsening``/``improving`` into ``labels`` where an indicator with a direction
    went up/down significantly (up is worse for ``direction == 1``, better for ``-1``), and
    ``neutral`` (the words for up, down) where it has none."""
    for dirn, (on_up, on_down) in (
        (1, ("worsening", "improving")),
        (-1, ("improving", "worsening")),
        (0, neutral),
    ):
        labels[up & (direction == dirn)] = on_up
        labels[down & (direction == dirn)] = on_down
