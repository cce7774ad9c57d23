"""Packages whose public names load their modules on first use (PEP 562)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_getattr(
    package: str, names: Mapping[str, Sequence[str]], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` whose public names load on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    names
        Each submodule (relative to ``package``) with the public names it holds, each module
        named once (the form of scientific-python's ``lazy_loader.attach``).
    namespace
        The package's ``globals()``: a name, once imported, is kept there, so later look-ups
        do not come here again.

    Returns
    -------
    Callable
        The ``__getattr__``: it imports ``name`` from its submodule, or raises
        :class:`AttributeError` for a name no submodule holds.

    Examples
    --------
    In a package's ``__init__.py``::

        _SUBMODULES = {"excel": ("export_excel",), "files": ("export_csv", "export_json")}
        __getattr__ = lazy_getattr(__name__, _SUBMODULES, globals())
    """
    where = {name: module for module, held in names.items() for name in held}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
