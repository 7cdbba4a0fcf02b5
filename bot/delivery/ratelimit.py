"""Rate limits as "theoretical arrival times" (GCRA): each key (a platform, a channel) admits
``rate`` sends per second with a burst of ``burst``; :meth:`RateLimiter.reserve` returns how long
to wait before a send may go. Time comes from the caller, so tests run on a virtual clock."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    rate: float  # sends per second, sustained
    burst: int = 1  # sends allowed back to back


@dataclass(frozen=True)
class PlatformLimits:
    """Defaults follow each platform's published limits, with some headroom."""

    overall: Limit
    per_channel: Limit


DEFAULT_LIMITS: dict[str, PlatformLimits] = {
    # Slack: chat.postMessage about 1 per second per channel; Web API tier budgets per workspace.
    "slack": PlatformLimits(overall=Limit(20.0, 20), per_channel=Limit(1.0, 1)),
    # Discord: 5 messages per 5 s per channel; 50 requests per second globally.
    "discord": PlatformLimits(overall=Limit(45.0, 45), per_channel=Limit(1.0, 5)),
    "console": PlatformLimits(overall=Limit(1000.0, 1000), per_channel=Limit(1000.0, 1000)),
}
FALLBACK = PlatformLimits(overall=Limit(10.0, 10), per_channel=Limit(1.0, 1))


PRUNE_EVERY = 4096  # reservations between two sweeps of expired keys


class RateLimiter:
    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._reserved = 0

    def reserve(self, key: str, limit: Limit, now: float) -> float:
        """Take one slot for ``key``; returns the seconds to wait before using it (0 = now)."""
        self._reserved += 1
        if self._reserved % PRUNE_EVERY == 0:
            # A key whose arrival time has passed behaves as one never seen: forget it, so a process
            # that wrote to many channels and people does not keep one entry for each forever.
            self._tat = {seen: tat for seen, tat in self._tat.items() if tat > now}
        interval = 1.0 / limit.rate
        tat = max(self._tat.get(key, now), now)
        allowed_at = tat - interval * (limit.burst - 1)
        self._tat[key] = tat + interval
        return max(0.0, allowed_at - now)

    def wait(self, key: str, limit: Limit, now: float) -> float:
        """The seconds before ``key`` has a slot, without taking it."""
        tat = max(self._tat.get(key, now), now)
        return max(0.0, tat - 1.0 / limit.rate * (limit.burst - 1) - now)

    def reserve_both(self, inner: str, inner_limit: Limit, outer: str, outer_limit: Limit, now: float) -> float:
        """Take one slot of ``inner`` (a channel) and of ``outer`` (its platform) for the same send;
        returns the seconds to wait. The outer slot is taken from when the inner one is free, and
        the inner one at the moment the send goes: a channel waiting its turn in the platform's
        budget is not counted as used before it actually sends (the platform counts the send then)."""
        inner_wait = self.wait(inner, inner_limit, now)
        wait = inner_wait + self.reserve(outer, outer_limit, now + inner_wait)
        self.reserve(inner, inner_limit, now + wait)
        return wait

    def sent(self, key: str, limit: Limit, at: float) -> None:
        """A send of ``key`` went at ``at`` (maybe later than its slot): count the next from then."""
        self._tat[key] = max(self._tat.get(key, at), at + 1.0 / limit.rate)

    def push_back(self, key: str, until: float, limit: Limit | None = None) -> None:
        """The platform said "not before ``until``" (a 429): no slot for ``key`` before then. With
        ``limit`` (a key only one sender uses at a time, a channel): the refused send took no slot
        on the platform, so the next slot is ``until`` itself, not one more interval after ours."""
        if limit is None:
            self._tat[key] = max(self._tat.get(key, until), until)
        else:
            self._tat[key] = until + 1.0 / limit.rate * (limit.burst - 1)
