"""``omradesbild indicators …`` and ``omradesbild index …``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from omradesbild.cli.common import DbOption, echo_table, open_store
from omradesbild.errors import ConfigError, InputError
from omradesbild.wording import both

indicators_app = typer.Typer(
    help="The indicator catalogue, and indicators computed from counts at any level.",
    no_args_is_help=True,
)
index_app = typer.Typer(
    help="Composite indices from versioned method files (SCB area types, SVI, IMD, crime).",
    no_args_is_help=True,
)

Level = Annotated[
    str, typer.Option(help="deso, regso, district, kommun, country or another stored level.")
]
Version = Annotated[
    str | None, typer.Option(help="Boundary version of the level (default: the usual one).")
]


@indicators_app.command("list")
def indicators_list(
    domain: Annotated[str | None, typer.Option(help="Only this domain, e.g. arbete.")] = None,
) -> None:
    """List the indicators: id, name, domain, unit, direction."""
    from omradesbild.indicators import default_catalogue

    df = pd.DataFrame(default_catalogue().to_frame_records())
    if domain:
        df = df[df["domain"] == domain]
    cols = [c for c in ("id", "name_sv", "domain", "unit", "direction") if c in df.columns]
    echo_table(df[cols], max_rows=200)


@indicators_app.command("show")
def indicators_show(indicator: Annotated[str, typer.Argument(help="Indicator id.")]) -> None:
    """Show one indicator's full definition (numerator, denominator, base, threshold …)."""
    from omradesbild.indicators import default_catalogue

    ind = default_catalogue().get(indicator)
    for key, value in ind.model_dump().items():
        typer.echo(f"{key:>24}: {value}")
    typer.echo(f"{'numerator (text)':>24}: {ind.numerator_text}")
    typer.echo(f"{'denominator (text)':>24}: {ind.denominator_text}")


@indicators_app.command("compute")
def indicators_compute(
    level: Level = "deso",
    version: Version = None,
    period: Annotated[
        list[str] | None, typer.Option("--period", "-p", help="Period(s); default all.")
    ] = None,
    indicator: Annotated[
        list[str] | None, typer.Option("--indicator", "-i", help="Indicator id(s); default all.")
    ] = None,
    smooth: Annotated[bool, typer.Option(help="Add empirical-Bayes smoothed rates.")] = False,
    out: Annotated[Path | None, typer.Option(help="Write CSV here.")] = None,
    db: DbOption = None,
) -> None:
    """Compute indicators with 95 % intervals and reliability flags from the store."""
    from omradesbild.services.pipeline import area_indicators

    with open_store(db, read_only=True) as store:
        df = area_indicators(
            store, level=level, version=version, periods=period, indicators=indicator, smooth=smooth
        )
    if out:
        df.to_csv(out, index=False)
        typer.echo(f"{len(df)} rader skrivna till {out}")
    else:
        echo_table(df)


@index_app.command("methods")
def index_methods() -> None:
    """List the shipped index methods."""
    from omradesbild.index import load_method, shipped_methods

    rows = []
    for m in shipped_methods():
        meth = load_method(m)
        rows.append(
            {
                "id": meth.id,
                "version": meth.version,
                "picture": meth.picture,
                "title": meth.title_sv,
            }
        )
    echo_table(pd.DataFrame(rows))


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
    out: Annotated[Path, typer.Option(help="Output CSV.")],
    level: Level = "regso",
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
            help="Monte-Carlo draws for rank intervals and class probabilities (0 = none)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the Monte-Carlo draws.")] = 0,
    db: DbOption = None,
) -> None:
    """Compute an index: from the store (--level, --period) or from a wide CSV (--table).

    Store mode writes area_code, period, score, rank, the class (area_type for SCB's area
    types), the component indicators with their reliability, and the fallback used, if any.
    Table mode writes the id column, one column per theme, score, rank and class.
    """
    from omradesbild.index import compute_index, load_method

    m = load_method(method)
    if table is not None:
        if not table.exists():
            raise InputError("file not found", file=table, expected="an existing CSV file")
        try:
            df = pd.read_csv(table, dtype={id_column: str})
        except (ValueError, pd.errors.ParserError) as exc:
            raise InputError(f"cannot read CSV: {exc}", file=table, expected="a CSV file") from None
        if id_column not in df.columns:
            raise InputError(
                f"no column {id_column!r}; columns are {list(df.columns)}",
                file=table,
                field=id_column,
                expected="the id column named by --id-column",
            )
        result = compute_index(df, method=m, id_column=id_column)
        if uncertainty:
            from omradesbild.index.uncertainty import monte_carlo

            mc_t, summary_t = monte_carlo(
                df, method=m, id_column=id_column, draws=uncertainty, seed=seed
            )
            result = _merge_mc(result, mc_t, id_column)
            _print_mc(summary_t)
        result.to_csv(out, index=False)
        typer.echo(f"{m.id} {m.version}: {len(result)} rader skrivna till {out}")
        return
    if period is None:
        raise ConfigError("--period is needed when computing from the store (or give --table)")
    from omradesbild.services.pipeline import area_index, area_index_uncertainty

    with open_store(db, read_only=True) as store:
        result = area_index(store, method=m, level=level, version=version, period=period)
        mc: pd.DataFrame | None = None
        summary: dict[str, object] = {}
        if uncertainty:
            mc, summary = area_index_uncertainty(
                store,
                method=m,
                level=level,
                version=version,
                period=period,
                draws=uncertainty,
                seed=seed,
            )
    out_df = store_index_output(result, m.id)
    if mc is not None:
        out_df = _merge_mc(out_df, mc, "area_code")
        _print_mc(summary)
    out_df.to_csv(out, index=False)
    typer.echo(f"{m.id} {m.version}: {len(out_df)} områden ({level}, {period}) skrivna till {out}")
    if "area_type" in out_df.columns or "class" in out_df.columns:
        col = "area_type" if "area_type" in out_df.columns else "class"
        dist = out_df[col].value_counts(dropna=False).sort_index()
        typer.echo(
            both("cli_distribution") + ": " + ", ".join(f"{k}: {v}" for k, v in dist.items())
        )
    fb = out_df.get("fallback_used")
    if fb is not None and fb.notna().any():
        typer.echo(f"{both('cli_fallback_used')}: {fb.dropna().iloc[0]}")


def store_index_output(result: pd.DataFrame, method_id: str) -> pd.DataFrame:
    """Order and name the columns of a store-mode index result."""
    df = result.rename(columns={"class": "area_type"} if method_id == "scb-omradestyp" else {})
    first = [c for c in ("area_code", "period", "score", "rank", "area_type", "class") if c in df]
    rest = [c for c in df.columns if c not in first]
    return df[first + rest]


def _merge_mc(result: pd.DataFrame, mc: pd.DataFrame, id_column: str) -> pd.DataFrame:
    keep = [c for c in mc.columns if c.startswith(("rank_p", "rank_median", "prob_class_"))]
    keep += [c for c in ("modal_class", "robust_class") if c in mc.columns]
    return result.merge(mc[[id_column, *keep]], on=id_column, how="left")


def _print_mc(summary: dict[str, object]) -> None:
    share = summary.get("share_robust_class")
    width = summary.get("median_rank_interval_90")
    typer.echo(both("cli_uncertainty", draws=summary.get("draws"), share=share, width=width))
