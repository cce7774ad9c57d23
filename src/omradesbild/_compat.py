"""Optional dependencies: one place that imports them and says how to install them.

The base install (``pip install omradesbild``) runs the command line's core: ingest,
indicators, indices, follow-up, exports and the static report site. The rest comes with
extras::

    pip install 'omradesbild[web]'       # omradesbild serve: the web app and partners' database
    pip install 'omradesbild[pdf]'       # PDF area profiles (WeasyPrint)
    pip install 'omradesbild[postgres]'  # PostgreSQL driver for the partners' database
    pip install 'omradesbild[fetch]'     # omradesbild fetch: the live SCB clients

Code that needs an optional package imports it through :func:`import_optional_dependency`
at the point of use, never at module level of a module the base install imports.

:func:`special_functions` gives scipy.special's compiled functions (a base dependency)
without the cost of importing the whole of :mod:`scipy.special` (see its notes).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING

from omradesbild.errors import MissingDependencyError

if TYPE_CHECKING:
    from omradesbild.wording import Message

#: Top-level import name of each optional dependency → the extra that installs it.
OPTIONAL_DEPENDENCIES: dict[str, str] = {
    "fastapi": "web",
    "starlette": "web",
    "uvicorn": "web",
    "multipart": "web",
    "python_multipart": "web",
    "swagger_ui": "web",
    "sqlalchemy": "web",
    "argon2": "web",
    "alembic": "web",
    "pydantic_settings": "web",
    "weasyprint": "pdf",
    "psycopg": "postgres",
    "httpx": "fetch",
    "tenacity": "fetch",
    "hishel": "fetch",
}


def _extra_of(name: str, extra: str | None) -> str:
    if extra is not None:
        return extra
    top = name.split(".", 1)[0]
    try:
        return OPTIONAL_DEPENDENCIES[top]
    except KeyError:
        raise ValueError(f"{name!r} is not a known optional dependency") from None


def install_hint(extra: str) -> str:
    """The pip command that installs ``extra``, e.g. ``pip install 'omradesbild[pdf]'``."""
    return f"pip install 'omradesbild[{extra}]'"


def import_optional_dependency(
    name: str, *, extra: str | None = None, purpose: str | Message | None = None
) -> ModuleType:
    """Import an optional dependency, or raise an error that names the extra to install.

    Parameters
    ----------
    name
        Module to import, e.g. ``"weasyprint"`` or ``"sqlalchemy.orm"``.
    extra
        The extra that provides it; default from :data:`OPTIONAL_DEPENDENCIES`.
    purpose
        What it is needed for, e.g. ``"omradesbild fetch"`` (a command) or a
        :class:`~omradesbild.wording.Message`; starts the error message.

    Returns
    -------
    ModuleType
        The imported module.

    Raises
    ------
    MissingDependencyError
        When the module (or a package it needs) is not installed; the message ends with
        ``pip install 'omradesbild[<extra>]'`` (Swedish then English, the command in each).
    """
    group = _extra_of(name, extra)
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        from omradesbild.wording import Message, both

        what = purpose or Message("err_svc_this_feature", extra=repr(group))
        missing = getattr(exc, "name", None) or name
        raise MissingDependencyError(
            both("err_svc_missing_dependency", what=what, package=repr(missing),
                 hint=install_hint(group))
        ) from exc  # fmt: skip


def has_optional_dependency(name: str) -> bool:
    """Whether ``name`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


# scipy.special's compiled functions without the cost of importing :mod:`scipy.special`.
#
# The intervals (``ndtri``, ``gammaincinv``) and the trends (``stdtr``, ``stdtrit``) need a
# handful of scipy.special's ufuncs, which live in its compiled module
# ``scipy.special._ufuncs``. Importing ``scipy.special`` itself also sets up its array-API
# layer, which walks every name of numpy and so loads numpy's lazy submodules (``numpy.f2py``
# with its hundreds of regular expressions, ``numpy.testing`` …): about a fifth of a second of
# CPU that a one-kommun report spent for four functions. :func:`special_functions` loads the
# compiled module alone when it can, and the whole package otherwise; either way the
# functions are the very objects ``scipy.special`` exports (the same numbers to the last bit).

_UFUNCS = "scipy.special._ufuncs"
_PACKAGE = "scipy.special"
_LOCK = threading.Lock()


def special_functions() -> ModuleType:
    """The module of scipy.special's ufuncs (``ndtri``, ``gammaincinv``, ``stdtr`` …).

    Returns
    -------
    ModuleType
        ``scipy.special._ufuncs``: its functions are those of ``scipy.special``.

    Notes
    -----
    When ``scipy.special`` is not loaded yet and the process runs one Python thread (a
    command), its compiled module is loaded under a bare stand-in of the package (a module
    made from the package's spec, not run), which is then taken out of ``sys.modules``: a
    later ``import scipy.special`` runs the package as usual and finds the compiled module
    loaded. With other threads running (the web app) another thread could see the stand-in
    meanwhile, so the package is imported as usual.
    """
    loaded = sys.modules.get(_UFUNCS)
    if loaded is not None:
        return loaded
    if _PACKAGE not in sys.modules and threading.active_count() == 1:
        with _LOCK:
            alone = _ufuncs_alone()
        if alone is not None:
            return alone
    return importlib.import_module(_UFUNCS)


def _ufuncs_alone() -> ModuleType | None:
    """``scipy.special._ufuncs`` loaded without running ``scipy.special/__init__``, or None
    when that cannot be done (the package is then imported as usual)."""
    if _PACKAGE in sys.modules:
        return None
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except ImportError:
        return None
    if spec is None or spec.submodule_search_locations is None:
        return None
    stand_in = importlib.util.module_from_spec(spec)
    sys.modules[_PACKAGE] = stand_in
    try:
        return importlib.import_module(_UFUNCS)
    except ImportError:
        return None
    finally:
        if sys.modules.get(_PACKAGE) is stand_in:
            del sys.modules[_PACKAGE]
