"""Checks shared by the harmonisation modules."""

from __future__ import annotations

import pandas as pd

from omradesbild.errors import InputError


def _require(df: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{what} lacks column(s) " + ", ".join(missing),
            field=missing[0],
            expected=f"{what} with columns " + ", ".join(columns),
        )
