"""iCalendar files for chosen meetings, built with the ``icalendar`` library.

Each entry keeps one UID for the meeting's whole life and a SEQUENCE raised on every change, so a
calendar app replaces what it holds; times are written in the meeting's own zone with a VTIMEZONE
for it (Outlook shifts events whose TZID it cannot resolve); a cancellation is METHOD:CANCEL with
the same UID and a higher SEQUENCE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.core.ui import Attachment

if TYPE_CHECKING:
    from icalendar import Event

PRODID = "-//Coalition Bot//Meetings//EN"
RRULES = {"weekly": {"FREQ": "WEEKLY"}, "biweekly": {"FREQ": "WEEKLY", "INTERVAL": 2}, "monthly": {"FREQ": "MONTHLY"}}


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    sequence: int
    title: str
    start: datetime
    duration: timedelta
    tz: str
    repeat: str | None = None
    description: str = ""
    location: str = ""
    cancelled: bool = False


def calendar(entries: Sequence[CalendarEntry], *, now: datetime, method: str | None, name: str = "") -> bytes:
    """A VCALENDAR with one VEVENT per entry and a VTIMEZONE for every zone they use."""
    from icalendar import Calendar  # loaded with the first calendar, not at start (idle memory)

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    for entry in entries:
        cal.add_component(event(entry, now))
    if entries:
        first = min(e.start for e in entries).date() - timedelta(days=366)
        last = max(e.start for e in entries).date() + timedelta(days=2 * 366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    data: bytes = cal.to_ical()
    return data


def event(entry: CalendarEntry, now: datetime) -> Event:
    zone = ZoneInfo(entry.tz)
    start = entry.start.astimezone(zone)
    from icalendar import Event

    vevent = Event()
    vevent.add("uid", entry.uid)
    vevent.add("sequence", entry.sequence)
    vevent.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    vevent.add("dtstart", start)
    vevent.add("dtend", start + entry.duration)
    vevent.add("summary", entry.title)
    if entry.description:
        vevent.add("description", entry.description)
    if entry.location:
        vevent.add("location", entry.location)
    if entry.repeat in RRULES:
        vevent.add("rrule", RRULES[entry.repeat])
    vevent.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return vevent


def ics_file(entry: CalendarEntry, *, now: datetime, meeting_id: int, title: str = "") -> Attachment:
    method = "CANCEL" if entry.cancelled else "PUBLISH"
    return Attachment(
        filename=f"meeting-{meeting_id}.ics",
        content=calendar([entry], now=now, method=method),
        mime="text/calendar",
        title=title or entry.title,
    )
