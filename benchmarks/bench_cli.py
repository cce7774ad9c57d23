"""Benchmark of the command line's start: ``omradesbild --help``, ``<group> --help`` and
``<command> --help`` for the top-level commands (``report``, ``summary`` …).

Run: ``python -m benchmarks bench_cli`` (``--repeat N``). Each help is run ``N`` times in a
fresh Python process (``python -m omradesbild.cli.main … --help``, as the installed
``omradesbild`` script does) and the median of the whole process is printed: wall-clock time
and CPU time (user + system; on a shared, loaded machine the CPU time is the steadier
figure). Target: under 0.25 s each, which holds only while the command modules import
pandas, DuckDB, the store and the services inside the commands that need them.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time

#: Target of every help, seconds (whole process).
TARGET = 0.25


def commands() -> list[list[str]]:
    """The command groups of the app (and their sub-groups) and the top-level commands
    (``report``, ``summary`` …), as argument lists."""
    import typer.main

    from omradesbild.cli.main import app

    out: list[list[str]] = []
    for info in app.registered_groups:
        assert info.name is not None and info.typer_instance is not None
        out.append([info.name])
        out += [[info.name, sub.name] for sub in info.typer_instance.registered_groups if sub.name]
    for cmd in app.registered_commands:
        assert cmd.callback is not None
        out.append([cmd.name or typer.main.get_command_name(cmd.callback.__name__)])
    return out


def run_help(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one ``omradesbild <args> --help`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "omradesbild.cli.main", *args, "--help"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5, help="runs per help (5)")
    args = ap.parse_args()

    print(f"{'command':<36} {'wall (median)':>14} {'CPU (median)':>13}  target")
    for cmd in [[], *commands()]:
        runs = [run_help(cmd) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        label = " ".join(["omradesbild", *cmd, "--help"])
        ok = "ok" if cpu < TARGET else "SLOW"
        print(f"{label:<36} {wall:12.3f} s {cpu:11.3f} s  < {TARGET} s  {ok}")


if __name__ == "__main__":
    main()
