"""A frame's rows by group, cut out when asked for (no second copy of the frame)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd


class GroupFrames(Mapping[tuple[str, str], pd.DataFrame]):
    """The rows of a frame by ``(period, indicator)``, sorted by area code, each cut out of
    the frame when asked for.

    Keeps the frame and each group's row positions instead of a second copy of the frame
    (at 15 years about 200 MB of a level's 1.5 GB in the web server): a group is
    ``df.take(positions)``, the frame ``df.groupby(["period", "indicator"])`` gives for the
    group sorted by ``area_code`` (the same rows, index labels, columns and dtypes), in
    well under a millisecond. Groups are in the order they first appear in the frame.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        self._df = df
        number = df.groupby(["period", "indicator"], sort=False).ngroup().to_numpy()
        kept = np.flatnonzero(number >= 0)  # rows with a key (no missing period/indicator)
        order = kept[np.argsort(number[kept], kind="stable")]  # by group, in row order
        bounds = np.searchsorted(number[order], np.arange(int(number.max(initial=-1)) + 2))
        codes = df["area_code"].astype(str).to_numpy(dtype=object)
        periods, indicators = df["period"].to_numpy(), df["indicator"].to_numpy()
        self._rows: dict[tuple[str, str], np.ndarray] = {}
        for g in range(len(bounds) - 1):
            pos = order[bounds[g] : bounds[g + 1]]
            first = pos[0]
            key = (str(periods[first]), str(indicators[first]))
            self._rows[key] = pos[np.argsort(codes[pos], kind="stable")]

    def __getitem__(self, key: tuple[str, str]) -> pd.DataFrame:
        return self._df.take(self._rows[key])

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows


__all__ = ["GroupFrames"]
