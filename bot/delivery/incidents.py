"""Platform incidents as the dispatcher sees them (:mod:`bot.delivery.dispatcher`): a platform that
starts failing opens an incident, its next accepted send closes it. Each is logged once when it
opens and once when it closes, however many messages failed in between; one that lasts longer
than ``notify_after`` is told to steering (:mod:`bot.delivery.notices`), and so is its end.

While an incident is open, one row is tried every ``probe_every`` (:meth:`Incidents.probe`)
whatever the other rows' backoff, so the recovery is noticed within seconds; the first accepted
send then brings every waiting row due at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Incident:
    platform: str
    since: datetime
    first_error: str
    failures: int = 0
    notified: bool = False  # steering was told it is going on
    probe_at: datetime | None = None  # when a row is next tried, to notice the recovery
    coalitions: set[int] = field(default_factory=set)  # whose messages were waiting when steering was told


class Incidents:
    def __init__(
        self, notify_after: timedelta = timedelta(minutes=15), probe_every: timedelta = timedelta(seconds=5)
    ) -> None:
        self.notify_after = notify_after
        self.probe_every = probe_every
        self.open: dict[str, Incident] = {}

    def probe(self, platform: str, retry_at: datetime, now: datetime) -> datetime:
        """When a row that just failed on ``platform`` is tried again: its backoff's ``retry_at``, or
        sooner if no other row is to be tried before the next probe is due."""
        incident = self.open.get(platform)
        if incident is None or (incident.probe_at is not None and incident.probe_at > now):
            return retry_at
        incident.probe_at = min(retry_at, now + self.probe_every)
        return incident.probe_at

    def failed(self, platform: str, error: str, now: datetime) -> Incident | None:
        """A send to ``platform`` failed in a way worth retrying; returns the incident if it opened now."""
        incident = self.open.get(platform)
        if incident is not None:
            incident.failures += 1
            return None
        incident = self.open[platform] = Incident(platform, now, error, failures=1)
        return incident

    def succeeded(self, platform: str) -> Incident | None:
        """``platform`` accepted a send; returns the incident this closes, if one was open."""
        return self.open.pop(platform, None)

    def to_notify(self, now: datetime) -> list[Incident]:
        """Open incidents that have lasted ``notify_after`` and that steering has not been told about."""
        return [
            incident
            for incident in self.open.values()
            if not incident.notified and now - incident.since >= self.notify_after
        ]
