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
        rank_tables=[_rank_table(a, directions, xt.shape[1]) for a in alts],
        geometric=geometric,
        rule=rule,
        n_cls=_n_classes(rule) if rule is not None else 0,
        seeds=seeds,
        draws=draws,
        n_chunks=n_chunks,
    )


def _rank_table(spec: Normalisation, directions: FloatArray, n: int) -> FloatArray | None:
    """For a normalisation that depends only on the count ``c`` of smaller values in the
    row (``percent_rank``, ``percentrank_inc``): the component of every indicator for
    ``c = 0 … n-1`` (indicators × n), from ``normalise_last_axis`` itself; else None."""
    if spec.method not in ("percent_rank", "percentrank_inc"):
        return None
    counts = np.broadcast_to(np.arange(n, dtype=np.float64), (len(directions), n))
    return normalise_last_axis(counts, spec=spec, directions=directions)


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
    rank_tables: list[FloatArray | None]  # rank-based: component by count of smaller values
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
    n_areas = plan.xt.shape[1]
    start, stop = i * CHUNK_DRAWS, min((i + 1) * CHUNK_DRAWS, plan.draws)
    scores = np.empty((stop - start, n_areas))
    if plan.se is not None:
        _noisy_scores(plan, i, start, stop, out=scores)
    else:
        for a_idx, fz in enumerate(plan.fixed_z):
            sel = np.flatnonzero(plan.choice[start:stop] == a_idx)
            if sel.size:
                assert fz is not None
                scores[sel] = _combine_fixed(fz, plan.weights[start + sel], plan.geometric)
    r = 1 + count_less_rows(-scores)
    counts = np.zeros((n_areas, plan.n_cls), dtype=np.int64)
    if plan.rule is not None:
        cls = _class_of(scores, r, plan.rule)
        for k in range(1, plan.n_cls + 1):
            counts[:, k - 1] = (cls == k).sum(axis=0)
    return r, counts


def _noisy_scores(plan: _DrawPlan, i: int, start: int, stop: int, *, out: FloatArray) -> None:
    """Scores of the draws ``start:stop`` (chunk ``i``) with sampling noise, into ``out``.

    The deviates of the whole chunk are drawn at once (draws × indicators × areas, float32),
    so the random stream is the same however the draws are processed; then, for each
    normalisation and indicator, ``x + ε·se`` of the draws that use it is formed in a small
    buffer, normalised and added to the scores with its weight (geometric methods keep the
    draws × indicators × areas components for their shift).
    """
    se = plan.se
    assert se is not None
    n_ind, n_areas = plan.xt.shape
    eps = np.random.default_rng(plan.seeds[i + 1]).standard_normal(
        (stop - start, n_ind, n_areas), dtype=np.float32
    )
    for a_idx, spec in enumerate(plan.alts):
        sel = np.flatnonzero(plan.choice[start:stop] == a_idx)
        if sel.size == 0:
            continue
        w = plan.weights[start + sel]
        z3 = np.empty((sel.size, n_ind, n_areas)) if plan.geometric else None
        acc = np.zeros((sel.size, n_areas))
        noisy = np.empty((sel.size, n_areas))
        for k in range(n_ind):
            # float32 deviates times the float64 se, in float64 (as x + ε·se always was)
            np.multiply(eps[sel, k] if sel.size < eps.shape[0] else eps[:, k], se[k], out=noisy)
            noisy += plan.xt[k]
            z = _normalise_rows(noisy, spec, plan, a_idx, k)
            if z3 is not None:
                z3[:, k] = z
            else:
                z *= w[:, k, None]
                acc += z
        out[sel] = acc if z3 is None else _combine_draws(z3, w, True)


def _normalise_rows(
    a: FloatArray, spec: Normalisation, plan: _DrawPlan, a_idx: int, k: int
) -> FloatArray:
    """Indicator ``k``'s perturbed values (draws × areas) normalised row by row.

    The rank-based normalisations look up ``plan.rank_tables`` by the count of smaller
    values (:func:`count_less_rows`); the others go through ``normalise_last_axis``.
    """
    table = plan.rank_tables[a_idx]
    if table is None:
        return normalise_last_axis(a[:, None, :], spec=spec, directions=plan.directions[k : k + 1])[
            :, 0
        ]
    out = np.empty(a.shape)
    flat, first, bad = _sorted_positions(a)
    out.ravel()[flat.ravel()] = table[k][first].ravel()
    if bad.size:
        out[bad] = table[k][count_less_last_axis(a[bad])]
    return out


def count_less_rows(a: FloatArray) -> NDArray[np.int64]:
    """For each element of a 2-D array, how many elements of its row are strictly smaller.

    The same numbers as :func:`~omradesbild.index.normalise.count_less_last_axis` (``a``
    must hold no NaN), from one sort of a float64 key per row instead of an argsort.

    Notes
    -----
    The key of ``a[r, j]`` is ``a[r, j]`` with its lowest ``b = ⌈log2 n⌉`` mantissa bits
    replaced by ``j``: truncating the mantissa is monotone, so sorting the keys sorts the row
    up to values that agree in all but those bits, and the sorting permutation is read back
    from the low bits. Adjacent keys with the same truncated part are compared as the
    original values: equal values form a run (the count of each is the run's first
    position), distinct values in the right order start a new run, and a row where two
    such values came out of order (relative difference below ``2^(b-52)``, practically never)
    is counted by an argsort instead. Infinite values take the argsort path too.
    """
    m, n = a.shape
    out = np.empty((m, n), dtype=np.int64)
    flat, first, bad = _sorted_positions(a)
    out.ravel()[flat.ravel()] = first.ravel()
    if bad.size:
        out[bad] = count_less_last_axis(a[bad])
    return out


def _sorted_positions(
    a: FloatArray,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """``flat, first, bad`` for :func:`count_less_rows`: the flat index in ``a`` of each
    sorted position, the count of smaller values there, and the rows to count otherwise."""
    m, n = a.shape
    bits = max(1, (n - 1).bit_length())
    if bits > 32 or not np.isfinite(a).all():
        return (
            np.zeros((m, 0), dtype=np.intp),
            np.zeros((m, 0), dtype=np.intp),
            np.arange(m, dtype=np.intp),
        )
    low = np.uint64((1 << bits) - 1)
    keys = np.add(a, 0.0)  # a fresh copy, with -0.0 as 0.0
    kbits = keys.view(np.uint64)
    kbits &= ~low
    kbits |= np.arange(n, dtype=np.uint64)
    keys.sort(axis=-1)
    flat = (kbits & low).astype(np.intp)
    kbits >>= np.uint64(bits)
    new = np.empty((m, n), dtype=bool)
    new[:, 0] = True
    np.not_equal(kbits[:, 1:], kbits[:, :-1], out=new[:, 1:])
    del keys, kbits
    bad = np.zeros(0, dtype=np.intp)
    if not new.all():
        rr, jj = np.nonzero(~new)
        before, after = a[rr, flat[rr, jj - 1]], a[rr, flat[rr, jj]]
        new[rr[before != after], jj[before != after]] = True
        bad = np.unique(rr[before > after])
    positions = np.arange(n, dtype=np.intp)
    if new.all():
        first = np.broadcast_to(positions, (m, n))
    else:
        first = np.where(new, positions, 0)
        np.maximum.accumulate(first, axis=1, out=first)
    flat += (np.arange(m, dtype=np.intp) * n)[:, None]
    return flat, first, bad


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
