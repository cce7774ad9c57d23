"""Benchmark of ``omradesbild report``: the static site on the real data and the demo city.

Run: ``python -m benchmarks bench_reports`` (``--skip-real``, ``--skip-demo``, ``--draws``,
``--fresh N``, ``--skip-fresh``).
Builds a store from the real files (``$OMRADESBILD_SHARED_DATA`` or ``../shared/data``, as
the tests do), then runs the command itself in a fresh process, as a user does: for
Stockholm's 127 RegSO (``--kommun 0180``; target < 2 s wall and < 400 MB peak RSS) and for
all 3 363 RegSO (target < 20 s wall; its pages are written by worker processes, at most
``REPORT_WORKERS_MAX``, one a CPU), ``N`` times each (default 3), printing of each run the
wall-clock and CPU time (the workers' included), the peak RSS of the largest process
("peak RSS", as the operating system keeps it: not the sum of the command and its workers;
the store is built by a child process first, so that this process, which starts the commands,
stays small and its size is not counted as theirs)
and the peak of the command's and its workers' memory together ("with workers", sampled
every 50 ms: their proportional set sizes summed, a page the workers share with the command
counted once; and their resident set sizes summed, such a page counted in each). Each fresh
command runs with a cache folder (``OMRADESBILD_CACHE_DIR``) of its own, in one of three
states:

- "empty": nothing kept, the first report on a machine (or after ``omradesbild cache clear``):
  every national result is computed and the report's templates are compiled;
- "store changed": the first report after the store's content changed — the folder filled by
  a report of another kommun (Göteborg, 1480), then its results (``results/``) removed, so
  that every result is computed again while the templates' compiled code, which depends on
  the package and not on the store (as Python's own ``.pyc`` files), is kept;
- "warm": the folder filled by that report of another kommun from the same store, so that
  nothing of Stockholm's own is kept, only what does not depend on the kommun.

Then, in this process (every page in it: ``build_site``'s one process), the site for all 3 363 RegSO
(national tables), for Stockholm (0180) at RegSO and DeSO 2018 and for Göteborg (1480); and
the site of the synthetic city. Prints total time (wall-clock, and the process CPU time, the
steadier figure on a shared machine), data time, render time per profile and overview size.
Each in-process row after the first reuses what the service layer has cached for the store
(a level's indicators, the references), as the web app does; the fresh commands compute
everything afresh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import demo_store, real_store
from omradesbild.config import CACHE_DIR_ENV

#: The states of a fresh command's cache folder (see the module's notes).
EMPTY, STORE_CHANGED, WARM = "empty", "store changed", "warm"

#: The fresh commands timed: label, arguments after ``omradesbild report``, targets (wall
#: seconds, peak RSS in MB or None), and the state of the command's cache folder.
FRESH: tuple[tuple[str, list[str], float, float | None, str], ...] = (
    ("fresh, empty: Stockholm RegSO (0180)",
     ["--level", "regso", "--period", "2022", "--kommun", "0180"], 2.0, 400.0, EMPTY),
    ("fresh, store changed: Stockholm (0180)",
     ["--level", "regso", "--period", "2022", "--kommun", "0180"], 2.0, 400.0, STORE_CHANGED),
    ("fresh, warm: Stockholm RegSO (0180)",
     ["--level", "regso", "--period", "2022", "--kommun", "0180"], 2.0, 400.0, WARM),
    ("fresh, empty: all RegSO (national)", ["--level", "regso", "--period", "2022"], 20.0, None,
     EMPTY),
)  # fmt: skip
#: The command that fills the cache folder first, except for an empty one: another kommun's
#: report.
PRIMER = ["report", "--level", "regso", "--period", "2022", "--kommun", "1480", "-q"]


def _tree(pid: int) -> list[int]:
    """``pid`` and every process descended from it (read from ``/proc``)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _memory_mb(pids: list[int]) -> tuple[float, float]:
    """The proportional set sizes of ``pids`` summed, in MB (each page shared by processes,
    such as a forked worker's inherited memory, counted once, split among them), and their
    resident set sizes summed (a shared page counted in each process: more than they use)."""
    pss = rss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            continue
    return pss / 1024, rss / 1024


class TreeMemory(threading.Thread):
    """The peaks of a process tree's memory (:func:`_memory_mb` of the process and its
    workers: PSS and RSS summed), sampled every ``interval`` seconds while it runs.

    The process's own peak RSS (``ru_maxrss`` of :func:`os.wait4`) is that of its largest
    process alone: Linux gives the largest of the process and its waited-for children, not
    their sum, so it understates a command whose pages are written by worker processes."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, (0.0, 0.0)
        self.on = os.path.exists(f"/proc/{pid}/smaps_rollup")
        self._done = threading.Event()

    def run(self) -> None:
        while self.on and not self._done.wait(self.interval):
            pss, rss = _memory_mb(_tree(self.pid))
            self.peak = (max(self.peak[0], pss), max(self.peak[1], rss))

    def result(self) -> tuple[float, float] | None:
        """Stop sampling; the peaks in MB, PSS and RSS (None where there is no ``/proc``)."""
        self._done.set()
        self.join()
        return self.peak if self.on else None


def fresh_command(
    args: list[str], cwd: Path, *, cache: Path | None = None
) -> tuple[float, float, float, tuple[float, float] | None]:
    """Run ``omradesbild`` with ``args`` in a new process (``python -m omradesbild.cli.main``,
    as the installed script does), with ``cache`` as its cache folder (``off`` when None):
    wall and CPU seconds (user + system, its worker processes included), the peak RSS in MB
    of its largest process, and the peak memory of the process and its workers together,
    PSS and RSS summed (:class:`TreeMemory`)."""
    env = {**os.environ, CACHE_DIR_ENV: str(cache) if cache is not None else "off"}
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "omradesbild.cli.main", *args]
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        memory = TreeMemory(proc.pid)
        memory.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        tree = memory.result()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"omradesbild {' '.join(args)} failed:\n{err.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, tree


def _fresh_rows(db: Path, tmp: Path, *, draws: int, repeat: int) -> None:
    """Time each of :data:`FRESH` ``repeat`` times in a fresh process, each run with a cache
    folder of its own (filled by :data:`PRIMER` first unless it is empty; its results then
    removed for a store changed), and print the runs."""
    from omradesbild.services.disk_cache import RESULTS_FOLDER

    print(f"load average {os.getloadavg()[0]:.1f} (1 min) before the fresh commands")
    for i, (label, args, wall_target, mb_target, state) in enumerate(FRESH):
        for n in range(repeat):
            cache = tmp / f"cache{i}_{n}"
            common = ["--draws", str(draws), "--db", str(db)]
            if state != EMPTY:
                fresh_command([*PRIMER, *common, "--out", str(tmp / f"primer{i}_{n}")], tmp,
                              cache=cache)  # fmt: skip
            if state == STORE_CHANGED:
                shutil.rmtree(cache / RESULTS_FOLDER)
            cmd = ["report", *args, *common, "--out", str(tmp / f"fresh{i}_{n}")]
            wall, cpu, mb, tree = fresh_command([*cmd, "-q"], tmp, cache=cache)
            target = f"< {wall_target:g} s" + (f", < {mb_target:g} MB" if mb_target else "")
            together = "–" if tree is None else f"PSS {tree[0]:4.0f} MB (RSS summed {tree[1]:4.0f})"
            print(
                f"{label:<38} wall={wall:6.1f} s  (CPU {cpu:5.1f} s)  peak RSS={mb:6.0f} MB  "
                f"with workers: {together}  target {target}"
            )


def _row(label: str, store: Any, out: Path, **kw: Any) -> None:
    """Load one level's picture, build its site and print the timings."""
    from omradesbild.reports.site import build_site
    from omradesbild.services.city import load_city

    t0, c0 = time.perf_counter(), time.process_time()
    data = load_city(store, **kw)
    t_data = time.perf_counter() - t0
    res = build_site(data, out)
    cpu = time.process_time() - c0
    n = max(len(res.profiles), 1)
    print(
        f"{label:<34} profiles={len(res.profiles):>5}  total={t_data + res.seconds:6.1f} s  "
        f"(CPU {cpu:5.1f} s)  data={t_data:5.1f} s  render={res.seconds:5.1f} s  "
        f"per profile={1000 * res.seconds / n:5.1f} ms  overview={res.overview_mb:5.2f} MB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--fresh", type=int, default=3, help="runs of each fresh command (3)")
    ap.add_argument("--skip-fresh", action="store_true")
    args = ap.parse_args()

    from omradesbild.store import Store

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if not args.skip_real:
            db = real_store(tmp, in_child=not args.skip_fresh)
            if not args.skip_fresh:
                _fresh_rows(db, tmp, draws=args.draws, repeat=args.fresh)
            runs: list[tuple[str, dict[str, Any]]] = [
                ("real: all RegSO (national)", {"level": "regso"}),
                ("real: Stockholm RegSO", {"level": "regso", "kommun": "0180"}),
                ("real: Stockholm DeSO 2018", {"level": "deso", "kommun": "0180"}),
                ("real: Göteborg RegSO", {"level": "regso", "kommun": "1480"}),
                (
                    "real: Stockholm RegSO, English",
                    {"level": "regso", "kommun": "0180", "lang": "en"},
                ),
            ]
            with Store(db, read_only=True) as store:
                for i, (label, kw) in enumerate(runs):
                    _row(label, store, tmp / f"site{i}", draws=args.draws, **kw)
        if not args.skip_demo:
            with Store(demo_store(tmp), read_only=True) as store:
                _row("demo: Exempelstad RegSO", store, tmp / "sd", draws=args.draws)
                _row("demo: Exempelstad DeSO", store, tmp / "sd2", level="deso", draws=args.draws)


if __name__ == "__main__":
    main()
