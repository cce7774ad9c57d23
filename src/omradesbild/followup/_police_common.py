"""Categories, defaults and column orders shared by the modules on the Police's list."""

from __future__ import annotations

import pandas as pd

from omradesbild.config import POLICE_SHARE_THRESHOLD
from omradesbild.errors import ConfigError
from omradesbild.wording import both

#: Police categories from most to least severe, and the label of areas not on the list.
CATEGORY_ORDER: tuple[str, ...] = ("sarskilt_utsatt", "utsatt", "risk")
NOT_LISTED = "not_listed"

#: Default share of an area that must lie inside police polygons for it to count as listed.
DEFAULT_THRESHOLD = POLICE_SHARE_THRESHOLD

#: Columns of :func:`overlay_police` and :func:`police_list_from_links`, in order.
OVERLAY_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "police_code",
    "category",
    "share_area",
    "share_population",
    "on_list",
    "basis",
)

#: Columns of :func:`listed_areas`, in order.
LISTED_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "police_code",
    "category",
    "share",
    "on_list",
)

#: Columns of :func:`crosstab_police_types`, in order.
CROSSTAB_COLUMNS: tuple[str, ...] = (
    "period",
    "category",
    "area_type",
    "n_areas",
    "population",
)

#: Columns of :func:`police_flags`, in order.
FLAG_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "area_type",
    "type_period",
    "listed",
    "category",
    "left_list_still_vulnerable",
    "vulnerable_never_listed",
    "listed_not_vulnerable",
    "flag",
)

_SEVERITY = {c: i for i, c in enumerate(CATEGORY_ORDER)}


#: Columns of :func:`police_status`, in order.
STATUS_COLUMNS: tuple[str, ...] = ("area_code", "period", "category", "share", "basis")


def _check_threshold(threshold: float) -> None:
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(both("err_ana_threshold", value=repr(threshold)))


def police_classes(classifications: pd.DataFrame) -> pd.DataFrame:
    """``area_code, version, period, category`` (text) of the ``police_uso`` rows of a
    classifications frame (every row when it has no ``scheme``; ``version`` None when it
    has no ``version``)."""
    cls = classifications
    if "scheme" in cls.columns:
        cls = cls.loc[cls["scheme"] == "police_uso"]
    return pd.DataFrame(
        {
            "area_code": cls["area_code"].astype(str).to_numpy(),
            "version": cls["version"].astype(str).to_numpy() if "version" in cls else None,
            "period": cls["period"].astype(str).to_numpy(),
            "category": cls["category"].astype(str).to_numpy(),
        }
    )
