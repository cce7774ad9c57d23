"""Pausing Python's cyclic garbage collector around work that makes many objects and no
cycles (reading a sheet, importing a command's libraries)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (when it runs) for the block, and let it run again
    afterwards only if it ran before (a collector the caller disabled stays disabled).

    Objects freed by their reference count are freed as usual in the block; only the
    collector's passes over every tracked object — which find nothing to free when the
    block makes no reference cycles — are left out.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
