"""Helpers shared by the store-backed follow-up services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from omradesbild.areas.codes import DESO_RE, KOMMUN_RE, REGSO_RE, kommun_of
from omradesbild.config import BASE_VERSION
from omradesbild.errors import ConfigError, InputError, NotFoundError
from omradesbild.followup._common import period_to_year, sort_periods
from omradesbild.index import IndexMethod, load_method
from omradesbild.indicators import default_catalogue
from omradesbild.store import Store
from omradesbild.wording import Message, both

#: Scheme of the Police's classifications in the store.
POLICE_SCHEME = "police_uso"

ClassChoice = Literal["auto", "anchored", "relative"]


def as_method(method: str | IndexMethod) -> IndexMethod:
    """The method itself, or the one loaded from an id or YAML path."""
    return load_method(method) if isinstance(method, str) else method


def store_periods(store: Store, *, area_version: str = BASE_VERSION) -> list[str]:
    """Periods with observations of ``area_version`` areas, in time order."""
    rows = store.con.execute(
        "SELECT DISTINCT period FROM current_observations WHERE area_version = ?", [area_version]
    ).fetchall()
    return sort_periods(r[0] for r in rows)


def between(
    periods: Sequence[str], period_from: str | int | None, period_to: str | int | None
) -> list[str]:
    """The periods whose year lies in ``[period_from, period_to]`` (open ends allowed)."""
    lo = period_to_year(period_from, field="--from") if period_from is not None else -np.inf
    hi = period_to_year(period_to, field="--to") if period_to is not None else np.inf
    if lo > hi:
        raise ConfigError(both("err_from_after_to", start=period_from, end=period_to))
    return [p for p in periods if lo <= period_to_year(p) <= hi]


def span_message(period_from: str | int | None, period_to: str | int | None) -> Message:
    """The span ``[period_from, period_to]`` in words, an open end left unsaid: "mellan
    2018 och 2024", "från och med 2030", "till och med 2012" (no "och None")."""
    if period_from is not None and period_to is not None:
        return Message("period_span", start=str(period_from), end=str(period_to))
    if period_from is not None:
        return Message("period_span_from", start=str(period_from))
    if period_to is not None:
        return Message("period_span_to", end=str(period_to))
    return Message("period_span_all")


def check_indicators(indicators: Sequence[str] | None) -> list[str] | None:
    """Indicator ids without repeats, or ``None`` for all; unknown ids are an error."""
    if not indicators:
        return None
    known = set(default_catalogue().ids)
    unknown = [i for i in indicators if i not in known]
    if unknown:
        ids = ", ".join(unknown)
        raise InputError(both("err_unknown_indicators", option="--indicator", ids=ids))
    return list(dict.fromkeys(indicators))


def require_periods(ind: pd.DataFrame, wanted: Sequence[str], *, what: Message | str) -> None:
    """Raise :class:`NotFoundError` naming the periods of ``wanted`` without values."""
    have = set(ind["period"].astype(str)) if not ind.empty else set()
    missing = [p for p in wanted if p not in have]
    if missing:
        raise NotFoundError(
            both("err_svc_no_values_periods", what=what, periods=", ".join(missing),
                 have=", ".join(sort_periods(have)) or Message("exp_src_none"))
        )  # fmt: skip


def kommun_code(code: str) -> str | None:
    """The kommun of a DeSO, RegSO or kommun code; ``None`` for other codes."""
    if DESO_RE.match(code) or REGSO_RE.match(code) or KOMMUN_RE.match(code):
        return kommun_of(code)
    return None


def check_kommun(kommun: str | None) -> str | None:
    """A kommun code as given (four digits), or ``None``; anything else is an error."""
    if kommun is None:
        return None
    code = str(kommun).strip()
    if not KOMMUN_RE.match(code):
        raise InputError(both("err_not_kommun", value=repr(kommun)))
    return code


def require_kommun(store: Store, kommun: str | None) -> str | None:
    """:func:`check_kommun`, and the kommun must have areas in the store."""
    code = check_kommun(kommun)
    if code is None:
        return None
    row = store.con.execute(
        "SELECT 1 FROM areas WHERE area_code = ? OR (level IN ('deso', 'regso') "
        "AND starts_with(area_code, ?)) LIMIT 1",
        [code, code],
    ).fetchone()
    if row is None:
        raise NotFoundError(both("err_no_kommun", kommun=code))
    return code


def in_kommun(codes: pd.Series, kommun: str | None) -> pd.Series:
    """Boolean mask: which area codes lie in ``kommun`` (all when ``kommun`` is ``None``)."""
    if kommun is None:
        return pd.Series(True, index=codes.index)
    return codes.astype(str).map(kommun_code) == kommun
