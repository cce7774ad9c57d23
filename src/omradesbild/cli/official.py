"""SCB/Delmos's published area types: ``ingest scb-omradestyp`` and ``index compare-official``.

Importing this module registers the two commands on the ``ingest`` and ``index`` apps.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild.cli.analysis import index_app
from omradesbild.cli.common import ClassMethod, DbOption, echo_notes, open_store
from omradesbild.cli.ingest import Files
from omradesbild.cli.ingest import app as ingest_app
from omradesbild.config import AREA_TYPE_METHOD, UNCERTAINTY_DRAWS
from omradesbild.wording import both

if TYPE_CHECKING:
    import pandas as pd

#: How many unmatched names are printed (all are counted).
MAX_LISTED = 25


@ingest_app.command("scb-omradestyp")
def ingest_scb_omradestyp(files: Files, db: DbOption = None) -> None:
    """SCB/Delmos's published områdestyp per RegSO (Statistikdatabasen CSV export).

    Rows "Kommun (RegSO-namn)", one column per year, footnotes below. Rows are matched to
    RegSO codes through SCB's key (ingest scb-key first); every row is matched or listed
    as unmatched. Stored as the classification series scb_omradestyp_published.
    """
    from omradesbild.services.official import ingest_published_types
    from omradesbild.store.ingest import describe

    with open_store(db) as store:
        results = ingest_published_types(store, files)
    for found, report in results:
        typer.echo(describe(report))
        n_matched = found.n_rows - len(found.unmatched_rows)
        rows = both(
            "cli_published_rows",
            years=", ".join(found.years),
            rows=found.n_rows,
            matched=n_matched,
            unmatched=len(found.unmatched_rows),
            missing=found.missing_values,
        )
        typer.echo(f"  {rows}")
        for u in found.unmatched_rows[:MAX_LISTED]:
            typer.echo(f"  {both('cli_unmatched_row', row=u.row)}: {u.name} ({u.reason})")
        if found.missing_regso:
            typer.echo(f"  {both('cli_regso_not_in_file', n=len(found.missing_regso))}:")
            for u in found.missing_regso[:MAX_LISTED]:
                typer.echo(f"    {u.name}")
        hidden = max(0, len(found.unmatched_rows) - MAX_LISTED) + max(
            0, len(found.missing_regso) - MAX_LISTED
        )
        if hidden:
            typer.echo(f"  {both('cli_and_more', n=hidden)}")


@index_app.command("compare-official")
def compare_official(
    period: Annotated[str, typer.Option("--period", "-p", help="Period of our index, e.g. 2022.")],
    out: Annotated[Path, typer.Option(help="Output CSV (one row per RegSO).")],
    method: ClassMethod = AREA_TYPE_METHOD,
    level: Annotated[str, typer.Option(help="Level (SCB publishes RegSO only).")] = "regso",
    official_period: Annotated[
        str | None,
        typer.Option(help="Year of the published types (default: --period), e.g. 2023."),
    ] = None,
    draws: Annotated[
        int, typer.Option(min=0, help="Monte-Carlo draws for robust_class (0 = none).")
    ] = UNCERTAINTY_DRAWS,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 0,
    db: DbOption = None,
) -> None:
    """Our area types next to SCB/Delmos's published ones, with agreement and robustness.

    Writes area_code, area_name, area_type, official_type, agree, robust_class and prints
    the agreement, the confusion table (rows ours, columns SCB's) and how many
    disagreements are flagged not robust.
    """
    from omradesbild.services.official import compare_official as run

    with open_store(db, read_only=True) as store:
        res = run(
            store,
            period=period,
            official_period=official_period,
            method=method,
            level=level,
            draws=draws,
            seed=seed,
        )
    res.table.to_csv(out, index=False)
    echo_notes(res.notes)
    pct = f"{100 * res.agreement:.1f}"
    typer.echo(both("cli_agreement", n=res.n_agree, m=res.n_compared, pct=pct))
    typer.echo(f"{both('cli_confusion')} ({both('cli_confusion_axes')}):")
    typer.echo(res.confusion.to_string())
    n_dis = res.n_compared - res.n_agree
    if res.n_disagree_with_robustness:
        typer.echo(both("cli_not_robust", n=n_dis, k=res.n_disagree_not_robust))
    typer.echo(both("cli_rows_written", n=len(res.table), path=out))


def print_published_transitions(period_from: str, period_to: str, db: Path | None) -> pd.DataFrame:
    """``followup transitions --published``: print the transitions of SCB's published types.

    Returns each RegSO's move (for ``--out``).
    """
    from omradesbild.cli.followup import print_transitions
    from omradesbild.services.official import published_transitions

    with open_store(db, read_only=True) as store:
        tr = published_transitions(store, period_from=period_from, period_to=period_to)
    print_transitions(tr.matrix, tr.moves, both("cli_published_types"), "")
    return tr.moves
