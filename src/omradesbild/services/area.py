"""The profile of one area in one period, from a computed :class:`LevelPicture`.

:func:`area_profile` is what the web area page, ``/api/areas/{code}``, the static HTML
profile and the PDF render: each area is described by one rule everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from omradesbild.errors import InputError, NotFoundError
from omradesbild.services.level import components, rank_bounds
from omradesbild.services.level_picture import LevelPicture
from omradesbild.services.models import (
    AreaProfile,
    ChangeInfo,
    Driver,
    IndicatorValue,
    OfficialType,
    PartnerEntry,
    PoliceHistory,
    PolicePoint,
    RankInfo,
    TrendInfo,
    TypePoint,
)
from omradesbild.services.records import clean
from omradesbild.services.standins import standin_labels
from omradesbild.wording import both, fmt_num, say, text, unit_label

NOT_LISTED = "not_listed"
NOT_KNOWN = "not_known"


def catalogue_names(lang: str) -> tuple[dict[str, str], dict[str, str], dict[str, int]]:
    """Indicator id -> (name in ``lang``), unit and direction."""
    from omradesbild.indicators import default_catalogue

    cat = default_catalogue()
    names = {i.id: (i.name_en if lang == "en" else i.name_sv) for i in cat.indicators}
    units = {i.id: i.unit for i in cat.indicators}
    direction = {i.id: int(i.direction) for i in cat.indicators}
    return names, units, direction


#: :func:`_words` of each language, with the catalogue they were read from.
_WORDS: dict[str, tuple[object, dict[str, str], dict[str, str]]] = {}


def _words(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Indicator id -> its name and its unit's word in ``lang`` (:func:`unit_label`), read
    from the catalogue once per language and kept while the catalogue is the same object: a
    report reads them for every area. Shared between callers: not to be changed."""
    from omradesbild.indicators import default_catalogue

    cat = default_catalogue()
    kept = _WORDS.get(lang)
    if kept is None or kept[0] is not cat:
        names, units, _ = catalogue_names(lang)
        kept = _WORDS[lang] = (cat, names, {i: unit_label(u, lang) for i, u in units.items()})
    return kept[1], kept[2]


#: :func:`_limits`, with the catalogue they were read from.
_LIMITS: list[tuple[object, dict[str, tuple[str, float, int]]]] = []


def _limits() -> dict[str, tuple[str, float, int]]:
    """Indicator id -> its kind, smallest denominator and fewest events of a reliable value,
    read from the catalogue once and kept while the catalogue is the same object."""
    from omradesbild.indicators import default_catalogue
    from omradesbild.indicators.reliability import min_events

    cat = default_catalogue()
    if not _LIMITS or _LIMITS[0][0] is not cat:
        limits: dict[str, tuple[str, float, int]] = {
            i.id: (i.kind, i.min_denominator, min_events(i.kind)) for i in cat.indicators
        }
        _LIMITS[:] = [(cat, limits)]
    return _LIMITS[0][1]


def why_unreliable(row: dict[str, Any], lang: str) -> str | None:
    """Which condition of a reliable value an unreliable indicator row fails, in ``lang``
    (too few residents or too small a base, too few offences; both joined by "; "), or None
    when the row is not unreliable or fails none of them (a missing value).

    The conditions are those of the flag itself
    (:func:`omradesbild.indicators.reliability.unreliable_reasons`), so the words never
    contradict ``reliable``.
    """
    return why_unreliable_rows([row], lang)[0]


def why_unreliable_rows(rows: Sequence[dict[str, Any]], lang: str) -> list[str | None]:
    """:func:`why_unreliable` of each row, the rule asked once for them all."""
    from omradesbild.indicators.reliability import SMALL_DENOMINATOR, unreliable_reasons_of

    limits = _limits()
    out: list[str | None] = [None] * len(rows)
    at = [
        i
        for i, r in enumerate(rows)
        if str(r.get("indicator")) in limits and reliability(r) == "unreliable"
    ]
    if not at:
        return out
    lim = [limits[str(rows[i].get("indicator"))] for i in at]
    ys = [clean(rows[i].get("numerator")) for i in at]
    ns = [clean(rows[i].get("denominator")) for i in at]
    reasons = unreliable_reasons_of(
        ys, ns, min_denominator=[m[1] for m in lim], min_events=[m[2] for m in lim]
    )
    for i, (kind, min_den, min_ev), y, n, failed in zip(at, lim, ys, ns, reasons, strict=True):
        why = []
        for reason in failed:
            if reason == SMALL_DENOMINATOR:
                key = "why_few_residents" if kind == "rate" else "why_small_base"
                count, least = n, min_den
            else:
                key, count, least = "why_few_offences", y, min_ev
            shown = fmt_num(count, lang, 0) if count is not None else "–"
            why.append(text(key, lang, n=shown, least=fmt_num(least, lang, 0)))
        out[i] = "; ".join(why) or None
    return out


def reliability(row: dict[str, Any]) -> str:
    """``masked``, ``unreliable``, ``approximate`` or ``reliable`` for one indicator row."""
    if row.get("masked"):
        return "masked"
    if row.get("reliable") is False:
        return "unreliable"
    if row.get("approximate"):
        return "approximate"
    return "reliable"


def _int(x: Any) -> int | None:
    v = clean(x)
    return None if v is None else round(float(v))


def resolve_period(pic: LevelPicture, code: str, period: str | None) -> str:
    """The profile's period: as given (checked), else the latest with the index.

    Raises
    ------
    InputError
        ``period`` is not a period of the level's indicators (the message names them, in
        Swedish and English).
    """
    lv = pic.indicators
    rows = lv.by_area.get(code)
    if period is None:
        if pic.index is not None and rows is not None:
            return pic.index.latest()
        if rows:
            return max(str(r["period"]) for r in rows)
        return lv.periods[-1] if lv.periods else ""
    if str(period) not in lv.periods:
        raise InputError(
            both("period_not_at_level", value=repr(str(period)[:60]), level=lv.level,
                 allowed=", ".join(lv.periods) or "–"),
            field="period",
        )  # fmt: skip
    return str(period)


def indicator_values(
    pic: LevelPicture, code: str, period: str | None, *, lang: str
) -> tuple[IndicatorValue, ...]:
    """The area's disclosed indicators in ``period`` (None: every period, oldest first)
    with kommun and country values, in catalogue order."""
    lv = pic.indicators
    names, units = _words(lang)
    no_unit = unit_label("", lang)
    order = {i: n for n, i in enumerate(lv.indicator_ids)}
    kommun = str(lv.kommun.get(code))
    rows = sorted(
        (r for r in lv.by_area.get(code, []) if period is None or r["period"] == period),
        key=lambda r: (order.get(str(r["indicator"]), 999), str(r["period"])),
    )
    out = []
    why = why_unreliable_rows(rows, lang)
    for r, why_not in zip(rows, why, strict=True):
        ind, per = str(r["indicator"]), str(r["period"])
        kv = pic.references.get((kommun, per, ind))
        cv = pic.references.get(("SE", per, ind))
        out.append(
            IndicatorValue(
                id=ind,
                label=names.get(ind, ind),
                unit=units.get(ind, no_unit),
                period=per,
                value=r.get("value"),
                ci_low=r.get("ci_low"),
                ci_high=r.get("ci_high"),
                numerator=r.get("numerator"),
                denominator=r.get("denominator"),
                kommun=kv.value if kv else None,
                country=cv.value if cv else None,
                reliable=r.get("reliable"),
                approximate=r.get("approximate"),
                masked=bool(r.get("masked")),
                mask_reason=r.get("mask_reason"),
                reliability=reliability(r),
                why_unreliable=why_not,
            )
        )
    return tuple(out)


def rank_info(pic: LevelPicture, code: str, period: str, *, lang: str = "sv") -> RankInfo | None:
    """Rank, interval, class (named in ``lang``) and class probabilities (None when the
    area has no rank)."""
    ix = pic.index
    if ix is None:
        return None
    p = period if period in ix.results else ix.latest()
    row = ix.by_area[p].get(code)
    if row is None or row.get("rank") is None:
        return None
    unc, summary = pic.uncertainty(p)
    u = unc.get(code, {})
    cls = _int(row.get("class"))
    probs = {
        int(k.removeprefix("prob_class_")): float(v)
        for k, v in u.items()
        if k.startswith("prob_class_") and v is not None
    }
    low, high = rank_bounds(u)
    return RankInfo(
        period=p,
        rank=int(row["rank"]),
        n=ix.n_reference(p),
        low=low,
        high=high,
        score=ix.score(code, p),
        cls=cls,
        cls_label=ix.class_name(cls, lang, p) if cls else "",
        prob=probs.get(cls) if cls is not None else None,
        class_probabilities=probs,
        components={c: row.get(c) for c in sorted(components(ix.method)) if c in row},
        draws=int(summary.get("draws", 0) or 0),
        perturbed=tuple(summary.get("perturbed") or ()),
    )


def drivers(pic: LevelPicture, code: str, period: str, *, lang: str) -> tuple[Driver, ...]:
    """What drives the area's score (empty where a component is suppressed)."""
    ix = pic.index
    if ix is None or period not in ix.results or ix.score(code, period) is None:
        return ()
    names, _ = _words(lang)
    labels = {
        i.id: (i.label_en if lang == "en" else i.label_sv) or names.get(i.source_column, i.id)
        for i in ix.method.indicators
    }
    labels.update(standin_labels(standins_used(pic, period), lang))
    out = tuple(
        Driver(
            indicator=str(r["indicator"]),
            label=labels.get(str(r["indicator"]), str(r["indicator"])),
            normalised=clean(r["normalised"]),
            weight=clean(r["weight"]),
            contribution=clean(r["contribution"]),
        )
        for r in pic.contributions(period).get(code, [])
    )
    return out if any(d.contribution is not None for d in out) else ()


def standins_used(pic: LevelPicture, period: str) -> dict[str, str]:
    """Indicator -> the column standing in for it in the index of ``period`` (none: empty)."""
    ix = pic.index
    if ix is None or period not in ix.results:
        return {}
    return dict(ix.results[period].attrs.get("fallbacks") or {})


def type_history(pic: LevelPicture, code: str, *, lang: str = "sv") -> tuple[TypePoint, ...]:
    """The area type (relative class, named in ``lang``) in every period with the index."""
    ix = pic.index
    if ix is None:
        return ()
    return tuple(
        TypePoint(
            period=p, cls=_int(c), label=ix.class_name(int(c), lang, p) if c is not None else ""
        )
        for p, c in ix.history.get(code, [])
    )


def police_history(pic: LevelPicture, code: str, *, lang: str) -> PoliceHistory:
    """The area's category in every stored police year (``not_listed`` when not on the
    list, ``not_known`` when the stored data cannot decide that year, or cannot place that
    year's list on the level at all:
    :attr:`~omradesbild.services.level_police.PoliceData.unplaced`), with the stand-ins
    the years are placed by worded in ``lang``
    (:attr:`~omradesbild.services.level_police.PoliceData.notes`, and the drawn DeSO
    polygons the area's shares rest on where they do:
    :meth:`~omradesbild.services.level_police.PoliceData.drawn_note`)."""
    pd_ = pic.police
    known = code in pd_.known
    if not known:
        return PoliceHistory(known=False, threshold=pd_.threshold, unplaced=pd_.unplaced)
    every = {str(r["period"]): r for r in pic.police_by_area().get(code, [])}
    rows = {y: r for y, r in every.items() if r.get("on_list")}
    points = []
    for year in pd_.stored_years:
        if year in pd_.unplaced:
            points.append(PolicePoint(period=year, category=NOT_KNOWN, share=None, basis="none"))
            continue
        r = rows.get(year)
        if r is None and code in pd_.unknown.get(year, frozenset()):
            # a share that cannot decide (surface alone, near the threshold) is shown with it
            u = every.get(year) or {}
            share = clean(u.get("share")) if u.get("basis") == "polygon" else None
            basis = str(u.get("basis")) if share is not None else "none"
            points.append(PolicePoint(period=year, category=NOT_KNOWN, share=share, basis=basis))
            continue
        points.append(
            PolicePoint(
                period=year,
                category=str(r["category"]) if r else NOT_LISTED,
                share=clean(r.get("share")) if r else None,
                basis=str(r.get("basis") or "polygon") if r else "polygon",
            )
        )
    drawn = pd_.drawn_note(code)
    notes = tuple(say(n, lang) for n in (*pd_.notes, *([drawn] if drawn else [])))
    return PoliceHistory(known=True, threshold=pd_.threshold, points=tuple(points),
                         unplaced=pd_.unplaced, notes=notes)  # fmt: skip


def trends(pic: LevelPicture, code: str, *, lang: str) -> tuple[TrendInfo, ...]:
    """Linear trends of the area's published indicators (three periods or more)."""
    names, _ = _words(lang)
    return tuple(
        TrendInfo(
            indicator=str(r["indicator"]),
            label=names.get(str(r["indicator"]), ""),
            slope=r.get("slope"),
            direction=r.get("direction"),
            period_first=str(r["period_first"]),
            period_last=str(r["period_last"]),
            n_periods=int(r["n_periods"]),
        )
        for r in pic.trends().get(code, [])
    )


def changes(pic: LevelPicture, code: str, period: str, *, lang: str) -> tuple[ChangeInfo, ...]:
    """Change of each indicator since the previous period (both values published)."""
    names, _ = _words(lang)
    return tuple(
        ChangeInfo(
            indicator=str(r["indicator"]),
            label=names.get(str(r["indicator"]), ""),
            period_from=str(r["period_from"]),
            period_to=str(r["period_to"]),
            value_from=r.get("value_from"),
            value_to=r.get("value_to"),
            diff=r.get("diff"),
            significant=r.get("significant"),
            change=r.get("change"),
        )
        for r in pic.changes(period).get(code, [])
    )


def area_profile(
    pic: LevelPicture,
    code: str,
    *,
    period: str | None = None,
    lang: str = "sv",
    name: str | None = None,
    has_geometry: bool = False,
    partner_entries: Sequence[PartnerEntry] = (),
    interventions: Sequence[PartnerEntry] = (),
) -> AreaProfile:
    """The profile of area ``code`` in ``period`` (default the latest with the index).

    Raises
    ------
    NotFoundError
        The level has no area ``code``.
    InputError
        The level has no indicators in ``period``.
    """
    lv = pic.indicators
    if code not in lv.names:
        raise NotFoundError(both("err_svc_no_area_with_code", level=lv.level, code=repr(code)))
    period = resolve_period(pic, code, period)
    ix = pic.index
    history = indicator_values(pic, code, None, lang=lang)
    return AreaProfile(
        code=code,
        name=name or lv.names[code],
        level=lv.level,
        version=lv.version,
        kommun=lv.kommun.get(code),
        period=period,
        lang=lang,
        method=ix.method.id if ix is not None else None,
        method_title=(ix.method.title_en if lang == "en" else ix.method.title_sv) if ix else "",
        indicators=tuple(v for v in history if v.period == period),
        indicator_history=history,
        rank=rank_info(pic, code, period, lang=lang),
        drivers=drivers(pic, code, period, lang=lang),
        standins=tuple(standin_labels(standins_used(pic, period), lang).values()),
        type_history=type_history(pic, code, lang=lang),
        official_types=tuple(
            OfficialType(period=per, cls=cls) for per, cls in pic.published.get(code, [])
        ),
        city_classes=pic.city_classes.get(code, ()),
        police=police_history(pic, code, lang=lang),
        trends=trends(pic, code, lang=lang),
        changes=changes(pic, code, period, lang=lang),
        period_before=pic.period_before(period),
        partner_entries=tuple(partner_entries),
        interventions=tuple(interventions),
        has_geometry=has_geometry,
    )


def is_nan(x: object) -> bool:
    """None or a float NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))
