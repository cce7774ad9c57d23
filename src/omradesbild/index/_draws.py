"""The chunked Monte-Carlo draws of :func:`omradesbild.index.uncertainty.monte_carlo`.

Draws are processed in chunks of :data:`CHUNK_DRAWS`, each with its own random stream, on up
to :data:`MAX_THREADS` threads; the result depends only on the seed and the number of draws.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from omradesbild.index.classify import (
    AnyClassification,
    FixedClassification,
    MeanSdClassification,
)
from omradesbild.index.method import Normalisation
from omradesbild.index.normalise import count_less_last_axis, normalise_last_axis
from omradesbild.index.weights import dirichlet_weights

FloatArray = NDArray[np.float64]

#: Draws processed together; fixed so that results depend only on (seed, draws).
CHUNK_DRAWS = 50

#: Upper bound on worker threads (numpy releases the GIL while sorting and drawing).
MAX_THREADS = 4


def _class_of(
    scores: FloatArray, ranks: NDArray[np.int64], rule: AnyClassification
) -> NDArray[np.int64]:
    """Class per draw and area (scores, ranks: draws × areas)."""
    n = scores.shape[1]
    if isinstance(rule, MeanSdClassification):
        mean = scores.mean(axis=1, keepdims=True)
        sd = scores.std(axis=1, ddof=rule.ddof, keepdims=True)
        out = np.ones(scores.shape, dtype=np.int64)
        for k in rule.k:
            out += scores < mean + k * sd
        return out
    if isinstance(rule, FixedClassification):
        out = np.ones(scores.shape, dtype=np.int64)
        for t in rule.thresholds:
            out += scores >= t
        return out
    q = np.ceil(np.round(ranks * rule.n / n, 9)).astype(np.int64)
    return np.clip(q, 1, rule.n)


def _n_classes(rule: AnyClassification) -> int:
    if isinstance(rule, MeanSdClassification):
        return len(rule.k) + 1
    if isinstance(rule, FixedClassification):
        return len(rule.thresholds) + 1
    return rule.n


def _plan_draws(
    xt: FloatArray,
    *,
    directions: FloatArray,
    alts: list[Normalisation],
    eff: FloatArray,
    draw_weights: bool,
    weight_concentration: float,
    se: FloatArray | None,
    geometric: bool,
    rule: AnyClassification | None,
    draws: int,
    seed: int,
) -> _DrawPlan:
    """Draw the normalisation and the weights of every draw and spawn the chunks' streams.

    Weights are Dirichlet draws around ``eff`` when ``draw_weights``, else ``eff`` itself.
    """
    n_chunks = -(-draws // CHUNK_DRAWS)
    seeds = np.random.SeedSequence(seed).spawn(n_chunks + 1)
    rng = np.random.default_rng(seeds[0])
    choice = rng.integers(len(alts), size=draws)
    if draw_weights:
        weights = dirichlet_weights(eff, concentration=weight_concentration, draws=draws, rng=rng)
    else:
        weights = np.tile(eff, (draws, 1))
    return _DrawPlan(
        xt=xt,
        directions=directions,
        alts=alts,
        choice=choice,
        weights=weights,
        se=se,
        fixed_z=[
            None if se is not None else normalise_last_axis(xt, spec=a, directions=directions)
            for a in alts
        ],
        geometric=geometric,
        rule=rule,
        n_cls=_n_classes(rule) if rule is not None else 0,
        seeds=seeds,
        draws=draws,
        n_chunks=n_chunks,
    )


@dataclass(frozen=True)
class _DrawPlan:
    """What every chunk of draws reads (shared, never changed, by the worker threads)."""

    xt: FloatArray  # indicators × areas (complete areas only)
    directions: FloatArray
    alts: list[Normalisation]
    choice: NDArray[np.int64]  # index into ``alts`` per draw
    weights: FloatArray  # draws × indicators
    se: FloatArray | None  # indicators × areas
    fixed_z: list[FloatArray | None]  # normalised values per alternative (without se)
    geometric: bool
    rule: AnyClassification | None
    n_cls: int
    seeds: list[np.random.SeedSequence]
    draws: int
    n_chunks: int


def _run_draws(
    plan: _DrawPlan, progress: Callable[[int, int], None] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Ranks (draws × areas) and class counts (areas × classes) over all chunks;
    ``progress(draws done, draws)`` after each chunk."""
    n_areas = plan.xt.shape[1]
    # Each chunk has its own random stream (spawned from the seed), so the result does not
    # depend on how many threads run the chunks or in which order they finish.
    workers = max(1, min(MAX_THREADS, os.cpu_count() or 1, plan.n_chunks))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = []
        for part in pool.map(lambda i: _run_chunk(plan, i), range(plan.n_chunks)):
            parts.append(part)
            if progress is not None:
                progress(min(len(parts) * CHUNK_DRAWS, plan.draws), plan.draws)
    ranks = np.concatenate([p[0] for p in parts], axis=0)
    counts: NDArray[np.int64] = np.zeros((n_areas, plan.n_cls), dtype=np.int64)
    for part in parts:
        counts += part[1]
    return ranks, counts


def _run_chunk(plan: _DrawPlan, i: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Ranks and class counts of the draws of chunk ``i``."""
    n_ind, n_areas = plan.xt.shape
    se = plan.se
    start, stop = i * CHUNK_DRAWS, min((i + 1) * CHUNK_DRAWS, plan.draws)
    c = stop - start
    eps = None
    if se is not None:
        eps = np.random.default_rng(plan.seeds[i + 1]).standard_normal(
            (c, n_ind, n_areas), dtype=np.float32
        )
    scores = np.empty((c, n_areas))
    for a_idx, spec in enumerate(plan.alts):
        sel = np.flatnonzero(plan.choice[start:stop] == a_idx)
        if sel.size == 0:
            continue
        w = plan.weights[start + sel]
        if eps is None:
            fz = plan.fixed_z[a_idx]
            assert fz is not None
            scores[sel] = _combine_fixed(fz, w, plan.geometric)
        else:
            assert se is not None
            # x + eps·se for the selected draws only, in place (same values as the
            # broadcast expression, without the full-chunk temporaries)
            noisy = np.multiply(eps if sel.size == c else eps[sel], se, dtype=np.float64)
            noisy += plan.xt
            z3 = normalise_last_axis(noisy, spec=spec, directions=plan.directions)
            del noisy
            scores[sel] = _combine_draws(z3, w, plan.geometric)
    r = 1 + count_less_last_axis(-scores)
    counts = np.zeros((n_areas, plan.n_cls), dtype=np.int64)
    if plan.rule is not None:
        cls = _class_of(scores, r, plan.rule)
        for k in range(1, plan.n_cls + 1):
            counts[:, k - 1] = (cls == k).sum(axis=0)
    return r, counts


def _combine_fixed(z: FloatArray, w: FloatArray, geometric: bool) -> FloatArray:
    """Scores (draws × areas) from one fixed component matrix z (indicators × areas)."""
    if not geometric:
        return w @ z
    shift = 0.0 if z.min() > 0 else 1.0 - float(z.min())
    return np.exp(w @ np.log(z + shift))


def _combine_draws(z3: FloatArray, w: FloatArray, geometric: bool) -> FloatArray:
    """Scores from per-draw components z3 (draws × indicators × areas)."""
    if not geometric:
        return np.einsum("ci,cin->cn", w, z3)
    lo = z3.min(axis=(1, 2), keepdims=True)
    shift = np.where(lo > 0, 0.0, 1.0 - lo)
    return np.exp(np.einsum("ci,cin->cn", w, np.log(z3 + shift)))
