"""Small statistics helpers: percentiles, request gaps and peak rates from simulator records."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The ``pct`` percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Summary:
    """Count, median, 95th percentile and maximum of a list of durations (seconds)."""

    count: int
    median: float | None
    p95: float | None
    maximum: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(
            len(values),
            percentile(values, 50),
            percentile(values, 95),
            max(values) if values else None,
        )

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "median": self.median, "p95": self.p95, "max": self.maximum}


def smallest_gap(times_by_source: dict[object, list[float]]) -> float | None:
    """The smallest interval between two consecutive requests from one source."""
    best: float | None = None
    for times in times_by_source.values():
        ordered = sorted(times)
        for earlier, later in pairwise(ordered):
            gap = later - earlier
            if best is None or gap < best:
                best = gap
    return best


def peak_count(times: Iterable[float], window: float) -> int:
    """The most events inside any window of ``window`` seconds (closed on both ends)."""
    ordered = sorted(times)
    best = 0
    for index, start in enumerate(ordered):
        best = max(best, bisect_right(ordered, start + window) - index)
    return best


def group_times(records: Iterable[tuple[object, float]]) -> dict[object, list[float]]:
    """Group (source, time) pairs by source."""
    grouped: dict[object, list[float]] = defaultdict(list)
    for source, time in records:
        grouped[source].append(time)
    return grouped


def share(part: int, whole: int) -> float | None:
    """``part / whole`` or None when there is nothing to divide."""
    return part / whole if whole else None
