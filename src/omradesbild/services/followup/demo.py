"""The follow-up part of the offline demo (the synthetic city), written as CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from omradesbild.config import AREA_TYPE_METHOD
from omradesbild.errors import NotFoundError
from omradesbild.followup._common import sort_periods
from omradesbild.services.followup._common import POLICE_SCHEME
from omradesbild.services.followup.area_types import method_periods, transitions
from omradesbild.services.followup.goals import goals_status
from omradesbild.services.followup.police import crosstab_wide, police_analysis
from omradesbild.store import Store
from omradesbild.wording import both


def demo_followup(store: Store, out: Path) -> dict[str, pd.DataFrame]:
    """The follow-up part of the demo, written as CSV files to ``out``.

    Returns (and writes as ``followup_<name>.csv``):

    * ``transitions_relative`` / ``transitions_anchored``: SCB area types of the RegSO,
      first against last year with values, relative and anchored at the first year;
    * ``transitions_moves``: each RegSO's move under both;
    * ``police_crosstab``: police category × area type (RegSO) in the latest police year;
    * ``police_flags``: the RegSO flagged in the latest police year (left the list but still
      type 1–2; type 1–2 never listed; listed but type 3–5);
    * ``goals_status``: the status of the example goal file.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    periods = method_periods(store, AREA_TYPE_METHOD)
    if len(periods) < 2:
        raise NotFoundError(both("err_svc_demo_two_periods"))
    tr = transitions(store, level="regso", period_from=periods[0], period_to=periods[-1])
    cls = store.classifications(scheme=POLICE_SCHEME)
    police_year = sort_periods(cls["period"].unique())[-1]
    pol = police_analysis(store, level="regso", period=periods[-1], police_year=police_year)
    flags = pol.flags.loc[(pol.flags["period"] == police_year) & pol.flags["flag"].notna()]
    goals = goals_status(store)
    cross = crosstab_wide(pol.crosstab, police_year)
    cross.insert(0, "period", police_year)
    results = {
        "transitions_relative": tr.matrix_relative.reset_index(),
        "transitions_anchored": tr.matrix_anchored.reset_index(),
        "transitions_moves": tr.moves,
        "police_crosstab": cross,
        "police_flags": flags.reset_index(drop=True),
        "goals_status": goals.status,
    }
    for name, df in results.items():
        df.to_csv(out / f"followup_{name}.csv", index=False)
    return results
