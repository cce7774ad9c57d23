"""The report pages' figures as JSON, the parts that many profiles share written once.

The profiles of one kommun draw many equal parts: the city's map (one trace and its layout),
the kommun's and the country's lines of each trend chart, the layouts of the trend charts
and of the dot chart. :class:`SharedParts` makes each such part once per run (one object,
shared by every figure that draws it); :func:`figures_json` writes a profile's figures as
:func:`script_json` writes them, each shared part's text written once and put in its place
in every page. Nothing here knows what a figure means: only which objects are shared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def script_json(obj: Any) -> str:
    """JSON for embedding in <script>: no NaN, and no '</' that could close the tag."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace(
        "</", "<\\/"
    )


class SharedParts:
    """Parts of figures made once per key for one run and shared by every figure that
    draws them: one object each, to be treated as read-only, kept as long as this is."""

    def __init__(self) -> None:
        self._by_key: dict[Hashable, Any] = {}
        self._objects: dict[int, Any] = {}
        #: The JSON of each shared object by its id (:func:`figures_json`).
        self.texts: dict[int, str] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The part of ``key``, made by ``make`` the first time."""
        found = self._by_key.get(key)
        if found is None:
            found = self._by_key[key] = self.add(make())
        return found  # type: ignore[no-any-return]

    def add(self, obj: T) -> T:
        """Mark ``obj`` as shared (the same object on many pages; kept)."""
        self._objects[id(obj)] = obj
        return obj

    def shares(self, obj: object) -> bool:
        """Whether ``obj`` is one of the shared objects."""
        return self._objects.get(id(obj)) is obj


def shared_part(
    shared: SharedParts | None, key: Hashable, values: Sequence[object], make: Callable[[], T]
) -> T:
    """``make()``, or the part ``shared`` keeps for ``key`` and ``values`` (made once). A part
    drawn from ``values`` is shared only when each is None or a float neither zero nor NaN:
    the same key then means the same text (0.0 and -0.0 are equal keys but two texts)."""
    if shared is None or not all(
        v is None or (type(v) is float and v == v and v != 0) for v in values
    ):
        return make()
    return shared.get((key, tuple(values)), make)


#: Stands for a shared part while a page's figures are written: NUL, its number, NUL (a
#: string no figure holds), as JSON writes it.
_MARK = re.compile(r'"\\u0000(\d+)\\u0000"')


def figures_json(figures: dict[str, Any], shared: SharedParts) -> str:
    """:func:`script_json` of a page's figures (``{"data": [traces], "layout": …}`` each),
    the traces and layouts that ``shared`` shares written once per run and then reused:
    the same text. The figures are left as they were."""
    texts: list[str] = []

    def mark(obj: Any) -> Any:
        if not shared.shares(obj):
            return obj
        text = shared.texts.get(id(obj))
        if text is None:
            text = shared.texts[id(obj)] = script_json(obj)
        texts.append(text)
        return f"\x00{len(texts) - 1}\x00"

    marked = {}
    for key, fig in figures.items():
        if isinstance(fig, dict) and isinstance(fig.get("data"), list):
            fig = {**fig, "data": [mark(trace) for trace in fig["data"]]}
            if "layout" in fig:
                fig["layout"] = mark(fig["layout"])
        marked[key] = fig
    text = script_json(marked)
    if not texts:
        return text
    return _MARK.sub(lambda m: texts[int(m.group(1))], text)
