"""The chunked Monte-Carlo draws of :func:`omradesbild.index.uncertainty.monte_carlo`.

Draws are processed in chunks of :data:`CHUNK_DRAWS`, each with its own random stream, on up
to :data:`MAX_THREADS` threads; the result depends only on the seed and the number of draws.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

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
    scores: FloatArray, ranks: NDArray[np.integer[Any]], rule: AnyClassification
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
    q = np.ceil(np.round(ranks.astype(np.int64) * rule.n / n, 9)).astype(np.int64)
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
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Ranks (areas × draws) and class counts (areas × classes) over all chunks;
    ``progress(draws done, draws)`` after each chunk."""
    n_areas = plan.xt.shape[1]
    # Each chunk has its own random stream (spawned from the seed), so the result does not
    # depend on how many threads run the chunks or in which order they finish.
    workers = max(1, min(MAX_THREADS, os.cpu_count() or 1, plan.n_chunks))
    # ranks as areas × draws (int32): the percentiles per area then run along rows; each
    # chunk writes its own columns
    ranks = np.empty((n_areas, plan.draws), dtype=np.int32)
    counts: NDArray[np.int64] = np.zeros((n_areas, plan.n_cls), dtype=np.int64)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        chunks = pool.map(lambda i: _run_chunk(plan, i, ranks), range(plan.n_chunks))
        for done, c in enumerate(chunks):
            counts += c
            if progress is not None:
                progress(min((done + 1) * CHUNK_DRAWS, plan.draws), plan.draws)
    return ranks, counts


def _run_chunk(plan: _DrawPlan, i: int, ranks: NDArray[np.int32]) -> NDArray[np.int64]:
    """Class counts of the draws of chunk ``i``; their ranks into their columns of
    ``ranks`` (areas × draws)."""
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
    # the ranks from this thread's buffers (free once the scores are formed): a fresh
    # array per chunk costs its page faults every time
    work = _work(plan.xt.shape[0], n_areas)
    r = _ranks_into(scores, work)
    ranks[:, start:stop] = r.T
    if plan.rule is None:
        return np.zeros((n_areas, 0), dtype=np.int64)
    return _class_counts(scores, r, plan.rule, plan.n_cls)


def _ranks_into(scores: FloatArray, work: _Work) -> NDArray[np.int32]:
    """``1 + #{areas with a higher score}`` per draw and area (draws × areas), in
    ``work.ranks``: :func:`count_less_rows` of the negated scores, plus one."""
    m, n = scores.shape
    neg = np.negative(scores, out=work.acc[:m])
    order, first, bad = _sorted_positions(neg, work)
    out = work.ranks[:m]
    if order.shape[1]:  # else every row is in ``bad``
        order += (np.arange(m, dtype=np.intp) * n)[:, None]  # flat index in ``out``
        one_up = np.arange(1, n + 1, dtype=np.int32)
        values = np.broadcast_to(one_up, (m, n)) if first is None else first + 1
        out.ravel()[order.ravel()] = values.ravel()
    if bad.size:
        out[bad] = count_less_last_axis(neg[bad]) + 1
    return out


def _class_counts(
    scores: FloatArray, ranks: NDArray[np.int32], rule: AnyClassification, n_cls: int
) -> NDArray[np.int64]:
    """How many of the draws (rows) put each area in each class (areas × classes).

    A class of mean ± k·sd or fixed thresholds is one plus the number of thresholds the
    score passes, and those are nested (a score below ``t`` is below every larger
    threshold): with the thresholds sorted, the count of class ``j + 1`` is the number of
    draws passing ``j`` of them less the number passing ``j + 1``. Otherwise (quantiles, a
    NaN threshold) the classes are formed and counted one by one.
    """
    m, n = scores.shape
    counts = np.empty((n, n_cls), dtype=np.int64)
    nested = _sorted_thresholds(scores, rule)
    if nested is None:
        cls = _class_of(scores, ranks, rule)
        for k in range(n_cls):
            counts[:, k] = np.count_nonzero(cls == k + 1, axis=0)
        return counts
    thresholds, passes = nested
    passing = np.empty((n, n_cls + 1), dtype=np.int64)
    passing[:, 0], passing[:, -1] = m, 0
    hit = np.empty((m, n), dtype=bool)
    for j in range(thresholds.shape[1]):
        passes(scores, thresholds[:, j : j + 1], out=hit)
        passing[:, j + 1] = np.count_nonzero(hit, axis=0)
    np.subtract(passing[:, :-1], passing[:, 1:], out=counts)
    return counts


def _sorted_thresholds(
    scores: FloatArray, rule: AnyClassification
) -> tuple[FloatArray, np.ufunc] | None:
    """The thresholds of each draw (draws × thresholds), the one a score passes first
    first, and the comparison that passes one; None for quantiles or a NaN threshold."""
    passes: np.ufunc
    if isinstance(rule, MeanSdClassification) and rule.k:
        mean = scores.mean(axis=1, keepdims=True)
        sd = scores.std(axis=1, ddof=rule.ddof, keepdims=True)
        cuts = np.concatenate([mean + k * sd for k in rule.k], axis=1)
        # passed when below: the largest is passed first
        thresholds, passes = np.sort(cuts, axis=1)[:, ::-1], np.less
    elif isinstance(rule, FixedClassification):
        cuts = np.asarray(rule.thresholds, dtype=np.float64)[None, :]
        thresholds, passes = np.sort(cuts, axis=1), np.greater_equal
    else:
        return None
    if thresholds.shape[1] == 0 or np.isnan(thresholds).any():
        return None
    return thresholds, passes


class _Work:
    """Buffers of one worker thread, reused from chunk to chunk (a fresh array of a few MB
    costs its page faults on every use, which is a good part of the run's CPU time)."""

    def __init__(self, n_ind: int, n_areas: int) -> None:
        shape = (CHUNK_DRAWS, n_areas)
        self.key = (n_ind, n_areas)
        self.eps = np.empty((CHUNK_DRAWS, n_ind, n_areas), dtype=np.float32)
        self.noisy = np.empty(shape)
        self.comp = np.empty(shape)
        self.acc = np.empty(shape)
        self.keys = np.empty(shape)
        self.flat = np.empty(shape, dtype=np.intp)
        self.scratch = np.empty(shape, dtype=np.int64)
        self.new = np.empty(shape, dtype=bool)
        self.ranks = np.empty(shape, dtype=np.int32)


_local = threading.local()


def _work(n_ind: int, n_areas: int) -> _Work:
    """This thread's buffers for ``n_ind`` indicators and ``n_areas`` areas."""
    work: _Work | None = getattr(_local, "work", None)
    if work is None or work.key != (n_ind, n_areas):
        work = _local.work = _Work(n_ind, n_areas)
    return work


def _noisy_scores(plan: _DrawPlan, i: int, start: int, stop: int, *, out: FloatArray) -> None:
    """Scores of the draws ``start:stop`` (chunk ``i``) with sampling noise, into ``out``.

    Each draw's deviates (indicators × areas, float32) are drawn in the order of the draws,
    so the random stream is the same however the draws are processed, but stored grouped by
    normalisation. Then, for each normalisation and indicator, ``x + ε·se`` of the draws
    that use it is formed in a small buffer, normalised and added to the scores with its
    weight (geometric methods keep the draws × indicators × areas components for their
    shift).
    """
    se = plan.se
    assert se is not None
    n_ind, n_areas = plan.xt.shape
    work = _work(n_ind, n_areas)
    choice = plan.choice[start:stop]
    grouped = np.argsort(choice, kind="stable")  # chunk draws, grouped by normalisation
    slot = np.empty_like(grouped)
    slot[grouped] = np.arange(grouped.size)
    rng = np.random.default_rng(plan.seeds[i + 1])
    for j in range(stop - start):
        rng.standard_normal(dtype=np.float32, out=work.eps[slot[j]])
    bounds = np.searchsorted(choice[grouped], np.arange(len(plan.alts) + 1))
    for a_idx, spec in enumerate(plan.alts):
        lo, hi = int(bounds[a_idx]), int(bounds[a_idx + 1])
        if hi == lo:
            continue
        sel, m = grouped[lo:hi], hi - lo
        w = plan.weights[start + sel]
        z3 = np.empty((m, n_ind, n_areas)) if plan.geometric else None
        acc, noisy = work.acc[:m], work.noisy[:m]
        acc[:] = 0.0
        shift = np.zeros((m, 1))
        for k in range(n_ind):
            # float32 deviates times the float64 se, in float64 (as x + ε·se always was)
            np.multiply(work.eps[lo:hi, k], se[k], out=noisy)
            noisy += plan.xt[k]
            if z3 is not None:
                z3[:, k] = _normalise_rows(noisy, spec, plan, a_idx, k, work)
            elif spec.method in ("zscore", "minmax"):
                # W·(d·x − c)/s as a slope on x and a shift per draw: two passes, not six
                slope, offset = _linear_terms(noisy, spec, plan.directions[k], work)
                slope *= w[:, k, None]
                noisy *= slope
                acc += noisy
                shift -= offset * w[:, k, None]
            elif spec.method == "none":
                # d·x times W in the buffer itself (the same products as a copy would get):
                # with d = ±1, (d·x)·W is d·W times x exactly, one pass
                noisy *= (plan.directions[k] * w[:, k])[:, None]
                acc += noisy
            else:
                z = _normalise_rows(noisy, spec, plan, a_idx, k, work)
                z *= w[:, k, None]
                acc += z
        if z3 is not None:
            out[sel] = _combine_draws(z3, w, True)
        else:
            acc += shift
            out[sel] = acc


def _linear_terms(
    a: FloatArray, spec: Normalisation, direction: float, work: _Work
) -> tuple[FloatArray, FloatArray]:
    """``slope, offset`` (draws × 1) with ``slope · a − offset`` the z-scores or min–max
    values of every row of ``a`` in direction ``d``.

    Notes
    -----
    z-score: ``slope = d / sd``, ``offset = d · mean / sd``; min–max: ``slope = d / (max −
    min)``, ``offset = min(d · a) / (max − min)``. Both are 0 for a constant row, whose
    components are 0 (as :func:`normalise_last_axis` gives). The numbers agree with
    :func:`normalise_last_axis` up to rounding in the last bits.
    """
    m, n = a.shape
    if spec.method == "zscore":
        centre = a.mean(axis=1, keepdims=True)
        dev = work.comp[:m]
        np.subtract(a, centre, out=dev)
        ss = np.einsum("ij,ij->i", dev, dev)[:, None]
        spread = np.sqrt(ss / (n - spec.ddof)) if n > spec.ddof else np.zeros_like(ss)
        centre = centre * direction
    else:
        low, high = a.min(axis=1, keepdims=True), a.max(axis=1, keepdims=True)
        spread = high - low
        centre = low if direction > 0 else -high
    ok = spread > 0
    slope = np.where(ok, direction / np.where(ok, spread, 1.0), 0.0)
    offset = np.where(ok, centre / np.where(ok, spread, 1.0), 0.0)
    return slope, offset


def _normalise_rows(
    a: FloatArray, spec: Normalisation, plan: _DrawPlan, a_idx: int, k: int, work: _Work
) -> FloatArray:
    """Indicator ``k``'s perturbed values (draws × areas) normalised row by row.

    The rank-based normalisations look up ``plan.rank_tables`` by the count of smaller
    values (:func:`count_less_rows`), into ``work.comp``; the others go through
    ``normalise_last_axis``.
    """
    table = plan.rank_tables[a_idx]
    if table is None:
        d = plan.directions[k : k + 1]
        return normalise_last_axis(a[:, None, :], spec=spec, directions=d)[:, 0]
    m, n = a.shape
    out = work.comp[:m]
    order, first, bad = _sorted_positions(a, work)
    order += (np.arange(m, dtype=np.intp) * n)[:, None]  # flat index in ``out``
    if order.shape[1]:  # else every row is in ``bad``
        values = np.broadcast_to(table[k], (m, n)) if first is None else table[k][first]
        out.ravel()[order.ravel()] = values.ravel()
    if bad.size:
        out[bad] = table[k][count_less_last_axis(a[bad])]
    return out


def count_less_rows(a: FloatArray, work: _Work | None = None) -> NDArray[np.int64]:
    """For each element of a 2-D array, how many elements of its row are strictly smaller.

    The same numbers as :func:`~omradesbild.index.normalise.count_less_last_axis` (``a``
    must hold no NaN), from one sort of a float64 key per row instead of an argsort.
    ``work``: buffers of at least ``a``'s rows for the intermediate keys (not ``a``'s own).

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
    flat, first, bad = _sorted_positions(a, work)
    if flat.shape[1]:  # else every row is in ``bad``
        out[np.arange(m)[:, None], flat] = np.arange(n) if first is None else first
    if bad.size:
        out[bad] = count_less_last_axis(a[bad])
    return out


def _sorted_positions(
    a: FloatArray, work: _Work | None
) -> tuple[NDArray[np.intp], NDArray[np.intp] | None, NDArray[np.intp]]:
    """``order, first, bad`` for :func:`count_less_rows`: the column in ``a`` of each sorted
    position, the count of smaller values there (None: no ties, the position itself) and
    the rows to count otherwise. Uses ``work``'s buffers when given."""
    m, n = a.shape
    bits = max(1, (n - 1).bit_length())
    if bits > 32 or not np.isfinite(a).all():
        return np.zeros((m, 0), dtype=np.intp), None, np.arange(m, dtype=np.intp)
    low = (1 << bits) - 1
    keys = np.empty((m, n)) if work is None else work.keys[:m]
    np.add(a, 0.0, out=keys)  # with -0.0 as 0.0
    kbits = keys.view(np.int64)
    kbits &= ~low
    kbits |= np.arange(n, dtype=np.int64)
    keys.sort(axis=-1)
    order = np.empty((m, n), dtype=np.intp) if work is None else work.flat[:m]
    np.bitwise_and(kbits, low, out=order)
    # neighbours with the same truncated key: the xor of their bits is at most ``low``
    x = np.empty((m, n - 1), dtype=np.int64) if work is None else work.scratch[:m, : n - 1]
    np.bitwise_xor(kbits[:, 1:], kbits[:, :-1], out=x)
    same = np.empty((m, n - 1), dtype=bool) if work is None else work.new[:m, : n - 1]
    np.less_equal(x.view(np.uint64), low, out=same)
    bad = np.zeros(0, dtype=np.intp)
    if not same.any():
        return order, None, bad
    rr, jj = np.nonzero(same)
    before, after = a[rr, order[rr, jj]], a[rr, order[rr, jj + 1]]
    tied = before == after
    bad = np.unique(rr[before > after])
    new = np.ones((m, n), dtype=bool)
    new[rr[tied], jj[tied] + 1] = False
    first = np.where(new, np.arange(n, dtype=np.intp), 0)
    np.maximum.accumulate(first, axis=1, out=first)
    return order, first, bad


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
