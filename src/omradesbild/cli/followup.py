"""``omradesbild followup …`` (change, trend, transitions, police, crime) and ``goals status``.

A thin layer over :mod:`omradesbild.services.followup`: read options, call the service,
print a readable summary and write the full table(s) as CSV.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild.cli.common import (
    MISSING_CELL,
    ClassMethod,
    Confidence,
    DbOption,
    DisclosureThreshold,
    Indicators,
    Kommun,
    Level,
    OutCsv,
    Version,
    command_group,
    echo_notes,
    echo_table,
    read_store,
    rounded,
    with_mask_symbol,
    write_csv,
)
from omradesbild.config import (
    AREA_TYPE_METHOD,
    DEFAULT_CONFIDENCE,
    DEFAULT_LEVEL,
    DISCLOSURE_THRESHOLD,
    POLICE_SHARE_THRESHOLD,
)
from omradesbild.errors import ConfigError
from omradesbild.wording import both, label_message

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from omradesbild.services.followup import PoliceAnalysis
    from omradesbild.services.models import GoalSkipped

app = command_group(
    "Följa upp över tid / follow-up over time: change with tests, trends, area-type "
    "transitions, the Police's list against area types, reported crime."
)
goals_app = command_group(
    "Mål / goals: status of a goal file (e.g. the kommunfullmäktige's targets)."
)

FromPeriod = Annotated[str, typer.Option("--from", help="First period, e.g. 2018.")]
ToPeriod = Annotated[str, typer.Option("--to", help="Second period, e.g. 2024.")]
FromFirst = Annotated[
    str | None, typer.Option("--from", help="First period (default: the first stored).")
]
ToLast = Annotated[str | None, typer.Option("--to", help="Last period (default: the last stored).")]


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


# ------------------------------------------------------------------------------ change


@app.command("change")
def change(
    period_from: FromPeriod,
    period_to: ToPeriod,
    level: Level = DEFAULT_LEVEL,
    version: Version = None,
    indicator: Indicators = None,
    kommun: Kommun = None,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    include_incomplete: IncludeIncomplete = False,
    out: OutCsv = None,
    db: DbOption = None,
) -> None:
    """Change of indicators between two periods, with a 95 % interval and a test per area,
    next to the change in the kommun and in the country. Crime rates are left out when
    either year is one the offence extract does not cover, unless --include-incomplete.

    diff = value(--to) − value(--from); shares are tested with a two-proportion z-test,
    rates with an exact conditional (binomial) test; medians get no test. 'change' is
    improving / worsening (by the indicator's direction) when significant.
    """
    from omradesbild.services.followup import summarise_change
    from omradesbild.services.levels import change_table

    df = read_store(
        db,
        change_table,
        level=level,
        period_from=period_from,
        period_to=period_to,
        indicators=indicator,
        version=version,
        confidence=confidence,
        kommun=kommun,
        include_incomplete=include_incomplete,
    )
    s = summarise_change(df)
    head = dict(start=period_from, end=period_to, level=label_message("level", level), n=len(df))
    if kommun:
        typer.echo(both("cli_change_head_kommun", kommun=kommun, **head) + ":")
    else:
        typer.echo(both("cli_change_head", **head) + ":")
    echo_table(s.counts, max_rows=100)
    if len(s.kommun):
        typer.echo(f"\n{both('cli_kommun')}:")
        echo_table(rounded(s.kommun), max_rows=20)
    typer.echo(f"\n{both('cli_country_all')}:")
    echo_table(rounded(s.country))
    if out:
        write_csv(df, out, both("cli_change"))
    else:
        typer.echo(f"\n{both('cli_significant_changes')}:")
        echo_table(rounded(s.significant), max_rows=40)


@app.command("trend")
def trend(
    level: Level = DEFAULT_LEVEL,
    version: Version = None,
    indicator: Indicators = None,
    period_from: FromFirst = None,
    period_to: ToLast = None,
    weighted: Annotated[
        bool, typer.Option(help="Weight periods by their denominators (WLS).")
    ] = True,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    include_incomplete: IncludeIncomplete = False,
    out: OutCsv = None,
    db: DbOption = None,
) -> None:
    """Linear trend per year of each indicator in each area, with an interval; direction is
    improving / worsening / stable / undetermined (fewer than 3 periods). Offence years the
    extract does not cover are left out of crime rates unless --include-incomplete."""
    from omradesbild.services.followup import trend_counts
    from omradesbild.services.levels import trend_table

    df = read_store(
        db,
        trend_table,
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
        typer.echo(both("cli_no_values"))
        return
    first, last = df["period_first"].min(), df["period_last"].max()
    lv = label_message("level", level)
    typer.echo(both("cli_trend_head", first=first, last=last, level=lv, n=len(df)) + ":")
    echo_table(trend_counts(df), max_rows=100)
    if out:
        write_csv(df, out, both("cli_trend"))
    else:
        cols = ["area_code", "area_name", "indicator", "n_periods", "slope", "slope_ci_low"]
        cols += ["slope_ci_high", "direction"]
        echo_table(rounded(df[[c for c in cols if c in df.columns]], 3), max_rows=40)


# ------------------------------------------------------------------------------ transitions


@app.command("transitions")
def transitions(
    period_from: Annotated[str, typer.Option("--from", help="Base period, e.g. 2012.")],
    period_to: Annotated[str, typer.Option("--to", help="Later period, e.g. 2024.")],
    method: ClassMethod = AREA_TYPE_METHOD,
    level: Level = DEFAULT_LEVEL,
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
    published: Annotated[
        bool,
        typer.Option(
            "--published", help="Follow SCB/Delmos's published types (ingest scb-omradestyp)."
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Transition matrix of area types (classes) from --from to --to.

    Relative classes compare each period with its own distribution (an area can change
    type because others changed); anchored classes use the cut points of --from for both
    periods, so they change only when the area's own score crosses a fixed cut. With
    --published, the transitions of SCB/Delmos's published types instead.
    """
    if published:
        from omradesbild.cli.official import print_published_transitions

        moves = print_published_transitions(period_from, period_to, db)
        if out:
            write_csv(moves, out, both("cli_moves"))
        return
    from omradesbild.services.followup import transitions as run

    tr = read_store(
        db,
        run,
        method=method,
        level=level,
        period_from=period_from,
        period_to=period_to,
        version=version,
    )
    print_transitions(tr.matrix_relative, tr.moves, both("cli_relative"), "")
    if anchored:
        typer.echo("")
        print_transitions(
            tr.matrix_anchored,
            tr.moves,
            both("cli_anchored_at", period=tr.period_from),
            "_anchored",
        )
        typer.echo(both("cli_classes_differ", n=tr.n_differ, period=tr.period_to))
    if out:
        write_csv(tr.moves, out, both("cli_moves"))


def print_transitions(matrix: pd.DataFrame, moves: pd.DataFrame, title: str, suffix: str) -> None:
    """Print a transition matrix with the number of areas moving up, down or staying."""
    p_from = moves["period_from"].iloc[0] if len(moves) else "?"
    p_to = moves["period_to"].iloc[0] if len(moves) else "?"
    typer.echo(f"{both('cli_transitions', start=p_from, end=p_to)}, {title}:")
    typer.echo(matrix.to_string())
    mv = moves[f"movement{suffix}"].value_counts()
    counts = {k: int(mv.get(k, 0)) for k in ("up", "down", "same")}
    typer.echo(both("cli_movements", **counts))


# ------------------------------------------------------------------------------ police


@app.command("police")
def police(
    period: Annotated[str, typer.Option(help="Period of the area types, e.g. 2022.")],
    police_year: Annotated[str, typer.Option(help="Year of the Police's list, e.g. 2023.")],
    level: Annotated[str, typer.Option(help="deso or regso (or a level linked to DeSO).")] = "deso",
    version: Version = None,
    threshold: Annotated[
        float,
        typer.Option(help="Share of residents inside police polygons (or linked codes) to count."),
    ] = POLICE_SHARE_THRESHOLD,
    method: ClassMethod = AREA_TYPE_METHOD,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write the cross-tab here; flags and overlay go to <name>_flags.csv and "
            "<name>_overlay.csv beside it."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """The Police's list (polygons, or a list linked to area codes) against SCB's area types.

    An area is listed in a police year when at least --threshold of its residents live
    inside that year's police polygons (DeSO residents spread over each DeSO's surface; a
    layer with its own polygons cuts the DeSO by them), or, for a list without polygons,
    in the area codes it names. Every stored year up to --police-year is placed (for the
    'left the list' flag); a year that cannot decide an area says so ('not_known'), as
    does a share resting on surface alone near the threshold. Cross-tabulates police
    category × area type and flags (a) left the list but still type 1–2, (b) type 1–2 on
    no stored list, (c) listed but type 3–5. Area types are computed against every area of
    the level in the store. The rule: docs/followup.md.
    """
    from omradesbild.services.followup import police_analysis

    res = read_store(
        db,
        police_analysis,
        level=level,
        period=period,
        police_year=police_year,
        threshold=threshold,
        version=version,
        method=method,
    )
    print_police(res)
    if out:
        write_csv(res.crosstab, out, both("cli_crosstab"))
        write_csv(res.flags, _sibling(out, "flags"), both("cli_flags"))
        write_csv(res.overlay, _sibling(out, "overlay"), both("cli_overlay"))


def print_police(res: PoliceAnalysis) -> None:
    """Print a :class:`~omradesbild.services.followup.PoliceAnalysis`."""
    from omradesbild.services.followup import crosstab_wide

    y = res.police_year
    n, m = res.n_areas_covered, res.n_areas
    k, placed = res.n_police_areas, res.n_police_areas_placed
    if res.year_basis == "links":
        analysed = both("cli_areas_analysed_links", n=n, m=m)
        covered = both("cli_police_entries_linked", year=y, n=placed, m=k)
    else:
        analysed = both("cli_areas_analysed", n=n, m=m)
        covered = both("cli_police_areas_covered", year=y, n=placed, m=k)
    lv = label_message("level", res.level)
    typer.echo(f"{both('cli_police_vs_types', year=y, period=res.period, level=lv)}; {analysed}")
    typer.echo(f"{covered}; {both('cli_police_years')}: {', '.join(res.police_years)}")
    echo_notes(res.notes)
    typer.echo(f"\n{both('cli_n_areas_by_category')}:")
    echo_table(crosstab_wide(res.crosstab, y))
    if res.crosstab["population"].notna().any():
        typer.echo(f"\n{both('cli_residents')}:")
        echo_table(rounded(crosstab_wide(res.crosstab, y, value="population"), 0))
    print_flags(res.flags, y)


def _flag_text() -> dict[str, str]:
    """The flags of the Police's list as printed, lettered (a)–(c) (wording: ``flag_<key>``)."""
    return {
        key: f"({letter}) {both(f'flag_{key}')}"
        for letter, key in zip(
            "abc",
            ("left_list_still_vulnerable", "vulnerable_never_listed", "listed_not_vulnerable"),
            strict=True,
        )
    }


def print_flags(
    flags: pd.DataFrame, year: str, *, max_rows: int = 30, only_year: bool = True
) -> None:
    """Print the flag counts and flagged areas of one police year.

    ``only_year=False`` counts every row of ``flags`` (already restricted to the year).
    """
    from omradesbild.services.followup import deciding_years, flag_counts, flagged_areas

    typer.echo(f"\n{both('cli_flags')} {year}:")
    flag_text = _flag_text()
    stored = deciding_years(flags, year if only_year else None, flag="vulnerable_never_listed")
    years = " | ".join(stored or [year])
    b_text = both("flag_vulnerable_not_on_stored_list", years=years)
    if len(stored) > 1:
        b_text = both("flag_vulnerable_not_on_deciding_list", years=years)
    for key, n in flag_counts(flags, year if only_year else None).items():
        label = flag_text[key]
        if key == "vulnerable_never_listed":
            label = f"(b) {b_text}"
        typer.echo(f"  {label:<66} {n:>4}")
    flagged = flagged_areas(flags, year if only_year else None)
    letters = {k: t.split(" ", 1)[0] for k, t in flag_text.items()}
    flagged = flagged.assign(flag=flagged["flag"].map(letters).fillna(flagged["flag"]))
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
    threshold: DisclosureThreshold = DISCLOSURE_THRESHOLD,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write counts and rates here (under-reporting to <name>_underreporting.csv)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Reported offences per area and year: counts and rates per 1 000 residents.

    Small counts (of offences or residents, 1 … T-1 with T = --threshold) are suppressed,
    with the rates computed from them, as on the web: '..' in the tables, an empty cell and
    masked/mask_reason columns in the CSV; --threshold 1 suppresses nothing.

    Rates divide by pop_total of the same year, or of the nearest year with a population
    (flagged population_other_year). Years the extract does not cover completely or mostly
    could not place in a DeSO are left out (see 'followup crime-coverage'); a rate is
    reliable only with enough residents as well as enough offences, as on the web and in the
    reports. Where the level has safety-survey data, a rough
    under-reporting signal is added, with its caveats.
    """
    from omradesbild.reports.disclosure import suppressed_cells
    from omradesbild.services.followup import (
        crime_per_year,
        crime_table,
        disclosed_crime,
        highest_rates,
    )

    res = read_store(
        db,
        crime_table,
        level=level,
        offences=offence,
        period_from=period_from,
        period_to=period_to,
        version=version,
        include_incomplete=include_incomplete,
    )
    typer.echo(f"{both('cli_reported_offences', level=label_message('level', level))}:")
    per_year = crime_per_year(res.rates)
    shown = disclosed_crime(per_year, threshold=threshold)
    echo_table(with_mask_symbol(rounded(shown), suppressed_cells(per_year, shown)), max_rows=120)
    echo_notes(res.notes)
    typer.echo(both("cli_only_reported"))
    if res.underreporting is not None:
        u = res.underreporting
        typer.echo(f"\n{both('cli_underreporting_signal')}:")
        cols = ["area_code", "area_name", "period", "victimised_pct", "reported_per_1000"]
        cols += ["ratio", "relative_ratio"]
        top = u.sort_values("relative_ratio", ascending=False, na_position="last")
        echo_table(rounded(top[[c for c in cols if c in top.columns]]), max_rows=15)
    rates = disclosed_crime(res.rates, threshold=threshold)
    if out:
        write_csv(rates, out, both("cli_offences"))
        if res.underreporting is not None:
            path = _sibling(out, "underreporting")
            write_csv(res.underreporting, path, both("cli_underreporting"))
    else:
        typer.echo(f"\n{both('cli_highest_rates')}:")
        echo_table(rounded(highest_rates(rates)), max_rows=20)


@app.command("crime-coverage")
def crime_coverage(db: DbOption = None) -> None:
    """What the ingested offence extracts cover, per offence code and year: reports, share
    geocoded to a DeSO, the extract's registration dates, and whether the year is usable."""
    from omradesbild.services.crime import coverage_note_texts
    from omradesbild.services.crime import crime_coverage as coverage

    df = read_store(db, coverage)
    if df.empty:
        typer.echo(both("cli_no_crime_extracts"))
        return
    df["note"] = coverage_note_texts(df)
    cols = ["offence_code", "period", "reports", "geocoded_share", "extract_last_registration"]
    echo_table(rounded(df[[*cols, "complete", "usable", "note"]]), max_rows=200)


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
    kommun: Kommun = None,
    confidence: Confidence = DEFAULT_CONFIDENCE,
    language: Annotated[str, typer.Option(help="sv or en (goal titles).")] = "sv",
    out: OutCsv = None,
    db: DbOption = None,
) -> None:
    """Status of each goal: history from the store, linear projection to the target year
    with a 95 % prediction interval, and whether it is on track.

    With --kommun, counts of areas and gaps use only that kommun's areas (area types still
    against every area of the level) and police counts only its police areas.
    """
    from omradesbild.services.followup import goals_status as run

    if classes not in ("auto", "anchored", "relative"):
        allowed = "auto, anchored, relative"
        raise ConfigError(
            both("err_option_choice", option="--classes", allowed=allowed, value=repr(classes))
        )
    if language not in ("sv", "en"):
        raise ConfigError(
            both("err_option_choice", option="--language", allowed="sv, en", value=repr(language))
        )
    res = read_store(
        db,
        run,
        file,
        level=level,
        classes=classes,  # type: ignore[arg-type]
        confidence=confidence,
        language=language,  # type: ignore[arg-type]
        kommun=kommun,
    )
    print_goals(res.status, res.histories)
    print_skipped_goals(res.skipped)
    if out:
        write_csv(res.status, out, both("cli_goal_status"))


#: Columns of the goal status table printed by :func:`print_goals`, in order.
GOAL_COLUMNS: tuple[str, ...] = (
    "goal_id", "base_year", "base_period", "base", "current_period", "current", "target_year",
    "target", "projection", "projection_low", "projection_high", "status",
)  # fmt: skip


def print_goals(status: pd.DataFrame, histories: dict[str, pd.DataFrame] | None = None) -> None:
    """Print goal statuses as a table, then each goal's reasoning (and history)."""
    from omradesbild.rounding import round_half_away_number

    # Each goal's figures at its decimals (as the goals page shows them).
    by_goal = status.attrs.get("decimals", {})
    ids = status["goal_id"].astype(str)

    def per_row(field: str) -> pd.Series:
        return ids.map(lambda g: getattr(by_goal[g], field) if g in by_goal else 2)

    observed, target, projection = (per_row(f) for f in ("observed", "target", "projection"))
    decimals = {"base": observed, "current": observed, "target": target}
    decimals |= {c: projection for c in ("projection", "projection_low", "projection_high")}
    echo_table(rounded(status[list(GOAL_COLUMNS)], decimals=decimals))
    for row in status.itertuples(index=False):
        gid = str(row.goal_id)
        typer.echo(f"\n{gid}: {row.title}")
        if histories is not None and gid in histories:
            h = histories[gid]  # each value at the goal's decimals, as in the table above
            d = getattr(by_goal[gid], "observed", 2) if gid in by_goal else 2
            pts = ", ".join(
                f"{p}: {round_half_away_number(float(v), d):.{d}f}"
                for p, v in zip(h["period"], h["value"], strict=True)
            )
            typer.echo(f"  {both('cli_history')}: {pts or MISSING_CELL}")
        typer.echo(f"  {row.reasoning}")


def print_skipped_goals(skipped: Sequence[GoalSkipped]) -> None:
    """Print the goals that cannot be followed up on the data, each with the reason (as
    the web's goals page and the report list them)."""
    if not skipped:
        return
    typer.echo(f"\n{both('goals_skipped')}:")
    for s in skipped:
        typer.echo(f"\n{s.goal_id}: {s.title}\n  {s.reason}")


# ------------------------------------------------------------------------------ demo


def print_demo_followup(results: dict[str, pd.DataFrame]) -> None:
    """Print the follow-up part of the demo (see
    :func:`omradesbild.services.followup.demo_followup`)."""
    moves = results["transitions_moves"]
    typer.echo(f"\n{both('cli_followup_types')}:")
    for key, title, suffix in (
        ("transitions_relative", both("cli_relative"), ""),
        ("transitions_anchored", both("cli_anchored_first"), "_anchored"),
    ):  # fmt: skip
        typer.echo("")
        print_transitions(results[key].set_index("class_from"), moves, title, suffix)
    cross = results["police_crosstab"]
    year = str(cross["period"].iloc[0])
    typer.echo(f"\n{both('cli_police_list_types', year=year)}:")
    echo_table(cross.drop(columns="period"))
    print_flags(results["police_flags"], year, max_rows=60, only_year=False)
    typer.echo(f"\n{both('cli_goals')} (goals_example.yaml):")
    print_goals(results["goals_status"])
