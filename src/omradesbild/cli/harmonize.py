"""``omradesbild harmonize …``: crosswalks between boundary versions and layers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from omradesbild.cli.common import DbOption, Method, Periods, echo_table, open_store, write_csv
from omradesbild.config import (
    AREA_TYPE_METHOD,
    BASE_VERSION,
    DEFAULT_LEVEL,
    LAYER_MIN_SHARE,
    LOW_COVERAGE,
    NEW_DESO_VERSION,
    POPULATION_VARIABLE,
)

if TYPE_CHECKING:
    from omradesbild.services.harmonize import LayerLinks

app = typer.Typer(
    help="Crosswalks between boundary versions and layers, stored and reused.",
    no_args_is_help=True,
)


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
    from_version: Annotated[
        str, typer.Option(help="Version the data are published for.")
    ] = BASE_VERSION,
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
    from omradesbild.services.harmonize import harmonise_layer
    from omradesbild.store.ingest import describe

    with open_store(db) as store:
        res = harmonise_layer(
            store,
            level=level,
            version=version,
            from_level=from_level,
            from_version=from_version,
            via_code_rule_to=via_code_rule_to,
            renormalise=renormalise,
            min_share=min_share,
            kommuner=kommun,
        )
    typer.echo(describe(res.report))
    if res.removed:
        typer.echo(f"{res.removed} earlier links {from_version} -> {version} replaced")
    _echo_coverage(res.built, from_version=from_version, version=version)


def _echo_coverage(built: LayerLinks, *, from_version: str, version: str) -> None:
    s = built.summary()
    methods = ", ".join(sorted(set(built.links["method"].astype(str))))
    typer.echo(f"{s['links']} links {from_version} -> {version} ({methods})")
    typer.echo(
        f"Källområden / sources: {s['sources_linked']} linked — {s['sources_fully_covered']} "
        f"fully covered, {s['sources_partly_covered']} partly (lowest coverage "
        f"{s['min_coverage']:.2g}); {s['sources_outside']} with polygons outside the layer"
        + (
            f"; {s['dropped_other_kommun']} in other kommuner left out"
            if s["dropped_other_kommun"]
            else ""
        )
    )
    if s["lowest_coverage"]:
        typer.echo(
            "  lowest: " + ", ".join(f"{k} {v:.2g}" for k, v in s["lowest_coverage"].items())
        )
    t = s["targets_without_source"]
    typer.echo(
        f"Målområden / targets without sources: {len(t)}"
        + (f" ({', '.join(t[:10])}{' …' if len(t) > 10 else ''})" if t else "")
    )
    for note in built.notes:
        typer.echo(f"  note: {note}")
    outside = s["sources_mostly_outside"]
    if s["sources_partly_covered"] and not built.renormalised:
        typer.echo(
            "VARNING / WARNING: coverage is incomplete — the parts of partly covered source "
            "areas outside the layer are not allocated, so totals are lower than the sources'. "
            "If those parts hold nothing (water, land outside the city), rerun with "
            "--renormalise"
            + (
                f" — but first leave out the {outside} source areas mostly outside the layer "
                f"(coverage < {LOW_COVERAGE}, e.g. slivers of neighbouring kommuner) with --kommun."
                if outside
                else "."
            )
        )
    if built.renormalised and outside:
        typer.echo(
            f"OBS: {outside} source areas lie mostly outside the layer (coverage < "
            f"{LOW_COVERAGE}) and "
            "--renormalise allocates them in full: right if the rest is water or empty land; "
            "if they belong to neighbouring kommuner, leave them out with --kommun."
        )


@app.command("apply")
def apply(
    to_version: Annotated[str, typer.Option(help="Version to harmonise to (stored links).")],
    out: Annotated[Path, typer.Option(help="Output CSV.")],
    from_version: Annotated[str, typer.Option(help="Version of the data.")] = BASE_VERSION,
    variables: Annotated[
        list[str] | None,
        typer.Option("--variables", "-v", help="Count variable(s); default: every count."),
    ] = None,
    period: Periods = None,
    db: DbOption = None,
) -> None:
    """Write counts harmonised to another version through the stored links (extensive sums)."""
    from omradesbild.services.harmonize import apply_stored_links

    with open_store(db, read_only=True) as store:
        df = apply_stored_links(
            store,
            to_version=to_version,
            from_version=from_version,
            variables=variables,
            periods=period,
        )
    write_csv(df, out)
    typer.echo(
        f"{df['area_code'].nunique()} områden, {df['variable'].nunique()} variabler, "
        f"{df['period'].nunique()} perioder"
    )
    unlinked = df.attrs.get("unlinked_areas") or []
    if unlinked:
        typer.echo(f"{len(unlinked)} {from_version} areas have no link to {to_version} (left out)")


@app.command("compare")
def compare(
    level: Annotated[str, typer.Option(help="Level of the layer, e.g. district.")],
    version: Annotated[str, typer.Option(help="Version, e.g. goteborg_primaromraden2025.")],
    attribute: Annotated[str, typer.Option(help="Layer attribute with the other classification.")],
    period: Annotated[str, typer.Option("--period", "-p", help="Period, e.g. 2022.")],
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

    m = load_method(method)
    with open_store(db, read_only=True) as store:
        res = compare_with_layer_classes(
            store,
            method=m,
            level=level,
            version=version,
            attribute=attribute,
            period=period,
            reference_level=None if reference == "self" else reference,
            their_higher_is_better=higher_is_better,
            unclassified=unclassified if unclassified is not None else ["99"],
        )
    st = res.agreement
    typer.echo(f"{m.id} {m.version} ({period}, classes against {res.reference}) × {attribute}")
    echo_table(res.table, max_rows=100)
    typer.echo(
        f"n = {st.n} areas with both (unclassified: {st.n_unclassified}, "
        f"without index: {st.n_without_index})"
    )
    typer.echo(
        f"Spearman rho, our score vs their challenge order: {st.spearman_score:.3f} "
        f"(p = {st.spearman_score_p:.2g}); our class vs theirs: "
        f"{st.spearman_class:.3f} (p = {st.spearman_class_p:.2g})"
    )
    if out:
        write_csv(res.per_area, out)
