"""DeSO 2018 -> DeSO 2025 by SCB's code rule, and a geometric check of the rule.

SCB's 2025 revision kept the first 8 characters of a DeSO code and changed only the reserve
digit where an area was split, so 2018 code ``1480C1030`` maps to every 2025 code starting
with ``1480C103`` (:func:`omradesbild.areas.codes.deso_2018_to_2025_stem`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from omradesbild.areas.codes import deso_2018_to_2025_stem, is_deso
from omradesbild.errors import InputError
from omradesbild.sources.base import LINK_COLUMNS, empty_frame
from omradesbild.validation import Joined
from omradesbild.wording import Message

#: Method of an equal-split (or 1:1) code-rule link.
METHOD_EQUAL = "code_rule"
#: Method of a population-weighted code-rule link of a split area.
METHOD_POPULATION = "code_rule_population"

#: Columns of :func:`check_code_rule_with_geometry`'s result.
CHECK_COLUMNS: tuple[str, ...] = (
    "from_code",
    "to_code",
    "weight",
    "area_2018_m2",
    "area_2025_m2",
    "overlap_m2",
    "share_inside_parent",
    "share_of_parent",
    "status",
)


@dataclass
class CodeRuleCrosswalk:
    """The code-rule links and the codes the rule could not match.

    Attributes
    ----------
    links
        :data:`~omradesbild.sources.base.LINK_COLUMNS`, deso2018 -> deso2025.
    unmatched_2018
        2018 codes with no 2025 code sharing their first 8 characters (areas that ceased
        to exist or were recoded).
    unmatched_2025
        2025 codes whose first 8 characters match no 2018 code (new areas).
    """

    links: pd.DataFrame
    unmatched_2018: list[str] = field(default_factory=list)
    unmatched_2025: list[str] = field(default_factory=list)


def _check_codes(codes: Sequence[str], which: str) -> list[str]:
    out = [str(c).strip() for c in codes]
    seen: set[str] = set()
    for i, c in enumerate(out, start=1):
        if not is_deso(c):
            raise InputError(
                Message("err_ana_not_deso", item=i, code=repr(c)),
                field=which,
                expected=Message("exp_ana_deso_code"),
            )
        if c in seen:
            raise InputError(
                Message("err_ana_code_twice", code=c),
                field=which,
                expected=Message("exp_src_each_code_once"),
            )
        seen.add(c)
    return out


def code_rule_crosswalk(
    deso2018: Sequence[str],
    deso2025: Sequence[str],
    *,
    population2025: Mapping[str, float] | pd.Series | None = None,
) -> CodeRuleCrosswalk:
    """Link DeSO 2018 codes to DeSO 2025 codes by the code rule, with unmatched codes.

    Parameters
    ----------
    deso2018, deso2025
        The codes of each version (e.g. every DeSO of a kommun in both versions).
    population2025
        Optional population per 2025 code; used to weight splits.

    Returns
    -------
    CodeRuleCrosswalk

    Notes
    -----
    2018 code :math:`a` links to the set :math:`S(a) = \\{b : b_{1..8} = a_{1..8}\\}` of
    2025 codes, :math:`n = |S(a)|`. Without populations every link gets

    .. math:: w_{ab} = 1 / n,

    with populations :math:`P_b` (for splits, :math:`n > 1`)

    .. math:: w_{ab} = P_b / \\sum_{b' \\in S(a)} P_{b'},

    falling back to :math:`1/n` when the sum is 0. Either way
    :math:`\\sum_b w_{ab} = 1` for every matched 2018 code. Method ``code_rule`` marks
    1:1 links and equal splits, ``code_rule_population`` population-weighted splits.

    Raises
    ------
    InputError
        A code that is not DeSO-shaped, a code given twice, two 2018 codes with the same
        first 8 characters, or a missing/negative population for a split 2025 area.
    """
    c18 = _check_codes(deso2018, "deso2018")
    c25 = _check_codes(deso2025, "deso2025")
    stems18: dict[str, str] = {}
    for c in c18:
        stem = deso_2018_to_2025_stem(c)
        if stem in stems18:
            raise InputError(
                Message("err_ana_shared_stem", a=stems18[stem], b=c, stem=stem),
                field="deso2018",
                expected=Message("exp_ana_distinct_stems"),
            )
        stems18[stem] = c
    children: dict[str, list[str]] = {c: [] for c in c18}
    unmatched_2025: list[str] = []
    for c in c25:
        parent = stems18.get(deso_2018_to_2025_stem(c))
        if parent is None:
            unmatched_2025.append(c)
        else:
            children[parent].append(c)
    pop: Mapping[str, float] | None = None
    if isinstance(population2025, pd.Series):
        pop = {str(k): float(v) for k, v in population2025.items()}
    elif population2025 is not None:
        pop = population2025

    rows: list[dict[str, object]] = []
    unmatched_2018: list[str] = []
    for a in c18:
        kids = sorted(children[a])
        if not kids:
            unmatched_2018.append(a)
            continue
        weights = [1.0 / len(kids)] * len(kids)
        method = METHOD_EQUAL
        if pop is not None and len(kids) > 1:
            values = []
            for b in kids:
                v = pop.get(b)
                if v is None or pd.isna(v) or float(v) < 0:
                    raise InputError(
                        Message("err_ana_split_population", area=b, old=a, value=repr(v)),
                        field="population2025",
                        expected=Message("exp_ana_split_population"),
                    )
                values.append(float(v))
            total = sum(values)
            if total > 0:
                weights = [v / total for v in values]
                method = METHOD_POPULATION
        rows.extend(
            {
                "from_code": a,
                "from_level": "deso",
                "from_version": "deso2018",
                "to_code": b,
                "to_level": "deso",
                "to_version": "deso2025",
                "weight": w,
                "method": method,
            }
            for b, w in zip(kids, weights, strict=True)
        )
    links = pd.DataFrame(rows, columns=list(LINK_COLUMNS)) if rows else empty_frame(LINK_COLUMNS)
    if rows:
        links["weight"] = links["weight"].astype(float)
    return CodeRuleCrosswalk(
        links=links, unmatched_2018=unmatched_2018, unmatched_2025=sorted(unmatched_2025)
    )


def code_rule_links(
    deso2018: Sequence[str],
    deso2025: Sequence[str],
    *,
    population2025: Mapping[str, float] | pd.Series | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """DeSO 2018 -> DeSO 2025 links by the code rule (see :func:`code_rule_crosswalk`).

    Parameters
    ----------
    deso2018, deso2025
        The codes of each version.
    population2025
        Optional population per 2025 code, to weight splits by population.
    strict
        Raise :class:`InputError` if any code on either side is unmatched. Otherwise the
        unmatched codes are in ``links.attrs["unmatched_2018"]`` and
        ``links.attrs["unmatched_2025"]`` (or call :func:`code_rule_crosswalk`).

    Returns
    -------
    pandas.DataFrame
        :data:`~omradesbild.sources.base.LINK_COLUMNS`.
    """
    cw = code_rule_crosswalk(deso2018, deso2025, population2025=population2025)
    if strict and (cw.unmatched_2018 or cw.unmatched_2025):
        parts = [
            Message("exp_ana_n_codes", n=len(codes), year=year, codes=", ".join(codes[:10]))
            for year, codes in (("2018", cw.unmatched_2018), ("2025", cw.unmatched_2025))
            if codes
        ]
        raise InputError(
            Message("err_ana_unmatched_codes", items=Joined(parts)),
            field="deso2018" if cw.unmatched_2018 else "deso2025",
            expected=Message("exp_ana_stem_match"),
        )
    links = cw.links
    links.attrs["unmatched_2018"] = list(cw.unmatched_2018)
    links.attrs["unmatched_2025"] = list(cw.unmatched_2025)
    return links


def _geometry_lookup(gdf: gpd.GeoDataFrame, code_column: str, which: str) -> pd.Series:
    if code_column not in gdf.columns:
        raise InputError(
            Message("err_ana_no_code_column"),
            field=code_column,
            expected=Message("exp_ana_code_column", which=which, column=repr(code_column)),
        )
    if gdf.crs is None:
        raise InputError(
            Message("err_ana_which_no_crs", which=which),
            field="geometry",
            expected=Message("exp_ana_gdf_crs"),
        )
    geo = gdf.geometry if gdf.crs.to_epsg() == 3006 else gdf.geometry.to_crs("EPSG:3006")
    codes = gdf[code_column].astype(str)
    if codes.duplicated().any():
        dup = codes[codes.duplicated()].iloc[0]
        raise InputError(
            Message("err_ana_which_code_twice", which=which, code=dup),
            field=code_column,
            expected=Message("exp_ana_unique_codes"),
        )
    return pd.Series(geo.to_numpy(), index=codes.to_numpy())


def check_code_rule_with_geometry(
    links: pd.DataFrame,
    geoms2018: gpd.GeoDataFrame,
    geoms2025: gpd.GeoDataFrame,
    *,
    code_column: str = "area_code",
) -> pd.DataFrame:
    """How well each code-rule link agrees with the two boundary versions.

    Parameters
    ----------
    links
        Links deso2018 -> deso2025 (e.g. from :func:`code_rule_links`).
    geoms2018, geoms2025
        Polygons of the two versions with a ``code_column``; any CRS (measured in EPSG:3006).
    code_column
        Column holding the area codes.

    Returns
    -------
    pandas.DataFrame
        One row per link with :data:`CHECK_COLUMNS`; ``status`` is ``"ok"``,
        ``"missing_2018_geometry"`` or ``"missing_2025_geometry"`` (measures NaN).

    Notes
    -----
    For a link from 2018 area :math:`A` to 2025 area :math:`B`:

    .. math::

        \\text{share\\_inside\\_parent} = |A \\cap B| / |B|, \\qquad
        \\text{share\\_of\\_parent} = |A \\cap B| / |A|.

    The rule holds where ``share_inside_parent`` is close to 1 (small deviations come from
    generalised or simplified boundaries). ``share_of_parent`` is the areal weight an
    areal-interpolation crosswalk would use.
    """
    g18 = _geometry_lookup(geoms2018, code_column, "geoms2018")
    g25 = _geometry_lookup(geoms2025, code_column, "geoms2025")
    from_codes = links["from_code"].astype(str).to_numpy()
    to_codes = links["to_code"].astype(str).to_numpy()
    a = np.array([g18.get(c) for c in from_codes], dtype=object)
    b = np.array([g25.get(c) for c in to_codes], dtype=object)
    has_a = np.array([g is not None for g in a], dtype=bool)
    has_b = np.array([g is not None for g in b], dtype=bool)
    both = has_a & has_b
    area_a = np.full(len(links), np.nan)
    area_b = np.full(len(links), np.nan)
    overlap = np.full(len(links), np.nan)
    if has_a.any():
        area_a[has_a] = shapely.area(a[has_a].astype(object))
    if has_b.any():
        area_b[has_b] = shapely.area(b[has_b].astype(object))
    if both.any():
        overlap[both] = shapely.area(shapely.intersection(a[both], b[both]))
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.where(area_b > 0, overlap / area_b, np.nan)
        of_parent = np.where(area_a > 0, overlap / area_a, np.nan)
    status = np.where(
        ~has_a, "missing_2018_geometry", np.where(~has_b, "missing_2025_geometry", "ok")
    )
    return pd.DataFrame(
        {
            "from_code": from_codes,
            "to_code": to_codes,
            "weight": links["weight"].astype(float).to_numpy(),
            "area_2018_m2": area_a,
            "area_2025_m2": area_b,
            "overlap_m2": overlap,
            "share_inside_parent": inside,
            "share_of_parent": of_parent,
            "status": status,
        },
        columns=list(CHECK_COLUMNS),
    )
