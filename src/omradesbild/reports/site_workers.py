"""The profile pages of a report site, written in this process or by several.

Each profile page is drawn from the level computed in memory, independently of the other
pages, so a large site (a national level: thousands of pages) can be written by worker
processes, each taking chunks of the codes in turn. The workers are forked from this
process (the "fork" start method): they inherit the computed level, the partners' input,
the templates and the page's renderer as they are, and nothing passes between the
processes but the chunks' codes and the number of pages each chunk wrote. The workers read
neither the store nor the partners' database: both are read, and closed, before the pages.
Where fork is not available (systems other than Linux; macOS has it, but forking there is
unsafe), every page is written in this process.

The pages are the same, byte for byte, for any number of processes: what a renderer keeps
from one page to the next (the figure parts the profiles of a kommun share, each number's
text, the sources section) only saves work, each kept part being what the page would have
drawn, and nothing is written from it after the pages. The first page is written here
before the workers start, so that what the first page loads (the templates it imports, the
level's trends, computed once) is loaded once, in the process they inherit from.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from pathlib import Path

#: Draws the page of an area code.
Render = Callable[[str], str]

#: What a worker process writes with: the renderer and the folder of the pages.
_job: tuple[Render, Path] | None = None


def report_workers(workers: int | None = None, *, profiles: int) -> int:
    """The number of processes that write the profile pages of a site.

    ``workers`` when given, else ``$OMRADESBILD_REPORT_WORKERS``, else
    :data:`~omradesbild.config.REPORT_WORKERS`, else 1 for a site of fewer than
    :data:`~omradesbild.config.REPORT_POOL_MIN_PROFILES` ``profiles`` (starting the workers
    would cost more than they save), else the number of CPUs this process may use, at most
    :data:`~omradesbild.config.REPORT_WORKERS_MAX`.

    Raises
    ------
    ConfigError
        A number below 1, or an environment variable that is not a whole number.
    """
    from omradesbild.config import (
        REPORT_POOL_MIN_PROFILES,
        REPORT_WORKERS,
        REPORT_WORKERS_ENV,
        REPORT_WORKERS_MAX,
        process_count,
    )

    return process_count(
        workers,
        env=REPORT_WORKERS_ENV,
        default=REPORT_WORKERS,
        small=profiles < REPORT_POOL_MIN_PROFILES,
        cap=REPORT_WORKERS_MAX,
        error="err_svc_report_workers",
    )


def fork_context() -> BaseContext | None:
    """The "fork" start method's context on Linux; None elsewhere (no fork, or an unsafe
    one: macOS's system libraries may not be used in a forked child)."""
    if not sys.platform.startswith("linux") or "fork" not in get_all_start_methods():
        return None
    return get_context("fork")


def chunks(codes: Sequence[str], n: int) -> list[list[str]]:
    """``codes`` in ``n`` consecutive chunks of sizes differing by at most one (fewer when
    there are fewer codes), in order."""
    n = max(1, min(n, len(codes)))
    size, extra = divmod(len(codes), n)
    out, start = [], 0
    for i in range(n):
        stop = start + size + (i < extra)
        out.append(list(codes[start:stop]))
        start = stop
    return [c for c in out if c]


def _write(render: Render, folder: Path, code: str) -> Path:
    path = folder / f"{code}.html"
    path.write_text(render(code), encoding="utf-8")
    return path


def write_pages(
    render: Render,
    codes: Sequence[str],
    folder: Path,
    *,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write the page of each code, ``folder / "<code>.html"``, drawn by ``render``.

    Parameters
    ----------
    render
        Draws the page of a code.
    codes
        The codes, in the order of the pages.
    folder
        Where the pages are written (it exists).
    workers
        Processes that write the pages: 1 writes them all in this process, as do systems
        without a safe fork (:func:`fork_context`). More: the first page is written here,
        the others by that many forked processes, chunk by chunk
        (:data:`~omradesbild.config.REPORT_CHUNKS_PER_WORKER` chunks a worker).
    progress
        Called with ``(pages written, pages in all)`` after each page, or with workers
        after each chunk, in the order of the codes.

    Returns
    -------
    list of Path
        The pages, in the order of ``codes``.

    Raises
    ------
    OmradesbildError
        What ``render`` raised for the first code (in order) it failed on, as in one
        process; or a worker process that stopped without an answer (killed: out of memory).
        Pages already written are left (as in one process); no worker is left writing.
    """
    total = len(codes)
    tick = progress or (lambda done, total: None)
    context = fork_context() if workers > 1 and total > 1 else None
    if context is None:
        written = []
        for code in codes:
            written.append(_write(render, folder, code))
            tick(len(written), total)
        return written
    _write(render, folder, codes[0])
    tick(1, total)
    _in_workers(render, folder, codes[1:], workers, context, lambda n: tick(n + 1, total))
    return [folder / f"{code}.html" for code in codes]


def _in_workers(
    render: Render,
    folder: Path,
    codes: Sequence[str],
    workers: int,
    context: BaseContext,
    done: Callable[[int], None],
) -> None:
    """Write the pages of ``codes`` by ``workers`` forked processes, calling ``done`` with
    the pages written so far after each chunk, in order."""
    from omradesbild.config import REPORT_CHUNKS_PER_WORKER
    from omradesbild.errors import OmradesbildError
    from omradesbild.wording import both

    parts = chunks(codes, workers * REPORT_CHUNKS_PER_WORKER)
    pool = ProcessPoolExecutor(
        min(workers, len(parts)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(render, folder),  # inherited by the forked workers, not pickled
    )
    try:
        futures = [pool.submit(_write_chunk, part) for part in parts]
        n = 0
        for future in futures:  # in order: the first failing code's error, as in one process
            n += future.result()
            done(n)
    except BrokenProcessPool as exc:
        raise OmradesbildError(both("err_svc_report_worker_stopped")) from exc
    finally:
        # on an error, the chunks not begun are dropped and those begun are finished
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(render: Render, folder: Path) -> None:
    """Set up a worker process: its pages' renderer and folder, inherited from the parent.

    Ctrl+C stops the command in the parent, which finishes the chunks begun and starts no
    other; the workers ignore it (no traceback of theirs on the terminal). What the worker
    inherits is exempt from the collector's passes (:func:`gc.freeze`): the worker only
    adds to it, and a pass over the inherited level would copy each of its memory pages. Its
    standard output and error are objects of its own (:func:`_own_stdio`)."""
    global _job
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _own_stdio()
    gc.freeze()
    _job = (render, folder)


def _own_stdio() -> None:
    """Give a forked worker its own ``sys.stdout`` and ``sys.stderr`` objects, on the same
    file descriptors. A fork copies only the forking thread: had another thread of the
    parent (the progress bar's, on a terminal) been inside a write at that moment, the
    inherited objects' locks would stay taken in the worker, and its first write (a warning,
    say) would wait for ever."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        old = getattr(sys, name)
        try:
            own = os.fdopen(os.dup(fd), "w", encoding=getattr(old, "encoding", None) or "utf-8")
        except OSError:  # no such descriptor: leave the object as inherited
            continue
        own.reconfigure(line_buffering=True, errors="backslashreplace")
        setattr(sys, name, own)


def _write_chunk(codes: list[str]) -> int:
    """Write the pages of ``codes`` in a worker process; how many were written."""
    assert _job is not None, "a page worker that was not started by _start_worker"
    render, folder = _job
    for code in codes:
        _write(render, folder, code)
    return len(codes)
