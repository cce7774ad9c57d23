"""scipy.special's compiled functions without the cost of importing :mod:`scipy.special`.

The intervals (``ndtri``, ``gammaincinv``) and the trends (``stdtr``, ``stdtrit``) need a
handful of scipy.special's ufuncs, which live in its compiled module
``scipy.special._ufuncs``. Importing ``scipy.special`` itself also sets up its array-API
layer, which walks every name of numpy and so loads numpy's lazy submodules (``numpy.f2py``
with its hundreds of regular expressions, ``numpy.testing`` …): about a fifth of a second of
CPU that a one-kommun report spent for four functions. :func:`special_functions` loads the
compiled module alone when it can, and the whole package otherwise; either way the
functions are the very objects ``scipy.special`` exports (the same numbers to the last bit).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType

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


__all__ = ["special_functions"]
