"""Helpers shared by the benchmarks: the real data folder, options and timing."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

REPO = Path(__file__).resolve().parents[1]

T = TypeVar("T")


def shared_data() -> Path:
    """The real data folder: ``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``."""
    env = os.environ.get("OMRADESBILD_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not (path / "README.md").exists():
        raise SystemExit(f"real data folder not found: {path} (set OMRADESBILD_SHARED_DATA)")
    return path


def int_options(description: str | None, **defaults: int) -> argparse.ArgumentParser:
    """A parser of ``--name N`` options (``name_x`` is spelled ``--name-x``) with defaults."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in defaults.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    return parser


@dataclass(frozen=True)
class Runs(Generic[T]):
    """Wall-clock and process-CPU seconds of repeated calls, and the last call's result."""

    walls: tuple[float, ...]
    cpus: tuple[float, ...]
    result: T

    @property
    def best(self) -> float:
        """The fastest wall-clock time."""
        return min(self.walls)

    @property
    def median(self) -> float:
        """The median wall-clock time."""
        return statistics.median(self.walls)

    @property
    def median_cpu(self) -> float:
        """The median process-CPU time (the steadier figure on a shared, loaded machine)."""
        return statistics.median(self.cpus)


def timed(fn: Callable[[], T], repeat: int = 1) -> Runs[T]:
    """Call ``fn`` ``repeat`` times (at least once) and time each call."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(max(1, repeat)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return Runs(tuple(walls), tuple(cpus), result)
