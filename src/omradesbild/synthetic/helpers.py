"""Small pure helpers of the synthetic city: logistic and softmax link functions,
largest-remainder allocation, area attributes and stable UUIDs."""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
from numpy.random import Generator

from omradesbild.synthetic.constants import SYNTHETIC_LABEL


def logistic(x: Any) -> Any:
    """``1 / (1 + exp(-x))``, elementwise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def allocate(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split integer totals into integer parts by the largest-remainder method.

    Parameters
    ----------
    totals
        Shape ``(n,)``, non-negative integers.
    shares
        Shape ``(n, k)``, non-negative; each row is normalised to sum to 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(n, k)`` integers with ``parts.sum(axis=1) == totals``.

    Notes
    -----
    ``parts = floor(total * s) + 1`` for the ``total - sum(floor(total * s))`` categories
    with the largest fractional parts (ties broken by column order).
    """
    totals = np.asarray(totals, dtype=np.int64)
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum(axis=1, keepdims=True)
    raw = totals[:, None] * shares
    base = np.floor(raw).astype(np.int64)
    rest = totals - base.sum(axis=1)
    frac = raw - base
    order = np.argsort(-frac, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(order.shape[0])[:, None]
    ranks[rows, order] = np.arange(order.shape[1])[None, :]
    return base + (ranks < rest[:, None]).astype(np.int64)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a 2-D array."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def attributes(**extra: object) -> str:
    """The ``attributes`` JSON of a synthetic area (marked synthetic, with extras)."""
    return json.dumps({"synthetic": True, "source": SYNTHETIC_LABEL, **extra}, ensure_ascii=False)


def deterministic_uuid(*parts: str) -> str:
    """A stable UUID (v5) for an object of the synthetic city, e.g. ``objektidentitet``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "omradesbild:exempelstad:" + ":".join(parts)))


class AreaOffsets:
    """Fixed per-area offsets: each call draws ``N(0, sd)`` per DeSO, constant over the years.

    Every call draws from the generator, so the order of calls is part of the city.
    """

    def __init__(self, rng: Generator, n_deso: int, n_years: int) -> None:
        self.rng = rng
        self.n_deso = n_deso
        self.n_years = n_years

    def __call__(self, sd: float) -> np.ndarray:
        return self.rng.normal(0.0, sd, self.n_deso)[:, None] * np.ones((1, self.n_years))
