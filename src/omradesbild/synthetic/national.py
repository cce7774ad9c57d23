"""A SYNTHETIC Sweden of many kommuner ("Exempelsverige"), built from the city's pieces.

:func:`generate_sweden` lays out kommuner, RegSO and DeSO without polygons (codes in SCB's
structure, nested exactly), draws each DeSO's latent deprivation with
:func:`~omradesbild.synthetic.latent.deprivation`, its population with
:func:`~omradesbild.synthetic.population.population` and every SCB statistic with
:func:`~omradesbild.synthetic.population.statistics` — the model of the synthetic city
Exempelstad (see ``docs/synthetic-city.md``), over every area and year at once. Crime reports
and surveys follow the city's models, drawn as whole arrays. At full scale (290 kommuner)
the counts are Sweden's: 5 984 DeSO (2018), 6 160 DeSO 2025 and 3 363 RegSO.

Every code is fictional: the län codes 70–90 and so every kommun code ``70xx``…``90xx`` do
not exist in Sweden, and every name ends "(syntetisk)". Nothing here is real statistics.
:mod:`omradesbild.synthetic.national_files` writes it in the formats of the real sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.random import PCG64, Generator

from omradesbild.synthetic.constants import (
    EXTRA_VARIABLES,
    NAME_PREFIXES,
    NAME_SUFFIXES,
    OFFENCES,
    SURVEY_VARIABLES,
    SURVEY_YEARS,
)
from omradesbild.synthetic.helpers import allocate, logistic
from omradesbild.synthetic.latent import deprivation
from omradesbild.synthetic.population import population, statistics, wide_table

#: Sweden's counts (DeSO 2018, RegSO 2020, DeSO 2025, kommuner); scaled for fewer kommuner.
SWEDEN_DESO, SWEDEN_REGSO, SWEDEN_DESO2025, SWEDEN_KOMMUNER = 5_984, 3_363, 6_160, 290
#: Fictional län codes (no Swedish län has a code above 25).
FIRST_LAN = 70
N_LAN = 21
SWEDEN_LABEL = "SYNTETISKA DATA – Exempelsverige"
SWEDEN_TITLE_PREFIX = "SYNTETISKA DATA – Exempelsverige: "
#: The smallest kommun: three DeSO.
_MIN_DESO = 3


@dataclass(frozen=True)
class SyntheticSweden:
    """A SYNTHETIC Sweden: every frame is invented.

    Attributes
    ----------
    seed, years
        What it was generated from.
    kommuner
        ``area_code, name, lan_code, lan_name`` (names end "(syntetisk)"/"(syntetiskt)").
    regso
        ``area_code, name, kommun_code``.
    deso
        ``area_code, regso_code, kommun_code, letter, trajectory, split_2025``.
    deso2025
        ``area_code, deso2018_code, regso_code, kommun_code``: a split DeSO keeps its first
        eight characters and gets the reserve digit 1 or 2.
    deso_stats, deso2025_stats
        Wide tables, one row per DeSO (2018 / 2025 codes) and year, one column per variable
        (NaN where suppressed as SCB's ``..``). An unsplit DeSO has the same row in both.
    crime_reports
        One row per report in the columns of
        :attr:`~omradesbild.synthetic.city.SyntheticCity.crime_reports`.
    surveys
        ``area_code, level, period, variable, value, unit`` per RegSO and survey year.
    """

    seed: int
    years: tuple[int, ...]
    kommuner: pd.DataFrame
    regso: pd.DataFrame
    deso: pd.DataFrame
    deso2025: pd.DataFrame
    deso_stats: pd.DataFrame
    deso2025_stats: pd.DataFrame
    crime_reports: pd.DataFrame
    surveys: pd.DataFrame

    @property
    def n_observations(self) -> int:
        """Cells of the model: every variable for both DeSO versions (suppressed cells
        included), every DeSO × year × offence (zero counts included) and the surveys.

        Not the rows a store gets from the written files: see :meth:`observation_counts`.
        """
        n_stat = (self.deso_stats.shape[1] - 2) * (len(self.deso_stats) + len(self.deso2025_stats))
        return int(n_stat + len(self.deso) * len(self.years) * len(OFFENCES) + len(self.surveys))

    def observation_counts(self) -> ObservationCounts:
        """How the cells of the model (:attr:`n_observations`) become stored observations.

        Notes
        -----
        stored = model cells − extra variables not written − crime cells with no report
        + not-geocoded crime counts. Suppressed cells of SCB's tables are written as ``..``
        and stored as missing-value rows, so they are part of both figures.
        """
        extra = list(EXTRA_VARIABLES)
        crime = self.crime_reports
        year = crime["offence_date"].str[:4]
        geocoded = crime["deso_code"].notna()
        return ObservationCounts(
            model_cells=self.n_observations,
            suppressed_stored=int(
                self.deso_stats.drop(columns=["area_code", "year"]).isna().to_numpy().sum()
                + self.deso2025_stats.drop(columns=["area_code", "year", *extra])
                .isna()
                .to_numpy()
                .sum()
            ),
            extra_not_written=len(extra) * len(self.deso2025_stats),
            crime_cells_without_report=int(
                len(self.deso) * len(self.years) * len(OFFENCES)
                - len(crime.loc[geocoded].groupby(["deso_code", "offence_code", year[geocoded]]))
            ),
            crime_not_geocoded=len(
                crime.loc[~geocoded].groupby(["kommun", "offence_code", year[~geocoded]])
            ),
        )


@dataclass(frozen=True)
class ObservationCounts:
    """The model's cells and the observations its files give a store (all counts of rows).

    Attributes
    ----------
    model_cells
        :attr:`SyntheticSweden.n_observations`.
    suppressed_stored
        Suppressed cells of SCB's tables (both DeSO versions): written as ``..``, stored as
        rows with a missing value and its reason (counted in ``model_cells`` and ``stored``).
    extra_not_written
        The extra DeSO variables (long CSV) are written for DeSO 2018 only (suppressed values
        as ``..``): their DeSO 2025 cells of the model have no row in any file.
    crime_cells_without_report
        DeSO × year × offence with no geocoded report: the Police's extract lists reports,
        so a zero count has no row (not stored by design).
    crime_not_geocoded
        Counts per kommun, offence and year of the reports without a DeSO
        (``crime_<code>_not_geocoded``): stored, but not cells of the model.
    """

    model_cells: int
    suppressed_stored: int
    extra_not_written: int
    crime_cells_without_report: int
    crime_not_geocoded: int

    @property
    def stored(self) -> int:
        """Observations an ingest of the written files stores (missing-value rows included)."""
        return (
            self.model_cells
            - self.extra_not_written
            - self.crime_cells_without_report
            + self.crime_not_geocoded
        )


@dataclass(frozen=True)
class _Layout:
    """Kommuner, RegSO and DeSO as arrays (DeSO and RegSO in code order)."""

    kommun_codes: np.ndarray
    kommun_names: np.ndarray
    lan_of_kommun: np.ndarray
    lan_names: np.ndarray
    regso_codes: np.ndarray
    regso_names: np.ndarray
    regso_kommun: np.ndarray
    deso_codes: np.ndarray
    deso_kommun: np.ndarray
    deso_regso: np.ndarray
    letter: np.ndarray


def _counts(total: int, k: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """``total`` split over ``k`` parts of at least ``minimum``, in proportion to ``weights``."""
    return minimum + allocate(np.array([total - minimum * k]), weights[None, :])[0]


def _names(rng: Generator, n: int) -> np.ndarray:
    """``n`` distinct invented place names (prefix + suffix, as the city's)."""
    combos = [p + (s[1:] if p[-1] == s[0] else s) for p in NAME_PREFIXES for s in NAME_SUFFIXES]
    rounds = -(-n // len(combos))
    extra = [f"{c} {i}" for i in range(2, rounds + 1) for c in combos]
    pool = np.asarray(combos + extra)
    return np.asarray(pool[rng.permutation(len(pool))[:n]])


def _layout(rng: Generator, n_kommun: int, n_deso: int, n_regso: int) -> _Layout:
    """Codes in SCB's structure: kommun ``LLKK``, RegSO ``LLKKRnnn``, DeSO ``LLKK[ABC]nnn0``.

    DeSO per kommun are lognormal (a few large cities, many small kommuner, at least three
    DeSO each); RegSO are shared in proportion (at least one per kommun, never more than its
    DeSO) and each takes a run of consecutive DeSO. Rural (A) DeSO come first in each
    kommun, then B, then the central locality C; small kommuner are more rural.
    """
    lan = FIRST_LAN + np.sort(rng.integers(0, N_LAN, n_kommun))
    lan[: min(N_LAN, n_kommun)] = FIRST_LAN + np.arange(min(N_LAN, n_kommun))
    lan = np.sort(lan)
    seq = np.arange(n_kommun) - np.searchsorted(lan, lan)  # 0-based within the län
    kommun_codes = np.char.add(lan.astype(str), np.char.zfill((seq + 1).astype(str), 2))
    names = _names(rng, n_kommun + N_LAN)
    kommun_names = np.char.add(names[:n_kommun], " (syntetisk)")
    lan_names = np.char.add(names[n_kommun:], " län (syntetiskt)")
    deso_k = _counts(n_deso, n_kommun, rng.lognormal(0.0, 1.0, n_kommun), _MIN_DESO)
    if deso_k.max() > 999:
        raise ValueError("too many DeSO for one kommun (at most 999): use more kommuner")
    regso_k = 1 + allocate(np.array([n_regso - n_kommun]), (deso_k - 1)[None, :].astype(float))[0]
    deso_kommun = np.repeat(np.arange(n_kommun), deso_k)
    local = np.arange(n_deso) - np.repeat(np.cumsum(deso_k) - deso_k, deso_k)
    regso_local = local * regso_k[deso_kommun] // deso_k[deso_kommun]
    deso_regso = np.repeat(np.cumsum(regso_k) - regso_k, deso_k) + regso_local
    regso_kommun = np.repeat(np.arange(n_kommun), regso_k)
    regso_seq = np.arange(n_regso) - np.repeat(np.cumsum(regso_k) - regso_k, regso_k)
    frac = local / deso_k[deso_kommun]
    rural = np.clip(0.55 - 0.08 * np.log(deso_k), 0.1, 0.5)[deso_kommun]
    letter = np.where(frac < rural, "A", np.where(frac < rural + 0.15, "B", "C"))
    deso_codes = np.char.add(
        np.char.add(kommun_codes[deso_kommun], letter),
        np.char.add(np.char.zfill((local + 1).astype(str), 3), "0"),
    )
    regso_codes = np.char.add(
        np.char.add(kommun_codes[regso_kommun], "R"), np.char.zfill((regso_seq + 1).astype(str), 3)
    )
    return _Layout(
        kommun_codes=kommun_codes,
        kommun_names=kommun_names,
        lan_of_kommun=lan - FIRST_LAN,
        lan_names=lan_names,
        regso_codes=regso_codes,
        regso_names=np.char.add(
            np.char.add(names[regso_kommun], " "),
            np.char.add((regso_seq + 1).astype(str), " (syntetisk)"),
        ),
        regso_kommun=regso_kommun,
        deso_codes=deso_codes,
        deso_kommun=deso_kommun,
        deso_regso=deso_regso,
        letter=letter,
    )


def _base(rng: Generator, lay: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """``d0`` = län + kommun + RegSO effects + DeSO noise (and the letter), and trajectories."""
    n_deso = len(lay.deso_codes)
    lan_eff = rng.normal(0.0, 0.2, N_LAN)
    kom_eff = rng.normal(0.0, 0.35, len(lay.kommun_codes))
    reg_eff = rng.normal(0.0, 0.55, len(lay.regso_codes))
    d0 = (
        lan_eff[lay.lan_of_kommun[lay.deso_kommun]]
        + kom_eff[lay.deso_kommun]
        + reg_eff[lay.deso_regso]
        + rng.normal(0.0, 0.3, n_deso)
        - 0.3 * (lay.letter == "A")
        + 0.15 * (lay.letter == "B")
    )
    u = rng.uniform(size=n_deso)
    trajectory = np.where(u < 0.12, "improving", np.where(u < 0.22, "declining", "stable"))
    return np.asarray(d0), trajectory.astype(object)


def generate_sweden(
    *,
    seed: int = 20250101,
    years: range = range(2010, 2025),
    kommuner: int = SWEDEN_KOMMUNER,
) -> SyntheticSweden:
    """Generate a SYNTHETIC Sweden, deterministic for a seed.

    Parameters
    ----------
    seed
        Seed of the PCG64 generator.
    years
        Statistic years (at least one).
    kommuner
        Number of kommuner (1–290). The DeSO, RegSO and DeSO 2025 counts are Sweden's
        scaled by ``kommuner / 290`` (exactly Sweden's at 290).

    Returns
    -------
    SyntheticSweden

    Notes
    -----
    Work is vectorised over areas × years; the only Python loops run over offences and
    years (crime) and survey years. Deprivation, population and statistics are the city's
    model: ``d[a,t] = d0[a] + delta[a] ramp(t) + e[a,t]`` with
    ``d0 = län + kommun + RegSO effects + DeSO noise``.
    """
    yrs = tuple(int(y) for y in years)
    if not yrs:
        raise ValueError("need at least one year")
    if not 1 <= kommuner <= SWEDEN_KOMMUNER:
        raise ValueError(f"kommuner must be 1–{SWEDEN_KOMMUNER}")
    scale = kommuner / SWEDEN_KOMMUNER
    n_deso = max(round(SWEDEN_DESO * scale), _MIN_DESO * kommuner)
    n_regso = min(max(round(SWEDEN_REGSO * scale), kommuner), n_deso)
    n_split = max(round((SWEDEN_DESO2025 - SWEDEN_DESO) * scale), 1)
    rng = Generator(PCG64(seed))
    lay = _layout(rng, kommuner, n_deso, n_regso)
    d0, trajectory = _base(rng, lay)
    no_role = np.full(n_deso, None, dtype=object)
    dep = deprivation(rng, d0, trajectory, no_role, yrs)
    pop, split = population(rng, lay.letter, no_role, yrs, n_split=n_split)
    dist_c = rng.uniform(0.0, 1.0, n_deso)
    cols = statistics(rng, pop=pop, dep=dep, letter=lay.letter, dist_c=dist_c, years=yrs)
    wide, _ = wide_table(rng, cols, lay.deso_codes, yrs)
    deso25, wide25 = _deso2025(rng, lay, split, wide, pop=pop, dep=dep, dist_c=dist_c, years=yrs)
    return SyntheticSweden(
        seed=seed,
        years=yrs,
        kommuner=pd.DataFrame(
            {
                "area_code": lay.kommun_codes,
                "name": lay.kommun_names,
                "lan_code": (FIRST_LAN + lay.lan_of_kommun).astype(str),
                "lan_name": lay.lan_names[lay.lan_of_kommun],
            }
        ),
        regso=pd.DataFrame(
            {
                "area_code": lay.regso_codes,
                "name": lay.regso_names,
                "kommun_code": lay.kommun_codes[lay.regso_kommun],
            }
        ),
        deso=pd.DataFrame(
            {
                "area_code": lay.deso_codes,
                "regso_code": lay.regso_codes[lay.deso_regso],
                "kommun_code": lay.kommun_codes[lay.deso_kommun],
                "letter": lay.letter,
                "trajectory": trajectory,
                "split_2025": split,
            }
        ),
        deso2025=deso25,
        deso_stats=wide,
        deso2025_stats=wide25,
        crime_reports=_crime(rng, lay, yrs, pop, dep),
        surveys=_surveys(rng, lay, yrs, pop, dep),
    )


def _deso2025(
    rng: Generator,
    lay: _Layout,
    split: np.ndarray,
    wide: pd.DataFrame,
    *,
    pop: np.ndarray,
    dep: np.ndarray,
    dist_c: np.ndarray,
    years: tuple[int, ...],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DeSO 2025: unsplit DeSO keep their code and rows; a split DeSO's two children get
    its population divided (share ~ U(0.35, 0.65)) and statistics of their own."""
    parents = np.flatnonzero(split)
    kid_parent = np.repeat(parents, 2)
    share = rng.uniform(0.35, 0.65, len(parents))
    shares = np.column_stack([share, 1.0 - share])
    n_y = len(years)
    parts = allocate(pop[parents].reshape(-1), np.repeat(shares, n_y, axis=0))
    kid_pop = parts.reshape(len(parents), n_y, 2).transpose(0, 2, 1).reshape(-1, n_y)
    kid_codes = np.char.add(
        np.char.ljust(lay.deso_codes[kid_parent], 8).astype("<U8"),
        np.tile(np.array(["1", "2"]), len(parents)),
    )
    kid_cols = statistics(
        rng, pop=kid_pop, dep=dep[kid_parent], letter=lay.letter[kid_parent],
        dist_c=dist_c[kid_parent], years=years,
    )  # fmt: skip
    kid_wide, _ = wide_table(rng, kid_cols, kid_codes, years)
    split_codes = set(lay.deso_codes[parents].tolist())
    wide25 = pd.concat([wide.loc[~wide["area_code"].isin(split_codes)], kid_wide])
    wide25 = wide25.sort_values(["area_code", "year"], kind="stable").reset_index(drop=True)
    parent_of = np.where(split, -1, np.arange(len(split)))
    keep = parent_of >= 0
    codes25 = np.concatenate([lay.deso_codes[keep], kid_codes])
    idx25 = np.concatenate([np.flatnonzero(keep), kid_parent])
    order = np.argsort(codes25, kind="stable")
    areas = pd.DataFrame(
        {
            "area_code": codes25[order],
            "deso2018_code": lay.deso_codes[idx25[order]],
            "regso_code": lay.regso_codes[lay.deso_regso[idx25[order]]],
            "kommun_code": lay.kommun_codes[lay.deso_kommun[idx25[order]]],
        }
    )
    return areas, wide25


def _crime(
    rng: Generator, lay: _Layout, years: tuple[int, ...], pop: np.ndarray, dep: np.ndarray
) -> pd.DataFrame:
    """Reports per DeSO, year and offence: Poisson with mean ``rate pop/1000 exp(0.85 d)``
    (no police areas, so no crime influence); 4 % more reports have no DeSO. Dates uniform
    in the year, registration lags geometric, as in the city."""
    offence: list[np.ndarray] = []
    deso: list[np.ndarray] = []
    year: list[np.ndarray] = []
    n_deso = len(lay.deso_codes)
    for code, (_, _, first, rate) in OFFENCES.items():
        j = np.flatnonzero(np.asarray(years) >= first)
        if not len(j):
            continue
        counts = rng.poisson(rate * pop[:, j] / 1000.0 * np.exp(0.85 * dep[:, j]))
        n_missing = rng.poisson(0.04 * counts.sum(axis=0) + 0.3)
        area = np.concatenate([np.repeat(np.arange(n_deso), counts.sum(axis=1)),
                               np.full(n_missing.sum(), -1)])  # fmt: skip
        yr = np.concatenate([np.asarray(years)[j][np.nonzero(counts)[1].repeat(counts[counts > 0])],
                             np.repeat(np.asarray(years)[j], n_missing)])  # fmt: skip
        deso.append(area)
        year.append(yr)
        offence.append(np.full(len(area), code))
    area = np.concatenate(deso)
    yr = np.concatenate(year)
    start = np.array([f"{y}-01-01" for y in range(min(years), max(years) + 2)], "datetime64[D]")
    first_day = start[yr - min(years)]
    n_days = (start[yr - min(years) + 1] - first_day).astype(np.int64)
    day = first_day + np.floor(rng.uniform(size=len(yr)) * n_days).astype(np.int64)
    reg = day + (rng.geometric(0.75, len(yr)) - 1)
    kommun = np.where(
        area >= 0, lay.deso_kommun[area], rng.integers(0, len(lay.kommun_codes), len(area))
    )
    rep = pd.DataFrame(
        {
            "offence_code": np.concatenate(offence),
            "offence_date": day.astype(str),
            "registered_date": reg.astype(str),
            "kommun": lay.kommun_names[kommun],
            "lan": np.char.replace(lay.lan_names[lay.lan_of_kommun[kommun]], " län", " Län"),
            "deso_code": np.where(area >= 0, lay.deso_codes[np.maximum(area, 0)], None),
        }
    ).sort_values(["registered_date", "offence_date", "offence_code"], kind="stable")
    rep.insert(0, "report_id", 1000 + np.cumsum(rng.integers(1, 400, len(rep))))
    rep.insert(2, "offence_text", rep["offence_code"].map({k: v[0] for k, v in OFFENCES.items()}))
    rep["count"] = 1
    cols = ["report_id", "offence_code", "offence_text", "registered_date", "offence_date"]
    return rep[[*cols, "kommun", "lan", "deso_code", "count"]].reset_index(drop=True)


def _surveys(
    rng: Generator, lay: _Layout, years: tuple[int, ...], pop: np.ndarray, dep: np.ndarray
) -> pd.DataFrame:
    """Survey shares per RegSO in the survey years among ``years``, from the pop-weighted
    RegSO deprivation ``D`` as in the city: binomial answers of 70–240 respondents."""
    n_regso = len(lay.regso_codes)
    off = rng.normal(0.0, 0.15, (n_regso, 3))
    frames = []
    for sy in (y for y in SURVEY_YEARS if y in years):
        j = years.index(sy)
        w = np.bincount(lay.deso_regso, weights=pop[:, j], minlength=n_regso)
        d = np.bincount(lay.deso_regso, weights=dep[:, j] * pop[:, j], minlength=n_regso) / w
        n = (rng.integers(70, 240, n_regso) * (1.0 - 0.1 * np.clip(d, 0, 2.5))).astype(np.int64)
        p = logistic(np.column_stack([2.0 - 0.7 * d, 1.6 - 0.45 * d, -2.3 + 0.45 * d]) + off)
        pct = np.round(100.0 * rng.binomial(n[:, None], p) / n[:, None], 1)
        values = np.column_stack([pct, n.astype(float)])
        frames.append(
            pd.DataFrame(
                {
                    "area_code": np.repeat(lay.regso_codes, 4),
                    "level": "regso",
                    "period": str(sy),
                    "variable": np.tile(SURVEY_VARIABLES, n_regso),
                    "value": values.reshape(-1),
                    "unit": np.tile(["procent"] * 3 + ["antal personer"], n_regso),
                }
            )
        )
    columns = ["area_code", "level", "period", "variable", "value", "unit"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
