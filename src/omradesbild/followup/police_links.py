"""The Police's list without polygons: areas linked to the list's codes.

Re-exported by :mod:`omradesbild.followup.police`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from omradesbild.followup._common import require_columns
from omradesbild.followup._police_common import _SEVERITY, OVERLAY_COLUMNS, police_classes

#: What separates the places a police area's name joins: ``/`` and brackets.
_NAME_PARTS = re.compile(r"[/()]")


def police_name_parts(name: object) -> frozenset[str]:
    """The places a police area's name joins, case and spacing folded.

    ``"Tynnered / Grevgården / Opaltorget"`` -> ``{"tynnered", "grevgården", "opaltorget"}``;
    ``"Södra Sofielund (Seved)"`` -> ``{"södra sofielund", "seved"}``.
    """
    parts = (" ".join(p.casefold().split()) for p in _NAME_PARTS.split(str(name)))
    return frozenset(p for p in parts if p)


def police_names_meet(a: object, b: object) -> bool:
    """Whether two lists' names of police areas (in one kommun) name a place in common.

    The Police's lists spell the same area differently from year to year: spaces around
    ``/`` (``"Hallunda / Norsborg"``, ``"Hallunda/Norsborg"``), a spelling
    (``"Grevgården"``, ``"Grevegården"``), an area split or narrowed (``"Rinkeby / Tensta"``
    and ``"Rinkeby"``; ``"Hässelby / Vällingby"`` and ``"Hässelby Gård"``). Two names meet
    when a part of one (:func:`police_name_parts`) equals a part of the other, or is its
    first words.
    """
    pa, pb = police_name_parts(a), police_name_parts(b)
    return any(x == y or x.startswith(y + " ") or y.startswith(x + " ") for x in pa for y in pb)


def police_list_from_links(
    classifications: pd.DataFrame,
    links: pd.DataFrame,
    *,
    min_weight: float = 0.0,
) -> pd.DataFrame:
    """Areas on the Police's list from a list without polygons (police area → RegSO links).

    Parameters
    ----------
    classifications
        ``area_code, period, category`` (and ``version``, ``scheme``) of the police areas,
        e.g. from :func:`omradesbild.sources.police.read_police_list`.
    links
        ``from_code`` (police area), ``to_code`` (statistical area), ``weight`` and
        optionally ``from_version`` (matched against the classification's ``version``).
    min_weight
        Links with a weight at or below this are ignored (default 0: every link counts).

    Returns
    -------
    DataFrame
        :data:`OVERLAY_COLUMNS` with ``share_area`` and ``share_population`` NaN (unknown),
        ``on_list`` true and ``basis`` ``"links"``.

    Notes
    -----
    A list's link says that a police area *lies in* the statistical area; its weight (e.g.
    :math:`1/n` for :math:`n` RegSO matched by name) is the police area's share, not the
    statistical area's, so no threshold can be applied: every linked area counts as on the
    list. This overstates the list where a large RegSO holds a small police area.
    """
    require_columns(classifications, ("area_code", "period", "category"), what="classifications")
    require_columns(links, ("from_code", "to_code"), what="links")
    left = police_classes(classifications).rename(columns={"area_code": "police_code"})
    weight = (
        pd.to_numeric(links["weight"], errors="coerce").to_numpy(dtype=float)
        if "weight" in links.columns
        else np.ones(len(links))
    )
    right = pd.DataFrame(
        {
            "police_code": links["from_code"].astype(str).to_numpy(),
            "area_code": links["to_code"].astype(str).to_numpy(),
            "version": links["from_version"].astype(str).to_numpy()
            if "from_version" in links.columns
            else None,
            "weight": weight,
        }
    )
    right = right.loc[~(right["weight"] <= min_weight)]
    on = ["police_code"]
    if left["version"].notna().all() and right["version"].notna().all():
        on.append("version")
    m = left.merge(right.drop(columns=[c for c in ("version",) if c not in on]), on=on)
    out = pd.DataFrame(
        {
            "area_code": m["area_code"].to_numpy(),
            "period": m["period"].to_numpy(),
            "police_code": m["police_code"].to_numpy(),
            "category": m["category"].to_numpy(),
            "share_area": np.nan,
            "share_population": np.nan,
            "on_list": True,
            "basis": "links",
        }
    )
    out = out.sort_values(["period", "police_code", "area_code"], kind="mergesort")
    return out[list(OVERLAY_COLUMNS)].reset_index(drop=True)


def police_shares_from_links(
    list_codes: pd.DataFrame,
    base_to_codes: pd.DataFrame,
    *,
    base_to_areas: pd.DataFrame | None = None,
    population: pd.Series | None = None,
) -> pd.DataFrame:
    r"""Share of each area's residents linked to the codes a police list names.

    Parameters
    ----------
    list_codes
        ``police_code, period, category, code``: the statistical areas (e.g. RegSO 2025)
        each police area of a list without polygons is linked to.
    base_to_codes
        ``from_code`` (base area, e.g. DeSO 2018), ``to_code`` (a code of the list's
        version), ``weight`` (the base area's share in it, e.g. SCB's change log composed).
    base_to_areas
        ``from_code`` (base area), ``to_code`` (the area analysed), ``weight``; ``None``
        when the base areas are the areas analysed.
    population
        Residents per base area; ``None`` counts every base area as one.

    Returns
    -------
    DataFrame
        :data:`OVERLAY_COLUMNS`, one row per area, year and police area with a share above
        0: ``share_population`` (``share_area`` without population, where the base areas
        count equally), ``basis`` ``links_population`` or ``links_equal``. Feed it to
        :func:`listed_areas`, which applies the threshold to the summed share.

    Notes
    -----
    With :math:`n_d` the residents of base area :math:`d`, :math:`v_{dA}` its weight in
    area :math:`A` and :math:`w_{dR}` its weight in the list's code :math:`R`:

    .. math:: s_{A,p} = \frac{\sum_d n_d\, v_{dA} \sum_{R \in R(p)} w_{dR}}
              {\sum_d n_d\, v_{dA}}

    A code linked to several police areas counts once, for the most severe category (ties:
    the first police code), so the shares of an area sum to at most 1.
    """
    require_columns(list_codes, ("police_code", "period", "category", "code"), what="list")
    require_columns(base_to_codes, ("from_code", "to_code", "weight"), what="links")
    lc = list_codes.assign(
        code=list_codes["code"].astype(str),
        period=list_codes["period"].astype(str),
        _sev=list_codes["category"].map(_SEVERITY).fillna(len(_SEVERITY)),
    )
    lc = lc.sort_values(["period", "code", "_sev", "police_code"], kind="mergesort")
    lc = lc.drop_duplicates(["period", "code"])[["police_code", "period", "category", "code"]]
    b2c = pd.DataFrame(
        {
            "base": base_to_codes["from_code"].astype(str).to_numpy(),
            "code": base_to_codes["to_code"].astype(str).to_numpy(),
            "w": pd.to_numeric(base_to_codes["weight"], errors="coerce").fillna(0.0).to_numpy(),
        }
    )
    if base_to_areas is None:
        bases = b2c["base"].drop_duplicates()
        b2a = pd.DataFrame({"base": bases, "area_code": bases, "v": 1.0})
    else:
        b2a = pd.DataFrame(
            {
                "base": base_to_areas["from_code"].astype(str).to_numpy(),
                "area_code": base_to_areas["to_code"].astype(str).to_numpy(),
                "v": pd.to_numeric(base_to_areas["weight"], errors="coerce").fillna(0.0),
            }
        )
    with_pop = population is not None and not population.empty
    n = (
        b2a["base"].map(population.astype(float)).fillna(0.0)
        if with_pop and population is not None
        else pd.Series(1.0, index=b2a.index)
    )
    b2a = b2a.assign(nv=n.to_numpy(dtype=float) * b2a["v"].to_numpy(dtype=float))
    den = b2a.groupby("area_code")["nv"].sum()
    m = b2a.merge(b2c, on="base").merge(lc, on="code")
    m["x"] = m["nv"] * m["w"]
    keys = ["area_code", "period", "police_code", "category"]
    g = m.groupby(keys, as_index=False)["x"].sum()
    g["share"] = (g["x"] / g["area_code"].map(den)).clip(upper=1.0)
    g = g.loc[g["share"] > 0]
    share = g["share"].to_numpy(dtype=float)
    out = pd.DataFrame(
        {
            "area_code": g["area_code"].to_numpy(),
            "period": g["period"].to_numpy(),
            "police_code": g["police_code"].to_numpy(),
            "category": g["category"].to_numpy(),
            "share_area": np.nan if with_pop else share,
            "share_population": share if with_pop else np.nan,
            "on_list": True,
            "basis": "links_population" if with_pop else "links_equal",
        }
    )
    out = out.sort_values(["period", "police_code", "area_code"], kind="mergesort")
    return out[list(OVERLAY_COLUMNS)].reset_index(drop=True)
