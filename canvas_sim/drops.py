"""Canvas's drop rules (drop lowest / highest, never drop): which of a group's items count.

canvas-lms ``drop_assignments``: Kane & Kane's bisection on the group's ratio, in binary floats
as canvas-lms runs it (to_f), with exact shortcuts where the outcome cannot differ.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal

# An item the calculator counts: (assignment id, score, points possible), exact.
Raw = tuple[int, Decimal, Decimal]
# The same item for the drop rules: (id, score, possible, position among the counted items).
# The bisection works in binary floats, as canvas-lms does (to_f).
_Rated = tuple[int, float, float, int]


def _ranked(keys: list[tuple[float, int]], keep: int) -> list[int]:
    """Positions of the ``keep`` smallest keys, in order (a stable sort, as sorted() is)."""
    return sorted(range(len(keys)), key=keys.__getitem__)[:keep]


def _by_score(items: list[_Rated], keep: int, *, highest: bool) -> list[_Rated]:
    """Keep the ``keep`` highest (or lowest) scores; ties keep the lowest ids."""
    keys = [(-s if highest else s, i) for i, s, _, _ in items]
    return [items[j] for j in _ranked(keys, keep)]


def _big_f(
    subs: list[_Rated], cant_drop: list[_Rated], keep: int, *, best: bool
) -> Callable[[float], tuple[float, list[int]]]:
    """Kane & Kane's F(q): the top (or bottom) ``keep`` items by score - q * possible.

    The returned function gives F and the kept items' positions in ``subs``, in canvas-lms's
    order (ties keep the lowest ids). For the top items it sorts q * possible - score, which is
    exactly -(score - q * possible), and negates the sum: exactly the sum of the negations.
    """

    def f(q: float) -> tuple[float, list[int]]:
        if best:
            rated = sorted([(q * p - s, i, j) for j, (i, s, p, _) in enumerate(subs)])
        else:
            rated = sorted([(s - q * p, i, j) for j, (i, s, p, _) in enumerate(subs)])
        top = rated[:keep]
        total = sum([r for r, _, _ in top])
        fixed = sum([s - q * p for _, s, p, _ in cant_drop])
        return (-total if best else total) + fixed, [j for _, _, j in top]

    return f


_SEPARATED = 1e-3  # distinct scores at least this far apart ...
_BOUNDED = 1e9  # ... and this small can never tie in the bisection's floats


def _same_points(subs: list[_Rated], cant_drop: list[_Rated]) -> bool:
    """Whether every item has the same (non-zero) points possible and the scores are plain
    enough that the bisection keeps exactly the ``keep`` best (or worst) scores, ties to the
    lowest ids, whatever q it ends at.

    With one p for all, q lies between the lowest and highest score / p, so every
    ``q * p - s`` is below 2 * _BOUNDED: its rounding error (under 1e-6) cannot reorder scores
    _SEPARATED apart, and ordering by ``q * p - s`` is ordering by score.
    """
    points = subs[0][2]
    if points <= 0 or any(i[2] != points for i in subs) or any(i[2] != points for i in cant_drop):
        return False
    scores = sorted({i[1] for i in subs + cant_drop})
    if scores[0] < -_BOUNDED or scores[-1] > _BOUNDED:
        return False
    return all(b - a >= _SEPARATED for a, b in itertools.pairwise(scores))


def _keep(
    subs: list[_Rated], cant_drop: list[_Rated], keep: int, max_total: float, *, best: bool
) -> list[_Rated]:
    """One drop stage: canvas-lms's keep_helper bisection (in floats, like canvas-lms)."""
    if len(subs) <= keep:
        return subs
    if _same_points(subs, cant_drop):
        return _by_score(subs, keep, highest=best)
    return _bisection(subs, cant_drop, keep, max_total, best=best)


def _bisection(
    subs: list[_Rated], cant_drop: list[_Rated], keep: int, max_total: float, *, best: bool
) -> list[_Rated]:
    """canvas-lms's keep_helper: bisect on q for the ``keep`` items maximising (or minimising)
    the group's ratio."""
    pool = subs + cant_drop
    pointed = [i for i in pool if i[2] != 0]
    if not pointed:
        # canvas-lms crashes here (no ratio to start from, only reachable in the second stage
        # when the first kept only 0-point work): fall back to ordering by score.
        return _by_score(subs, keep, highest=best)
    unpointed = [i for i in pool if i[2] == 0]
    grades = sorted(s / p for _, s, p, _ in pointed)
    if unpointed:  # estimate_q_high: 100 % (or the extra credit) plus every 0-point score
        possible = sum(p for _, _, p, _ in pointed)
        best_pointed = max(possible, sum(s for _, s, _, _ in pointed))
        q_high = (best_pointed + sum(s for _, s, _, _ in unpointed)) / possible
    else:
        q_high = grades[-1]
    q_low = grades[0]
    q_mid = (q_low + q_high) / 2
    big_f = _big_f(subs, cant_drop, keep, best=best)
    x, kept = big_f(q_mid)
    threshold = 1 / (2 * keep * max_total**2)
    while q_high - q_low >= threshold:
        if x < 0:
            q_high = q_mid
        else:
            q_low = q_mid
        q_mid = (q_low + q_high) / 2
        x, kept = big_f(q_mid)
    return [subs[j] for j in kept]


def kept_positions(
    raw: Sequence[Raw], drop_lowest: int, drop_highest: int, never_drop: frozenset[int]
) -> tuple[int, ...] | None:
    """Positions in ``raw`` of the items the drop rules keep (canvas-lms drop_assignments);
    None when there are no drop rules (all kept)."""
    drop_lowest, drop_highest = max(drop_lowest, 0), max(drop_highest, 0)
    if drop_lowest == 0 and drop_highest == 0:
        return None
    items: list[_Rated] = [(i, float(s), float(p), j) for j, (i, s, p) in enumerate(raw)]
    cant_drop = [i for i in items if i[0] in never_drop]
    subs = [i for i in items if i[0] not in never_drop]
    if not subs:
        return tuple(i[3] for i in cant_drop)
    n = len(subs)
    drop_lowest = min(drop_lowest, n - 1)
    if drop_lowest + drop_highest >= n:
        drop_highest = 0
    keep_highest = n - drop_lowest
    keep_lowest = keep_highest - drop_highest
    if any(i[2] > 0 for i in items):
        max_total = max(i[2] for i in items)
        kept = _keep(subs, cant_drop, keep_highest, max_total, best=True)
        kept = _keep(kept, cant_drop, keep_lowest, max_total, best=False)
    else:  # no possible points at all: drop_unpointed
        kept = _by_score(subs, keep_highest, highest=True)
        kept = _by_score(kept, keep_lowest, highest=False)
    return tuple(i[3] for i in kept + cant_drop)
