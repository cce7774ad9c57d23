"""Helpers shared by the benchmarks: the real data folder, options and timing."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

REPO = Path(__file__).resolve().parents[1]

T = TypeVar("T")


def shared_data_path() -> Path:
    """Where the real data folder is looked for: ``$OMRADESBILD_SHARED_DATA`` or
    ``../shared/data`` (it holds a README.md when it is there)."""
    env = os.environ.get("OMRADESBILD_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def shared_data() -> Path:
    """The real data folder; exits when it is not there."""
    path = shared_data_path()
    if not (path / "README.md").exists():
        raise SystemExit(f"real data folder not found: {path} (set OMRADESBILD_SHARED_DATA)")
    return path


def real_store(tmp: Path, *, in_child: bool = False) -> Path:
    """A store of the real data (every file the tests ingest) built into ``tmp``.

    With ``in_child`` it is built by a child process, so that this process stays small: a
    command it starts afterwards would otherwise report this process's size as its own peak
    RSS (Linux keeps the largest resident size of a process across ``exec``, and a child
    starts as a copy of its parent)."""
    if in_child:
        code = "import sys; from pathlib import Path; from benchmarks.common import real_store; "
        code += "real_store(Path(sys.argv[1]))"
        subprocess.run([sys.executable, "-c", code, str(tmp)], cwd=REPO, check=True)
        return tmp / "real.duckdb"
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import ingest_commands, run_cli  # type: ignore[import-not-found]

    db = tmp / "real.duckdb"
    t0 = time.perf_counter()
    for cmd in ingest_commands(shared_data(), db):
        run_cli(cmd)
    print(f"real store built in {time.perf_counter() - t0:.1f} s")
    return db


def demo_store(tmp: Path) -> Path:
    """A store of the synthetic city Exempelstad built into ``tmp / "demo"``."""
    from omradesbild.demo import build_demo_store

    t0 = time.perf_counter()
    db = build_demo_store(tmp / "demo").store_path
    print(f"demo store built in {time.perf_counter() - t0:.1f} s")
    return db


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
