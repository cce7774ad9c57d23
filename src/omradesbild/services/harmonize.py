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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from omradesbild.config import (
    BASE_VERSION,
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
from omradesbild.services.layers import (
    label_attribute,
    layer_attribute,
    require_layer,
    require_overlap,
    stored_layers,
)
from omradesbild.services.names import with_area_names
from omradesbild.sources.base import (
    LINK_COLUMNS,
    Areas,
)
from omradesbild.wording import Message, both

if TYPE_CHECKING:
    from omradesbild.services.pipeline import IndexSelection
    from omradesbild.store import Store
    from omradesbild.store.store import IngestReport

__all__ = [
    "FULL_COVERAGE",
    "LOW_COVERAGE",
    "CoverageSummary",
    "LayerComparison",
    "LayerLinks",
    "LayerRequest",
    "StoredLayerLinks",
    "apply_stored_links",
    "build_layer_links",
    "compare_with_layer_classes",
    "harmonise_layer",
    "is_count_unit",
    "layer_attribute",
    "layer_links_source",
    "require_layer",
    "store_code_rule",
    "store_layer_links",
    "stored_layers",
]


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

    def summary(self) -> CoverageSummary:
        """Numbers for the report: links, sources fully/partly covered, targets unreached."""
        cov = self.coverage
        partly = cov[cov < FULL_COVERAGE]
        return CoverageSummary(
            links=len(self.links),
            sources_linked=len(cov),
            sources_fully_covered=int((cov >= FULL_COVERAGE).sum()),
            sources_partly_covered=len(partly),
            sources_mostly_outside=int((cov < LOW_COVERAGE).sum()),
            min_coverage=float(cov.min()) if len(cov) else float("nan"),
            lowest_coverage={str(k): float(v) for k, v in partly.nsmallest(5).items()},
            sources_outside=len(self.sources_outside),
            targets_without_source=list(self.targets_without_source),
            dropped_other_kommun=len(self.dropped_kommun),
        )


@dataclass(frozen=True)
class CoverageSummary:
    """How completely a layer crosswalk covers its source areas (:meth:`LayerLinks.summary`).

    ``sources_fully_covered`` have coverage of at least :data:`FULL_COVERAGE`,
    ``sources_mostly_outside`` below :data:`LOW_COVERAGE`; ``lowest_coverage`` holds the
    five partly covered sources with the lowest coverage.
    """

    links: int
    sources_linked: int
    sources_fully_covered: int
    sources_partly_covered: int
    sources_mostly_outside: int
    min_coverage: float
    lowest_coverage: dict[str, float]
    sources_outside: int
    targets_without_source: list[str]
    dropped_other_kommun: int


@dataclass(frozen=True)
class LayerRequest:
    r"""What to link to what: a polygon layer of the store and the areas the data are for.

    Attributes
    ----------
    level, version
        The target layer, e.g. ``district`` / ``stockholm_stadsdelar``.
    from_level, from_version
        The areas the data are published for.
    via_code_rule_to
        Polygons of this DeSO version stand in for ``from_version``'s, linked by SCB's
        change log when the store holds its links (``scb_changes*``, from ``omradesbild
        ingest scb-key``), else by SCB's code rule (see
        :func:`~omradesbild.harmonize.apply.harmonise_to_layer`).
    renormalise, min_share
        As in :func:`~omradesbild.harmonize.areal.build_crosswalk`.
    kommuner
        Keep only source areas in these kommuner (first four characters of the code), e.g.
        ``["0180"]``: neighbouring areas touching the layer with slivers are left out.
    """

    level: str
    version: str
    from_level: str = "deso"
    from_version: str = BASE_VERSION
    via_code_rule_to: str | None = None
    renormalise: bool = False
    min_share: float = LAYER_MIN_SHARE
    kommuner: tuple[str, ...] = ()

    def options_text(self) -> str:
        """The build options as kept in the stored source's notes."""
        return (
            f"via_code_rule_to={self.via_code_rule_to}; renormalise={self.renormalise}; "
            f"min_share={self.min_share}; kommuner={','.join(self.kommuner) or 'all'}"
        )


def build_layer_links(store: Store, request: LayerRequest) -> LayerLinks:
    r"""Areal links from the request's source version to its polygon layer in a store.

    The store must hold both layers' polygons (with ``via_code_rule_to``: that version's
    polygons and the ``from_version`` codes).

    Notes
    -----
    The coverage of source :math:`i` is :math:`\sum_j w_{ij}` of the plain areal links
    (with the code rule: of the composed links). With ``renormalise`` the stored weight is
    :math:`w_{ij} / \sum_{j'} w_{ij'}`, so a source mostly *outside* the layer would be
    allocated in full: such sources are counted in ``sources_mostly_outside``.
    """
    from omradesbild.harmonize.apply import harmonise_to_layer

    r = request
    level, version, from_level, from_version = r.level, r.version, r.from_level, r.from_version
    via_code_rule_to, renormalise, kommuner = r.via_code_rule_to, r.renormalise, r.kommuner
    require_layer(store, level, version, geometry=True)
    geom_version = via_code_rule_to or from_version
    require_layer(store, from_level, geom_version, geometry=True)
    if via_code_rule_to:
        require_layer(store, from_level, from_version)
    require_overlap(store, from_level=from_level, from_version=geom_version, level=level,
                    version=version)  # fmt: skip
    kw: dict[str, Any] = {
        "target_level": level,
        "target_version": version,
        "source_level": from_level,
        "source_version": from_version,
        "via_code_rule_to": via_code_rule_to,
        "min_share": r.min_share,
    }
    log = _change_log_links(store, from_version, via_code_rule_to)
    if not log.empty:
        # SCB's change log says what became of each area: compose through it, not the rule.
        kw.update(source_version=via_code_rule_to, via_code_rule_to=None)
    plain = harmonise_to_layer(store, renormalise=False, **kw)
    links = harmonise_to_layer(store, renormalise=True, **kw) if renormalise else plain
    attrs = dict(plain.attrs)
    if not log.empty:
        plain, links = _through(log, plain), _through(log, links)
        attrs["notes"] = [
            *attrs.get("notes", []),
            Message(
                "note_through_change_log",
                from_version=from_version,
                to_version=via_code_rule_to,
                methods=", ".join(sorted(log["method"].astype(str).unique())),
            ),
        ]
    dropped: list[str] = []
    if kommuner:
        wanted = {str(k) for k in kommuner}
        links, plain, dropped = _in_kommuner(links, plain, wanted)
        if links.empty:
            raise NotFoundError(
                both("err_svc_no_kommun_overlap", from_version=from_version,
                     kommun=", ".join(sorted(wanted)), level=level, version=version)
            )  # fmt: skip
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


def _change_log_links(store: Store, from_version: str, to_version: str | None) -> pd.DataFrame:
    """Stored ``scb_changes*`` links from ``from_version`` to ``to_version`` (may be empty)."""
    if not to_version or to_version == from_version:
        return pd.DataFrame(columns=list(LINK_COLUMNS))
    lk = store.links(from_version=from_version, to_version=to_version)
    return lk.loc[lk["method"].astype(str).str.startswith("scb_changes")]


def _through(log: pd.DataFrame, areal: pd.DataFrame) -> pd.DataFrame:
    """Change-log links composed with areal links from the new version to the layer."""
    from omradesbild.harmonize.apply import compose_links

    composed = compose_links(log.loc[:, list(LINK_COLUMNS)], areal)
    return composed.loc[:, list(LINK_COLUMNS)].reset_index(drop=True)


def _in_kommuner(
    links: pd.DataFrame, plain: pd.DataFrame, wanted: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The links (and plain links) of source areas in ``wanted`` kommuner, and those left out."""
    keep = links["from_code"].astype(str).str[:4].isin(wanted)
    dropped = sorted(set(links.loc[~keep, "from_code"].astype(str)))
    plain = plain.loc[plain["from_code"].astype(str).str[:4].isin(wanted)]
    return links.loc[keep], plain, dropped


def layer_links_source(
    built: LayerLinks, *, from_version: str, to_version: str, options: str = ""
) -> Areas:
    """The links as an :class:`Areas` with provenance (checksum of the links CSV)."""
    links = built.links.sort_values(["from_code", "to_code", "method"]).reset_index(drop=True)
    methods = ", ".join(sorted(links["method"].astype(str).unique()))
    return Areas.of_links(
        links,
        publisher="Områdesbild",
        table_id=f"areal-{from_version}-{to_version}",
        title=f"{from_version} -> {to_version}: areal crosswalk ({methods})",
        reference=f"harmonize-layer:{from_version}->{to_version}",
        notes=options or None,
    )


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


def harmonise_layer(store: Store, request: LayerRequest) -> StoredLayerLinks:
    """Build the links to a layer (:func:`build_layer_links`) and store them with provenance.

    The build options are kept in the source's notes; earlier links between the same two
    versions that the new build no longer has are replaced (:func:`store_layer_links`).
    """
    built = build_layer_links(store, request)
    parsed = layer_links_source(
        built,
        from_version=request.from_version,
        to_version=request.version,
        options=request.options_text(),
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
    :func:`omradesbild.services.links.compose_links`). Only counts (unit ``antal …``) are moved,
    as extensive variables: :math:`y_j = \\sum_i w_{ij} y_i`. Rates, medians and shares must
    be recomputed from harmonised counts (``omradesbild indicators compute``). The areas'
    names lead the table (:func:`~omradesbild.services.names.with_area_names`).

    Raises
    ------
    NotFoundError
        No links lead to ``to_version``, or no observations match.
    InputError
        A requested variable is not a count.
    """
    from omradesbild.harmonize.apply import apply_crosswalk
    from omradesbild.services.links import compose_links

    all_links = store.links()
    if not (all_links["to_version"] == to_version).any():
        have = sorted(set(all_links["to_version"].astype(str)))
        raise NotFoundError(
            both("err_svc_no_links_to", version=repr(to_version), to_version=to_version,
                 have=", ".join(have) or Message("exp_src_none"))
        )  # fmt: skip
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
            both("err_svc_no_obs_periods", version=from_version,
                 periods=", ".join(map(str, periods)))
            if periods
            else both("err_svc_no_obs", version=from_version)
        )  # fmt: skip
    counts = obs["unit"].map(is_count_unit)
    if variables:
        bad = sorted(set(obs.loc[~counts, "variable"].astype(str)))
        if bad:
            units = obs.loc[~counts].groupby("variable")["unit"].first()
            raise InputError(
                Message("err_svc_not_count", variables=", ".join(f"{v} ({units[v]})" for v in bad)),
                field="--variables",
                expected=Message("exp_svc_count_variables"),
            )
    obs = obs.loc[counts]
    cols = ["area_code", "area_version", "variable", "period", "value", "unit"]
    moved = apply_crosswalk(obs[cols], links, kind="extensive")
    return with_area_names(store, moved, version=to_version)


# --------------------------------------------------------------------------- compare


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
        ``area_code``, ``area_name`` (and the kommun), their class (and label), ``score``
        and ``class``.
    reference
        What our classes were computed against, named ("riket", "staden Göteborg",
        "lagrets egna områden"; see :mod:`omradesbild.services.reference`).
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
    selection: IndexSelection,
    *,
    attribute: str,
    their_higher_is_better: bool = True,
    unclassified: Sequence[str] = ("99",),
) -> LayerComparison:
    """Our index classes for a layer against a classification stored as its attribute.

    The selection names the layer (its level and version) and the index. Its areas are
    scored with the method and classified against the areas of the selection's
    ``reference_level`` (``"regso"``: every RegSO in the store, i.e. all of Sweden when the
    national tables are ingested; ``None``: the layer's own areas), exactly as
    :func:`~omradesbild.services.pipeline.area_index` does for ``index compute
    --reference``, so the two agree for the same reference.
    """
    from omradesbild.services.pipeline import area_index, resolve_version

    method, level = selection.method, selection.level
    if method.classification is None:
        raise ConfigError(both("err_svc_no_classes", method=repr(method.id)))
    version = resolve_version(store, level, selection.version)
    result = area_index(store, selection)
    theirs = layer_attribute(store, level=level, version=version, attribute=attribute)
    ours = result[["area_code", "score", "class", "class_label", "reference"]]
    label = label_attribute(attribute)
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
    per_area = with_area_names(
        store,
        theirs.merge(ours, on="area_code", how="left").drop(columns="name", errors="ignore"),
        level=level,
        version=version,
    )
    reference = str(result.attrs.get("reference") or selection.reference_level or "self")
    return LayerComparison(tab, agreement, per_area, reference, thresholds)
