"""When a failed outbox row is tried again (:mod:`bot.delivery.dispatcher`): exponential backoff
with jitter, sooner for an isolated failure on a platform that otherwise works."""

from __future__ import annotations

import random
from collections import defaultdict, deque

HEALTH_WINDOW = 20  # a platform's last answers considered by RetryPolicy.healthy
HEALTH_SAMPLE = 10  # …of which at least this many, before a platform counts as healthy
HEALTH_FAILURES = 0.2  # …and at most this share failed
QUICK_RETRIES = 2  # on a healthy platform, the first retries of a row…
QUICK_FACTOR = 0.25  # …wait this share of the usual backoff
MAX_BACKOFF = 300.0  # seconds: a platform down for hours is tried about every 5 minutes


class RetryPolicy:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._outcomes: dict[str, deque[bool]] = defaultdict(lambda: deque(maxlen=HEALTH_WINDOW))

    def outcome(self, platform: str, *, failed: bool) -> None:
        """What ``platform`` answered a send (429s and permanent refusals are not counted)."""
        self._outcomes[platform].append(failed)

    def healthy(self, platform: str) -> bool:
        """Whether ``platform`` mostly accepts what it is sent: of its last ``HEALTH_WINDOW`` answers
        at least ``HEALTH_SAMPLE`` came, and at most ``HEALTH_FAILURES`` of them were failures."""
        outcomes = self._outcomes[platform]
        return len(outcomes) >= HEALTH_SAMPLE and sum(outcomes) <= HEALTH_FAILURES * len(outcomes)

    def backoff(self, attempts: int) -> float:
        """Seconds before retry ``attempts`` + 1: 1, 2, 4 … capped at ``MAX_BACKOFF``, with ±50% jitter.
        The cap bounds how long a message waits once its platform is back (the first accepted send
        also brings every waiting row forward: :meth:`bot.delivery.dispatcher.Dispatcher._healed`)."""
        base = min(2.0 ** (min(attempts, 30) - 1), MAX_BACKOFF)
        return base * (0.5 + self.rng.random())

    def delay(self, platform: str, attempts: int) -> float:
        """The backoff, of which the first ``QUICK_RETRIES`` retries on a healthy platform wait
        ``QUICK_FACTOR`` (⅛–⅜ s, then ¼–¾ s); a failing platform gets the full backoff."""
        delay = self.backoff(attempts)
        if attempts <= QUICK_RETRIES and self.healthy(platform):
            delay *= QUICK_FACTOR  # an isolated failure on a platform that otherwise works
        return delay
