"""Input checks shared by every route: constrained types, the query gate, download names.

- :data:`DbId`, :data:`PathId`, :data:`QueryId` — database ids, 1 … 2⁶³ − 1 (larger ids
  are a 422, never an overflow in the database driver);
- :data:`Text` — text without NUL characters or lone UTF-16 surrogates
  (which no database column can hold), a 422 otherwise;
- :func:`check_request` — a dependency of every route: the query parameters that name
  something (``method``, ``level``, ``version``, ``period``, ``lang``, ``indicator``, ``layer``,
  ``area_code``, ``areas``, ``precision``) must name something the app has, before any
  cache is read or written: an unknown value is a 422 whose message names the allowed
  values in Swedish and English; an unknown area code in the path (``/omrade/{code}``) is a 404;
- :func:`store_area_codes`, :func:`check_area_codes`, :func:`check_indicator_ids` — the
  same checks for the area codes and indicator ids of forms and request bodies;
- :func:`checked_period`, :func:`no_index` — the routes' own checks, where what is allowed
  depends on the level, layer or method asked for (a period that one layer or index has,
  an index that can be computed at the level): refused with a 422, never replaced;
- :func:`attachment` — the ``Content-Disposition`` of a download, built from checked
  values and encoded as RFC 6266 / RFC 8187 say.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Annotated
from urllib.parse import quote

from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, Field

from omradesbild.errors import InputError, NotFoundError
from omradesbild.wording import Message, both

#: Largest id a database integer column holds (signed 64 bits).
MAX_DB_ID = 2**63 - 1

#: NUL and the UTF-16 surrogates, which cannot be stored (nor encoded as UTF-8).
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` if it holds no NUL character and no lone surrogate, else a ValueError."""
    if _BAD_CHARS.search(value):
        raise ValueError("NUL or a lone surrogate is not allowed / NUL eller surrogattecken")
    return value


#: A database id: 1 … 2⁶³ − 1 (in a request body).
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
#: A database id in the path.
PathId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
#: A database id in the query string.
QueryId = Annotated[int, Query(ge=1, le=MAX_DB_ID)]
#: An offset of a listing (0 … 2⁶³ − 1).
QueryOffset = Annotated[int, Query(ge=0, le=MAX_DB_ID)]
#: Text that can be stored: no NUL, no lone surrogate.
Text = Annotated[str, AfterValidator(clean_text)]


def bad_text(value: str) -> bool:
    """Whether ``value`` holds NUL or a lone surrogate."""
    return _BAD_CHARS.search(value) is not None


# ------------------------------------------------------------------------------ the gate
def _allowed(values: list[str], limit: int = 40) -> str:
    shown = ", ".join(values[:limit])
    return shown + (", …" if len(values) > limit else "") if values else "(inga / none)"


def unknown_value(param: str, value: str, allowed: list[str]) -> str:
    """The message of an unknown query value, in Swedish and English."""
    return both("web_unknown_value", value=repr(value[:60]), param=param, allowed=_allowed(allowed))


def indicator_ids() -> list[str]:
    """The ids of the indicator catalogue (the shipped one)."""
    from omradesbild.indicators import default_catalogue

    return [i.id for i in default_catalogue().indicators]


def check_indicator_ids(ids: list[str], *, field: str = "indicator") -> None:
    """Raise an :class:`InputError` (422) naming the catalogue's ids when one of ``ids`` is
    not in the indicator catalogue."""
    known = indicator_ids()
    for value in ids:
        if value not in known:
            raise InputError(unknown_value(field, value, known), field=field)


def store_area_codes(request: Request) -> set[str] | None:
    """The area codes the app knows: ``app.state.known_area_codes`` when set, else every
    area code of the store (all levels); None (nothing to check against) when there is no
    store to ask or it holds no areas yet."""
    from omradesbild.errors import StoreError

    known = getattr(request.app.state, "known_area_codes", None)
    if known is not None:
        return set(known)
    data = getattr(request.app.state, "data", None)
    if data is None:
        return None
    try:
        info = data.info_if_cached() or data.info()
    except (StoreError, NotFoundError):
        return None
    return set(info.lookup) or None


def check_area_codes(
    codes: object, known: Collection[str] | None, *, field: str = "area_codes"
) -> None:
    """Raise an :class:`InputError` (422) for the first of ``codes`` (a list, or a string
    of codes separated by commas, semicolons or spaces) that is not in ``known``; the
    message gives examples of codes the store has. Nothing is checked when ``known`` is
    None."""
    if known is None:
        return
    if isinstance(codes, str):
        codes = [c for c in re.split(r"[\s,;]+", codes) if c]
    if not isinstance(codes, list | tuple | set):
        return
    for code in (str(c).strip() for c in codes):
        if code and code not in known:
            examples = _allowed(sorted(known), limit=8)
            raise InputError(
                both("web_unknown_area", value=repr(code[:60]), allowed=examples), field=field
            )


def check_explore(
    request: Request,
    *,
    method: str,
    level: str,
    weights: Mapping[str, float] | None,
    indicators: Collection[str] | None,
) -> None:
    """Refuse (422, naming the allowed values) a method-explorer request whose method is
    not shipped, whose level is not the store's, or whose weights or indicators name a
    unit or indicator the method does not have (its period is checked against the periods
    with the index by the route)."""
    from omradesbild.services.explore import effective_unit_weights
    from omradesbild.web.cache import shipped_method_ids

    known = shipped_method_ids()
    if method not in known:
        raise InputError(unknown_value("method", method, known), field="method")
    levels = request.app.state.data.info().level_names()
    if level not in levels:
        raise InputError(unknown_value("level", level, levels), field="level")
    from omradesbild.services.level import method_by_id

    m = method_by_id(method)
    ids = [i.id for i in m.indicators]
    for value in indicators or ():
        if value not in ids:
            raise InputError(unknown_value("indicators", value, ids), field="indicators")
    if indicators is not None and not indicators:
        raise InputError(both("web_explore_none_kept"), field="indicators")
    declared = effective_unit_weights(m)
    for value in weights or {}:
        if value not in declared:
            raise InputError(unknown_value("weights", value, list(declared)), field="weights")
    for unit, weight in (weights or {}).items():
        if not (math.isfinite(weight) and weight >= 0):
            raise InputError(both("web_explore_bad_weight", unit=unit), field="weights")
    if weights and indicators is None and not any({**declared, **weights}.values()):
        raise InputError(both("web_explore_zero_weights"), field="weights")


async def check_request(request: Request) -> None:
    """Refuse unknown values of the parameters that name something the app has.

    Runs before every route of the app (an app-wide dependency), so that no cache is read
    or written for a value the app does not have: ``lang`` (sv, en), ``method`` (the
    shipped index methods), ``level`` (the store's levels), ``version`` (the boundary
    versions of that level, or of any level), ``period`` (the store's periods),
    ``precision`` (``rounded``, ``full``), ``indicator`` (the catalogue's ids),
    ``layer`` (those, ``index`` and ``area_type``), ``area_code`` and ``areas`` (the
    store's area codes), and an area ``code`` in the path. Any query value or path
    holding NUL is refused too.

    Raises
    ------
    InputError
        An unknown value of a query parameter, or a NUL character (422); the message
        names the allowed values.
    NotFoundError
        An unknown area code in the path (404).
    """
    params = request.query_params
    for key, value in params.multi_items():
        if bad_text(key) or bad_text(value):
            raise InputError(both("web_bad_text", param=key[:40] or "?"), field=key[:40])
    for value in request.path_params.values():
        if isinstance(value, str) and bad_text(value):
            raise InputError(both("web_bad_text", param="path"), field="path")
    lang = params.get("lang")
    if lang and lang not in ("sv", "en"):
        raise InputError(unknown_value("lang", lang, ["sv", "en"]), field="lang")
    precision = params.get("precision")
    if precision is not None:
        from omradesbild.precision import PRECISIONS

        if precision not in PRECISIONS:
            allowed: list[str] = list(PRECISIONS)
            raise InputError(unknown_value("precision", precision, allowed), field="precision")
    method = params.get("method")
    if method:
        from omradesbild.web.cache import shipped_method_ids

        known = shipped_method_ids()
        if method not in known:
            raise InputError(unknown_value("method", method, known), field="method")
    check_indicator_ids([v for v in params.getlist("indicator") if v])
    layer = params.get("layer")
    from omradesbild.web.map_layers import AREA_TYPE_LAYER

    if layer and layer not in ("index", AREA_TYPE_LAYER):
        ids = indicator_ids()
        if layer not in ids:
            allowed = ["index", AREA_TYPE_LAYER, *ids]
            raise InputError(unknown_value("layer", layer, allowed), field="layer")
    code = request.path_params.get("code")
    areas = [v for k in ("area_code", "areas") for v in params.getlist(k) if v]
    if not (
        params.get("level")
        or params.get("version")
        or params.get("period")
        or isinstance(code, str)
        or areas
    ):
        return
    data = request.app.state.data
    info = data.info_if_cached()
    if info is None:
        info = await run_in_threadpool(data.info)
    level = params.get("level")
    if level and level not in info.level_names():
        raise InputError(unknown_value("level", level, info.level_names()), field="level")
    version = params.get("version")
    if version and version not in info.version_names(level or None):
        allowed = info.version_names(level or None)
        raise InputError(unknown_value("version", version, allowed), field="version")
    period = params.get("period")
    if period and period not in info.periods:
        raise InputError(both("web_unknown_period", value=repr(period[:60]),
                              allowed=_allowed(info.periods)), field="period")  # fmt: skip
    for key in ("area_code", "areas"):  # a store without areas has nothing to check against
        check_area_codes(params.getlist(key), info.lookup.keys() or None, field=key)
    if isinstance(code, str) and code not in info.lookup:
        raise NotFoundError(both("web_no_area", value=repr(code[:60])))


def no_index(method: str, level: str) -> InputError:
    """The refusal (422) of an index asked for (``method``) that cannot be computed at
    ``level``, in Swedish and English."""
    return InputError(both("web_no_index_at_level", method=method, level=level), field="method")


# ------------------------------------------------------------------------------ downloads
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(filename: str) -> dict[str, str]:
    """The ``Content-Disposition`` header of a download named ``filename``.

    ``filename`` is built by the caller from checked values only; here it is also made
    safe: the plain ``filename`` parameter keeps ASCII letters, digits, ``.``, ``_`` and
    ``-`` (others become ``_``), and ``filename*`` carries the name percent-encoded in
    UTF-8 (RFC 6266, RFC 8187), so that no quote, semicolon or line break of a value can
    reach the header.
    """
    plain = _UNSAFE_NAME.sub("_", filename).strip("._") or "download"
    encoded = quote(filename, safe="", errors="replace")
    return {"Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"}


def checked_period(
    period: str | None, periods: list[str], *, level: str, of: str | None = None
) -> str | None:
    """``period`` if it is one of ``periods`` (None stays None), else an InputError (422)
    naming them and what they are the periods of: ``level``, and ``of`` (an index method,
    a layer or indicators) when given, in Swedish and English."""
    if period is None or period in periods:
        return period
    scope = (
        Message("web_period_scope_level", level=level)
        if of is None
        else Message("web_period_scope_of", of=of, level=level)
    )
    raise InputError(
        both("web_unknown_period_in", value=repr(period[:60]), allowed=_allowed(periods),
             scope=scope),
        field="period",
    )  # fmt: skip


__all__ = [
    "MAX_DB_ID",
    "DbId",
    "PathId",
    "QueryId",
    "QueryOffset",
    "Text",
    "attachment",
    "bad_text",
    "check_area_codes",
    "check_explore",
    "check_indicator_ids",
    "check_request",
    "checked_period",
    "clean_text",
    "indicator_ids",
    "no_index",
    "store_area_codes",
    "unknown_value",
]
