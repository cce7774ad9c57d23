"""Områdesbild: a shared, objective and comparable picture of every area in a Swedish city.

The package is organised by domain concept:

``areas``       area levels, code rules and boundary versions (DeSO, RegSO, districts …)
``sources``     readers for real source files and live clients (SCB, police, crime, geodata)
``store``       the embedded DuckDB store: areas, crosswalks, observations with revisions
``synthetic``   the deterministic synthetic city "Exempelstad" used by the demo and fixtures
``indicators``  indicator catalogue and computation from counts, with uncertainty
``index``       versioned index methods (normalise, weight, aggregate, classify)
``harmonize``   crosswalks between boundary versions and layers
``followup``    change over time, transitions, police-list comparison, goals
``reports``     area profiles, city overview and exports
``web``         the web application
``cli``         the ``omradesbild`` command line (thin layer over the library)
"""

from omradesbild.errors import OmradesbildError

__version__ = "0.1.0"

__all__ = ["OmradesbildError", "__version__"]
