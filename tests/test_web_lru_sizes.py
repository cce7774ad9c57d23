"""The caches' size estimate (:func:`omradesbild.web.lru.approx_bytes`) gives the figures of
its first, plain implementation (kept here as the reference) on the objects the web app
caches: pages, JSON bodies, view objects, DataFrames, nested dataclasses."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd

from omradesbild.web.lru import SAMPLE, ByteLRU, approx_bytes, frame_bytes


def reference_bytes(obj: Any, *, _seen: set[int] | None = None, _depth: int = 0) -> int:
    """The first implementation of ``approx_bytes`` (isinstance tests per object)."""
    seen = set() if _seen is None else _seen
    if id(obj) in seen or _depth > 12:
        return 0
    seen.add(id(obj))
    if isinstance(obj, bytes | bytearray | memoryview | str):
        return sys.getsizeof(obj)
    if isinstance(obj, pd.DataFrame | pd.Series):
        return frame_bytes(obj)
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes) + 112
    if isinstance(obj, dict):
        items: list[Any] = list(obj.items())
    elif isinstance(obj, list | tuple | set | frozenset):
        items = list(obj)
    elif is_dataclass(obj) and not isinstance(obj, type):
        items = [getattr(obj, f.name, None) for f in fields(obj)]
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        items = list(vars(obj).values())
    else:
        return sys.getsizeof(obj)
    total = sys.getsizeof(obj)
    n = len(items)
    step = max(1, n // SAMPLE)
    sample = items[::step]
    measured = sum(reference_bytes(x, _seen=seen, _depth=_depth + 1) for x in sample)
    return total + int(measured * n / max(1, len(sample)))


class Ref(NamedTuple):
    value: float | None
    masked: bool


@dataclass(frozen=True)
class Leaf:
    id: str
    values: list[float | None]
    ref: Ref
    note: ClassVar[str] = "not a field"


@dataclass(frozen=True)
class Node:
    name: str
    leaves: list[Leaf]
    by_id: dict[str, Leaf]
    frame: pd.DataFrame
    array: np.ndarray
    tags: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)


class Plain:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.body = b"<html>" * 100
        self.kind = Plain  # a class: measured as an object, not walked


class Slotted:
    __slots__ = ("x",)

    def __init__(self) -> None:
        self.x = [1, 2, 3]


def _objects() -> list[Any]:
    leaves = [
        Leaf(f"ind{i}", [float(j) if j % 7 else None for j in range(i % 90)], Ref(i / 3, i % 2 > 0))
        for i in range(300)
    ]
    frame = pd.DataFrame(
        {
            "area_code": pd.array([f"A{i}" for i in range(500)], dtype="string"),
            "value": np.arange(500, dtype=float),
            "obj": [str(i) for i in range(500)],
            "n": np.arange(500),
        }
    )
    deep: Any = [1]
    for _ in range(14):
        deep = [deep]
    node = Node("x", leaves, {v.id: v for v in leaves}, frame, np.zeros((40, 3)),
                frozenset({"a", "b"}), {"deep": deep, "same": leaves})  # fmt: skip
    shared = [1.5, "text", None]
    return [
        "å" * 1000,
        b"x" * 5000,
        bytearray(b"y" * 10),
        memoryview(b"z" * 50),
        3.25,
        None,
        True,
        np.float64(2.5),
        np.str_("numpy text"),
        frame,
        frame["value"],
        np.arange(1000),
        {"a": 1, "b": [1, 2, 3], "c": {"d": "e"}},
        list(range(1000)),
        tuple(str(i) for i in range(130)),
        {f"k{i}" for i in range(200)},
        [],
        {},
        leaves[5],
        node,
        Plain(node),
        Slotted(),
        Node,
        [shared, shared, [shared]],
        [node, node],
        {("area-page", f"{i:04d}", None): leaves[i % 300] for i in range(3000)},
    ]


def test_approx_bytes_equals_the_reference_implementation() -> None:
    for obj in _objects():
        assert approx_bytes(obj) == reference_bytes(obj), type(obj)
    # a second time: what is worked out once per type is reused
    for obj in _objects():
        assert approx_bytes(obj) == reference_bytes(obj), type(obj)


def test_approx_bytes_counts_real_sizes() -> None:
    text = "a" * 10_000
    assert approx_bytes(text) == sys.getsizeof(text)
    assert approx_bytes([text, text]) == sys.getsizeof([text, text]) + sys.getsizeof(text)
    arr = np.zeros(1000)
    assert approx_bytes(arr) == 8000 + 112
    leaf = Leaf("i", [], Ref(None, False))
    assert approx_bytes(leaf) > sys.getsizeof(leaf) + sys.getsizeof("i")


def test_lru_bound_in_bytes_uses_the_estimate() -> None:
    lru: ByteLRU[str, str] = ByteLRU(10, 3 * sys.getsizeof("x" * 1000))
    for k in "abcd":
        lru.put(k, "x" * 1000)
    assert len(lru) == 3 and "a" not in lru
    assert lru.nbytes == 3 * sys.getsizeof("x" * 1000)
