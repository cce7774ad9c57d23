"""Options and helpers shared by the commands.

The command modules import only typer, the standard library and light modules of the
package at import time, so that ``--help`` answers at once; pandas, the store and the
services are imported inside the commands that need them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Concatenate, ParamSpec, TypeVar, get_type_hints

import typer

from omradesbild.cli.usage import App
from omradesbild.config import DB_ENV
from omradesbild.errors import ConfigError
from omradesbild.wording import Message, both, say

if TYPE_CHECKING:
    import pandas as pd

    from omradesbild.store import Store

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="Store file (DuckDB). Default ./omradesbild.duckdb, or $OMRADESBILD_DB.",
        show_default=False,
    ),
]

#: ``--partners-url``: the partners' database.
PartnersUrl = Annotated[
    str | None,
    typer.Option(
        "--partners-url",
        envvar="OMRADESBILD_PARTNERS_URL",
        help="SQLAlchemy URL of the partners' database (default: SQLite beside the store).",
        show_default=False,
    ),
]

#: ``--level``: an area level of the store.
Level = Annotated[
    str, typer.Option(help="deso, regso, district, kommun, country or another stored level.")
]
#: ``--version``: boundary version of the level.
Version = Annotated[
    str | None, typer.Option(help="Boundary version of the level (default: the usual one).")
]
#: ``--period``/``-p``: one period.
Period = Annotated[str, typer.Option("--period", "-p", help="Period, e.g. 2022.")]
#: ``--period``/``-p``, repeatable.
Periods = Annotated[
    list[str] | None, typer.Option("--period", "-p", help="Period(s); default all.")
]
#: ``--indicator``/``-i``, repeatable.
Indicators = Annotated[
    list[str] | None,
    typer.Option("--indicator", "-i", help="Indicator id(s) (repeatable); default all."),
]
#: ``--method``: an index method.
Method = Annotated[str, typer.Option(help="Index method id (see 'index methods') or YAML path.")]
#: ``--method``: an index method with classes (area types).
ClassMethod = Annotated[str, typer.Option(help="Index method with classes (id or YAML path).")]
#: ``--out``: write the full table as CSV.
OutCsv = Annotated[Path | None, typer.Option(help="Write the full table as CSV here.")]
#: ``--out``: the CSV file a command writes (required).
OutputCsv = Annotated[Path, typer.Option(help="Output CSV.")]
#: ``--confidence``.
Confidence = Annotated[float, typer.Option(help="Confidence level of intervals and tests.")]
#: ``--kommun``: one kommun.
Kommun = Annotated[
    str | None, typer.Option("--kommun", help="Only this kommun's areas, e.g. 0180 (Stockholm).")
]
#: ``--threshold``: disclosure control.
DisclosureThreshold = Annotated[
    int,
    typer.Option(
        help="Disclosure threshold T: counts that round to 1 … T-1 are suppressed.", min=1
    ),
]
#: ``--lang``.
Lang = Annotated[str, typer.Option(help="Language of headers and texts: sv or en.")]


def grouped(name: str, group: type[Any]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the fields of the frozen dataclass ``group`` as its last options, and
    hand them to it as one ``group`` object in its parameter ``name``.

    The fields are declared like command parameters (``Annotated`` typer options with
    defaults), so options that always travel together are declared once and reach the
    code as one object; ``--help`` lists them where the parameter ``name`` stands.
    """
    hints = get_type_hints(group, include_extras=True)
    fields = dataclasses.fields(group)

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        params: list[inspect.Parameter] = []
        for p in inspect.signature(command, eval_str=True).parameters.values():
            if p.name != name:
                params.append(p)
                continue
            params += [
                p.replace(name=f.name, default=f.default, annotation=hints[f.name]) for f in fields
            ]

        @functools.wraps(command)
        def run(**kwargs: Any) -> None:
            options = group(**{f.name: kwargs.pop(f.name) for f in fields})
            command(**kwargs, **{name: options})

        return with_parameters(run, params)

    return decorate


def with_parameters(
    command: Callable[..., None], params: Sequence[inspect.Parameter]
) -> Callable[..., None]:
    """``command``, shown to typer with the parameters ``params`` (typer reads both the
    signature and the annotations of a command)."""
    command.__signature__ = inspect.Signature(list(params), return_annotation=None)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command


def command_group(help_text: str) -> typer.Typer:
    """A group of commands that shows its help when called without a command (its usage
    errors worded in both languages: :class:`~omradesbild.cli.usage.App`)."""
    return App(help=help_text, no_args_is_help=True)


@contextlib.contextmanager
def open_store(db: Path | None, *, read_only: bool = False) -> Iterator[Store]:
    """The store the user chose (``--db``, ``$OMRADESBILD_DB`` or the default), open for the
    block and closed after it.

    A store this call creates is removed again when the block fails (a first ingest with a
    bad file leaves no store behind that holds only the schema).
    """
    from omradesbild.store import Store
    from omradesbild.store.store import default_db_path

    path = Path(db) if db is not None else default_db_path()
    new = not read_only and str(path) != ":memory:" and not path.exists()
    try:
        with Store(path, read_only=read_only) as store:
            yield store
    except BaseException:
        if new:
            for leftover in (path, path.with_name(path.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise


_P = ParamSpec("_P")
_T = TypeVar("_T")


def read_store(
    db: Path | None, read: Callable[Concatenate[Store, _P], _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """Open the store read-only, return ``read(store, *args, **kwargs)`` and close the store
    again before anything is printed."""
    with open_store(db, read_only=True) as store:
        return read(store, *args, **kwargs)


#: What a table cell without a value shows on the command line (as on the pages).
MISSING_CELL = "–"


def echo_table(df: pd.DataFrame, *, max_rows: int = 60) -> None:
    """Print a DataFrame as plain text (all columns, at most ``max_rows`` rows).

    A cell without a value shows :data:`MISSING_CELL`, not pandas' ``NaN`` or ``None``, and a
    list in a cell its items joined by commas, not Python's ``['a', 'b']``.
    """
    import pandas as pd

    with pd.option_context(
        "display.max_columns", None, "display.width", 160, "display.max_colwidth", 60
    ):
        if df.empty:  # a worded line, not pandas' "Empty DataFrame / Columns: … / Index: []"
            typer.echo(both("cli_no_rows"))
        elif len(df) > max_rows:
            typer.echo(_cells(df.head(max_rows)).to_string(index=False, na_rep=MISSING_CELL))
            typer.echo(both("cli_more_rows", n=len(df) - max_rows, total=len(df)))
        else:
            typer.echo(_cells(df).to_string(index=False, na_rep=MISSING_CELL))


def cell_text(value: object) -> object:
    """A cell as the command line shows it: a list or tuple as its items joined by commas,
    no value (``None``, ``NaN``, ``NA``) as :data:`MISSING_CELL`, anything else as it is."""
    import numpy as np
    import pandas as pd

    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return ", ".join(str(cell_text(v)) for v in items)
    if isinstance(value, np.ndarray):
        return cell_text(value.tolist())
    if value is None:
        return MISSING_CELL
    if isinstance(value, float | np.floating) or value is pd.NA or value is pd.NaT:
        return MISSING_CELL if pd.isna(value) else value
    return value


def with_mask_symbol(shown: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """``shown`` with each cell ``hidden`` marks (:func:`~omradesbild.reports.disclosure.
    suppressed_cells`) written as the suppression symbol ``..``, as every published table
    writes it, where an empty cell would read as "no value"."""
    from omradesbild.reports.disclosure import MASK_SYMBOL

    out = shown.copy()
    for c in hidden.columns:
        if c in out.columns and bool(hidden[c].any()):
            col = out[c].astype(object)
            col[hidden[c].reindex(out.index, fill_value=False).to_numpy(dtype=bool)] = MASK_SYMBOL
            out[c] = col
    return out


def _cells(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its text columns' cells as :func:`cell_text` shows them (numeric columns
    keep their type, so that pandas aligns them; their missing values get ``na_rep``)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(cell_text)
    return out


def write_csv(df: pd.DataFrame, out: Path, what: str | None = None) -> None:
    """Write a table as CSV and say so; an unwritable path is one clear error."""
    try:
        df.to_csv(out, index=False)
    except OSError as exc:
        raise ConfigError(both("err_svc_csv_unwritable", path=out, error=exc.strerror)) from exc
    prefix = f"{what}: " if what else ""
    typer.echo(prefix + both("cli_rows_written", n=len(df), path=out))


def echo_notes(notes: Sequence[str]) -> None:
    """Print notes, one per line; a :class:`~omradesbild.wording.Message` in Swedish and
    English (``svenska / English``), any other note as it is."""
    for n in notes:
        typer.echo(f"{both('cli_note')}: {note_words(n)}")


def note_words(note: str) -> str:
    """A note as the CLI prints it: a :class:`~omradesbild.wording.Message` in Swedish and
    English (``svenska / English``), any other note as it is."""
    return f"{say(note, 'sv')} / {note}" if isinstance(note, Message) else note


def rounded(
    df: pd.DataFrame, digits: int = 2, *, decimals: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """A copy of ``df`` rounded for display as the pages and the downloads round it
    (:func:`omradesbild.precision.round_display`: each indicator's precision, whole
    counts, halves away from zero); other numbers to ``digits``, a column in ``decimals``
    to its own."""
    from omradesbild.precision import round_display

    return round_display(df, digits, decimals=decimals)
