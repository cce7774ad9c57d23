"""``omradesbild indicators …`` and ``omradesbild index …``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from omradesbild.cli.common import (
    DbOption,
    DisclosureThreshold,
    Indicators,
    Level,
    OutputCsv,
    Periods,
    Version,
    cell_text,
    command_group,
    echo_notes,
    echo_table,
    open_store,
    with_mask_symbol,
    write_csv,
)
from omradesbild.cli.progress import Quiet, progress
from omradesbild.config import DEFAULT_LEVEL, DISCLOSURE_THRESHOLD
from omradesbild.errors import ConfigError
from omradesbild.wording import both

indicators_app = command_group(
    "The indicator catalogue, and indicators computed from counts at any level."
)
index_app = command_group(
    "Composite indices from versioned method files (SCB area types, SVI, IMD, crime)."
)


@indicators_app.command("list")
def indicators_list(
    domain: Annotated[str | None, typer.Option(help="Only this domain, e.g. arbete.")] = None,
) -> None:
    """List the indicators: id, name, domain, unit, direction."""
    import pandas as pd

    from omradesbild.indicators import default_catalogue

    df = pd.DataFrame(default_catalogue().to_frame_records())
    if domain:
        domains = sorted(df["domain"].astype(str).unique())
        if domain not in domains:  # an error naming the domains, not an empty table
            allowed = ", ".join(domains)
            raise ConfigError(
                both("err_option_choice", option="--domain", allowed=allowed, value=repr(domain))
            )
        df = df[df["domain"] == domain]
    cols = [c for c in ("id", "name_sv", "domain", "unit", "direction") if c in df.columns]
    echo_table(df[cols], max_rows=200)


@indicators_app.command("show")
def indicators_show(indicator: Annotated[str, typer.Argument(help="Indicator id.")]) -> None:
    """Show one indicator's full definition (numerator, denominator, base, threshold …)."""
    from omradesbild.indicators import default_catalogue

    ind = default_catalogue().get(indicator)
    for key, value in ind.model_dump().items():  # a list as its items, no value as '–'
        typer.echo(f"{key:>24}: {cell_text(value)}")
    typer.echo(f"{both('cli_numerator_text'):>24}: {ind.numerator_text}")
    typer.echo(f"{both('cli_denominator_text'):>24}: {ind.denominator_text}")


@indicators_app.command("compute")
def indicators_compute(
    level: Level = "deso",
    version: Version = None,
    period: Periods = None,
    indicator: Indicators = None,
    smooth: Annotated[bool, typer.Option(help="Add empirical-Bayes smoothed rates.")] = False,
    threshold: DisclosureThreshold = DISCLOSURE_THRESHOLD,
    out: Annotated[Path | None, typer.Option(help="Write CSV here.")] = None,
    db: DbOption = None,
) -> None:
    """Compute indicators with 95 % intervals and reliability flags from the store.

    Small counts (1 … T-1 with T = --threshold) are suppressed, with what is computed from
    them, as in every export: '..' in the table, an empty cell and masked/mask_reason
    columns in the CSV; --threshold 1 suppresses nothing.
    """
    from omradesbild.reports.disclosure import suppressed_cells
    from omradesbild.services.level import disclose
    from omradesbild.services.pipeline import indicator_table

    with open_store(db, read_only=True) as store:
        raw = indicator_table(
            store, level=level, version=version, periods=period, indicators=indicator, smooth=smooth
        )
    df = disclose(raw, threshold)
    if out:
        write_csv(df, out)
    else:  # as the pages show them: each indicator's precision (the CSV keeps every digit)
        from omradesbild.precision import round_indicator_rows

        echo_table(with_mask_symbol(round_indicator_rows(df), suppressed_cells(raw, df)))


@index_app.command("methods")
def index_methods() -> None:
    """List the shipped index methods."""
    from omradesbild.services.index import method_list

    echo_table(method_list())


@index_app.command("show")
def index_show(
    method: Annotated[str, typer.Argument(help="Method id or path to a method YAML file.")],
) -> None:
    """Show a method file's full, validated content."""
    from omradesbild.index import load_method

    m = load_method(method)
    typer.echo(json.dumps(m.model_dump(mode="json"), ensure_ascii=False, indent=2))


@index_app.command("compute")
def index_compute(
    method: Annotated[
        str, typer.Option(help="Method id (see 'index methods') or path to a method YAML.")
    ],
    out: OutputCsv,
    level: Level = DEFAULT_LEVEL,
    version: Version = None,
    period: Annotated[
        str | None, typer.Option("--period", "-p", help="Period, e.g. 2022 (store mode).")
    ] = None,
    table: Annotated[
        Path | None,
        typer.Option(help="Compute on a plain wide CSV instead of the store (one row per area)."),
    ] = None,
    id_column: Annotated[str, typer.Option(help="Id column of --table.")] = "area_code",
    uncertainty: Annotated[
        int,
        typer.Option(
            min=0,
            help="Monte-Carlo draws for rank intervals and class probabilities (0 = none).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the Monte-Carlo draws.")] = 0,
    reference: Annotated[
        str,
        typer.Option(
            help="Classify against the level's own areas ('self', default) or every area of "
            "another level, e.g. regso (all RegSO in the store: the national distribution, "
            "as 'harmonize compare')."
        ),
    ] = "self",
    sensitivity: Annotated[
        str | None,
        typer.Option(
            help="Add a sensitivity analysis to the draws: weights, normalisation or both "
            "(comma-separated). A method with a fixed formula (scb-omradestyp) otherwise "
            "draws only the indicators' sampling error."
        ),
    ] = None,
    db: DbOption = None,
    quiet: Quiet = False,
) -> None:
    """Compute an index: from the store (--level, --period) or from a wide CSV (--table).

    Store mode writes area_code, area_name (and the kommun), period, score, rank, the class
    (area_type for SCB's area types), the component indicators with their reliability, and
    the fallback used, if any, named as the stand-in it is (fallback_label_sv/_en).
    The reference column names what the classes were computed against ("riket", "staden
    Stockholm" …); SCB's type names are used only against the whole country, other classes
    are named "relativt staden: klass 1" … Table mode writes the id column, one column per
    theme, score, rank and class.
    """
    from omradesbild.index import load_method
    from omradesbild.index.uncertainty import check_sensitivity
    from omradesbild.services.index import index_from_store, index_from_table
    from omradesbild.services.pipeline import IndexSelection

    m = load_method(method)
    sens = check_sensitivity([p for p in (sensitivity or "").split(",") if p.strip()])
    if table is not None:
        with progress("Monte-Carlo", quiet=quiet or not uncertainty) as tick:
            run = index_from_table(
                table, method=m, id_column=id_column, draws=uncertainty, seed=seed,
                sensitivity=sens, progress=tick,
            )  # fmt: skip
        if run.uncertainty:
            _print_mc(run.uncertainty, out)
        write_csv(run.table, out, f"{m.id} {m.version}")
        echo_notes(run.table.attrs.get("notes", []))
        return
    if period is None:
        raise ConfigError(both("err_period_needed"))
    mc_bar = progress("Monte-Carlo", quiet=quiet or not uncertainty)
    with open_store(db, read_only=True) as store, mc_bar as tick:
        selection = IndexSelection(
            m, level, period, version, reference_level=None if reference == "self" else reference
        )
        run = index_from_store(
            store, selection, draws=uncertainty, seed=seed, sensitivity=sens, progress=tick
        )
    if run.uncertainty:
        _print_mc(run.uncertainty, out)
    write_csv(run.table, out, f"{m.id} {m.version} ({level}, {period})")
    if "reference" in run.table.columns and len(run.table):
        label = run.table.attrs.get("reference_message", run.table["reference"].iloc[0])
        typer.echo(both("cli_reference", reference=label))
    dist = run.class_counts()
    if len(dist):
        typer.echo(
            f"{both('cli_distribution')}: " + ", ".join(f"{k}: {v}" for k, v in dist.items())
        )
    if run.fallback_used:
        typer.echo(f"{both('cli_fallback_used')}: {run.fallback_used}")
        for lang in ("sv", "en"):
            typer.echo(f"  {run.fallback_label(lang) or run.fallback_used}")


def _print_mc(summary: dict[str, object], out: Path) -> None:
    """Print the uncertainty summary and write it next to ``out`` (``<stem>.uncertainty.json``)."""
    share = summary.get("share_robust_class")
    width = summary.get("median_rank_interval_90")
    perturbed = summary.get("perturbed")
    drawn = ", ".join(map(str, perturbed)) if isinstance(perturbed, list) and perturbed else "–"
    typer.echo(
        both(
            "cli_uncertainty",
            draws=summary.get("draws"),
            drawn=drawn,
            share=_pct(share),
            modal=_pct(summary.get("share_modal_equals_class")),
            width=f"{width:.0f}" if isinstance(width, float) else "–",
        )
    )
    sens = summary.get("sensitivity")
    if isinstance(sens, list) and sens:
        typer.echo(both("cli_sensitivity_included", what=", ".join(map(str, sens))))
    counts = summary.get("class_counts")
    if isinstance(counts, list) and counts:
        typer.echo(both("cli_class_counts"))
        for row in counts:
            typer.echo(f"  {row['class']}: {row['observed']}, {row['expected']:.1f}")
    path = out.with_name(out.stem + ".uncertainty.json")
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), "utf-8")
    typer.echo(f"{both('cli_summary')}: {path}")


def _pct(value: object) -> str:
    return f"{100 * value:.1f} %" if isinstance(value, float) else "–"
