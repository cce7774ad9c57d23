"""``omradesbild followup …`` (change, trend, transitions, police, crime) and ``goals status``.

A thin layer over :mod:`omradesbild.services.followup`: read options, call the workflow,
print a readable summary and write the full table(s) as CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from omradesbild.cli.common import DbOption, echo_table, open_store
from omradesbild.errors import ConfigError

if TYPE_CHECKING:
    from omradesbild.services.followup import PoliceAnalysis

app = typer.Typer(
    help=(
        "Följa upp över tid / follow-up over time: change with tests, trends, area-type "
        "transitions, the Police's list against area types, reported crime."
    ),
    no_args_is_help=True,
)
goals_app = typer.Typer(
    help="Mål / goals: status of a goal file (e.g. the kommunfullmäktige's targets).",
    no_args_is_help=True,
)

Level = Annotated[str, typer.Option(help="deso, regso, district, kommun or another stored level.")]
Version = Annotated[
    str | None, typer.Option(help="Boundary version of the level (default: the usual one).")
]
Indicators = Annotated[
    list[str] | None,
    typer.Option("--indicator", "-i", help="Indicator id(s) (repeatable); default all."),
]
Out = Annotated[Path | None, typer.Option(help="Write the full table as CSV here.")]
Confidence = Annotated[float, typer.Option(help="Confidence level of intervals and tests.")]


IncludeIncomplete = Annotated[
    bool,
    typer.Option(
        "--include-incomplete",
        help="Keep offence years the extract does not cover completely or mostly could not "
        "place in a DeSO (default: left out).",
    ),
]


def _sibling(out: Path, suffix: str) -> Path:
    return out.with_name(f"{out.stem}_{suffix}{out.suffix or '.csv'}")


def _write(df: pd.DataFrame, out: Path, what: str) -> None:
    try:
        df.to_csv(out, index=False)
    except OSError as exc:
        raise ConfigError(f"{out}: cannot write the CSV ({exc.strerror})") from exc
    typer.echo(f"{what}: {len(df)} rader skrivna till / rows written to {out}")


def _notes(notes: list[str]) -> None:
    for n in notes:
        typer.echo(f"OBS: {n}")


def _fmt_frame(df: pd.DataFrame, digits: int = 2) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out


# ------------------------------------------------------------------------------ change


@app.command("change")
def change(
    period_from: Annotated[str, typer.Option("--from", help="First period, e.g. 2018.")],
    period_to: Annotated[str, typer.Option("--to", help="Second period, e.g. 2024.")],
    level: Level = "regso",
    version: Version = None,
    indicator: Indicators = None,
    confidence: Confidence = 0.95,
    include_incomplete: IncludeIncomplete = False,
    out: Out = None,
    db: DbOption = None,
) -> None:
    """Change of indicators between two periods, with a 95 % interval and a test per area,
    next to the change in the kommun and in the country. Crime rates are left out when
    either year is one the offence extract does not cover, unless --include-incomplete.

    diff = value(--to) − value(--from); shares are tested with a two-proportion z-test,
    rates with an exact conditional (binomial) test; medians get no test. 'change' is
    improving / worsening (by the indicator's direction) when significant.
    """
    from omradesbild.services.levels import change_table

    with open_store(db, read_only=True) as store:
        df = change_table(
            store,
            level=level,
            period_from=period_from,
            period_to=period_to,
            indicators=indicator,
            version=version,
            confidence=confidence,
            include_incomplete=include_incomplete,
        )
    typer.echo(f"Förändring / change {period_from} → {period_to}, {level}, {len(df)} rader:")
    summary = (
        df.assign(change=df["change"].fillna("not tested"))
        .groupby(["indicator", "change"])
        .size()
        .unstack(fill_value=0)
        .reset_index()
    )
    echo_table(summary, max_rows=100)
    kcols = ["indicator", "kommun_code", "kommun_from", "kommun_to", "kommun_diff"]
    kom = df[[*kcols, "kommun_change"]].dropna(subset=["kommun_code"]).drop_duplicates()
    if len(kom):
        typer.echo("\nKommunen / the kommun:")
        echo_table(_fmt_frame(kom), max_rows=20)
    ccols = ["indicator", "country_from", "country_to", "country_diff", "country_change"]
    typer.echo("\nRiket (alla områden i databasen) / country (every area in the store):")
    echo_table(_fmt_frame(df[ccols].drop_duplicates("indicator")))
    cols = [
        "area_code", "indicator", "value_from", "value_to", "diff", "diff_ci_low",
        "diff_ci_high", "p_value", "change", "kommun_diff", "country_diff", "vs_kommun",
    ]  # fmt: skip
    sig = df.loc[df["significant"].fillna(False).astype(bool)]
    if out:
        _write(df, out, "Förändring / change")
    else:
        typer.echo("\nSignifikanta förändringar / significant changes:")
        echo_table(_fmt_frame(sig[[c for c in cols if c in sig]]), max_rows=40)


@app.command("trend")
def trend(
    level: Level = "regso",
    version: Version = None,
    indicator: Indicators = None,
    period_from: Annotated[
        str | None, typer.Option("--from", help="First period (default: the first stored).")
    ] = None,
    period_to: Annotated[
        str | None, typer.Option("--to", help="Last period (default: the last stored).")
    ] = None,
    weighted: Annotated[
        bool, typer.Option(help="Weight periods by their denominators (WLS).")
    ] = True,
    confidence: Confidence = 0.95,
    include_incomplete: IncludeIncomplete = False,
    out: Out = None,
    db: DbOption = None,
) -> None:
    """Linear trend per year of each indicator in each area, with an interval; direction is
    improving / worsening / stable / undetermined (fewer than 3 periods). Offence years the
    extract does not cover are left out of crime rates unless --include-incomplete."""
    from omradesbild.services.levels import trend_table

    with open_store(db, read_only=True) as store:
        df = trend_table(
            store,
            level=level,
            indicators=indicator,
            period_from=period_from,
            period_to=period_to,
            version=version,
            weighted=weighted,
            confidence=confidence,
            include_incomplete=include_incomplete,
        )
    if df.empty:
        typer.echo("Inga värden / no values in the chosen periods.")
        return
    first, last = df["period_first"].min(), df["period_last"].max()
    typer.echo(f"Trend {first}–{last}, {level}, {len(df)} serier / series:")
    summary = df.groupby(["indicator", "direction"]).size().unstack(fill_value=0).reset_index()
    echo_table(summary, max_rows=100)
    if out:
        _write(df, out, "Trend")
    else:
        cols = ["area_code", "indicator", "n_periods", "slope", "slope_ci_low", "slope_ci_high"]
        echo_table(_fmt_frame(df[[*cols, "direction"]], 3), max_rows=40)


# ------------------------------------------------------------------------------ transitions


@app.command("transitions")
def transitions(
    period_from: Annotated[str, typer.Option("--from", help="Base period, e.g. 2012.")],
    period_to: Annotated[str, typer.Option("--to", help="Later period, e.g. 2024.")],
    method: Annotated[
        str, typer.Option(help="Index method with classes (id or YAML path).")
    ] = "scb-omradestyp",
    level: Level = "regso",
    version: Version = None,
    anchored: Annotated[
        bool,
        typer.Option(
            "--anchored",
            help="Also show classes anchored at --from (its cut points kept for --to).",
        ),
    ] = False,
    out: Annotated[
        Path | None, typer.Option(help="Write each area's move (relative and anchored) here.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Transition matrix of area types (classes) from --from to --to.

    Relative classes compare each period with its own distribution (an area can change
    type because others changed); anchored classes use the cut points of --from for both
    periods, so they change only when the area's own score crosses a fixed cut.
    """
    from omradesbild.services.followup import transitions as run

    with open_store(db, read_only=True) as store:
        tr = run(
            store,
            method=method,
            level=level,
            period_from=period_from,
            period_to=period_to,
            version=version,
        )
    print_transitions(tr.matrix_relative, tr.moves, "relativa / relative", "")
    if anchored:
        typer.echo("")
        print_transitions(
            tr.matrix_anchored,
            tr.moves,
            f"förankrade i {tr.period_from} / anchored at {tr.period_from}",
            "_anchored",
        )
        differs = int((tr.classes["differs"] & (tr.classes["period"] == tr.period_to)).sum())
        typer.echo(
            f"{differs} områden har olika klass relativt och förankrat i {tr.period_to} / "
            f"areas whose relative and anchored classes differ in {tr.period_to}"
        )
    if out:
        _write(tr.moves, out, "Förflyttningar / moves")


def print_transitions(matrix: pd.DataFrame, moves: pd.DataFrame, title: str, suffix: str) -> None:
    """Print a transition matrix with the number of areas moving up, down or staying."""
    p_from = moves["period_from"].iloc[0] if len(moves) else "?"
    p_to = moves["period_to"].iloc[0] if len(moves) else "?"
    typer.echo(f"Övergångar / transitions {p_from} (rader/rows) → {p_to} (kolumner), {title}:")
    typer.echo(matrix.to_string())
    mv = moves[f"movement{suffix}"].value_counts()
    typer.echo(
        f"upp/up (bättre) {int(mv.get('up', 0))}, ned/down (sämre) {int(mv.get('down', 0))}, "
        f"samma/same {int(mv.get('same', 0))}"
    )


# ------------------------------------------------------------------------------ police


@app.command("police")
def police(
    period: Annotated[str, typer.Option(help="Period of the area types, e.g. 2022.")],
    police_year: Annotated[str, typer.Option(help="Year of the Police's list, e.g. 2023.")],
    level: Annotated[str, typer.Option(help="deso or regso (or a level linked to DeSO).")] = (
        "deso"
    ),
    version: Version = None,
    threshold: Annotated[
        float,
        typer.Option(help="Share of residents (or surface) inside police polygons to count."),
    ] = 0.5,
    method: Annotated[str, typer.Option(help="Area-type method.")] = "scb-omradestyp",
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the cross-tab here; flags and overlay go to <name>_flags.csv and "
            "<name>_overlay.csv beside it."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """The Police's list (stored polygons) against SCB's area types.

    Overlays the police polygons of --police-year (and earlier stored years, for the
    'left the list' flag) on the DeSO polygons in the store (RegSO: DeSO aggregated over
    SCB's key, population-weighted), cross-tabulates police category × area type and flags
    (a) left the list but still type 1–2, (b) type 1–2 never listed, (c) listed but type
    3–5. Only areas with polygons are analysed; their area types are computed against
    every area of the level in the store.
    """
    from omradesbild.services.followup import police_analysis

    with open_store(db, read_only=True) as store:
        res = police_analysis(
            store,
            level=level,
            period=period,
            police_year=police_year,
            threshold=threshold,
            version=version,
            method=method,
        )
    print_police(res)
    if out:
        _write(res.crosstab, out, "Korstabell / cross-tab")
        _write(res.flags, _sibling(out, "flags"), "Flaggor / flags")
        _write(res.overlay, _sibling(out, "overlay"), "Överlägg / overlay")


def print_police(res: PoliceAnalysis) -> None:
    """Print a :class:`~omradesbild.services.followup.PoliceAnalysis`."""
    from omradesbild.services.followup import crosstab_wide

    y = res.police_year
    typer.echo(
        f"Polisens lista {y} mot områdestyper {res.period} ({res.level}); "
        f"analyserade områden / areas analysed: {res.n_areas_covered} av {res.n_areas} "
        f"(de med polygoner / those with polygons)."
    )
    typer.echo(
        f"Polisområden {y} som täcks / police areas of {y} covered: "
        f"{res.n_polygons_matched} av {res.n_polygons}; polisår / police years: "
        f"{', '.join(res.police_years)}"
    )
    _notes(res.notes)
    typer.echo("\nAntal områden / number of areas (kategori × områdestyp):")
    echo_table(crosstab_wide(res.crosstab, y))
    if res.crosstab["population"].notna().any():
        typer.echo("\nInvånare / residents:")
        echo_table(crosstab_wide(res.crosstab, y, value="population").round(0))
    print_flags(res.flags, y)


_FLAG_TEXT = {
    "left_list_still_vulnerable": "(a) lämnat listan men typ 1–2 / left the list, still type 1–2",
    "vulnerable_never_listed": "(b) typ 1–2, aldrig listat / type 1–2, never listed",
    "listed_not_vulnerable": "(c) listat men typ 3–5 / listed but type 3–5",
}


def print_flags(flags: pd.DataFrame, year: str, *, max_rows: int = 30) -> None:
    """Print the flag counts and flagged areas of one police year."""
    now = flags.loc[flags["period"].astype(str) == str(year)]
    typer.echo(f"\nFlaggor / flags {year}:")
    for key, text in _FLAG_TEXT.items():
        typer.echo(f"  {text:<66} {int(now[key].sum()):>4}")
    flagged = now.loc[now["flag"].notna(), ["area_code", "area_type", "category", "flag"]]
    if len(flagged):
        echo_table(flagged, max_rows=max_rows)


# ------------------------------------------------------------------------------ crime


@app.command("crime")
def crime(
    level: Level = "deso",
    version: Version = None,
    offence: Annotated[
        list[str] | None,
        typer.Option("--offence", help="Brottskod(er), e.g. 1211 (repeatable); default all."),
    ] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="First year.")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Last year.")] = None,
    include_incomplete: IncludeIncomplete = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write counts and rates here (under-reporting to <name>_underreporting.csv)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Reported offences per area and year: counts and rates per 1 000 residents.

    Rates divide by pop_total of the same year, or of the nearest year with a population
    (flagged population_other_year). Years the extract does not cover completely or mostly
    could not place in a DeSO are left out (see 'followup crime-coverage'); a rate is
    reliable only with enough offences. Where the level has safety-survey data, a rough
    under-reporting signal is added, with its caveats.
    """
    from omradesbild.services.crime import crime_table

    with open_store(db, read_only=True) as store:
        res = crime_table(
            store,
            level=level,
            offences=offence,
            period_from=period_from,
            period_to=period_to,
            version=version,
            include_incomplete=include_incomplete,
        )
    r = res.rates
    per_year = r.groupby(["offence", "period"]).agg(
        areas=("area_code", "size"),
        count=("count", "sum"),
        population=("population", "sum"),
        population_other_year=("population_other_year", "any"),
    )
    per_year["rate_per_1000"] = 1000 * per_year["count"] / per_year["population"]
    if "not_geocoded" in r.columns:
        per_year["not_geocoded"] = r.groupby(["offence", "period"])["not_geocoded"].sum()
    typer.echo(
        f"Anmälda brott / reported offences per {level} och år (summa över områdena / "
        "sum over the areas):"
    )
    echo_table(_fmt_frame(per_year.reset_index()), max_rows=120)
    _notes(res.notes)
    typer.echo(
        "OBS: endast anmälda brott; mörkertal finns / only reported offences, "
        "under-reporting applies."
    )
    if res.underreporting is not None:
        u = res.underreporting
        typer.echo("\nUnderrapporteringssignal / under-reporting signal (högst relativ kvot):")
        cols = ["area_code", "period", "victimised_pct", "reported_per_1000", "ratio"]
        top = u.sort_values("relative_ratio", ascending=False, na_position="last")
        echo_table(_fmt_frame(top[[*cols, "relative_ratio"]]), max_rows=15)
    if out:
        _write(r, out, "Brott / offences")
        if res.underreporting is not None:
            _write(res.underreporting, _sibling(out, "underreporting"), "Underrapportering")
    else:
        cols = ["area_code", "period", "offence", "count", "population", "rate_per_1000"]
        top = r.loc[r["count"] > 0].sort_values("rate_per_1000", ascending=False)
        typer.echo("\nHögst tal / highest rates:")
        echo_table(
            _fmt_frame(top[[*cols, "ci_low", "ci_high", "population_other_year"]]), max_rows=20
        )


@app.command("crime-coverage")
def crime_coverage(db: DbOption = None) -> None:
    """What the ingested offence extracts cover, per offence code and year: reports, share
    geocoded to a DeSO, the extract's registration dates, and whether the year is usable."""
    from omradesbild.services.crime import crime_coverage as coverage

    with open_store(db, read_only=True) as store:
        df = coverage(store)
    if df.empty:
        typer.echo("Inga brottsuttag / no offence extracts ingested ('omradesbild ingest crime').")
        return
    cols = ["offence_code", "period", "reports", "geocoded_share", "extract_last_registration"]
    echo_table(_fmt_frame(df[[*cols, "complete", "usable", "note"]]), max_rows=200)


# ------------------------------------------------------------------------------ goals


@goals_app.command("status")
def goals_status(
    file: Annotated[
        Path | None, typer.Option("--file", help="Goal file (YAML); default the example.")
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(help="Level of area types and gaps (default: each goal's own, e.g. regso)."),
    ] = None,
    classes: Annotated[
        str,
        typer.Option(
            help="auto (anchored for counts of area types, relative for gaps), anchored or "
            "relative."
        ),
    ] = "auto",
    confidence: Confidence = 0.95,
    language: Annotated[str, typer.Option(help="sv or en (goal titles).")] = "sv",
    out: Out = None,
    db: DbOption = None,
) -> None:
    """Status of each goal: history from the store, linear projection to the target year
    with a 95 % prediction interval, and whether it is on track."""
    from omradesbild.services.followup import goals_status as run

    if classes not in ("auto", "anchored", "relative"):
        raise ConfigError(f"--classes must be auto, anchored or relative, got {classes!r}")
    if language not in ("sv", "en"):
        raise ConfigError(f"--language must be sv or en, got {language!r}")
    with open_store(db, read_only=True) as store:
        res = run(
            store,
            file,
            level=level,
            classes=classes,  # type: ignore[arg-type]
            confidence=confidence,
            language=language,  # type: ignore[arg-type]
        )
    print_goals(res.status, res.histories)
    _notes(res.notes)
    if out:
        _write(res.status, out, "Målstatus / goal status")


def print_goals(status: pd.DataFrame, histories: dict[str, pd.DataFrame] | None = None) -> None:
    """Print goal statuses as a table, then each goal's reasoning (and history)."""
    cols = [
        "goal_id", "base_year", "base", "current_period", "current", "target_year", "target",
        "projection", "projection_low", "projection_high", "status",
    ]  # fmt: skip
    echo_table(_fmt_frame(status[cols]))
    for row in status.itertuples(index=False):
        gid = str(row.goal_id)
        typer.echo(f"\n{gid}: {row.title}")
        if histories is not None and gid in histories:
            h = histories[gid]
            pts = ", ".join(f"{p}: {v:.3g}" for p, v in zip(h["period"], h["value"], strict=True))
            typer.echo(f"  historik / history: {pts}")
        typer.echo(f"  {row.reasoning}")


# ------------------------------------------------------------------------------ demo


def print_demo_followup(results: dict[str, pd.DataFrame]) -> None:
    """Print the follow-up part of the demo (see
    :func:`omradesbild.services.followup.demo_followup`)."""
    moves = results["transitions_moves"]
    typer.echo("\nUppföljning / follow-up — områdestyper (SCB-metod) för stadens RegSO:")
    for key, title, suffix in (
        ("transitions_relative", "relativa / relative", ""),
        ("transitions_anchored", "förankrade i första året / anchored at the first year",
         "_anchored"),
    ):  # fmt: skip
        typer.echo("")
        print_transitions(results[key].set_index("class_from"), moves, title, suffix)
    flags = results["police_flags"]
    cross = results["police_crosstab"]
    year = str(cross["period"].iloc[0])
    typer.echo(f"\nPolisens lista / the Police's list {year} × områdestyp (RegSO):")
    echo_table(cross.drop(columns="period"))
    typer.echo(f"\nFlaggor / flags {year}:")
    for key, text in _FLAG_TEXT.items():
        n = int(flags[key].sum()) if key in flags else 0
        typer.echo(f"  {text:<66} {n:>4}")
    if len(flags):
        echo_table(flags[["area_code", "area_type", "category", "flag"]])
    typer.echo("\nMål / goals (goals_example.yaml):")
    print_goals(results["goals_status"])
