"""The latent model of the SYNTHETIC city: deprivation per DeSO and year, trajectories,
the police list's areas and the crime influence of being listed.

``d[a, t] = d0[a] + delta[a] * ramp(t; start[a]) + e[a, t]`` with
``d0 = district effect + RegSO effect + DeSO noise`` (see :mod:`omradesbild.synthetic.city`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.random import Generator

from omradesbild.synthetic.constants import POLICE_ROLES, POLICE_YEARS
from omradesbild.synthetic.geometry import Layout

PoliceRole = tuple[str, str, tuple[str | None, ...], int]

#: Crime influence of each police category (log scale of the crime rate).
_CATEGORY_STRENGTH: dict[str | None, float] = {
    None: 0.0,
    "risk": 0.25,
    "utsatt": 0.45,
    "sarskilt_utsatt": 0.7,
}


@dataclass(frozen=True)
class Latent:
    """The latent state of every DeSO.

    Attributes
    ----------
    dep, influence
        Deprivation and crime influence, shape ``(n_deso, n_years)``.
    trajectory, police_role
        Per DeSO: improving/declining/stable, and the police group's role (or None).
    roles, group_regso
        The police groups' roles and their RegSO (0-based, code order), paired.
    cat_by_year
        Police list year → role → category (None: not listed).
    """

    dep: np.ndarray
    influence: np.ndarray
    trajectory: np.ndarray
    police_role: np.ndarray
    roles: list[PoliceRole]
    group_regso: list[int]
    cat_by_year: dict[int, dict[str, str | None]]


def _base_deprivation(rng: Generator, layout: Layout) -> np.ndarray:
    """``d0``: district effect (one large-estates, one affluent district) + RegSO + DeSO."""
    n_districts = len(layout.district_codes)
    dist_eff = rng.normal(0.0, 0.45, n_districts)
    order_dist = rng.permutation(n_districts)
    dist_eff[order_dist[0]] = 1.35  # the large estates ("miljonprogram") district
    if n_districts >= 4:
        dist_eff[order_dist[1]] = 0.8
        dist_eff[order_dist[2]] = -0.9  # the affluent villa district
    reg_eff = rng.normal(0.0, 0.45, layout.n_regso)
    d0 = (
        dist_eff[layout.district_idx]
        + reg_eff[layout.regso_idx]
        + rng.normal(0.0, 0.3, layout.n_deso)
    )
    letter = layout.letter
    return np.asarray(d0 - 0.3 * (letter == "A") + 0.15 * (letter == "B"))


def _police_groups(layout: Layout, d0: np.ndarray) -> tuple[list[int], list[PoliceRole]]:
    """The most deprived RegSO (their non-rural DeSO) become the police list's groups."""
    urban_deso = layout.letter != "A"
    regso_idx = layout.regso_idx
    reg_d0 = np.array(
        [
            d0[(regso_idx == r) & urban_deso].mean() if ((regso_idx == r) & urban_deso).any()
            else -np.inf
            for r in range(layout.n_regso)
        ]
    )  # fmt: skip
    n_groups = int(min(len(POLICE_ROLES), max(2, layout.n_regso // 6)))
    group_regso = [int(r) for r in np.argsort(-reg_d0, kind="stable")[:n_groups]]
    roles = sorted(POLICE_ROLES[:n_groups], key=lambda role: role[3])
    return group_regso, roles


def _trajectories(
    rng: Generator, layout: Layout, group_regso: list[int], roles: list[PoliceRole]
) -> tuple[np.ndarray, np.ndarray]:
    """Trajectory (12 % improving, 10 % declining) and police role of each DeSO."""
    n_deso = layout.n_deso
    police_role = np.full(n_deso, None, dtype=object)
    trajectory = np.full(n_deso, "stable", dtype=object)
    u = rng.uniform(size=n_deso)
    trajectory[u < 0.12] = "improving"
    trajectory[(u >= 0.12) & (u < 0.22)] = "declining"
    for r, role in zip(group_regso, roles, strict=True):
        members = (layout.regso_idx == r) & (layout.letter != "A")
        police_role[members] = role[0]
        trajectory[members] = role[1]
    return trajectory, police_role


def deprivation(
    rng: Generator,
    d0: np.ndarray,
    trajectory: np.ndarray,
    police_role: np.ndarray,
    years: tuple[int, ...],
) -> np.ndarray:
    """``d[a, t] = d0[a] + delta[a] * ramp(t; start[a]) + e[a, t]``, shape (n_deso, n_years)."""
    n_deso = len(d0)
    t_first, t_last = years[0], years[-1]
    delta = np.where(
        trajectory == "improving",
        -rng.uniform(0.9, 1.6, n_deso),
        np.where(trajectory == "declining", rng.uniform(0.7, 1.3, n_deso), 0.0),
    )
    stable_drift = rng.normal(0.0, 0.12, n_deso)
    delta = np.where(trajectory == "stable", stable_drift, delta)
    delta = np.where(police_role == "left_still_vulnerable", 0.0, delta)
    start = rng.integers(t_first, max(t_first + 1, t_first + (t_last - t_first) // 2), n_deso)
    tt = np.asarray(years, dtype=float)
    ramp = np.clip((tt[None, :] - start[:, None]) / np.maximum(t_last - start[:, None], 1), 0, 1)
    noise = rng.normal(0.0, 0.05, (n_deso, len(years)))
    return np.asarray(d0[:, None] + delta[:, None] * ramp + noise)


def _influence(
    police_role: np.ndarray,
    cat_by_year: dict[int, dict[str, str | None]],
    years: tuple[int, ...],
) -> np.ndarray:
    """Crime influence per DeSO and statistic year: the category of the latest list."""
    influence = np.zeros((len(police_role), len(years)))
    for j, y in enumerate(years):
        listed = [py for py in POLICE_YEARS if py <= y]
        py_now = listed[-1] if listed else POLICE_YEARS[0]
        for i in range(len(police_role)):
            role_i = police_role[i]
            if role_i is None:
                continue
            cat = cat_by_year[py_now][role_i]
            val = _CATEGORY_STRENGTH[cat]
            if role_i == "left_still_vulnerable" and cat is None:
                val = -0.25  # criminal networks weakened: why the police took it off the list
            influence[i, j] = val
    return influence


def latent_state(rng: Generator, layout: Layout, years: tuple[int, ...]) -> Latent:
    """Deprivation, trajectories, police groups and crime influence of every DeSO."""
    d0 = _base_deprivation(rng, layout)
    group_regso, roles = _police_groups(layout, d0)
    trajectory, police_role = _trajectories(rng, layout, group_regso, roles)
    # The police area that leaves the list while still vulnerable stays the most deprived.
    d0[police_role == "left_still_vulnerable"] += 0.3
    d0[police_role == "declining_entered"] -= 0.3
    dep = deprivation(rng, d0, trajectory, police_role, years)
    role_cats = {role[0]: role[2] for role in POLICE_ROLES}
    cat_by_year: dict[int, dict[str, str | None]] = {
        py: {role[0]: role_cats[role[0]][k] for role in roles} for k, py in enumerate(POLICE_YEARS)
    }
    return Latent(
        dep=dep,
        influence=_influence(police_role, cat_by_year, years),
        trajectory=trajectory,
        police_role=police_role,
        roles=roles,
        group_regso=group_regso,
        cat_by_year=cat_by_year,
    )
