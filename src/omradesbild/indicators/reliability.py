"""Whether an indicator's value is reliable, and which condition it fails.

The one rule of the package: :func:`finalize_indicators` flags every value with it, and the
pages that say why a value is unreliable (:func:`unreliable_reasons`) ask the same function,
so the web, the command line, the reports and the downloads never disagree about a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from omradesbild.config import CRIME_MIN_EVENTS

#: The denominator is below the indicator's ``min_denominator`` (for a rate: too few
#: residents).
SMALL_DENOMINATOR = "small_denominator"
#: The numerator of a rate (offences) is below :func:`min_events`.
FEW_EVENTS = "few_events"


def min_events(kind: str) -> int:
    """The fewest events a reliable value of an indicator of ``kind`` is built on.

    A ``rate`` (the catalogue's rates are reported offences per 1 000 residents) needs
    :data:`~omradesbild.config.CRIME_MIN_EVENTS` events whatever the population; other
    kinds need none.
    """
    return CRIME_MIN_EVENTS if kind == "rate" else 0


class Reliability(NamedTuple):
    """Per value: reliable, and each condition it fails."""

    reliable: npt.NDArray[np.bool_]
    small_denominator: npt.NDArray[np.bool_]
    few_events: npt.NDArray[np.bool_]


def reliability(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    value: npt.ArrayLike,
    *,
    min_denominator: npt.ArrayLike,
    min_events: npt.ArrayLike,
) -> Reliability:
    r"""Whether each value is reliable, and why not.

    Parameters
    ----------
    numerator, denominator, value
        The counts a value is computed from, and the value (NaN when missing).
    min_denominator
        The smallest denominator of a reliable value (the catalogue's ``min_denominator``).
    min_events
        The fewest events (numerator) of a reliable value (:func:`min_events` of the
        indicator's kind; 0 for none).

    Returns
    -------
    Reliability
        ``reliable`` is :math:`n \ge` ``min_denominator`` and :math:`y \ge` ``min_events``
        with a numerator and a value; ``small_denominator`` and ``few_events`` say which of
        the two conditions a value fails (a missing numerator counts as no events).

    Notes
    -----
    With :math:`y` events the relative standard error of a Poisson rate is
    :math:`1/\sqrt{y}`: about 32 % at 10 events, however many residents the area has.
    """
    y = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    v = np.asarray(value, dtype=float)
    least = np.asarray(min_events, dtype=float)
    small = ~(n >= np.asarray(min_denominator, dtype=float))
    few = (least > 0) & ~(np.nan_to_num(y, nan=0.0) >= least)
    ok = ~small & ~few & ~np.isnan(y) & ~np.isnan(v)
    return Reliability(ok, small, few)


def unreliable_reasons(
    numerator: float | None,
    denominator: float | None,
    *,
    min_denominator: float,
    min_events: int,
) -> tuple[str, ...]:
    """The conditions one value fails (:data:`SMALL_DENOMINATOR`, :data:`FEW_EVENTS`), in
    that order; empty when it fails none. The rule of :func:`reliability`."""
    (out,) = unreliable_reasons_of(
        [numerator], [denominator], min_denominator=[min_denominator], min_events=[min_events]
    )
    return out


def unreliable_reasons_of(
    numerators: Sequence[float | None],
    denominators: Sequence[float | None],
    *,
    min_denominator: Sequence[float],
    min_events: Sequence[int],
) -> list[tuple[str, ...]]:
    """:func:`unreliable_reasons` of many values at once (one call of :func:`reliability`
    over them all), in their order."""
    nan = float("nan")
    r = reliability(
        np.array([nan if v is None else v for v in numerators], dtype=float),
        np.array([nan if v is None else v for v in denominators], dtype=float),
        np.zeros(len(numerators)),
        min_denominator=np.asarray(min_denominator, dtype=float),
        min_events=np.asarray(min_events, dtype=float),
    )
    both = ((SMALL_DENOMINATOR, r.small_denominator.tolist()), (FEW_EVENTS, r.few_events.tolist()))
    return [tuple(name for name, hit in both if hit[i]) for i in range(len(numerators))]
