"""Find an area by its name or its code, at any level the store holds.

:func:`search_index` reads every stored area once, named by
:func:`omradesbild.services.names.area_name_frame` (so that a DeSO is "del av Husby", as
in every table); :func:`search_areas` answers a query from it without the store. The web
app's search, the pickers and the comparison's fields call these, the renderers only show
the hits.

Rules
-----
A query and the names are compared folded: lower case, diacritics dropped (``Sjöängen`` is
found by ``sjoangen``), punctuation read as a space. A hit is ranked by how it matches:

0. ``code``: a word of the query is the area's code (``0180r036``; so a picker's whole
   label, which ends with the code, finds its area);
1. ``name``: the query is the name, or the name with its kommun (``Husby Stockholm``);
2. ``prefix``: the name (or the code) starts with the query;
3. ``word``: every word of the query starts a word of the name or of its kommun's name
   (``husby`` finds "del av Husby"; ``husby stock`` finds Husby in Stockholm);
4. ``part``: the query is a part of the name or of the code.

Within a rank: larger levels first (kommun, district, RegSO, DeSO), then by name and code.
:attr:`AreaSearch.target` is the area a search goes straight to: the only hit, or the only
hit of rank 0 or 1. :func:`search_names` finds other named things (the indicators by their
Swedish names) by the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from omradesbild.errors import InputError
from omradesbild.store import Store
from omradesbild.wording import Message, both, level_label

#: Levels that are not searched (references and overlays, not areas with a page).
NOT_SEARCHED: frozenset[str] = frozenset({"country", "police_area"})

#: Order of the levels within a rank of hits (others after these, by name).
LEVEL_ORDER: tuple[str, ...] = ("kommun", "district", "regso", "deso")

#: The kinds of match, best first (see the module's rules).
MATCHES: tuple[str, ...] = ("code", "name", "prefix", "word", "part")

#: The most hits a search returns by default.
SEARCH_LIMIT = 50

#: The longest query (characters).
MAX_QUERY = 100

_NOT_WORD = re.compile(r"[\W_]+")


def fold(value: str) -> str:
    """``value`` compared as the search compares: lower case, without diacritics, words
    separated by one space (punctuation is a space)."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


class AreaHit(BaseModel):
    """An area found: its code, name, level and kommun, and how it matched."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    level: str
    match: str = Field(default="name", description="How it matched: " + ", ".join(MATCHES))
    kommun_code: str | None = None
    kommun_name: str | None = None

    def labelled(self, lang: str = "sv") -> str:
        """``Name (Kommun) — level, code``: the name first, the code last."""
        where = f" ({self.kommun_name})" if self.kommun_name else ""
        return f"{self.name}{where} — {level_label(self.level, lang)}, {self.code}"


class AreaSearch(BaseModel):
    """The answer to one query: the hits, best first, and the area to go straight to."""

    model_config = ConfigDict(frozen=True)

    query: str
    n_found: int
    hits: tuple[AreaHit, ...]
    target: AreaHit | None = None


@dataclass(frozen=True)
class _Entry:
    hit: AreaHit
    code: str  # folded
    name: str  # folded
    words: tuple[str, ...]  # folded words of the name, then of the kommun's name
    with_kommun: str  # folded "name kommun"
    order: tuple[int, str, str]


@dataclass(frozen=True)
class SearchIndex:
    """Every searchable area, folded once (:func:`search_index`)."""

    entries: tuple[_Entry, ...]
    lang: str = "sv"

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def hits(self) -> tuple[AreaHit, ...]:
        """Every area of the index (as hits matched by name)."""
        return tuple(e.hit for e in self.entries)


def build_index(hits: Iterable[AreaHit], *, lang: str = "sv") -> SearchIndex:
    """The index of ``hits`` (pure; :func:`search_index` reads them from a store)."""
    entries = []
    for h in hits:
        name, kommun = fold(h.name), fold(h.kommun_name or "")
        lv = LEVEL_ORDER.index(h.level) if h.level in LEVEL_ORDER else len(LEVEL_ORDER)
        entries.append(
            _Entry(
                hit=h, code=fold(h.code), name=name,
                words=tuple(name.split()) + tuple(kommun.split()),
                with_kommun=f"{name} {kommun}".strip(), order=(lv, name, h.code),
            )
        )  # fmt: skip
    entries.sort(key=lambda e: e.order)
    return SearchIndex(entries=tuple(entries), lang=lang)


def search_index(store: Store, *, lang: str = "sv") -> SearchIndex:
    """Every area of ``store`` (one per code, levels of :data:`NOT_SEARCHED` left out),
    named as in every table (:func:`~omradesbild.services.names.area_name_frame`)."""
    from omradesbild.services.names import area_name_frame

    frame = area_name_frame(store, lang=lang)
    frame = frame[~frame["level"].isin(NOT_SEARCHED)]
    hits = (
        AreaHit(
            code=str(code),
            name=str(name),
            level=str(level),
            kommun_code=k if isinstance(k, str) and k else None,
            kommun_name=kn if isinstance(kn, str) and kn else None,
        )
        for code, level, name, k, kn in frame[
            ["area_code", "level", "area_name", "kommun_code", "kommun_name"]
        ].itertuples(index=False, name=None)
    )
    return build_index(hits, lang=lang)


def _match(e: _Entry, q: str, words: tuple[str, ...]) -> int | None:
    """The rank of ``e``'s match of the folded query ``q`` (None: no match)."""
    if e.code in words:
        return 0
    if q in (e.name, e.with_kommun):
        return 1
    if e.name.startswith(q) or e.code.startswith(q):
        return 2
    if all(any(w.startswith(qw) for w in e.words) for qw in words):
        return 3
    if q in e.name or q in e.code:
        return 4
    return None


def search_areas(
    index: SearchIndex,
    query: str,
    *,
    level: str | None = None,
    limit: int | None = SEARCH_LIMIT,
) -> AreaSearch:
    """The areas of ``index`` that ``query`` finds (see the module's rules), best first.

    Parameters
    ----------
    index
        From :func:`search_index` or :func:`build_index`.
    query
        A name, a part of one, or a code (case and diacritics do not matter).
    level
        Only areas of this level.
    limit
        The most hits returned (None: all); ``n_found`` counts them all.

    Raises
    ------
    InputError
        An empty query (nothing but spaces and punctuation) or one longer than
        :data:`MAX_QUERY` characters.
    """
    q = fold(query)
    if not q:
        raise InputError(
            Message("err_svc_query_empty"), field="q", expected=Message("exp_svc_query_example")
        )
    if len(query) > MAX_QUERY:
        raise InputError(
            Message("err_svc_query_long", n=len(query)), field="q",
            expected=Message("exp_svc_query_max", max=MAX_QUERY),
        )  # fmt: skip
    words = tuple(q.split())
    found: list[tuple[int, _Entry]] = []
    for e in index.entries:
        if level is not None and e.hit.level != level:
            continue
        rank = _match(e, q, words)
        if rank is not None:
            found.append((rank, e))
    found.sort(key=lambda x: (x[0], x[1].order))  # stable: the index's order within a rank
    hits = tuple(e.hit.model_copy(update={"match": MATCHES[r]}) for r, e in found)
    best = [h for h in hits if h.match in ("code", "name")]
    target = hits[0] if len(hits) == 1 else (best[0] if len(best) == 1 else None)
    shown = hits if limit is None else hits[:limit]
    return AreaSearch(query=query.strip(), n_found=len(hits), hits=shown, target=target)


def resolve_area(index: SearchIndex, value: str, *, field: str = "areas") -> AreaHit:
    """The one area ``value`` (a code, a name or a picker's label) names.

    Raises
    ------
    InputError
        No area or several areas match; the message names up to five of them.
    """
    found = search_areas(index, value, limit=5)
    if found.target is not None:
        return found.target
    q = value.strip()
    if not found.hits:
        raise InputError(both("search_no_area", q=q), field=field, expected="a name or a code")
    shown = "; ".join(h.labelled(index.lang) for h in found.hits)
    more = f" … ({found.n_found})" if found.n_found > len(found.hits) else ""
    raise InputError(both("search_ambiguous", q=q), field=field, expected=f"{shown}{more}")


def search_names(
    names: Mapping[str, str], query: str, *, limit: int | None = SEARCH_LIMIT
) -> tuple[tuple[str, str], ...]:
    """``(id, name)`` of the ``names`` (id -> name, e.g. the indicator catalogue's Swedish
    names) that ``query`` finds, best first, by the same rules as the areas (the id as the
    code). A query that finds nothing, or is empty, gives nothing."""
    if not fold(query) or len(query) > MAX_QUERY:
        return ()
    index = build_index(AreaHit(code=i, name=n, level="") for i, n in names.items())
    found = search_areas(index, query, limit=limit)
    return tuple((h.code, h.name) for h in found.hits)
