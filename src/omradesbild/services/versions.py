"""Boundary versions linked from SCB's own files: the keys and the DeSO change log.

:func:`ingest_scb_keys` reads SCB's DeSO 2018 -> RegSO 2020 key, the DeSO 2025 -> RegSO 2025
key and the change log "Historiska förändringar i DeSO" (told apart by their headers),
writes the areas, and builds the crosswalks DeSO 2018 <-> 2025 and RegSO 2020 <-> 2025 from
the change log (:mod:`omradesbild.harmonize.scb_changes`), all in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from omradesbild.errors import NotFoundError
from omradesbild.harmonize.scb_changes import (
    METHOD_PREFIX,
    compare_with_code_rule,
    deso_change_links,
    regso_change_links,
)
from omradesbild.sources.base import AREA_COLUMNS, Areas, SourceMeta, empty_frame
from omradesbild.sources.deso2025 import (
    DESO2025_VERSION,
    REGSO2025_VERSION,
    ChangeLog,
    detect_scb_key_kind,
    read_change_log,
    read_deso2025_key,
)
from omradesbild.sources.scb_key import DESO_VERSION, REGSO_VERSION, read_scb_key
from omradesbild.store import Store
from omradesbild.store.store import IngestReport
from omradesbild.wording import both


@dataclass(frozen=True)
class ChangeLogResult:
    """What building the crosswalks from the change log gave.

    Attributes
    ----------
    links
        The links to store (DeSO and RegSO, both directions), as :class:`Areas`.
    comparison
        Per DeSO 2018, the DeSO 2025 the change log and the code rule link it to
        (:func:`~omradesbild.harmonize.scb_changes.compare_with_code_rule`).
    skipped
        Change-log rows not applied, with the reason.
    code_rule_unreached
        DeSO 2025 codes the code rule links no DeSO 2018 to.
    """

    links: Areas
    comparison: pd.DataFrame
    skipped: pd.DataFrame
    code_rule_unreached: list[str]

    @property
    def code_rule_differs(self) -> int:
        """DeSO 2018 the code rule links to other DeSO 2025 than the change log does."""
        return int((self.comparison["status"] != "same").sum())

    def lines(self) -> list[str]:
        """A summary for the command line."""
        lk = self.links.links
        out = []
        for (fv, tv), grp in lk.groupby(["from_version", "to_version"], sort=True):
            methods = ", ".join(f"{m} {n}" for m, n in grp["method"].value_counts().items())
            out.append(f"{fv} -> {tv}: {len(grp)} links ({methods})")
        n = len(self.comparison)
        unmatched = int((self.comparison["status"] == "rule_unmatched").sum())
        out.append(
            f"code rule (same first 8 characters) vs SCB's change log: {self.code_rule_differs} "
            f"of {n} DeSO 2018 linked differently ({unmatched} not linked at all by the rule); "
            f"{len(self.code_rule_unreached)} DeSO 2025 the rule reaches from no DeSO 2018"
        )
        for row in self.skipped.itertuples(index=False):
            out.append(
                f"skipped change-log row {row.deso_old} -> {row.deso_new} ({row.date}): "
                f"{row.reason}"
            )
        return out


def _basis(store: Store, version: str) -> tuple[dict[str, float] | None, str]:
    """Latest stored ``pop_total`` of the version's DeSO, else polygon areas, else none."""
    obs = store.observations(variables=["pop_total"], area_version=version)
    obs = obs[obs["value"].notna()]
    if not obs.empty:
        latest = obs.sort_values("period").groupby("area_code")["value"].last()
        return {str(k): float(v) for k, v in latest.items()}, "population"
    areas = store.areas(level="deso", version=version, geometry=True)
    has = areas[areas.geometry.notna() & ~areas.geometry.is_empty]
    if not has.empty:
        return {
            str(c): float(g.area) for c, g in zip(has["area_code"], has.geometry, strict=True)
        }, ("area")
    return None, "equal"


def change_log_links(store: Store, log: ChangeLog) -> ChangeLogResult:
    """Crosswalks DeSO 2018 <-> 2025 and RegSO 2020 <-> 2025 from the change log.

    Needs the DeSO 2018 and 2025 areas (SCB's two keys) in the store. Splits are weighted by
    the latest stored ``pop_total`` of the areas (DeSO 2025 forward, DeSO 2018 backward and
    for RegSO), else by their polygon areas, else equally; each link's method names its
    basis.

    Raises
    ------
    NotFoundError
        The store lacks DeSO 2018 or DeSO 2025 areas.
    """
    from omradesbild.harmonize.code_rule import code_rule_crosswalk

    d18 = store.areas(level="deso", version=DESO_VERSION)
    d25 = store.areas(level="deso", version=DESO2025_VERSION)
    for df, v in ((d18, DESO_VERSION), (d25, DESO2025_VERSION)):
        if df.empty:
            raise NotFoundError(both("err_svc_no_deso_for_log", version=v))
    old_codes, new_codes = d18["area_code"].astype(str).tolist(), d25["area_code"].astype(str)
    new_basis, new_name = _basis(store, DESO2025_VERSION)
    old_basis, old_name = _basis(store, DESO_VERSION)
    cw = deso_change_links(
        log.changes,
        old_codes,
        new_codes.tolist(),
        new_basis=new_basis,
        new_basis_name=new_name,
        old_basis=old_basis,
        old_basis_name=old_name,
    )
    frames = [cw.forward, cw.backward]
    old_key = {str(a): str(p) for a, p in zip(d18["area_code"], d18["parent_code"], strict=True)}
    new_key = {str(a): str(p) for a, p in zip(d25["area_code"], d25["parent_code"], strict=True)}
    if all(p and p != "None" for p in old_key.values()) and all(
        p and p != "None" for p in new_key.values()
    ):
        frames.extend(
            regso_change_links(
                cw.forward, old_key, new_key, old_basis=old_basis, old_basis_name=old_name
            )
        )
    links = pd.concat(frames, ignore_index=True)
    rule = code_rule_crosswalk(old_codes, new_codes.tolist())
    source = SourceMeta(
        publisher="SCB",
        table_id=log.source.table_id,
        title=log.source.title + " (länkar DeSO 2018↔2025, RegSO 2020↔2025)",
        reference=log.source.reference,
        checksum=log.source.checksum,
        retrieved_at=log.source.retrieved_at,
        notes=(
            f"{len(log.changes)} rows; split weights: DeSO 2025 {new_name}, DeSO 2018 {old_name}"
        ),
    )
    return ChangeLogResult(
        links=Areas(source=source, areas=empty_frame(AREA_COLUMNS), links=links),
        comparison=compare_with_code_rule(cw.forward, rule.links),
        skipped=cw.skipped,
        code_rule_unreached=list(rule.unmatched_2025),
    )


def store_change_log_links(store: Store, result: ChangeLogResult) -> tuple[IngestReport, int]:
    """Write the change-log links, replacing older change-log and code-rule links.

    Code-rule links DeSO 2018 <-> 2025 are removed: SCB's change log supersedes them (and
    :func:`~omradesbild.services.links.compose_links` would otherwise prefer them).
    Returns the ingest report and the number of links removed.
    """
    from omradesbild.store.ingest import ingest_parsed

    pairs = result.links.links[["from_version", "to_version"]].drop_duplicates()
    removed = 0
    with store.transaction() as con:
        for fv, tv in pairs.itertuples(index=False):
            rows = con.execute(
                "DELETE FROM links WHERE from_version = ? AND to_version = ? AND "
                "(starts_with(method, ?) OR method = 'scb_changes' OR "
                "starts_with(method, 'code_rule')) RETURNING 1",
                [fv, tv, METHOD_PREFIX],
            ).fetchall()
            removed += len(rows)
        (report,) = ingest_parsed(store, [result.links], kind="scb-changes")
    return report, removed


def ingest_scb_keys(
    store: Store, paths: Sequence[str | Path]
) -> tuple[list[IngestReport], list[ChangeLogResult], int]:
    """Ingest SCB's key files (any of the three, detected by header) in one transaction.

    Every file is parsed first; then the keys' areas are written and the change log's links
    built from them and stored. Returns the reports, the change-log results and the number
    of superseded links removed.
    """
    from omradesbild.store.ingest import ingest_parsed

    keys: list[Areas] = []
    logs: list[ChangeLog] = []
    for p in map(Path, paths):
        kind = detect_scb_key_kind(p)
        if kind == "deso2018_regso2020":
            keys.append(read_scb_key(p))
        elif kind == "deso2025_regso2025":
            keys.append(read_deso2025_key(p))
        else:
            logs.append(read_change_log(p))
    results: list[ChangeLogResult] = []
    removed = 0
    with store.transaction():
        reports = ingest_parsed(store, keys, kind="scb-key")
        for log in logs:
            res = change_log_links(store, log)
            report, n = store_change_log_links(store, res)
            reports.append(report)
            results.append(res)
            removed += n
    return reports, results, removed


__all__ = [
    "REGSO2025_VERSION",
    "REGSO_VERSION",
    "ChangeLogResult",
    "change_log_links",
    "ingest_scb_keys",
    "store_change_log_links",
]
