"""Ingest Statistikdatabasen exports keyed by RegSO labels "Kommun (RegSO-namn)".

The labels are matched against the RegSO 2020 names and kommun names in the store (from
SCB's DeSO 2018 -> RegSO 2020 key) with :func:`~omradesbild.sources.regso_labels.
match_regso_labels`; an unmatched label is an error naming the file, row and label unless
the caller allows unmatched labels, which are then listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from omradesbild.errors import InputError, NotFoundError
from omradesbild.sources.base import Observations
from omradesbild.sources.regso_labels import LabelMatch, match_regso_labels, regso_label_areas
from omradesbild.sources.scb_csv import LabelledTable, read_scb_csv
from omradesbild.sources.scb_key import KOMMUN_VERSION, REGSO_VERSION
from omradesbild.store import Store
from omradesbild.store.store import IngestReport
from omradesbild.wording import Message, both


@dataclass(frozen=True)
class LabelledIngest:
    """One file's label matching."""

    reference: str
    labels: int
    match: LabelMatch
    skipped_rows: int = 0
    unmatched_rows: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        m = self.match
        text = (
            f"{self.reference}: {len(m.matched)} of {self.labels} labels matched to RegSO "
            f"{REGSO_VERSION} ({m.n_exact} exactly, {m.n_normalised} after normalising spaces "
            "or case)"
        )
        if m.unmatched:
            text += f"; {len(m.unmatched)} unmatched and left out: " + "; ".join(
                f"{lab!r} (row {self.unmatched_rows.get(lab, '?')})" for lab in m.unmatched
            )
        return text


def regso_label_frame(store: Store, version: str = REGSO_VERSION) -> pd.DataFrame:
    """The stored RegSO of ``version`` with their names and kommun names.

    Raises
    ------
    NotFoundError
        The store holds no named RegSO of the version.
    """
    regso = store.areas(level="regso", version=version)
    if regso.empty or regso["name"].isna().all():
        raise NotFoundError(both("err_svc_no_named_regso", version=version))
    return regso_label_areas(regso, store.areas(level="kommun", version=KOMMUN_VERSION))


def labelled_observations(
    table: LabelledTable, areas: pd.DataFrame, *, allow_unmatched: bool = False
) -> tuple[Observations, LabelledIngest]:
    """Observations at RegSO 2020 from a labelled table (pure).

    Raises
    ------
    InputError
        A label matches no RegSO (unless ``allow_unmatched``), or several RegSO.
    """
    data = table.data
    match = match_regso_labels(data["label"].tolist(), areas)
    first_row = data.groupby("label", sort=False)["row"].min()
    ref = table.source.reference
    if match.ambiguous:
        lab, hits = next(iter(match.ambiguous.items()))
        raise InputError(
            Message("err_svc_label_several_regso", label=repr(lab), codes=", ".join(hits)),
            file=ref,
            row=int(first_row[lab]),
            field="region",
            expected=Message("exp_svc_label_one_regso"),
        )
    rows = {lab: int(first_row[lab]) for lab in match.unmatched}
    if match.unmatched and not allow_unmatched:
        lab = match.unmatched[0]
        more = len(match.unmatched) - 1
        others = "; ".join(repr(x) for x in match.unmatched[1:6])
        raise InputError(
            Message(
                "err_svc_label_no_regso_more",
                label=repr(lab),
                version=REGSO_VERSION,
                more=more,
                others=others,
            )
            if more
            else Message("err_svc_label_no_regso", label=repr(lab), version=REGSO_VERSION),
            file=ref,
            row=rows[lab],
            field="region",
            expected=Message("exp_svc_label_kommun_regso"),
        )
    codes = data["label"].map(match.mapping())
    keep = codes.notna()
    obs = pd.DataFrame(
        {
            "area_code": codes[keep].to_numpy(),
            "area_version": REGSO_VERSION,
            "variable": data.loc[keep, "variable"].to_numpy(),
            "period": data.loc[keep, "period"].to_numpy(),
            "value": data.loc[keep, "value"].to_numpy(dtype=float),
            "unit": data.loc[keep, "unit"].to_numpy(),
            "missing_reason": data.loc[keep, "missing_reason"].to_numpy(),
        }
    )
    report = LabelledIngest(
        reference=ref,
        labels=int(data["label"].nunique()),
        match=match,
        skipped_rows=int((~keep).sum()),
        unmatched_rows=rows,
    )
    return Observations(source=table.source, data=obs, variables=table.variables), report


def ingest_scb_csv(
    store: Store, paths: Sequence[str | Path], *, allow_unmatched: bool = False
) -> tuple[list[IngestReport], list[LabelledIngest]]:
    """Parse and match every file, then write them all in one transaction."""
    from omradesbild.store.ingest import ingest_parsed

    tables = [read_scb_csv(Path(p)) for p in paths]
    areas = regso_label_frame(store)
    parsed: list[Observations] = []
    matches: list[LabelledIngest] = []
    for t in tables:
        obs, m = labelled_observations(t, areas, allow_unmatched=allow_unmatched)
        parsed.append(obs)
        matches.append(m)
    return ingest_parsed(store, parsed, kind="scb-csv"), matches
