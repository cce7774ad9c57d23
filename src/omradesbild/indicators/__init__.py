"""Indicators: the catalogue and their computation from counts, with honest uncertainty.

Public API
----------
- :func:`load_catalogue`, :func:`default_catalogue`, :class:`Catalogue`, :class:`Indicator`
- :func:`compute_indicators` (counts → values at any level), built from
  :func:`indicator_counts`, :func:`aggregate_counts` and :func:`finalize_indicators`
  (:func:`indicators_from_counts`: the last two)
- :func:`reference_values`, :func:`add_reference_levels` (kommun and country comparisons)
- :func:`indicator_availability`
- intervals: :func:`wilson_interval`, :func:`poisson_exact_interval`,
  :func:`poisson_byar_interval`, :func:`poisson_interval`, :func:`rate_interval`
- smoothing: :func:`eb_smooth_rates`
"""

from omradesbild.indicators.catalogue import (
    CATALOGUE_PATH,
    DOMAINS,
    AgeBands,
    Catalogue,
    Indicator,
    catalogue_from_dict,
    default_catalogue,
    load_catalogue,
)
from omradesbild.indicators.compute import (
    COUNT_COLUMNS,
    COUNTRY_CODE,
    OUTPUT_COLUMNS,
    add_reference_levels,
    aggregate_counts,
    compute_indicators,
    country_links,
    finalize_indicators,
    indicator_availability,
    indicator_counts,
    indicators_from_counts,
    kommun_links,
    reference_values,
    reference_values_from_counts,
)
from omradesbild.indicators.intervals import (
    poisson_byar_interval,
    poisson_exact_interval,
    poisson_interval,
    rate_interval,
    wilson_interval,
)
from omradesbild.indicators.smoothing import EBResult, eb_smooth_rates

__all__ = [
    "CATALOGUE_PATH",
    "COUNTRY_CODE",
    "COUNT_COLUMNS",
    "DOMAINS",
    "OUTPUT_COLUMNS",
    "AgeBands",
    "Catalogue",
    "EBResult",
    "Indicator",
    "add_reference_levels",
    "aggregate_counts",
    "catalogue_from_dict",
    "compute_indicators",
    "country_links",
    "default_catalogue",
    "eb_smooth_rates",
    "finalize_indicators",
    "indicator_availability",
    "indicator_counts",
    "indicators_from_counts",
    "kommun_links",
    "load_catalogue",
    "poisson_byar_interval",
    "poisson_exact_interval",
    "poisson_interval",
    "rate_interval",
    "reference_values",
    "reference_values_from_counts",
    "wilson_interval",
]
