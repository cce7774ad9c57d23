"""Run benchmarks and print their figures.

``python -m benchmarks`` runs the default set; ``python -m benchmarks NAME [NAME ...]`` runs
the named ones with their default options; ``python -m benchmarks NAME --option …`` runs one
benchmark with its own options (for example ``python -m benchmarks bench_national --years 1,5``).

Each benchmark runs with an empty folder of results kept between commands
(``OMRADESBILD_CACHE_DIR``, a temporary folder removed afterwards), so that nothing kept by an
earlier run or by the user's own commands is read; ``bench_reports`` times its warm runs
with a folder it fills itself.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
import tempfile

from omradesbild.config import CACHE_DIR_ENV

BENCHMARKS = [
    "bench_cli",
    "bench_ingest",
    "bench_index",
    "bench_harmonize",
    "bench_reports",
    "bench_pdf",
]


def split_arguments(argv: list[str]) -> tuple[list[str], list[str]]:
    """Benchmark names (the leading words) and the options after them.

    Raises
    ------
    SystemExit
        Options given with no benchmark or with several (whose options differ).
    """
    n = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, options = argv[:n], argv[n:]
    if options and len(names) != 1:
        raise SystemExit(
            "options go with exactly one benchmark: python -m benchmarks NAME --option …"
        )
    return names or list(BENCHMARKS), options


def main(argv: list[str]) -> None:
    names, options = split_arguments(argv)
    for name in names:
        print(f"== {name}")
        run = importlib.import_module(f"benchmarks.{name}").main
        sys.argv = [f"benchmarks.{name}", *options]  # for the benchmarks that read sys.argv
        with tempfile.TemporaryDirectory(prefix="omradesbild-bench-cache-") as kept:
            os.environ[CACHE_DIR_ENV] = kept
            if inspect.signature(run).parameters:
                run(options)
            else:
                run()


if __name__ == "__main__":
    main(sys.argv[1:])
