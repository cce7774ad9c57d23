"""Store-backed follow-up: thin glue between the store and the pure follow-up functions.

Each function reads what it needs from a :class:`~omradesbild.store.Store`, computes the
indicators or area types with :mod:`omradesbild.services.pipeline`, hands plain DataFrames to
the pure functions of :mod:`omradesbild.followup` and returns DataFrames or frozen
dataclasses. The command line (``omradesbild followup …`` and ``omradesbild goals status``)
and the demo call these.

- :mod:`.change` — change from base-area counts (:func:`base_change_input`,
  :func:`change_with_references`) and the summaries of change and trend tables;
- :mod:`.area_types` — :func:`method_periods`, :func:`area_classes`, :func:`transitions`;
- :mod:`.police` — :func:`police_analysis`, :func:`police_status` (category per
  police year with its basis), :func:`crosstab_wide`, flags;
- :mod:`.crime` — :func:`crime_table`, :func:`crime_per_year`, :func:`disclosed_crime`;
- :mod:`.goals` — :func:`goals_status`;
- :mod:`.demo` — :func:`demo_followup`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from omradesbild._lazy import lazy_getattr

if TYPE_CHECKING:
    from omradesbild.services.followup._common import POLICE_SCHEME, ClassChoice
    from omradesbild.services.followup.area_types import (
        Transitions,
        area_classes,
        method_periods,
        transitions,
    )
    from omradesbild.services.followup.change import (
        CHANGE_SHOW_COLUMNS,
        ChangeQuery,
        ChangeSummary,
        base_change_input,
        base_indicators,
        change_with_references,
        summarise_change,
        trend_counts,
    )
    from omradesbild.services.followup.crime import (
        CrimeResult,
        crime_per_year,
        crime_table,
        disclosed_crime,
        highest_rates,
    )
    from omradesbild.services.followup.demo import demo_followup
    from omradesbild.services.followup.goals import (
        GoalsResult,
        goals_status,
        police_in_kommun,
    )
    from omradesbild.services.followup.police import (
        CATEGORY_ORDER,
        FLAG_KEYS,
        PoliceAnalysis,
        crosstab_wide,
        deciding_years,
        flag_counts,
        flagged_areas,
        police_analysis,
        police_status,
        police_status_of,
    )

#: Where each public name lives. The submodules load on first use (PEP 562): a caller that
#: needs one of them (the report's police list needs :mod:`.police`) does not load the
#: others (the demo, change, crime and goals services and what they import).
_SUBMODULES = {
    "_common": ("POLICE_SCHEME", "ClassChoice"),
    "area_types": ("Transitions", "area_classes", "method_periods", "transitions"),
    "change": (
        "CHANGE_SHOW_COLUMNS",
        "ChangeQuery",
        "ChangeSummary",
        "base_change_input",
        "base_indicators",
        "change_with_references",
        "summarise_change",
        "trend_counts",
    ),
    "crime": ("CrimeResult", "crime_per_year", "crime_table", "disclosed_crime", "highest_rates"),
    "demo": ("demo_followup",),
    "goals": ("GoalsResult", "goals_status", "police_in_kommun"),
    "police": (
        "CATEGORY_ORDER",
        "FLAG_KEYS",
        "PoliceAnalysis",
        "crosstab_wide",
        "deciding_years",
        "flag_counts",
        "flagged_areas",
        "police_analysis",
        "police_status",
        "police_status_of",
    ),
}


__getattr__ = lazy_getattr(__name__, _SUBMODULES, globals())


__all__ = [
    "CATEGORY_ORDER",
    "CHANGE_SHOW_COLUMNS",
    "FLAG_KEYS",
    "POLICE_SCHEME",
    "ChangeQuery",
    "ChangeSummary",
    "ClassChoice",
    "CrimeResult",
    "GoalsResult",
    "PoliceAnalysis",
    "Transitions",
    "area_classes",
    "base_change_input",
    "base_indicators",
    "change_with_references",
    "crime_per_year",
    "crime_table",
    "crosstab_wide",
    "deciding_years",
    "demo_followup",
    "disclosed_crime",
    "flag_counts",
    "flagged_areas",
    "goals_status",
    "highest_rates",
    "method_periods",
    "police_analysis",
    "police_in_kommun",
    "police_status",
    "police_status_of",
    "summarise_change",
    "transitions",
    "trend_counts",
]
