"""What a chart of one goal is drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Series:
    """One goal: its check-ins as ``(when, amount)`` (single check-ins or sums per day, either works),
    its target, and when it started and is due. ``total`` may be given instead of points when only
    the sum is known (the status bars need nothing more)."""

    label: str
    points: Sequence[tuple[datetime, float]]
    target: float
    unit: str = ""
    start: datetime | None = None
    due: date | None = None
    total: float | None = None

    @property
    def done(self) -> float:
        return self.total if self.total is not None else float(sum(amount for _, amount in self.points))

    def key(self) -> tuple[object, ...]:
        """Everything the picture depends on, hashable: the cache key."""
        points = tuple((at, float(amount)) for at, amount in self.points)
        return (self.label, points, self.target, self.unit, self.start, self.due, self.total)


def cumulative(points: Sequence[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    total = 0.0
    out = []
    for at, amount in sorted(points, key=lambda p: p[0]):
        total += amount
        out.append((at, total))
    return out
