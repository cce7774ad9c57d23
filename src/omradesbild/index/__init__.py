"""Composite indices: versioned method files and a pure, deterministic engine.

Public API::

    from omradesbild.index import load_method, compute_index, monte_carlo, pivot_long

    method = load_method("scb-omradestyp")          # or a path to a YAML file
    result = compute_index(table, method=method, id_column="area_code")
    per_area, summary = monte_carlo(table, method=method, draws=1000, seed=0)

See ``docs/index-methods.md`` for the method file format and the formulas.
"""

from typing import TYPE_CHECKING

from omradesbild._lazy import lazy_getattr
from omradesbild.index.method import (
    IndexMethod,
    Normalisation,
    load_method,
    method_from_yaml,
    parse_method,
    shipped_methods,
)

if TYPE_CHECKING:
    from omradesbild.index.engine import compute_index, pivot_long, resolve_columns, to_long
    from omradesbild.index.normalise import percentrank_inc
    from omradesbild.index.uncertainty import monte_carlo

#: Where each public name of the engine lives. The engine's modules load on first use
#: (PEP 562), so a command that only reads a method (and the scores kept on disk) does not
#: import them.
_SUBMODULES = {
    "engine": ("compute_index", "pivot_long", "resolve_columns", "to_long"),
    "normalise": ("percentrank_inc",),
    "uncertainty": ("monte_carlo",),
}

__getattr__ = lazy_getattr(__name__, _SUBMODULES, globals())

__all__ = [
    "IndexMethod",
    "Normalisation",
    "compute_index",
    "load_method",
    "method_from_yaml",
    "monte_carlo",
    "parse_method",
    "percentrank_inc",
    "pivot_long",
    "resolve_columns",
    "shipped_methods",
    "to_long",
]
