"""The measures of power built, as pure functions of what the store found: how much each pair of
organisations worked together (and how that changed), who works with nobody, who took on a lead,
and what the pulse says once enough people answered."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.store.impact_models import MIN_ANSWERS
from bot.store.impact_repo import Lead, PairCount


@dataclass
class PairWork:
    a: int
    b: int
    total: int = 0
    recent: int = 0  # in the last ``days``
    before: int = 0  # in the ``days`` before those
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def change(self) -> int:
        return self.recent - self.before


def pairs(counts: Iterable[PairCount]) -> list[PairWork]:
    """Per pair of organisations (the store's counts per pair and kind summed), most work together
    first."""
    found: dict[tuple[int, int], PairWork] = {}
    for c in counts:
        pair = found.setdefault((c.a, c.b), PairWork(c.a, c.b))
        pair.total += c.total
        pair.kinds[c.kind] += c.total
        pair.recent += c.recent
        pair.before += c.before
    return sorted(found.values(), key=lambda p: (-p.total, -p.recent, p.a, p.b))


def alone(orgs: Iterable[int], found: Sequence[PairWork]) -> list[int]:
    """The organisations that worked with nobody."""
    linked = {p.a for p in found} | {p.b for p in found}
    return [o for o in orgs if o not in linked]


@dataclass
class Leader:
    member_id: int
    kinds: Counter[str]
    since: datetime

    def is_new(self, now: datetime, days: int) -> bool:
        return self.since >= now - timedelta(days=days)


def leaders(leads: Iterable[Lead]) -> list[Leader]:
    """Each member who took on a lead, with what and since when; the longest-serving first."""
    kinds: dict[int, Counter[str]] = defaultdict(Counter)
    since: dict[int, datetime] = {}
    for lead in leads:
        kinds[lead.member_id][lead.kind] += lead.count
        since[lead.member_id] = min(since.get(lead.member_id, lead.at), lead.at)
    return sorted((Leader(m, kinds[m], since[m]) for m in kinds), key=lambda x: (x.since, x.member_id))


@dataclass(frozen=True)
class PulseResult:
    answers: int
    counts: Mapping[int, int]

    @property
    def shown(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def missing(self) -> int:
        return max(0, MIN_ANSWERS - self.answers)

    @property
    def mean(self) -> float:
        return sum(s * c for s, c in self.counts.items()) / self.answers if self.answers else 0.0


def pulse_result(counts: Mapping[int, int]) -> PulseResult:
    return PulseResult(sum(counts.values()), dict(counts))
