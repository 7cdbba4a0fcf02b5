"""One argument's value: its kind, and the conversion of the text given for it.

Every platform's values go through :func:`convert_value`, so each gets the same values and the same
error messages, in the reader's language. Ids are ASCII digits (``3``, ``#3``); numbers are ASCII
digits with an optional sign, decimal point, exponent and ``,``/``_`` thousands separators (``40``,
``1,000``, ``2.5``); dates are ``YYYY-MM-DD`` and times ``HH:MM`` in ASCII digits. Other digits
(``²``, ``①``, ``٣``) are refused with the usual private error rather than half-understood.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import BadArgument
from bot.core.i18n import N_, _, number

USER_MENTION_RE = re.compile(r"^<@([A-Z0-9a-z_.-]+)(?:\|[^>]*)?>$|^<@!?([0-9]+)>$|^@?([\w.\-]+)$")


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    DATETIME = "datetime"
    TZ = "tz"
    USER = "user"
    CHOICE = "choice"
    ID = "id"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Param:
    """One argument of a subcommand.

    ``positional`` arguments may be given bare, in order; every argument may be given as
    ``name=value``. ``autocomplete`` names the kind of thing an id or name refers to (``goal``,
    ``meeting``, ``org``) so Discord can offer suggestions.
    """

    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    positional: bool = False
    variadic: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 200
    minimum: float | None = None
    description: str = ""
    autocomplete: str | None = None


def convert_value(param: Param, value: str) -> Any:
    value = value.strip()
    converter = _CONVERTERS[param.kind]
    return converter(param, value)


def _text(param: Param, value: str) -> str:
    if "\x00" in value:
        raise BadArgument(_("`{name}` contains a character that cannot be stored.", name=param.name))
    if len(value) > param.max_length:
        raise BadArgument(
            _(
                "`{name}` is too long: {length} characters, at most {limit}.",
                name=param.name,
                length=number(len(value)),
                limit=number(param.max_length),
            )
        )
    return value


NUMBER_RE = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.I | re.A
)
ID_RE = re.compile(r"[0-9]{1,12}")


def _number(param: Param, value: str) -> float:
    cleaned = value.replace(",", "").replace("_", "")
    if not NUMBER_RE.fullmatch(cleaned):
        raise BadArgument(
            _(
                "`{name}` must be a number, like `{name}=40` (got `{value}`).",
                name=param.name,
                value=short(value),
            )
        )
    amount = float(cleaned)
    if not math.isfinite(amount) or abs(amount) >= 1e12:
        raise BadArgument(
            _("`{name}` must be a number below a trillion (got `{value}`).", name=param.name, value=short(value))
        )
    if param.minimum is not None and amount < param.minimum:
        raise BadArgument(
            _(
                "`{name}` must be at least {minimum} (got `{value}`).",
                name=param.name,
                minimum=number(param.minimum),
                value=short(value),
            )
        )
    return amount


def _int(param: Param, value: str) -> int:
    amount = _number(param, value)
    if not amount.is_integer():
        raise BadArgument(_("`{name}` must be a whole number (got `{value}`).", name=param.name, value=short(value)))
    return int(amount)


ID_KINDS = {  # what an id names, for the message when it is not one
    "goal": N_("`{value}` is not a goal id: ids are numbers like `3` (see the list command)."),
    "org": N_("`{value}` is not an organisation id: ids are numbers like `3` (see the list command)."),
    "meeting": N_("`{value}` is not a meeting id: ids are numbers like `3` (see the list command)."),
}
NOT_AN_ID = N_("`{value}` is not an id: ids are numbers like `3` (see the list command).")


def _id(param: Param, value: str) -> int:
    cleaned = value.lstrip("#")
    if not ID_RE.fullmatch(cleaned) or int(cleaned) <= 0:
        raise BadArgument(_(ID_KINDS.get(param.autocomplete or "", NOT_AN_ID), value=short(value)))
    return int(cleaned)


def parse_date(value: str, name: str = "date") -> date:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadArgument(
            _(
                "`{name}` must be a real date as YYYY-MM-DD, like `2026-12-31` (got `{value}`).",
                name=name,
                value=short(value),
            )
        ) from None


def parse_time(value: str, name: str = "time") -> time:
    match = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise BadArgument(
            _(
                "`{name}` must be a time as HH:MM (24-hour), like `09:30` (got `{value}`).",
                name=name,
                value=short(value),
            )
        )
    return time(int(match.group(1)), int(match.group(2)))


def parse_deadline(value: str | None, tz: str, now: datetime) -> datetime | None:
    """A ``deadline=`` in the caller's zone: a date (its end, 23:59) or a date and a time; it must
    be still to come. None when none was given."""
    if not value:
        return None
    parts = value.replace("T", " ").split()
    if len(parts) == 1:
        deadline = datetime.combine(parse_date(parts[0], "deadline"), time(23, 59), tzinfo=ZoneInfo(tz))
    elif len(parts) == 2:
        deadline = datetime.combine(
            parse_date(parts[0], "deadline"), parse_time(parts[1], "deadline"), tzinfo=ZoneInfo(tz)
        )
    else:
        raise BadArgument(_("`deadline` must be `YYYY-MM-DD` or `YYYY-MM-DD HH:MM`."))
    if deadline <= now:
        raise BadArgument(_("The deadline has already passed; give a later one, or none."))
    return deadline


def parse_tz(value: str, name: str = "tz") -> str:
    if value.upper() == "UTC":
        return "UTC"
    try:
        if "/" not in value or value.startswith("/") or ".." in value:
            raise ZoneInfoNotFoundError
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = sorted(z for z in available_timezones() if z.lower().endswith("/" + value.split("/")[-1].lower()))
        message = _(
            "`{name}` must be a time zone like `Europe/Berlin` or `America/New_York` (got `{value}`).",
            name=name,
            value=short(value),
        )
        if close:
            message += " " + _("Did you mean `{suggestion}`?", suggestion=close[0])
        raise BadArgument(message) from None
    return value


def _date(param: Param, value: str) -> date:
    return parse_date(value, param.name)


def _time(param: Param, value: str) -> time:
    return parse_time(value, param.name)


def _datetime(param: Param, value: str) -> tuple[date, time]:
    parts = value.replace("T", " ").split()
    if len(parts) != 2:
        raise BadArgument(
            _("`{name}` must be `YYYY-MM-DD HH:MM` (got `{value}`).", name=param.name, value=short(value))
        )
    return parse_date(parts[0], param.name), parse_time(parts[1], param.name)


def _tz(param: Param, value: str) -> str:
    return parse_tz(value, param.name)


def _choice(param: Param, value: str) -> str:
    lowered = value.lower()
    if lowered not in param.choices:
        raise BadArgument(
            _(
                "`{name}` must be one of: {choices} (got `{value}`).",
                name=param.name,
                choices=", ".join(param.choices),
                value=short(value),
            )
        )
    return lowered


@dataclass(frozen=True)
class UserRef:
    """A person named in a command: a platform user id, or a console name."""

    user_id: str


def _user(param: Param, value: str) -> UserRef:
    match = USER_MENTION_RE.match(value)
    if not match:
        raise BadArgument(
            _("`{name}` must name a person, like `@alex` (got `{value}`).", name=param.name, value=short(value))
        )
    return UserRef(next(g for g in match.groups() if g))


CHANNEL_MENTION_RE = re.compile(r"^<#([A-Za-z0-9_.-]+)(?:\|([^>]*))?>$|^#([\w.\-]{1,80})$|^([0-9]{5,25})$")
HERE, NOWHERE = "here", "none"


@dataclass(frozen=True)
class ChannelRef:
    """A channel named in a command: ``<#C123|name>`` (Slack), ``<#123>`` or a bare id (Discord),
    ``#name`` (the console, or Slack without escaping: a name to look up), or the words ``here``
    (the channel the command is typed in) and ``none``. ``channel`` is an id when ``by_name`` is
    false, a name when it is true; both are empty for ``here`` and ``none``."""

    channel: str = ""
    name: str = ""
    by_name: bool = False
    here: bool = False
    none: bool = False


def _channel(param: Param, value: str) -> ChannelRef:
    lowered = value.lower()
    if lowered == HERE:
        return ChannelRef(here=True)
    if lowered == NOWHERE:
        return ChannelRef(none=True)
    match = CHANNEL_MENTION_RE.match(value)
    if not match:
        raise BadArgument(
            _(
                "`{name}` must name a channel, like `#flag-handlers`, or be `here` or `none` (got `{value}`).",
                name=param.name,
                value=short(value),
            )
        )
    mention, label, bare_name, bare_id = match.groups()
    if mention:
        return ChannelRef(mention, name=label or "")
    if bare_id:
        return ChannelRef(bare_id)
    return ChannelRef(bare_name, name=bare_name, by_name=True)


def short(value: str, limit: int = 40) -> str:
    """User text quoted back in a message, clipped."""
    return value if len(value) <= limit else value[:limit] + "…"


_CONVERTERS = {
    Kind.TEXT: _text,
    Kind.INT: _int,
    Kind.NUMBER: _number,
    Kind.DATE: _date,
    Kind.TIME: _time,
    Kind.DATETIME: _datetime,
    Kind.TZ: _tz,
    Kind.USER: _user,
    Kind.CHOICE: _choice,
    Kind.ID: _id,
    Kind.CHANNEL: _channel,
}


def combine(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz))
