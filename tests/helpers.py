"""Small builders the test modules share (import them as ``from helpers import ...``)."""

from __future__ import annotations

import pandas as pd


def two_areas(**columns: object) -> pd.DataFrame:
    """A frame of the areas ``A`` and ``B`` in 2024 with ``columns`` (one value per area, or
    one for both) after ``area_code`` and ``period``."""
    return pd.DataFrame({"area_code": ["A", "B"], "period": "2024", **columns})
