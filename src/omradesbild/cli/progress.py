"""A progress bar for long work: on stderr, only on a terminal, never with ``--quiet``.

Commands pass the callback of :func:`progress` (``tick(done, total)``) down to the work;
stdout stays clean for data, and output that is not a terminal (a pipe, a file, a test)
gets no bar. rich is imported only when a bar is drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

#: ``(done, total)``: how far the work has come.
ProgressFn = Callable[[int, int], None]

#: ``--quiet``/``-q``: no progress bar.
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="No progress bar (one is drawn on stderr only on a terminal)."
    ),
]


def _silent(done: int, total: int) -> None:
    """Ignore progress."""


def progress_enabled(*, quiet: bool = False, console: Console | None = None) -> bool:
    """Whether a bar is drawn: not ``quiet`` and stderr (or ``console``) is a terminal."""
    if quiet:
        return False
    if console is not None:
        return console.is_terminal
    return sys.stderr.isatty()


@contextmanager
def progress(
    description: str,
    *,
    total: int | None = None,
    quiet: bool = False,
    console: Console | None = None,
) -> Iterator[ProgressFn]:
    """A callback ``tick(done, total)`` drawing a bar while the block runs.

    Parameters
    ----------
    description
        What is being done, shown left of the bar.
    total
        Steps in all, if known before the first tick.
    quiet
        Draw nothing (``--quiet``).
    console
        Where to draw (default: a rich console on stderr); the bar is drawn only when it is a
        terminal.

    Yields
    ------
    ProgressFn
        The callback; a no-op when no bar is drawn.
    """
    if not progress_enabled(quiet=quiet, console=console):
        yield _silent
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=console or Console(stderr=True)) as bar:
        task = bar.add_task(description, total=total)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick
