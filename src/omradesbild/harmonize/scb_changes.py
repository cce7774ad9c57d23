"""Crosswalks DeSO 2018 <-> 2025 and RegSO 2020 <-> 2025 from SCB's own change log.

SCB's file "Historiska förändringar i DeSO" lists, for every DeSO that changed, the DeSO
it gave (part of) its population or land to, with SCB's change type. It names *which* areas
are linked but not *how much* of an area moved; the weights here are estimates whose basis
is named in each link's method (see :func:`deso_change_links`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from omradesbild.config import BASE_VERSION, DEFAULT_VERSION, NEW_DESO_VERSION
from omradesbild.errors import InputError
from omradesbild.harmonize._common import _require
from omradesbild.sources.base import LINK_COLUMNS, empty_frame
from omradesbild.wording import Message

#: Method of a link whose weight is exact: the whole source area lies in one target area.
METHOD_EXACT = "scb_changes"
#: Prefix of estimated links; the basis follows, e.g. ``scb_changes_population``.
METHOD_PREFIX = "scb_changes_"
#: Basis name used when no population or area is known for the areas concerned.
EQUAL = "equal"

#: SCB's change types (matched at the start of the text) and what each means here.
CHANGE_KINDS: dict[str, str] = {
    "Upphör; till nybildad": "ceases_to_new",
    "Upphör; till befintlig": "ceases_to_existing",
    "Minskas och ger del till befintlig eller nybildad": "reduced",
    "Ger del/delar till befintlig": "gives_to_existing",
    "Ger del till nybildad": "gives_to_new",
    "Utvidgas till territorialvattengräns": "expanded_to_sea",
    "Utvidgas (till territorialvattengräns)": "expanded_to_sea",
    "Utvidgas": "expanded",
    "Kodändrad": "recoded",
}

#: Columns of :func:`compare_with_code_rule`'s result.
COMPARE_COLUMNS: tuple[str, ...] = ("from_code", "change_log", "code_rule", "status")


def change_kind(change_type: str) -> str | None:
    """The kind of one of SCB's change types (longest matching prefix), or ``None``."""
    for prefix in sorted(CHANGE_KINDS, key=len, reverse=True):
        if change_type.strip().startswith(prefix):
            return CHANGE_KINDS[prefix]
    return None


@dataclass
class ChangeCrosswalk:
    """Links between two DeSO versions built from the change log.

    Attributes
    ----------
    forward, backward
        :data:`~omradesbild.sources.base.LINK_COLUMNS`: old -> new and new -> old; the
        weights of each source area sum to 1.
    skipped
        Change-log rows not applied (columns of the log plus ``reason``): rows about codes
        that were already gone before the old version (``before_old_version``) or that lie
        outside both code sets given (``outside``).
    unreached_new
        New codes that no old code leads to (should be empty for complete inputs).
    """

    forward: pd.DataFrame
    backward: pd.DataFrame
    skipped: pd.DataFrame
    unreached_new: list[str] = field(default_factory=list)


def _targets(
    changes: pd.DataFrame, old: set[str], new: set[str]
) -> tuple[dict[str, list[str]], pd.DataFrame]:
    targets: dict[str, list[str]] = {}
    skipped: list[dict[str, object]] = []
    for idx, row in changes.iterrows():
        a, b, typ = str(row["deso_old"]), str(row["deso_new"]), str(row["change_type"])
        line = int(idx) + 2 if isinstance(idx, int) else None
        if change_kind(typ) is None:
            raise InputError(
                Message("err_ana_unknown_change_type", type=repr(typ)),
                row=line,
                field="change_type",
                expected=Message("exp_ana_change_types", types="; ".join(CHANGE_KINDS)),
            )
        if a not in old:
            if b in old or b not in new:
                reason = "before_old_version" if b in old else "outside"
                skipped.append({**{str(k): v for k, v in row.items()}, "reason": reason})
                continue
            raise InputError(
                Message("err_ana_old_deso_unknown", code=a),
                row=line,
                field="deso_old",
                expected=Message("exp_ana_old_code"),
            )
        if b not in new:
            raise InputError(
                Message("err_ana_new_deso_unknown", code=b, old=a),
                row=line,
                field="deso_new",
                expected=Message("exp_ana_new_code"),
            )
        lst = targets.setdefault(a, [])
        if b not in lst:
            lst.append(b)
    cols = [*changes.columns, "reason"]
    return targets, pd.DataFrame(skipped, columns=cols)


#: A link as a row of :data:`LINK_COLUMNS`.
_LinkRow = tuple[str, str, str, str, str, str, float, str]


def _link_row(a: str, b: str, w: float, method: str, lv: str, fv: str, tv: str) -> _LinkRow:
    """The link ``a`` (version ``fv``) -> ``b`` (version ``tv``), both at level ``lv``."""
    return (a, lv, fv, b, lv, tv, w, method)


def _shares(
    items: Sequence[str], basis: Mapping[str, float] | None, name: str
) -> tuple[list[float], str]:
    """Weights of ``items`` proportional to ``basis``, or equal when it does not cover them."""
    if len(items) == 1:
        return [1.0], METHOD_EXACT
    if basis is not None:
        values = [basis.get(i) for i in items]
        if all(v is not None and not pd.isna(v) and float(v) >= 0 for v in values):
            total = sum(float(v) for v in values if v is not None)
            if total > 0:
                return [float(v) / total for v in values if v is not None], METHOD_PREFIX + name
    return [1.0 / len(items)] * len(items), METHOD_PREFIX + EQUAL


def _frame(rows: list[_LinkRow]) -> pd.DataFrame:
    if not rows:
        return empty_frame(LINK_COLUMNS)
    out = pd.DataFrame(rows, columns=list(LINK_COLUMNS))
    out["weight"] = out["weight"].astype(float)
    return out.sort_values(["from_code", "to_code"], kind="mergesort").reset_index(drop=True)


def deso_change_links(
    changes: pd.DataFrame,
    old_codes: Sequence[str],
    new_codes: Sequence[str],
    *,
    new_basis: Mapping[str, float] | None = None,
    new_basis_name: str = "population",
    old_basis: Mapping[str, float] | None = None,
    old_basis_name: str = "population",
    from_version: str = BASE_VERSION,
    to_version: str = NEW_DESO_VERSION,
) -> ChangeCrosswalk:
    """DeSO links old <-> new from SCB's change log.

    Parameters
    ----------
    changes
        The log: ``deso_old``, ``deso_new``, ``change_type`` (SCB's text), ``date``.
    old_codes, new_codes
        Every code of the two versions (from SCB's keys).
    new_basis, old_basis
        Optional size of each new / old area (population, or polygon area in m²) that
        weights splits; ``*_basis_name`` names it in the link method.
    from_version, to_version
        Version names written in the links.

    Returns
    -------
    ChangeCrosswalk

    Raises
    ------
    InputError
        An unknown change type; a row about an old code the old version lacks (unless its
        new code is an old code too: a change before the old version, skipped); a new code
        the new version lacks; an old code neither in the log nor among the new codes.

    Notes
    -----
    An old area :math:`a` not in the log continues unchanged (link to itself, weight 1).
    Otherwise it links to every new area :math:`b \\in T(a)` the log names for it (itself
    when it continues with a changed boundary). With one target the weight is 1 (method
    ``scb_changes``). With several,

    .. math:: w_{ab} = s_b / \\sum_{b' \\in T(a)} s_{b'},

    where :math:`s_b` is ``new_basis`` (method ``scb_changes_<new_basis_name>``), or
    :math:`1/|T(a)|` when the basis does not cover every target (``scb_changes_equal``).
    The log does not say how much of :math:`a` went where, so :math:`w_{ab}` is an
    estimate; where :math:`a` continues and gives a small part to a large existing area it
    overstates the part given. The backward link of new area :math:`b` to its old areas
    :math:`S(b)` uses the estimated flows :math:`F_{ab} = p_a w_{ab}`:

    .. math:: v_{ba} = F_{ab} / \\sum_{a' \\in S(b)} F_{a'b},

    with :math:`p_a` the ``old_basis`` (method ``scb_changes_<old_basis_name>``) or 1 for
    every old area when it does not cover :math:`S(b)` (``scb_changes_equal``); the method
    ends in ``+split_<basis>`` when a forward weight behind it was itself an estimate.
    """
    _require(changes, CHANGE_COLUMNS_REQUIRED, "the change log")
    old, new = {str(c) for c in old_codes}, {str(c) for c in new_codes}
    targets, skipped = _targets(changes.reset_index(drop=True), old, new)
    fwd: list[_LinkRow] = []
    for a in sorted(old):
        tg = targets.get(a)
        if tg is None:
            if a not in new:
                raise InputError(
                    Message("err_ana_old_deso_lost", code=a),
                    field="deso_old",
                    expected=Message("exp_ana_old_continues"),
                )
            tg = [a]
        tg = sorted(tg)
        weights, method = _shares(tg, new_basis, new_basis_name)
        fwd.extend(
            _link_row(a, b, w, method, "deso", from_version, to_version)
            for b, w in zip(tg, weights, strict=True)
        )
    forward = _frame(fwd)
    backward = _reverse(forward, old_basis, old_basis_name)
    reached = set(forward["to_code"].astype(str))
    return ChangeCrosswalk(
        forward=forward,
        backward=backward,
        skipped=skipped,
        unreached_new=sorted(new - reached),
    )


CHANGE_COLUMNS_REQUIRED: tuple[str, ...] = ("deso_old", "deso_new", "change_type")


def _reverse(
    forward: pd.DataFrame, old_basis: Mapping[str, float] | None, name: str
) -> pd.DataFrame:
    rows: list[_LinkRow] = []
    if forward.empty:
        return empty_frame(LINK_COLUMNS)
    fv, tv = str(forward["from_version"].iloc[0]), str(forward["to_version"].iloc[0])
    level = str(forward["from_level"].iloc[0])
    # The forward links of each new area, in the forward frame's order (plain lists: a
    # pandas group per area costs seconds on the country's ~6 000 DeSO).
    groups: dict[str, tuple[list[str], list[float], list[object]]] = {}
    for a, b, wt, m in zip(
        forward["from_code"].astype(str).tolist(),
        forward["to_code"].tolist(),
        forward["weight"].astype(float).tolist(),
        forward["method"].tolist(),
        strict=True,
    ):
        g = groups.setdefault(b, ([], [], []))
        g[0].append(a)
        g[1].append(wt)
        g[2].append(m)
    for b in sorted(groups):
        srcs, w, methods = groups[b]
        if len(srcs) == 1:
            shares, method = [1.0], METHOD_EXACT
        else:
            flows = dict(zip(srcs, w, strict=True))
            basis = None
            if old_basis is not None and all(
                old_basis.get(a) is not None and not pd.isna(old_basis.get(a)) for a in srcs
            ):
                basis = {a: float(old_basis[a]) * flows[a] for a in srcs}
            shares, method = _shares(srcs, basis, name)
            if method == METHOD_PREFIX + EQUAL:
                shares, _ = _shares(srcs, flows, EQUAL)
            method += _split_suffix(methods)
        rows.extend(
            _link_row(str(b), a, s, method, level, tv, fv)
            for a, s in zip(srcs, shares, strict=True)
        )
    return _frame(rows)


def _split_suffix(methods: Iterable[object]) -> str:
    """``"+split_<basis>"`` naming how the forward splits behind a weight were shared."""
    bases = sorted({str(m).removeprefix(METHOD_PREFIX) for m in methods if str(m) != METHOD_EXACT})
    return "+split_" + "_".join(bases) if bases else ""


def regso_change_links(
    deso_forward: pd.DataFrame,
    old_key: Mapping[str, str],
    new_key: Mapping[str, str],
    *,
    old_basis: Mapping[str, float] | None = None,
    old_basis_name: str = "population",
    from_version: str = DEFAULT_VERSION["regso"],
    to_version: str = "regso2025",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RegSO links old <-> new, built from DeSO links and SCB's two DeSO -> RegSO keys.

    Parameters
    ----------
    deso_forward
        DeSO old -> new links (:func:`deso_change_links`' ``forward``).
    old_key, new_key
        DeSO -> RegSO of the old (DeSO 2018 -> RegSO 2020) and the new version.
    old_basis
        Population (or other size) of each old DeSO; without it (or when it misses a DeSO)
        every old DeSO counts as 1.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(forward, backward)`` links with :data:`~omradesbild.sources.base.LINK_COLUMNS`.

    Notes
    -----
    The estimated flow from old RegSO :math:`r` to new RegSO :math:`s` is
    :math:`F_{rs} = \\sum_{a \\in r} \\sum_{b \\in s} p_a w_{ab}` with :math:`p_a` the old
    DeSO's basis. Forward weights are :math:`F_{rs} / \\sum_{s'} F_{rs'}`, backward weights
    :math:`F_{rs} / \\sum_{r'} F_{r's}`. A link whose weight is 1 is exact when every DeSO
    behind it moved whole (method ``scb_changes``); otherwise the method is
    ``scb_changes_<old basis>``, followed by ``+split_<basis>`` when DeSO splits behind it
    were shared by an estimate (e.g. ``scb_changes_population+split_equal``).
    """
    lk = deso_forward.copy()
    lk["r"] = lk["from_code"].astype(str).map(old_key)
    lk["s"] = lk["to_code"].astype(str).map(new_key)
    for col, what in (("r", "from_code"), ("s", "to_code")):
        if lk[col].isna().any():
            bad = str(lk.loc[lk[col].isna(), what].iloc[0])
            key = "err_ana_deso_not_in_old_key" if col == "r" else "err_ana_deso_not_in_new_key"
            raise InputError(
                Message(key, codes=bad), field=what, expected=Message("exp_ana_deso_in_key")
            )
    codes = lk["from_code"].astype(str)
    covered = old_basis is not None and all(
        old_basis.get(c) is not None and not pd.isna(old_basis.get(c)) for c in set(codes)
    )
    p = codes.map(lambda c: float(old_basis[c])) if covered and old_basis else 1.0
    name = old_basis_name if covered else EQUAL
    lk["flow"] = p * lk["weight"].astype(float)
    lk["exact"] = lk["method"] == METHOD_EXACT
    flows = lk.groupby(["r", "s"], as_index=False).agg(
        flow=("flow", "sum"), exact=("exact", "all"), split=("method", _split_suffix)
    )

    def build(src: str, dst: str, fv: str, tv: str) -> pd.DataFrame:
        f = flows.copy()
        tot = f.groupby(src)["flow"].transform("sum")
        n = f.groupby(src)["flow"].transform("size")
        f["weight"] = (f["flow"] / tot).where(tot > 0, 1.0 / n)
        one = f["weight"].round(12) == 1.0
        f["method"] = METHOD_PREFIX + name + f["split"]
        f.loc[one & f["exact"], "method"] = METHOD_EXACT
        rows = [
            _link_row(str(a), str(b), float(w), str(m), "regso", fv, tv)
            for a, b, w, m in f[[src, dst, "weight", "method"]].itertuples(index=False)
        ]
        return _frame(rows)

    return build("r", "s", from_version, to_version), build("s", "r", to_version, from_version)


def compare_with_code_rule(
    change_links: pd.DataFrame, code_rule_links: pd.DataFrame
) -> pd.DataFrame:
    """Per old DeSO, the new DeSO the change log and the code rule link it to.

    Parameters
    ----------
    change_links
        Old -> new links from the change log (:func:`deso_change_links`' ``forward``).
    code_rule_links
        Old -> new links by the code rule
        (:func:`omradesbild.harmonize.code_rule.code_rule_links`).

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARE_COLUMNS`, one row per old code of ``change_links``; ``change_log`` and
        ``code_rule`` are the target codes joined with ``" "``; ``status`` is ``same``,
        ``different`` (other targets) or ``rule_unmatched`` (the rule links it nowhere).
    """

    def sets(links: pd.DataFrame) -> dict[str, tuple[str, ...]]:
        if links.empty:
            return {}
        g = links.groupby(links["from_code"].astype(str))["to_code"]
        return {str(k): tuple(sorted(set(map(str, v)))) for k, v in g}

    ours, rule = sets(change_links), sets(code_rule_links)
    rows = []
    for a in sorted(ours):
        r = rule.get(a, ())
        status = "same" if r == ours[a] else ("rule_unmatched" if not r else "different")
        rows.append((a, " ".join(ours[a]), " ".join(r), status))
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
