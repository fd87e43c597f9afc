"""The coarse-to-fine schedule: the pyramid's sizes and how the iteration budget is split over
them."""

from __future__ import annotations

FINEST_SHARE = 0.3  # of the iterations go to the finest scale, the picture the member sees
FINEST_MIN = 10  # iterations at the finest scale at least, unless the budget is smaller
COARSE_MIN = 5  # a coarser scale given fewer iterations is left out


def schedule(size: int, min_size: int, iterations: int) -> tuple[tuple[int, int], ...]:
    """(long side, iterations) of each scale of the pyramid, coarsest first.

    Sizes halve from ``size`` while they stay at least ``min_size``: below about 128 px the deep
    content layer (relu4_2, an eighth of the resolution) is too coarse to hold the layout and
    the style takes it over. The finest scale, where an iteration costs the most and where the
    picture the member sees is refined, gets :data:`FINEST_SHARE` of the budget and never fewer
    than :data:`FINEST_MIN`: it is what the quality benchmark found the picture to depend on.
    The coarser scales share the rest, each getting twice the next finer one's (their
    iterations cost a quarter, a sixteenth, ..., and converge fast); a scale that would get
    fewer than :data:`COARSE_MIN` is left out and its share goes to the finest.
    """
    sizes = [size]
    while sizes[-1] // 2 >= min_size:
        sizes.append(sizes[-1] // 2)
    sizes.reverse()
    finest = min(iterations, max(FINEST_MIN, round(iterations * FINEST_SHARE)))
    shares = [2.0 ** (len(sizes) - 2 - k) for k in range(len(sizes) - 1)]
    coarse = _split(iterations - finest, shares)
    plan = [(s, n) for s, n in zip(sizes[:-1], coarse, strict=True) if n >= COARSE_MIN]
    finest = iterations - sum(n for _, n in plan)
    return (*plan, (sizes[-1], finest))


def _split(total: int, shares: list[float]) -> list[int]:
    """``total`` in whole parts proportional to ``shares`` (largest remainders round up)."""
    if not shares:
        return []
    exact = [total * s / sum(shares) for s in shares]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts
