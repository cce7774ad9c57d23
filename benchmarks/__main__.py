"""Run every benchmark and print its figures: ``python -m benchmarks [name ...]``."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench_cli",
    "bench_ingest",
    "bench_index",
    "bench_harmonize",
    "bench_reports",
    "bench_pdf",
]


def main(argv: list[str]) -> None:
    names = argv or BENCHMARKS
    sys.argv = sys.argv[:1]  # each benchmark parses its own (default) options
    for name in names:
        print(f"== {name}")
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
