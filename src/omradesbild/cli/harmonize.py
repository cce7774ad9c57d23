"""``omradesbild harmonize …``: crosswalks between boundary versions and layers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild.cli.common import (
    DbOption,
    Method,
    OutputCsv,
    Period,
    Periods,
    command_group,
    echo_table,
    note_words,
    open_store,
    read_store,
    write_csv,
)
from omradesbild.config import (
    AREA_TYPE_METHOD,
    BASE_VERSION,
    DEFAULT_LEVEL,
    LAYER_MIN_SHARE,
    LOW_COVERAGE,
    NEW_DESO_VERSION,
    POPULATION_VARIABLE,
)
from omradesbild.wording import both

if TYPE_CHECKING:
    from omradesbild.services.harmonize import LayerLinks

app = command_group("Crosswalks between boundary versions and layers, stored and reused.")

#: ``--from-version``: the boundary version the data are published for.
FromVersion = Annotated[str, typer.Option(help="Version the data are published for.")]


@app.command("code-rule")
def code_rule(
    from_version: Annotated[
        str, typer.Option("--from", help="DeSO version linked from.")
    ] = BASE_VERSION,
    to_version: Annotated[
        str, typer.Option("--to", help="DeSO version linked to.")
    ] = NEW_DESO_VERSION,
    population_variable: Annotated[
        str, typer.Option(help="Variable that weights splits (latest period of the new areas).")
    ] = POPULATION_VARIABLE,
    db: DbOption = None,
) -> None:
    """Store DeSO 2018 -> 2025 links by SCB's code rule (same first 8 characters)."""
    from omradesbild.services.harmonize import store_code_rule
    from omradesbild.store.ingest import describe

    with open_store(db) as store:
        reports, parsed = store_code_rule(
            store,
            from_version=from_version,
            to_version=to_version,
            population_variable=population_variable or None,
        )
    for r in reports:
        typer.echo(describe(r))
    typer.echo(f"{parsed.source.title}; {parsed.source.notes}")


@app.command("layer")
def layer(
    level: Annotated[str, typer.Option(help="Level of the target layer, e.g. district.")],
    version: Annotated[
        str, typer.Option(help="Version of the target layer, e.g. stockholm_stadsdelar.")
    ],
    from_level: Annotated[str, typer.Option(help="Level the data are published for.")] = "deso",
    from_version: FromVersion = BASE_VERSION,
    via_code_rule_to: Annotated[
        str | None,
        typer.Option(
            help="Use the polygons of this DeSO version, linked from --from-version by SCB's "
            "code rule (e.g. deso2025 for Göteborg)."
        ),
    ] = None,
    renormalise: Annotated[
        bool,
        typer.Option(
            "--renormalise/--no-renormalise",
            help="Scale each source's weights to sum to 1 (the part outside the layer is "
            "taken to hold nothing, e.g. water).",
        ),
    ] = False,
    min_share: Annotated[
        float, typer.Option(help="Drop links below this share of the source (slivers).")
    ] = LAYER_MIN_SHARE,
    kommun: Annotated[
        list[str] | None,
        typer.Option(
            "--kommun", help="Only source areas in this kommun (code, repeatable), e.g. 0180."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Build and store an areal crosswalk from DeSO to a polygon layer held in the store.

    Afterwards 'indicators compute' and 'index compute' work for --level/--version.
    """
    from omradesbild.services.harmonize import LayerRequest, harmonise_layer
    from omradesbild.store.ingest import describe

    request = LayerRequest(
        level=level, version=version, from_level=from_level, from_version=from_version,
        via_code_rule_to=via_code_rule_to, renormalise=renormalise, min_share=min_share,
        kommuner=tuple(kommun or ()),
    )  # fmt: skip
    with open_store(db) as store:
        res = harmonise_layer(store, request)
    typer.echo(describe(res.report))
    if res.removed:
        typer.echo(
            both("cli_links_replaced", n=res.removed, from_version=from_version, version=version)
        )
    _echo_coverage(res.built, from_version=from_version, version=version)


def _echo_coverage(built: LayerLinks, *, from_version: str, version: str) -> None:
    s = built.summary()
    methods = ", ".join(sorted(set(built.links["method"].astype(str))))
    typer.echo(
        both("cli_links_count", n=s.links, from_version=from_version, version=version,
             methods=methods)
    )  # fmt: skip
    coverage = both(
        "cli_sources_coverage",
        linked=s.sources_linked,
        full=s.sources_fully_covered,
        partly=s.sources_partly_covered,
        lowest=f"{s.min_coverage:.2g}",
        outside=s.sources_outside,
    )
    typer.echo(
        f"{both('cli_source_areas')}: {coverage}"
        + (
            f"; {both('cli_other_kommuner_left_out', n=s.dropped_other_kommun)}"
            if s.dropped_other_kommun
            else ""
        )
    )
    if s.lowest_coverage:
        lowest = ", ".join(f"{k} {v:.2g}" for k, v in s.lowest_coverage.items())
        typer.echo(f"  {both('cli_lowest')}: {lowest}")
    t = s.targets_without_source
    typer.echo(
        f"{both('cli_targets_without_sources')}: {len(t)}"
        + (f" ({', '.join(t[:10])}{' …' if len(t) > 10 else ''})" if t else "")
    )
    for note in built.notes:
        typer.echo(f"  {both('cli_note')}: {note_words(note)}")
    outside = s.sources_mostly_outside
    if s.sources_partly_covered and not built.renormalised:
        first = (
            f" — {both('cli_leave_out_first', n=outside, low=LOW_COVERAGE)}." if outside else "."
        )
        typer.echo(f"{both('cli_warning')}: {both('cli_coverage_incomplete')}{first}")
    if built.renormalised and outside:
        typer.echo(
            f"{both('cli_note')}: {both('cli_renormalise_outside', n=outside, low=LOW_COVERAGE)}"
        )


@app.command("apply")
def apply(
    to_version: Annotated[str, typer.Option(help="Version to harmonise to (stored links).")],
    out: OutputCsv,
    from_version: FromVersion = BASE_VERSION,
    variables: Annotated[
        list[str] | None,
        typer.Option("--variables", "-v", help="Count variable(s); default: every count."),
    ] = None,
    period: Periods = None,
    db: DbOption = None,
) -> None:
    """Write counts harmonised to another version through the stored links (extensive sums)."""
    from omradesbild.services.harmonize import apply_stored_links

    df = read_store(
        db,
        apply_stored_links,
        to_version=to_version,
        from_version=from_version,
        variables=variables,
        periods=period,
    )
    write_csv(df, out)
    typer.echo(
        both(
            "cli_apply_counts",
            areas=df["area_code"].nunique(),
            variables=df["variable"].nunique(),
            periods=df["period"].nunique(),
        )
    )
    unlinked = df.attrs.get("unlinked_areas") or []
    if unlinked:
        typer.echo(
            both("cli_unlinked", n=len(unlinked), from_version=from_version, version=to_version)
        )


@app.command("compare")
def compare(
    level: Annotated[str, typer.Option(help="Level of the layer, e.g. district.")],
    version: Annotated[str, typer.Option(help="Version, e.g. goteborg_primaromraden2025.")],
    attribute: Annotated[str, typer.Option(help="Layer attribute with the other classification.")],
    period: Period,
    method: Method = AREA_TYPE_METHOD,
    reference: Annotated[
        str,
        typer.Option(
            help="Classify against this level's areas (regso = all RegSO in the store, the "
            "national distribution) or 'self' (against the layer's own areas)."
        ),
    ] = DEFAULT_LEVEL,
    higher_is_better: Annotated[
        bool,
        typer.Option(
            "--higher-is-better/--higher-is-worse",
            help="Their class numbers run from most challenged (low) to best off (high).",
        ),
    ] = True,
    unclassified: Annotated[
        list[str] | None,
        typer.Option(help="Their values meaning 'not classified' (default 99)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the per-area table here (CSV).")] = None,
    db: DbOption = None,
) -> None:
    """Cross-table of an index's classes against a classification the layer carries."""
    from omradesbild.index import load_method
    from omradesbild.services.harmonize import compare_with_layer_classes
    from omradesbild.services.pipeline import IndexSelection

    m = load_method(method)
    res = read_store(
        db,
        compare_with_layer_classes,
        selection=IndexSelection(
            m, level, period, version, reference_level=None if reference == "self" else reference
        ),
        attribute=attribute,
        their_higher_is_better=higher_is_better,
        unclassified=unclassified if unclassified is not None else ["99"],
    )
    st = res.agreement
    typer.echo(
        both("cli_compare_head", method=f"{m.id} {m.version}", period=period,
             reference=res.reference, attribute=attribute)
    )  # fmt: skip
    echo_table(res.table, max_rows=100)
    typer.echo(
        both("cli_compare_n", n=st.n, unclassified=st.n_unclassified,
             without=st.n_without_index)
    )  # fmt: skip
    typer.echo(
        both(
            "cli_spearman",
            rho_score=f"{st.spearman_score:.3f}",
            p_score=f"{st.spearman_score_p:.2g}",
            rho_class=f"{st.spearman_class:.3f}",
            p_class=f"{st.spearman_class_p:.2g}",
        )
    )
    if out:
        write_csv(res.per_area, out)
