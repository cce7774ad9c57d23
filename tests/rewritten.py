"""Test modules' asserts rewritten once for all xdist workers.

pytest rewrites the ``assert`` statements of every test module as it imports it (so that a
failing assert shows its values) and keeps the rewritten code in ``__pycache__``
(``*.cpython-311-pytest-<version>.pyc``, checked against a hash of the source) — unless
bytecode is not written (``PYTHONDONTWRITEBYTECODE``) or the checkout is fresh. Then each
of ``make test``'s workers rewrites the same modules again: about 170 modules and 5 000
asserts, 13 s of CPU a worker on two slow cores, before a test runs.

:func:`rewrite_once` does it once, in xdist's controller before the workers start (the
controller imports no test module), and writes the result where each worker's import
looks first. It uses pytest's own rewrite and cache functions: a worker reads exactly what
it would have written itself. Were those functions to change or fail, nothing is kept and
each worker rewrites as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def rewrite_once(config: pytest.Config, folder: Path) -> int:
    """Rewrite and keep each test module in ``folder`` (pytest's ``python_files`` patterns)
    whose rewritten code is not kept yet; the number written."""
    try:
        from _pytest.assertion.rewrite import (
            PYC_TAIL,
            _read_pyc,
            _rewrite_test,
            _write_pyc,
            assertstate_key,
            get_cache_dir,
        )
    except ImportError:
        return 0
    state = config.stash.get(assertstate_key, None)
    if state is None or config.getoption("assertmode") != "rewrite":
        return 0
    written = 0
    modules = {p for pattern in config.getini("python_files") for p in folder.glob(pattern)}
    for path in sorted(modules):
        cache = get_cache_dir(path)
        pyc = cache / (path.name[:-3] + PYC_TAIL)
        if _read_pyc(path, pyc) is not None:
            continue
        try:
            cache.mkdir(exist_ok=True)
            source_hash, code = _rewrite_test(path, config)
        except (OSError, SyntaxError, ValueError):  # the worker's import reports it
            continue
        written += _write_pyc(state, code, source_hash, pyc)
    return written


def is_xdist_controller(config: pytest.Config) -> bool:
    """Whether this process hands tests to xdist workers (and runs none itself)."""
    dist = config.getoption("dist", default="no")
    return dist != "no" and not hasattr(config, "workerinput")
