"""Partners' approved input on the area pages, with the visibility rules of the partners'
service; the anonymous view is cached until the public content changes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request

from omradesbild.web.cache import MISS, cached, memo
from omradesbild.web.views import get_data


def cached_public_entries(request: Request, code: str) -> tuple[bool, list[dict[str, Any]]] | None:
    """The anonymous view of an area's partner input when it is in memory (else None)."""
    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return False, []
    if not generation_is_fresh(request):
        return None
    key = ("partners-public", partners_id(request), public_generation(request))
    by_area = cached(get_data(request), key)
    if by_area is MISS:
        return None
    return True, [_entry(r, code) for r in by_area.get(code, [])[:_MAX_ENTRIES]]


def partner_entries(request: Request, code: str) -> tuple[bool, list[dict[str, Any]]]:
    """Partners' approved submissions on the area that the visitor may see.

    Returns ``(available, entries)``; ``available`` is False when the app runs without the
    partners' database.
    """
    return _approved_submissions(request, code)


#: Changes whenever what anonymous visitors see changes (an approval, an edit or a change
#: of visibility of a public submission; not a draft or anything else private): the key of
#: the cached anonymous view of an area's submissions and of the anonymous area pages.
_PARTNERS_GENERATION = "SELECT revision FROM public_revision WHERE id = 1"


def _approved_submissions(request: Request, code: str) -> tuple[bool, list[dict[str, Any]]]:
    """Approved submissions linked to ``code`` that the visitor may see (the visibility
    rules of :func:`omradesbild.partners.service.list_submissions`), newest first.

    Also makes the logged-in user (and the CSRF token of the session) known to the page
    layout. The anonymous view is cached until the public content changes (see
    :func:`public_generation`).
    """
    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return False, []
    from omradesbild.web.auth import cookie_name

    token = request.cookies.get(cookie_name(request))
    if token:
        return True, _submission_entries(request, code, token)
    generation = public_generation(request)
    key = ("partners-public", partners_id(request), generation)
    by_area: dict[str, list[dict[str, Any]]] = memo(
        get_data(request), key, lambda: _public_by_area(request)
    )
    return True, [_entry(r, code) for r in by_area.get(code, [])[:_MAX_ENTRIES]]


_MAX_ENTRIES = 20

#: What :func:`polled_row` keeps per engine: when it asked (``time.monotonic()``) and the row.
PolledRows = dict[str, tuple[float, tuple[Any, ...]]]

#: How long (seconds) an anonymous visitor may see the partners' input as it was: the
#: "has anything changed?" query runs at most this often per process.
PUBLIC_GENERATION_TTL = 1.0
_GENERATION: PolledRows = {}


def partners_id(request: Request) -> str:
    """The identity of the app's partners' database in process-wide caches (a token made
    when the app opened it). Not ``id(engine)``: ids are reused after an engine is freed."""
    state = request.app.state
    token = getattr(state, "partners_id", None)
    if token is None:  # an engine set by hand (tests): the engine object's id
        return f"engine-{id(getattr(state, 'partners_engine', None))}"
    return str(token)


def public_generation(
    request: Request, *, max_age: float = PUBLIC_GENERATION_TTL
) -> tuple[Any, ...]:
    """A value that changes whenever the public partners' content changes (checked at most
    every ``max_age`` seconds; see :func:`omradesbild.partners.service.public_revision`)."""
    return polled_row(request, _PARTNERS_GENERATION, _GENERATION, max_age=max_age)


def polled_row(
    request: Request,
    sql: str,
    seen: PolledRows,
    *,
    max_age: float,
    convert: Callable[[Any], Any] = lambda x: x,
) -> tuple[Any, ...]:
    """The first row of ``sql`` on the partners' database (each value through ``convert``),
    asked at most every ``max_age`` seconds per engine and kept in ``seen`` in between; an
    empty tuple without the partners' database.

    A plain DB-API read: no ORM session, and no "BEGIN IMMEDIATE" of the partners' SQLite
    sessions (which would serialise concurrent page views on the write lock).
    """
    engine = getattr(request.app.state, "partners_engine", None)
    if engine is None:
        return ()
    now = time.monotonic()
    last = seen.get(partners_id(request))
    if last is not None and now - last[0] < max_age:
        return last[1]
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(sql)
        row = tuple(convert(x) for x in cur.fetchone() or ())
        cur.close()
    finally:
        conn.close()
    seen[partners_id(request)] = (now, row)
    return row


def forget_public_generation() -> None:
    """Make the next anonymous page view check the partners' input again (after a write)."""
    _GENERATION.clear()


def generation_is_fresh(request: Request) -> bool:
    import time

    engine = getattr(request.app.state, "partners_engine", None)
    seen = _GENERATION.get(partners_id(request)) if engine is not None else None
    return engine is None or (
        seen is not None and time.monotonic() - seen[0] < PUBLIC_GENERATION_TTL
    )


def _public_by_area(request: Request) -> dict[str, list[dict[str, Any]]]:
    """Every approved public submission (newest first), by linked area code."""
    from omradesbild.partners import service
    from omradesbild.web.auth import read_factory

    out: dict[str, list[dict[str, Any]]] = {}
    with read_factory(request)() as db:
        offset = 0
        while True:
            rows = service.list_submissions(db, None, status="approved", limit=1000, offset=offset)
            for r in rows:
                for c in r.get("area_codes") or []:
                    out.setdefault(str(c), []).append(r)
            if len(rows) < 1000:
                return out
            offset += len(rows)


def _submission_entries(request: Request, code: str, token: str | None) -> list[dict[str, Any]]:
    from omradesbild.partners import security, service
    from omradesbild.web.auth import csrf_for, read_factory

    with read_factory(request)() as db:
        user = security.session_user(db, token)
        rows = service.list_submissions(
            db, service.Actor.of(user), area_code=code, status="approved", limit=_MAX_ENTRIES
        )
        if user is not None:
            request.state.user = user
            request.state.csrf_token = csrf_for(request)
    return [_entry(r, code) for r in rows]


def _entry(r: dict[str, Any], code: str) -> dict[str, Any]:
    """A submission as an entry of the area page's "partners' input" section."""
    link = f"/bidrag?area_code={code}" if re.fullmatch(r"[0-9A-Za-z_-]+", code) else None
    return {
        "date": str(r.get("updated_at") or "")[:10],
        "organisation": r.get("organisation"),
        "kind": r.get("kind"),
        "title": r.get("title"),
        "text": r.get("body"),
        "url": link,
    }
