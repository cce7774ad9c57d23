"""Step 2 of the indicator computation: counts summed over links (crosswalks) to a higher
level, with missing values propagated; the kommun and country links by the code rule."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE
from omradesbild.errors import InputError
from omradesbild.harmonize.compose import link_weights
from omradesbild.indicators._shared import (
    COUNT_COLUMNS,
    COUNTRY_CODE,
    FloatArray,
    empty_frame,
    join_notes,
    text_values,
)
from omradesbild.indicators.notes import (
    AREAS_WITHOUT_DATA,
    DENOMINATOR_MISSING_IN,
    NUMERATOR_MISSING_IN,
)
from omradesbild.indicators.text_codes import distinct, factorize
from omradesbild.sources.base import LINK_COLUMNS
from omradesbild.wording import Message


def _prepare_links(links: pd.DataFrame, level: str) -> pd.DataFrame:
    for col in ("from_code", "to_code"):
        if col not in links.columns:
            raise InputError(
                Message("err_ana_links_lack_column"),
                field=col,
                expected=Message("exp_src_columns", columns=", ".join(LINK_COLUMNS)),
            )
    lk = links
    if "to_level" in lk.columns and lk["to_level"].notna().any():
        lk = lk.loc[lk["to_level"] == level]
        if lk.empty:
            levels = ", ".join(sorted(str(x) for x in links["to_level"].dropna().unique()))
            raise InputError(
                Message("err_ana_no_links_to_level", level=repr(level)),
                field="to_level",
                expected=Message("exp_ana_links_to_level", level=repr(level), levels=levels),
            )
    weight = link_weights(lk, missing=1.0)
    out = pd.DataFrame(
        {
            "from_code": lk["from_code"].astype(str),
            "from_version": (
                lk["from_version"].fillna("").astype(str) if "from_version" in lk.columns else ""
            ),
            "to_code": lk["to_code"].astype(str),
            "to_version": (
                lk["to_version"].fillna("").astype(str) if "to_version" in lk.columns else ""
            ),
            "weight": weight.astype(float),
        }
    )
    return out.loc[out["weight"] > 0]


def aggregate_counts(
    counts: pd.DataFrame, links: pd.DataFrame, *, level: str, require_complete: bool = True
) -> pd.DataFrame:
    r"""Sum indicator counts over links to a higher level.

    Parameters
    ----------
    counts
        :data:`COUNT_COLUMNS`, from :func:`indicator_counts` or from a previous aggregation.
    links
        :data:`~omradesbild.sources.base.LINK_COLUMNS` (``from_code``, ``to_code`` required;
        ``weight`` defaults to 1; rows are restricted to ``to_level == level`` when
        ``to_level`` is given; ``from_version`` must match the counts' ``area_version`` when
        both are set).
    level
        Target level, written to the ``level`` column.
    require_complete
        If true (default), a target area some of whose linked areas have no row for the
        indicator and period gets missing counts. If false, the sum runs over the linked areas
        that have rows (used for the "all areas" country reference).

    Returns
    -------
    DataFrame
        :data:`COUNT_COLUMNS` at the target level.

    Notes
    -----
    For target area :math:`J` with links :math:`i \to J` of weight :math:`w_{iJ}`:

    .. math::

        y_J = \sum_i w_{iJ}\, y_i, \qquad n_J = \sum_i w_{iJ}\, n_i .

    If any linked area's :math:`y_i` (or :math:`n_i`) is missing, :math:`y_J` (or
    :math:`n_J`) is missing — a suppressed value is never counted as zero. If some linked
    areas have no row at all for the indicator and period, both are missing and the note
    says how many. Weights below 1 (areal or population crosswalks) give estimated counts
    and set ``partial``. Aggregation is associative: DeSO → RegSO → kommun equals
    DeSO → kommun for nested keys.
    """
    lk = _prepare_links(links, level)
    if counts.empty or lk.empty:
        return empty_frame(COUNT_COLUMNS)
    members = _Members.of(counts, lk)
    if members is None:
        return empty_frame(COUNT_COLUMNS)
    agg = members.totals()
    first_row, first_link = members.row[agg.first], members.link[agg.first]
    keys = (
        lk["to_code"].iloc[first_link],
        lk["to_version"].iloc[first_link],
        counts["period"].iloc[first_row],
        counts["indicator"].iloc[first_row],
    )
    expected = _per_group(expected_members(counts, lk), lk["to_code"], first_link)
    totals = agg._asdict()
    return count_frame(keys, totals, expected, members.notes(agg), level, require_complete)


def _per_group(
    expected: pd.Series, to_code: pd.Series, link: npt.NDArray[np.intp]
) -> npt.NDArray[Any]:
    """``expected`` (per target code) of the target codes of the links ``link``
    (``expected.reindex(to_code.iloc[link]).fillna(0)``), looked up once per distinct
    code of the links rather than once per group."""
    code_i, codes = pd.factorize(to_code)
    per_code = expected.reindex(np.asarray(codes, dtype=object)).fillna(0).to_numpy()
    group_i = code_i[link]
    return np.where(group_i >= 0, per_code[np.maximum(group_i, 0)], 0)


def country_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """The sums over every area: :func:`aggregate_counts` of ``counts`` over
    :func:`country_links` of their areas (``require_complete=False``), without the links.

    Every row with an area code is a member, through a link of weight 1, in the rows'
    order: the same members, sums and notes, without matching each row to its link.
    """
    if counts.empty:
        return empty_frame(COUNT_COLUMNS)
    row = np.flatnonzero(counts["area_code"].notna().to_numpy(dtype=bool))
    if not len(row):
        return empty_frame(COUNT_COLUMNS)
    p_i, _ = factorize(counts["period"])
    i_i, i_u = factorize(counts["indicator"])
    key = (p_i[row].astype(np.int64) + 1) * (len(i_u) + 1) + i_i[row] + 1

    def labels(first: npt.NDArray[np.intp]) -> tuple[pd.Series, pd.Series]:
        return counts["period"].iloc[row[first]], counts["indicator"].iloc[row[first]]

    n_areas = int(counts["area_code"].nunique())
    return country_sums(key, MemberValues.of(counts, row), n_areas, labels)


class MemberValues(NamedTuple):
    """The count rows' values of the members of a sum, one element per member."""

    numerator: FloatArray
    denominator: FloatArray
    n_parts: npt.NDArray[np.int64]
    partial: npt.NDArray[np.bool_]
    approximate: npt.NDArray[np.bool_]
    note: npt.NDArray[np.object_]

    @classmethod
    def of(cls, counts: pd.DataFrame, row: npt.NDArray[np.intp]) -> MemberValues:
        """The values of the rows ``row`` of ``counts`` (:data:`COUNT_COLUMNS`)."""
        return cls(
            numerator=counts["numerator"].to_numpy(dtype=float)[row],
            denominator=counts["denominator"].to_numpy(dtype=float)[row],
            n_parts=counts["n_parts"].to_numpy(dtype=np.int64)[row],
            partial=counts["partial"].to_numpy(dtype=bool)[row],
            approximate=counts["approximate"].to_numpy(dtype=bool)[row],
            note=counts["note"].to_numpy(dtype=object)[row],
        )


def country_sums(
    key: npt.NDArray[np.int64],
    values: MemberValues,
    n_areas: int,
    labels: Callable[[npt.NDArray[np.intp]], tuple[pd.Series, pd.Series]],
    *,
    note_code: npt.NDArray[np.intp] | None = None,
) -> pd.DataFrame:
    """:func:`country_counts` of members given as arrays: each member's group ``key`` (equal
    for the members of the same period and indicator, different otherwise), their
    ``values``, the number of distinct areas, and ``labels``: the period and indicator
    (text columns) of the members at some positions (each group's first). ``note_code``:
    each member's note as a number when at hand (see :func:`_member_notes`)."""
    agg = _group_totals(key, np.ones(len(key)), values)
    period, indicator = labels(agg.first)
    n = agg.n
    keys = (
        pd.Series(pd.array([COUNTRY_CODE] * n, dtype="str")),
        pd.Series(pd.array([""] * n, dtype="str")),
        period,
        indicator,
    )
    expected = pd.Series({COUNTRY_CODE: n_areas})  # every area
    notes = _member_notes(values.note, agg.group, agg.n, note_code)
    return count_frame(keys, agg._asdict(), expected, notes, "country", False)


def expected_members(counts: pd.DataFrame, lk: pd.DataFrame) -> pd.Series:
    """Per target area code, how many distinct areas link to it (the links of the counts'
    versions and the unversioned ones): the members a complete sum has."""
    versions = {str(v) for v in distinct(counts["area_version"])}
    lk_used = lk.loc[(lk["from_version"] == "") | lk["from_version"].isin(versions | {""})]
    return lk_used.groupby("to_code")["from_code"].nunique()


def count_frame(
    keys: tuple[pd.Series, pd.Series, pd.Series, pd.Series],
    totals: dict[str, Any],
    expected: pd.Series | npt.NDArray[Any],
    member_notes: npt.NDArray[np.object_],
    level: str,
    require_complete: bool,
) -> pd.DataFrame:
    """:data:`COUNT_COLUMNS` of the groups: ``keys`` (target code and version, period and
    indicator), the group ``totals`` (numerator, denominator, num_nan, den_nan, members,
    n_parts, partial, approximate), the :func:`expected_members` (per target code, or
    already per group) and the members' notes;
    a sum with a missing member value, or fewer members than expected when
    ``require_complete``, is missing and noted."""
    to_code, to_version, period, indicator = keys
    if isinstance(expected, pd.Series):
        exp = expected.reindex(to_code.to_numpy()).fillna(0).to_numpy()
    else:
        exp = np.asarray(expected)
    n_members = np.asarray(totals["members"])
    incomplete = (n_members < exp) if require_complete else np.zeros(len(exp), dtype=bool)
    num_nan, den_nan = np.asarray(totals["num_nan"]), np.asarray(totals["den_nan"])
    numerator = np.where((num_nan > 0) | incomplete, np.nan, totals["numerator"])
    denominator = np.where((den_nan > 0) | incomplete, np.nan, totals["denominator"])
    missing_notes = _missing_notes(n_members, exp, incomplete, num_nan, den_nan)
    out = pd.DataFrame(
        {
            "area_code": text_values(to_code),
            "area_version": text_values(to_version),
            "level": level,
            "period": text_values(period),
            "indicator": text_values(indicator),
            "numerator": numerator,
            "denominator": denominator,
            "n_parts": np.asarray(totals["n_parts"], dtype=int),
            "partial": np.asarray(totals["partial"], dtype=bool),
            "approximate": np.asarray(totals["approximate"], dtype=bool),
            "note": join_notes(*missing_notes, member_notes),
        }
    )
    return out[list(COUNT_COLUMNS)]


class _Totals(NamedTuple):
    """Per group (target area, version, period, indicator; in order of first member)."""

    n: int
    first: npt.NDArray[np.intp]  # position (in the members) of each group's first member
    group: npt.NDArray[np.intp]  # each member's group
    numerator: FloatArray
    denominator: FloatArray
    num_nan: npt.NDArray[np.int64]
    den_nan: npt.NDArray[np.int64]
    members: npt.NDArray[np.int64]
    n_parts: npt.NDArray[np.int64]
    partial: npt.NDArray[np.bool_]
    approximate: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class _Members:
    """The counts joined to their links, as positions: member ``k`` is count row
    ``row[k]`` through link ``link[k]`` (of the prepared links; matching versions only).

    The members are in the order of ``counts.merge(links, left_on="area_code",
    right_on="from_code")``: count rows in order, each with its links in their order.
    """

    counts: pd.DataFrame
    row: npt.NDArray[np.intp]
    link: npt.NDArray[np.intp]
    weight: FloatArray
    to_key: npt.NDArray[np.int64]  # the link's (to_code, to_version) as a number

    @classmethod
    def of(cls, counts: pd.DataFrame, lk: pd.DataFrame) -> _Members | None:
        # count rows → their area's links, through the distinct codes (few) only
        area_i, areas = factorize(counts["area_code"])
        from_code = lk["from_code"].to_numpy(dtype=object)
        link_area = pd.Index(areas.astype(object)).get_indexer(from_code)
        by_area = np.argsort(link_area, kind="stable")
        linked = link_area[by_area]
        linked_areas = np.arange(len(areas))
        start = np.searchsorted(linked, linked_areas, side="left")
        n_links = np.searchsorted(linked, linked_areas, side="right") - start
        per_row = np.where(area_i >= 0, n_links[np.maximum(area_i, 0)], 0)
        row = np.repeat(np.arange(len(counts)), per_row)
        if not len(row):
            return None
        offset = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
        link = by_area[start[area_i[row]] + offset]
        # versions: a link's from_version must match the count's area_version when both set
        fv_i, a_i = _shared_codes(lk["from_version"], counts["area_version"])
        empty = -2  # the code of ""
        f, a = fv_i[link], a_i[row]
        keep = (f == empty) | (a == empty) | ((a >= 0) & (f == a))
        row, link = row[keep], link[keep]
        if not len(row):
            return None
        tc_i, _ = pd.factorize(lk["to_code"])
        tv_i, tv_u = pd.factorize(lk["to_version"])
        to_key = tc_i.astype(np.int64) * max(len(tv_u), 1) + tv_i
        weight = lk["weight"].to_numpy(dtype=float)
        return cls(counts, row, link, weight[link], to_key[link])

    def totals(self) -> _Totals:
        """Sums (the counts by pandas' compensated group sum, as before) and flags."""
        c = self.counts
        p_i, p_u = factorize(c["period"])
        i_i, i_u = factorize(c["indicator"])
        key = (self.to_key * (len(p_u) + 1) + p_i[self.row] + 1) * (len(i_u) + 1)
        key += i_i[self.row] + 1
        return _group_totals(key, self.weight, MemberValues.of(c, self.row))

    def notes(self, agg: _Totals) -> npt.NDArray[np.object_]:
        """Each group's distinct member notes in the members' order, joined with "; "."""
        note = self.counts["note"].to_numpy(dtype=object)[self.row]
        return _member_notes(note, agg.group, agg.n)


def _group_totals(key: npt.NDArray[np.int64], w: FloatArray, values: MemberValues) -> _Totals:
    """The sums of the members' ``values`` times their weights ``w``, per group (members of
    equal ``key``; groups in order of their first member), and the groups' flags."""
    group, uniques = pd.factorize(key)
    n = len(uniques)
    # codes number the groups in order of appearance: a group starts where the code
    # exceeds every earlier one
    seen = np.maximum.accumulate(group)
    first = np.flatnonzero(np.r_[True, group[1:] > seen[:-1]])
    num, den = values.numerator, values.denominator
    sums = pd.DataFrame({"numerator": num * w, "denominator": den * w}).groupby(group).sum()

    def tally(x: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        """How many members of each group ``x`` holds."""
        return np.bincount(group[x], minlength=n).astype(np.int64)

    return _Totals(
        n=n,
        first=first,
        group=group,
        numerator=sums["numerator"].to_numpy(),
        denominator=sums["denominator"].to_numpy(),
        num_nan=tally(np.isnan(num)),
        den_nan=tally(np.isnan(den)),
        members=np.bincount(group, minlength=n).astype(np.int64),
        n_parts=np.bincount(group, weights=values.n_parts, minlength=n).astype(np.int64),
        partial=tally(values.partial | (w < 1.0)) > 0,
        approximate=tally(values.approximate) > 0,
    )


def _member_notes(
    note: npt.NDArray[np.object_],
    group: npt.NDArray[np.intp],
    n: int,
    code: npt.NDArray[np.intp] | None = None,
) -> npt.NDArray[np.object_]:
    """The distinct notes of each of ``n`` groups' members (``group``: each member's group),
    in the members' order, joined with "; " (``None`` for a group without notes).

    ``code``: each member's note as a number when at hand (``-1`` for none; equal numbers
    for equal notes and different ones for different notes among a group's members),
    instead of the texts compared."""
    out = np.full(n, None, dtype=object)
    if code is None:
        noted = np.flatnonzero(pd.notna(note))
        text_i, _ = pd.factorize(note[noted])
    else:
        noted = np.flatnonzero(code >= 0)
        text_i = code[noted]
    if not len(noted):
        return out
    pair = group[noted].astype(np.int64) * (int(text_i.max()) + 1) + text_i
    # the first member with each note: where a pair's code (numbered in order of first
    # appearance) exceeds every earlier one
    pair_i, _ = pd.factorize(pair)
    seen = np.maximum.accumulate(pair_i)
    noted = noted[np.flatnonzero(np.r_[True, pair_i[1:] > seen[:-1]])]
    group = group[noted]
    order = np.argsort(group, kind="stable")
    group, parts = group[order], note[noted[order]].copy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    later = np.ones(len(parts), dtype=bool)
    later[starts] = False
    parts[later] = "; " + parts[later]
    out[group[starts]] = np.add.reduceat(parts, starts)
    return out


def _shared_codes(
    a: pd.Series, b: pd.Series
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Codes of two text columns in one code space: equal texts get equal codes, ``""``
    the code -2 and a missing value -1 (equal to nothing). Only the distinct texts are
    compared."""
    coded = [factorize(col) for col in (a, b)]
    distinct = [np.asarray(u, dtype=object) for _, u in coded]
    texts = pd.Index(pd.unique(np.concatenate(distinct)))
    out = []
    for (i, _), u in zip(coded, distinct, strict=True):
        code = texts.get_indexer(u).astype(np.int64)
        code[u == ""] = -2
        out.append(np.where(i >= 0, code[np.maximum(i, 0)], -1))
    return out[0], out[1]


def _missing_notes(
    members: npt.NDArray[Any],
    exp: npt.NDArray[Any],
    incomplete: npt.NDArray[np.bool_],
    num_nan: npt.NDArray[Any],
    den_nan: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Notes on areas without data and on missing numerators and denominators."""
    inc_note = np.full(len(members), None, dtype=object)
    sel = np.asarray(incomplete, dtype=bool)
    inc_note[sel] = AREAS_WITHOUT_DATA.fill(
        missing=_whole(exp[sel] - members[sel]), expected=_whole(exp[sel])
    )
    nn_note = np.full(len(members), None, dtype=object)
    sel = num_nan > 0
    nn_note[sel] = NUMERATOR_MISSING_IN.fill(
        missing=_whole(num_nan[sel]), areas=_whole(members[sel])
    )
    dn_note = np.full(len(members), None, dtype=object)
    sel = den_nan > 0
    dn_note[sel] = DENOMINATOR_MISSING_IN.fill(
        missing=_whole(den_nan[sel]), areas=_whole(members[sel])
    )
    return inc_note, nn_note, dn_note


def _whole(x: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Numbers as whole-number texts (``int(v)`` of each, truncated toward zero)."""
    return np.asarray(x).astype(np.int64).astype(str).astype(object)


def kommun_links(codes: Iterable[str]) -> pd.DataFrame:
    """Links from DeSO, RegSO or kommun codes to their kommun, by the code rule.

    Raises
    ------
    InputError
        For a code that is not a DeSO, RegSO or kommun code.
    """
    text = pd.Series(pd.unique(pd.Series(list(codes), dtype=object).astype(str))).sort_values()
    ok = coded_area(text)
    if not ok.all():
        raise InputError(
            Message("err_ana_kommun_of_code", code=repr(text[~ok].iloc[0])),
            field="area_code",
            expected=Message("exp_ana_area_code_kinds"),
        )
    return pd.DataFrame(
        {
            "from_code": text.to_numpy(dtype=object),
            "from_level": None,
            "from_version": None,
            "to_code": text.str[:4].to_numpy(dtype=object),
            "to_level": "kommun",
            "to_version": None,
            "weight": 1.0,
            "method": "code_rule",
        },
        columns=list(LINK_COLUMNS),
    )


def coded_area(codes: pd.Series) -> pd.Series:
    """Whether each code is a DeSO, RegSO or kommun code (its kommun by the code rule)."""
    pattern = "|".join(f"(?:{r.pattern})" for r in (DESO_RE, REGSO_RE, KOMMUN_RE))
    # Python's regular expressions, as the code rule's (not Arrow's: ``$``, ``\\d`` differ).
    return codes.astype(object).str.match(pattern).fillna(False).astype(bool)


def country_links(codes: Iterable[str]) -> pd.DataFrame:
    """Links from every area code to the country (:data:`COUNTRY_CODE`)."""
    codes = sorted({str(c) for c in codes})
    return pd.DataFrame(
        {
            "from_code": codes,
            "from_level": None,
            "from_version": None,
            "to_code": COUNTRY_CODE,
            "to_level": "country",
            "to_version": None,
            "weight": 1.0,
            "method": "all_areas",
        },
        columns=list(LINK_COLUMNS),
    )
