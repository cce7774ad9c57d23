"""``omradesbild cache``: the results kept between commands (``OMRADESBILD_CACHE_DIR``)."""

from __future__ import annotations

import typer

from omradesbild.cli.usage import App
from omradesbild.wording import both

app = App(
    help="Results kept between commands (OMRADESBILD_CACHE_DIR; see docs/store.md).",
    no_args_is_help=True,
)


@app.command("clear")
def clear() -> None:
    """Remove every result kept between commands (the next commands compute them again).

    Only the folder's results/ is emptied: other caches beside it (the live clients' HTTP
    cache) are left as they are.
    """
    from omradesbild.services.disk_cache import clear as clear_kept
    from omradesbild.services.disk_cache import results_dir

    folder = results_dir()
    if folder is None:
        typer.echo(both("cli_cache_off"))
        return
    typer.echo(both("cli_cache_cleared", n=clear_kept(), folder=str(folder)))
