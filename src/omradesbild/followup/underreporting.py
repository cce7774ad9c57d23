"""A rough under-reporting signal: survey victimisation next to reported offences.

**Read this before using the numbers.** The Police's geocoded extracts that Områdesbild reads
cover only a few offence types — criminal damage by fire (1210), car fires (1211), sabotage
against emergency services (1311), offences against public order incl. riot (1615) and
violence against police officers (1701, 1702). A safety survey asks whether the respondent
was *victimised* by any crime (theft, threats, violence, fraud, …). The two measure
different things, so their ratio is **not** an estimate of the dark figure (mörkertal); it is
only a signal that an area's survey victimisation is high relative to what is reported there,
compared with other areas. It is computed only where survey data exists.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from omradesbild.config import DEFAULT_CONFIDENCE
from omradesbild.errors import InputError
from omradesbild.followup._common import as_text, check_unique, require_columns
from omradesbild.indicators import wilson_interval
from omradesbild.wording import Message

#: The caveat written on every row of :func:`underreporting_indicator`.
CAVEAT = (
    "rough signal only: the survey counts victims of any crime, the reported offences "
    "cover only arson, car fires, sabotage against emergency services, riot/public order "
    "and violence against police; not an estimate of the dark figure"
)

#: Columns of :func:`underreporting_indicator`'s output, in order.
UNDERREPORTING_COLUMNS: tuple[str, ...] = (
    "area_code",
    "period",
    "respondents",
    "victimised_pct",
    "victimised_ci_low",
    "victimised_ci_high",
    "victimised_per_1000",
    "reported_per_1000",
    "offence_types",
    "ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "difference_per_1000",
    "relative_ratio",
    "note",
    "caveat",
)


def underreporting_indicator(
    survey: pd.DataFrame,
    reported: pd.DataFrame,
    *,
    survey_indicator: str = "survey_victimisation",
    crime_indicators: Sequence[str] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    r"""Survey victimisation per 1 000 respondents against reported offences per 1 000
    residents, per area and year where survey data exists.

    Parameters
    ----------
    survey
        :func:`~omradesbild.indicators.compute_indicators` output with the survey indicator
        (``value`` in percent, ``denominator`` = respondents), e.g. per RegSO.
    reported
        :func:`~omradesbild.indicators.compute_indicators` output with offence rates per
        1 000 residents (``crime_rate_*``) for the same areas and years.
    survey_indicator
        The survey indicator's id.
    crime_indicators
        Which rates to add up (default: every ``crime_rate_*`` indicator in ``reported``).
    confidence
        Level of the survey share's Wilson interval, carried into the ratio.

    Returns
    -------
    DataFrame
        :data:`UNDERREPORTING_COLUMNS`, one row per area and period of the survey.
        ``offence_types`` counts the rates that were added; ``note`` says why a ratio is
        missing; ``caveat`` repeats :data:`CAVEAT` on every row.

    Raises
    ------
    InputError
        Missing columns, duplicated rows, or no survey rows.

    Notes
    -----
    With survey share :math:`q` (percent, :math:`m` respondents, Wilson interval
    :math:`(q_l, q_u)`) and reported rate :math:`R = \sum_c R_c` per 1 000 residents over
    the offence types :math:`c`:

    .. math::

        V = 10\,q, \qquad \mathrm{ratio} = V / R, \qquad
        \mathrm{difference} = V - R, \qquad
        \mathrm{relative} = \mathrm{ratio} / \mathrm{median}_{\text{areas}}(\mathrm{ratio}),

    the median taken over the areas of the same period. The ratio's interval is
    :math:`(10 q_l / R, 10 q_u / R)`; it ignores the uncertainty of :math:`R`, the survey's
    design effect and non-response. ``relative > 1`` means more survey victimisation per
    reported offence than in the typical area of the city — a prompt to look closer, not
    evidence of under-reporting.
    """
    need = ("area_code", "period", "indicator", "value")
    require_columns(survey, (*need, "denominator"), what="survey indicators")
    require_columns(reported, need, what="reported offences")
    s = survey.loc[survey["indicator"] == survey_indicator]
    if s.empty:
        raise InputError(
            Message("err_ana_no_survey_rows", indicator=repr(survey_indicator)),
            field="indicator",
            expected=survey_indicator,
        )
    check_unique(s, ["area_code", "period"], what="survey indicators")
    r = reported
    if crime_indicators is None:
        r = r.loc[r["indicator"].astype(str).str.startswith("crime_rate_")]
    else:
        r = r.loc[r["indicator"].isin(list(crime_indicators))]
    check_unique(r, ["area_code", "period", "indicator"], what="reported offences")
    rr = pd.DataFrame(
        {
            "area_code": r["area_code"].astype(str).to_numpy(),
            "period": r["period"].astype(str).to_numpy(),
            "v": pd.to_numeric(r["value"], errors="coerce").to_numpy(dtype=float),
        }
    )
    rate = rr.groupby(["area_code", "period"]).agg(
        reported_per_1000=("v", lambda x: x.sum(min_count=len(x))),
        offence_types=("v", "size"),
    )
    base = pd.DataFrame(
        {
            "area_code": s["area_code"].astype(str).to_numpy(),
            "period": s["period"].astype(str).to_numpy(),
            "respondents": pd.to_numeric(s["denominator"], errors="coerce").to_numpy(float),
            "victimised_pct": pd.to_numeric(s["value"], errors="coerce").to_numpy(float),
        }
    )
    out = base.merge(rate, left_on=["area_code", "period"], right_index=True, how="left")
    out = out.reset_index(drop=True)
    q = out["victimised_pct"].to_numpy(dtype=float)
    m = out["respondents"].to_numpy(dtype=float)
    lo, hi = wilson_interval(q / 100.0 * m, m, confidence=confidence)
    out["victimised_ci_low"] = lo * 100.0
    out["victimised_ci_high"] = hi * 100.0
    out["victimised_per_1000"] = q * 10.0
    rep = out["reported_per_1000"].to_numpy(dtype=float)
    out["offence_types"] = out["offence_types"].fillna(0).astype(int)
    ok = np.isfinite(rep) & (rep > 0) & np.isfinite(q)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(ok, q * 10.0 / rep, np.nan)
        out["ratio_ci_low"] = np.where(ok, lo * 1000.0 / rep, np.nan)
        out["ratio_ci_high"] = np.where(ok, hi * 1000.0 / rep, np.nan)
    out["difference_per_1000"] = q * 10.0 - rep
    med = out.groupby("period")["ratio"].transform("median")
    out["relative_ratio"] = out["ratio"] / med
    note = np.full(len(out), None, dtype=object)
    note[~np.isfinite(q)] = Message("note_no_survey_value")
    note[np.isfinite(q) & ~np.isfinite(rep)] = Message("note_no_reported_rate")
    note[np.isfinite(q) & np.isfinite(rep) & (rep == 0)] = Message("note_no_reported_offences")
    out["note"] = as_text(note)
    out["caveat"] = CAVEAT
    out = out.sort_values(["period", "area_code"], kind="mergesort")
    return out[list(UNDERREPORTING_COLUMNS)].reset_index(drop=True)
