"""Follow-up over time: change, trends, class transitions, the Police's list, goals.

Pure functions over tidy DataFrames (see ``docs/followup.md``):

- :mod:`~omradesbild.followup.change`: :func:`indicator_change`, :func:`trend`,
  :func:`compare_to_reference`;
- :mod:`~omradesbild.followup.transitions`: :func:`class_transitions`,
  :func:`anchored_classes`;
- :mod:`~omradesbild.followup.police`: :func:`overlay_police`,
  :func:`police_list_from_links`, :func:`listed_areas`, :func:`crosstab_police_types`,
  :func:`police_flags`, :func:`police_polygons`, :func:`area_polygons`;
- :mod:`~omradesbild.followup.goals`: :func:`load_goals`, :func:`goal_history`,
  :func:`goal_status`, :func:`goals_status_frame`;
- :mod:`~omradesbild.followup.underreporting`: :func:`underreporting_indicator`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from omradesbild._lazy import lazy_getattr

if TYPE_CHECKING:
    from omradesbild.followup.change import compare_to_reference, indicator_change, trend
    from omradesbild.followup.goals import (
        EXAMPLE_GOALS_PATH,
        GoalFile,
        GoalStatus,
        goal_history,
        goal_status,
        goals_from_dict,
        goals_status_frame,
        load_goals,
    )
    from omradesbild.followup.police import area_polygons, overlay_police, police_polygons
    from omradesbild.followup.police_links import police_list_from_links
    from omradesbild.followup.police_types import crosstab_police_types, listed_areas, police_flags
    from omradesbild.followup.transitions import anchored_classes, class_transitions
    from omradesbild.followup.underreporting import underreporting_indicator

# ``goal_history`` is both a function and a submodule: bound here, before anything imports
# the submodule, so that the package attribute is the function (importing a submodule for the
# first time sets the package's attribute of its name to the module).
from omradesbild.followup.goal_history import goal_history

#: Where each public name lives. The submodules load on first use (PEP 562), so a module that
#: needs only one of them (the crime reader needs ``crime_coverage``) does not pay for the
#: others' imports (SciPy, GeoPandas).
_SUBMODULES = {
    "change": ("compare_to_reference", "indicator_change", "trend"),
    "goals": (
        "EXAMPLE_GOALS_PATH",
        "GoalFile",
        "GoalStatus",
        "goal_status",
        "goals_from_dict",
        "goals_status_frame",
        "load_goals",
    ),
    "police": ("area_polygons", "overlay_police", "police_polygons"),
    "police_links": ("police_list_from_links",),
    "police_types": ("crosstab_police_types", "listed_areas", "police_flags"),
    "transitions": ("anchored_classes", "class_transitions"),
    "underreporting": ("underreporting_indicator",),
}


__getattr__ = lazy_getattr(__name__, _SUBMODULES, globals())


__all__ = [
    "EXAMPLE_GOALS_PATH",
    "GoalFile",
    "GoalStatus",
    "anchored_classes",
    "area_polygons",
    "class_transitions",
    "compare_to_reference",
    "crosstab_police_types",
    "goal_history",
    "goal_status",
    "goals_from_dict",
    "goals_status_frame",
    "indicator_change",
    "listed_areas",
    "load_goals",
    "overlay_police",
    "police_flags",
    "police_list_from_links",
    "police_polygons",
    "trend",
    "underreporting_indicator",
]
