"""Packages whose public names load their modules on first use (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, where: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: the public name ``name`` is imported from
    the submodule ``where[name]`` when first asked for and then kept in ``namespace`` (the
    package's ``globals()``), so later look-ups do not come here again.

    Examples
    --------
    In a package's ``__init__.py``::

        _SUBMODULE = {"export_excel": "excel"}
        __getattr__ = lazy_getattr(__name__, _SUBMODULE, globals())
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
