"""Store-backed glue for ``omradesbild harmonize``: build, store and reuse layer crosswalks.

:func:`build_layer_links` builds the links from a source version (DeSO 2018) to any polygon
layer held in the store with :func:`~omradesbild.harmonize.apply.harmonise_to_layer` and
summarises their coverage; :func:`store_layer_links` writes them so that indicators and
indices can be computed for the layer; :func:`apply_stored_links` moves stored counts through
them. :func:`compare_with_layer_classes` sets an index's classes against a classification
the layer carries (e.g. Göteborg's own socioeconomic area classes) with the pure measures of
:mod:`omradesbild.measures.agreement`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from omradesbild.config import (
    BASE_VERSION,
    DEFAULT_LEVEL,
    FULL_COVERAGE,
    LAYER_MIN_SHARE,
    LOW_COVERAGE,
    NEW_DESO_VERSION,
    POPULATION_VARIABLE,
)
from omradesbild.errors import ConfigError, InputError, NotFoundError
from omradesbild.measures.agreement import (
    Agreement,
    classification_agreement,
    compare_classifications,
)
from omradesbild.sources.base import (
    AREA_COLUMNS,
    LINK_COLUMNS,
    Areas,
    SourceMeta,
    bytes_checksum,
    empty_frame,
)

if TYPE_CHECKING:
    from omradesbild.index.method import IndexMethod
    from omradesbild.store import Store
    from omradesbild.store.store import IngestReport

__all__ = [
    "FULL_COVERAGE",
    "LOW_COVERAGE",
    "LayerComparison",
    "LayerLinks",
    "StoredLayerLinks",
    "apply_stored_links",
    "build_layer_links",
    "compare_with_layer_classes",
    "harmonise_layer",
    "is_count_unit",
    "layer_attribute",
    "layer_index",
    "layer_links_source",
    "require_layer",
    "store_code_rule",
    "store_layer_links",
    "stored_layers",
]


# --------------------------------------------------------------------------- store lookups


def stored_layers(store: Store) -> pd.DataFrame:
    """Level, version, number of areas and of areas with a geometry, for every stored layer."""
    return store.con.execute(
        "SELECT level, version, count(*) AS n, count(geometry) AS with_geometry "
        "FROM areas GROUP BY ALL ORDER BY level, version"
    ).df()


def _layers_text(layers: pd.DataFrame) -> str:
    return ", ".join(
        f"{lv}/{v} ({n} areas, {g} with geometry)"
        for lv, v, n, g in layers[["level", "version", "n", "with_geometry"]].itertuples(
            index=False
        )
    )


def require_layer(store: Store, level: str, version: str, *, geometry: bool = False) -> None:
    """Raise a :class:`NotFoundError` listing the stored layers when ``level/version`` is absent.

    With ``geometry``, the layer must also have polygons in the store.
    """
    layers = stored_layers(store)
    row = layers[(layers["level"] == level) & (layers["version"] == version)]
    if row.empty:
        import difflib

        close = difflib.get_close_matches(version, layers["version"].astype(str).tolist(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise NotFoundError(
            f"the store holds no {level} areas of version {version!r}{hint}; stored layers: "
            + (_layers_text(layers) or "none")
            + ". Ingest the layer with 'omradesbild ingest boundaries <file>'"
        )
    if geometry and int(row["with_geometry"].iloc[0]) == 0:
        with_geo = layers[layers["with_geometry"] > 0]
        raise NotFoundError(
            f"the {level} layer {version!r} has no geometries in the store (it came from a "
            "key or a list); layers with geometry: "
            + (_layers_text(with_geo) or "none")
            + ". Ingest its boundary file with 'omradesbild ingest boundaries <file>'"
        )


@dataclass
class LayerLinks:
    """Links from a source version to a layer, with their coverage.

    Attributes
    ----------
    links
        :data:`~omradesbild.sources.base.LINK_COLUMNS`, ready to be stored.
    coverage
        Geometric coverage :math:`\\sum_j w_{ij}` of every linked source area (before any
        renormalisation), indexed by source code.
    sources_outside
        Source areas with a polygon that overlaps no target (or only below ``min_share``).
    targets_without_source
        Target areas that no source reaches.
    dropped_kommun
        Linked source areas left out because they lie in other kommuner than asked for.
    renormalised
        Whether the weights were renormalised to sum to 1 per source.
    notes
        Notes of the crosswalk (reprojection, repairs).
    """

    links: pd.DataFrame
    coverage: pd.Series
    sources_outside: list[str] = field(default_factory=list)
    targets_without_source: list[str] = field(default_factory=list)
    dropped_kommun: list[str] = field(default_factory=list)
    renormalised: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Numbers for the report: links, sources fully/partly covered, targets unreached."""
        cov = self.coverage
        partly = cov[cov < FULL_COVERAGE]
        return {
            "links": len(self.links),
            "sources_linked": len(cov),
            "sources_fully_covered": int((cov >= FULL_COVERAGE).sum()),
            "sources_partly_covered": len(partly),
            "sources_mostly_outside": int((cov < LOW_COVERAGE).sum()),
            "min_coverage": float(cov.min()) if len(cov) else float("nan"),
            "lowest_coverage": {str(k): float(v) for k, v in partly.nsmallest(5).items()},
            "sources_outside": len(self.sources_outside),
            "targets_without_source": list(self.targets_without_source),
            "dropped_other_kommun": len(self.dropped_kommun),
        }


def build_layer_links(
    store: Store,
    *,
    level: str,
    version: str,
    from_level: str = "deso",
    from_version: str = BASE_VERSION,
    via_code_rule_to: str | None = None,
    renormalise: bool = False,
    min_share: float = LAYER_MIN_SHARE,
    kommuner: Sequence[str] | None = None,
) -> LayerLinks:
    r"""Areal links from ``from_version`` to the polygon layer ``level/version`` of a store.

    Parameters
    ----------
    store
        An open store holding both layers' polygons (with ``via_code_rule_to``: that
        version's polygons and the ``from_version`` codes).
    level, version
        The target layer, e.g. ``district`` / ``stockholm_stadsdelar``.
    from_level, from_version
        The areas the data are published for.
    via_code_rule_to
        Polygons of this DeSO version stand in for ``from_version``'s, linked by SCB's code
        rule (see :func:`~omradesbild.harmonize.apply.harmonise_to_layer`).
    renormalise, min_share
        As in :func:`~omradesbild.harmonize.areal.build_crosswalk`.
    kommuner
        Keep only source areas in these kommuner (first four characters of the code), e.g.
        ``["0180"]``: neighbouring areas touching the layer with slivers are left out.

    Returns
    -------
    LayerLinks

    Notes
    -----
    The coverage of source :math:`i` is :math:`\sum_j w_{ij}` of the plain areal links
    (with the code rule: of the composed links). With ``renormalise`` the stored weight is
    :math:`w_{ij} / \sum_{j'} w_{ij'}`, so a source mostly *outside* the layer would be
    allocated in full: such sources are counted in ``sources_mostly_outside``.
    """
    from omradesbild.harmonize.apply import harmonise_to_layer

    require_layer(store, level, version, geometry=True)
    geom_version = via_code_rule_to or from_version
    require_layer(store, from_level, geom_version, geometry=True)
    if via_code_rule_to:
        require_layer(store, from_level, from_version)
    view: Any = store
    kw: dict[str, Any] = {
        "target_level": level,
        "target_version": version,
        "source_level": from_level,
        "source_version": from_version,
        "via_code_rule_to": via_code_rule_to,
        "min_share": min_share,
    }
    plain = harmonise_to_layer(view, renormalise=False, **kw)
    links = harmonise_to_layer(view, renormalise=True, **kw) if renormalise else plain
    attrs = dict(plain.attrs)
    dropped: list[str] = []
    if kommuner:
        wanted = {str(k) for k in kommuner}
        keep = links["from_code"].astype(str).str[:4].isin(wanted)
        dropped = sorted(set(links.loc[~keep, "from_code"].astype(str)))
        links = links.loc[keep]
        plain = plain.loc[plain["from_code"].astype(str).str[:4].isin(wanted)]
        if links.empty:
            raise NotFoundError(
                f"no {from_version} area of kommun {', '.join(sorted(wanted))} overlaps "
                f"{level}/{version}"
            )
    coverage = plain.groupby("from_code")["weight"].sum()
    reached = set(links["to_code"].astype(str))
    targets = store.areas(level=level, version=version)["area_code"].astype(str)
    out = links.loc[:, list(LINK_COLUMNS)].reset_index(drop=True)
    return LayerLinks(
        links=out,
        coverage=coverage,
        sources_outside=list(attrs.get("sources_without_target", [])),
        targets_without_source=sorted(set(targets) - reached),
        dropped_kommun=dropped,
        renormalised=renormalise,
        notes=list(attrs.get("notes", [])),
    )


def layer_links_source(
    built: LayerLinks, *, from_version: str, to_version: str, options: str = ""
) -> Areas:
    """The links as an :class:`Areas` with provenance (checksum of the links CSV)."""
    links = built.links.sort_values(["from_code", "to_code", "method"]).reset_index(drop=True)
    methods = ", ".join(sorted(links["method"].astype(str).unique()))
    source = SourceMeta(
        publisher="Områdesbild",
        table_id=f"areal-{from_version}-{to_version}",
        title=f"{from_version} -> {to_version}: areal crosswalk ({methods})",
        reference=f"harmonize-layer:{from_version}->{to_version}",
        checksum=bytes_checksum(links.to_csv(index=False).encode()),
        notes=options or None,
    )
    return Areas(source=source, areas=empty_frame(AREA_COLUMNS), links=links)


def store_layer_links(store: Store, parsed: Areas) -> tuple[IngestReport, int]:
    """Store the links, replacing earlier links between the same two versions.

    Returns the ingest report and the number of earlier links removed (links of the same
    pair of versions that the new build no longer has, e.g. ``areal`` links replaced by
    ``areal_normalised`` ones). Storing the same links twice changes nothing.
    """
    from omradesbild.store.ingest import ingest_parsed

    lk = parsed.links
    pairs = lk[["from_version", "to_version"]].drop_duplicates()
    removed = 0
    with store.transaction() as con:
        con.register("_new_links", lk[["from_code", "from_version", "to_code", "method"]])
        for fv, tv in pairs.itertuples(index=False):
            row = con.execute(
                """
                DELETE FROM links l
                WHERE l.from_version = ? AND l.to_version = ? AND NOT EXISTS (
                    SELECT 1 FROM _new_links n
                    WHERE n.from_code = l.from_code AND n.from_version = l.from_version
                      AND n.to_code = l.to_code AND n.method = l.method)
                RETURNING 1
                """,
                [fv, tv],
            ).fetchall()
            removed += len(row)
        con.unregister("_new_links")
        (report,) = ingest_parsed(store, [parsed], kind="harmonize-layer")
    return report, removed


@dataclass(frozen=True)
class StoredLayerLinks:
    """A layer crosswalk built and stored (see :func:`harmonise_layer`)."""

    built: LayerLinks
    report: IngestReport
    removed: int


def harmonise_layer(
    store: Store,
    *,
    level: str,
    version: str,
    from_level: str = "deso",
    from_version: str = BASE_VERSION,
    via_code_rule_to: str | None = None,
    renormalise: bool = False,
    min_share: float = LAYER_MIN_SHARE,
    kommuner: Sequence[str] | None = None,
) -> StoredLayerLinks:
    """Build the links to a layer (:func:`build_layer_links`) and store them with provenance.

    The build options are kept in the source's notes; earlier links between the same two
    versions that the new build no longer has are replaced (:func:`store_layer_links`).
    """
    built = build_layer_links(
        store,
        level=level,
        version=version,
        from_level=from_level,
        from_version=from_version,
        via_code_rule_to=via_code_rule_to,
        renormalise=renormalise,
        min_share=min_share,
        kommuner=kommuner,
    )
    options = (
        f"via_code_rule_to={via_code_rule_to}; renormalise={renormalise}; "
        f"min_share={min_share}; kommuner={','.join(kommuner or []) or 'all'}"
    )
    parsed = layer_links_source(
        built, from_version=from_version, to_version=version, options=options
    )
    report, removed = store_layer_links(store, parsed)
    return StoredLayerLinks(built, report, removed)


def store_code_rule(
    store: Store,
    *,
    from_version: str = BASE_VERSION,
    to_version: str = NEW_DESO_VERSION,
    population_variable: str | None = POPULATION_VARIABLE,
    kind: str = "code-rule",
) -> tuple[list[IngestReport], Areas]:
    """Store DeSO links by SCB's code rule.

    The links come from :func:`~omradesbild.services.pipeline.code_rule_from_store`.
    Returns the ingest reports and the stored links with their provenance.
    """
    from omradesbild.services.pipeline import code_rule_from_store
    from omradesbild.store.ingest import ingest_parsed

    parsed = code_rule_from_store(
        store,
        from_version=from_version,
        to_version=to_version,
        population_variable=population_variable,
    )
    return ingest_parsed(store, [parsed], kind=kind), parsed


# --------------------------------------------------------------------------- apply


def is_count_unit(unit: object) -> bool:
    """Whether a unit is a count (``antal …``), i.e. an extensive variable."""
    return isinstance(unit, str) and unit.strip().lower().startswith("antal")


def apply_stored_links(
    store: Store,
    *,
    to_version: str,
    from_version: str = BASE_VERSION,
    variables: Sequence[str] | None = None,
    periods: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Counts of ``from_version`` areas moved to ``to_version`` through the stored links.

    The links are those stored (composed through intermediate versions when needed, see
    :func:`omradesbild.services.pipeline.compose_links`). Only counts (unit ``antal …``) are moved,
    as extensive variables: :math:`y_j = \\sum_i w_{ij} y_i`. Rates, medians and shares must
    be recomputed from harmonised counts (``omradesbild indicators compute``).

    Raises
    ------
    NotFoundError
        No links lead to ``to_version``, or no observations match.
    InputError
        A requested variable is not a count.
    """
    from omradesbild.harmonize.apply import apply_crosswalk
    from omradesbild.services.pipeline import compose_links

    all_links = store.links()
    if not (all_links["to_version"] == to_version).any():
        have = sorted(set(all_links["to_version"].astype(str)))
        raise NotFoundError(
            f"no links lead to version {to_version!r}; stored link targets: "
            + (", ".join(have) or "none")
            + ". Build them with 'omradesbild harmonize layer --level … --version "
            f"{to_version}'"
        )
    links = compose_links(all_links, from_version=from_version, to_version=to_version)
    if variables:
        for v in variables:
            store.require_variable(v)
    obs = store.observations(
        area_version=from_version,
        variables=list(variables) if variables else None,
        periods=[str(p) for p in periods] if periods else None,
    )
    if obs.empty:
        raise NotFoundError(
            f"the store holds no observations of {from_version} areas"
            + (f" for period(s) {', '.join(map(str, periods))}" if periods else "")
        )
    counts = obs["unit"].map(is_count_unit)
    if variables:
        bad = sorted(set(obs.loc[~counts, "variable"].astype(str)))
        if bad:
            units = obs.loc[~counts].groupby("variable")["unit"].first()
            raise InputError(
                "not a count: " + ", ".join(f"{v} ({units[v]})" for v in bad),
                field="--variables",
                expected="count variables (unit 'antal …'); rates and medians are "
                "recomputed from harmonised counts by 'omradesbild indicators compute'",
            )
    obs = obs.loc[counts]
    cols = ["area_code", "area_version", "variable", "period", "value", "unit"]
    return apply_crosswalk(obs[cols], links, kind="extensive")


# --------------------------------------------------------------------------- compare


def layer_attribute(store: Store, *, level: str, version: str, attribute: str) -> pd.DataFrame:
    """``area_code``, ``name`` and the value of one stored attribute of a layer's areas.

    Raises
    ------
    NotFoundError
        Unknown layer, or an attribute no area has (naming the attributes there are).
    """
    require_layer(store, level, version)
    areas = store.areas(level=level, version=version)
    parsed = [json.loads(a) if isinstance(a, str) and a else {} for a in areas["attributes"]]
    if not any(attribute in p for p in parsed):
        names = sorted({k for p in parsed for k in p})
        raise NotFoundError(
            f"the {level} layer {version!r} has no attribute {attribute!r}; its attributes: "
            + (", ".join(names) or "none")
        )
    out = pd.DataFrame(
        {
            "area_code": areas["area_code"].astype(str),
            "name": areas["name"],
            attribute: [p.get(attribute) for p in parsed],
        }
    )
    label = _label_attribute(attribute)
    if label and any(label in p for p in parsed):
        out[label] = [p.get(label) for p in parsed]
    return out


def _label_attribute(attribute: str) -> str | None:
    if attribute.endswith("_kod"):
        return attribute[: -len("_kod")] + "_namn"
    return None


def layer_index(
    store: Store,
    *,
    method: IndexMethod,
    level: str,
    version: str,
    period: str,
    reference_level: str | None = DEFAULT_LEVEL,
) -> pd.DataFrame:
    """An index for every area of a layer, classified against a reference level's areas.

    With ``reference_level`` (default ``"regso"``: every RegSO in the store, i.e. all of
    Sweden when the national tables are ingested) the layer's areas are scored with the
    method and normalised, ranked and classified against the reference areas' distribution
    (:func:`omradesbild.index.compute_index` with ``reference``); ``None`` classifies the
    layer's areas against themselves.
    """
    from omradesbild.index import compute_index
    from omradesbild.indicators import default_catalogue
    from omradesbild.services.pipeline import area_indicators, check_picture, index_table

    check_picture(method)
    needed = {i.source_column for i in method.indicators} | {f.column for f in method.fallbacks}
    wanted = sorted(needed & set(default_catalogue().ids))

    def table(lv: str, ver: str | None) -> pd.DataFrame:
        ind = area_indicators(store, level=lv, version=ver, periods=[period], indicators=wanted)
        if ind.empty:
            raise NotFoundError(f"no indicators of {method.id!r} for {lv} in {period}")
        return index_table(ind, method)

    own = table(level, version)
    ref = table(reference_level, None) if reference_level else None
    return compute_index(
        own, method=method, id_column="area_code", period_column="period", reference=ref
    )


@dataclass(frozen=True)
class LayerComparison:
    """Our index classes for a layer against a classification it carries.

    Attributes
    ----------
    table
        Cross-table (:func:`~omradesbild.measures.agreement.compare_classifications`).
    agreement
        Rank agreement (:func:`~omradesbild.measures.agreement.classification_agreement`).
    per_area
        ``area_code``, ``name``, their class (and label), ``score`` and ``class``.
    reference
        What our classes were computed against: a level (``"regso"``) or ``"self"``.
    thresholds
        The cut points of our classes per period, rounded, when the method reports them.
    """

    table: pd.DataFrame
    agreement: Agreement
    per_area: pd.DataFrame
    reference: str
    thresholds: dict[str, list[float]] = field(default_factory=dict)


def compare_with_layer_classes(
    store: Store,
    *,
    method: IndexMethod,
    level: str,
    version: str,
    attribute: str,
    period: str,
    reference_level: str | None = DEFAULT_LEVEL,
    their_higher_is_better: bool = True,
    unclassified: Sequence[str] = ("99",),
) -> LayerComparison:
    """Our index classes for a layer against a classification stored as its attribute."""
    if method.classification is None:
        raise ConfigError(f"method {method.id!r} has no classes to compare")
    result = layer_index(
        store,
        method=method,
        level=level,
        version=version,
        period=period,
        reference_level=reference_level,
    )
    theirs = layer_attribute(store, level=level, version=version, attribute=attribute)
    ours = result[["area_code", "score", "class"]]
    label = _label_attribute(attribute)
    tab = compare_classifications(
        ours,
        theirs,
        our_class="class",
        their_class=attribute,
        their_label=label if label in theirs.columns else None,
    )
    agreement = classification_agreement(
        ours,
        theirs,
        their_class=attribute,
        their_higher_is_better=their_higher_is_better,
        unclassified=unclassified,
    )
    raw = result.attrs.get("thresholds")
    thresholds = (
        {str(k): [round(float(x), 3) for x in np.atleast_1d(v)] for k, v in raw.items()}
        if isinstance(raw, dict)
        else {}
    )
    per_area = theirs.merge(ours, on="area_code", how="left")
    return LayerComparison(tab, agreement, per_area, reference_level or "self", thresholds)
