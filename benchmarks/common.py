"""Helpers shared by the benchmarks."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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
