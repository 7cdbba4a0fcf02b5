"""The SPEC argument grammar: ``key=value`` pairs, ``"quoted strings"``, dates, times and ``tz=``.

Text from Slack and the console is tokenised here; Discord's typed options arrive as a mapping of
the same names. Both go through :func:`convert`, so every platform gets the same values and the
same error messages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import BadArgument


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


@dataclass(frozen=True)
class Token:
    value: str
    key: str | None = None
    quoted: bool = False


QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "'": "'"}
KEY_RE = re.compile(r"([a-z][a-z_]*)=")
USER_MENTION_RE = re.compile(r"^<@([A-Z0-9a-z_.-]+)(?:\|[^>]*)?>$|^<@!?(\d+)>$|^@?([\w.\-]+)$")
MAX_INPUT = 8000


def tokenize(text: str) -> list[Token]:
    """Split command text into tokens; quotes group words, ``key=`` may precede a quoted value."""
    if len(text) > MAX_INPUT:
        raise BadArgument(f"That command is too long ({len(text):,} characters; at most {MAX_INPUT:,}).")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        key = None
        match = KEY_RE.match(text, i) if text[i].isalpha() else None
        if match and (match.end() >= n or not text[match.end()].isspace()):
            key = match.group(1)
            i = match.end()
        if i < n and text[i] in QUOTES:
            value, i = _read_quoted(text, i)
            tokens.append(Token(value, key, quoted=True))
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        tokens.append(Token(text[start:i], key))
    return tokens


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    closing = QUOTES[text[i]]
    closers = {closing, '"'} if text[i] != "'" else {"'"}
    i += 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in ('"', "\\", "'", "”"):
            out.append(text[i + 1])
            i += 2
            continue
        if ch in closers:
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise BadArgument('A quote is not closed: put a closing `"` after the quoted text.')


def quote(value: str) -> str:
    """Quote a value so :func:`tokenize` reads it back as one token."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def assign(params: Iterable[Param], tokens: list[Token], usage: str) -> dict[str, str | list[str]]:
    """Match tokens to parameters by position and by key; raw strings, not yet converted."""
    params = list(params)
    by_name = {p.name: p for p in params}
    positional = [p for p in params if p.positional]
    raw: dict[str, str | list[str]] = {}
    pos_index = 0
    for token in tokens:
        if token.key is not None:
            param = by_name.get(token.key)
            if param is None:
                known = ", ".join(f"{p.name}=" for p in params) or "none"
                raise BadArgument(f"Unknown option `{token.key}=`. Options here: {known}.\nUsage: `{usage}`")
            if token.key in raw:
                raise BadArgument(f"`{token.key}=` is given twice. Usage: `{usage}`")
            raw[token.key] = token.value
            continue
        while pos_index < len(positional) and positional[pos_index].name in raw and not positional[pos_index].variadic:
            pos_index += 1
        if pos_index >= len(positional):
            shown = token.value if len(token.value) <= 40 else token.value[:40] + "…"
            raise BadArgument(f"Unexpected `{shown}`. Usage: `{usage}`")
        param = positional[pos_index]
        if param.variadic:
            existing = raw.setdefault(param.name, [])
            assert isinstance(existing, list)
            existing.append(token.value)
        else:
            raw[param.name] = token.value
            pos_index += 1
    return raw


def convert(
    params: Iterable[Param], raw: Mapping[str, Any], usage: str, *, check_required: bool = True
) -> dict[str, Any]:
    """Turn raw strings into typed values, with one clear message for each kind of mistake."""
    values: dict[str, Any] = {}
    for param in params:
        value = raw.get(param.name)
        if value is None or value == "" or value == []:
            if param.required and check_required:
                raise BadArgument(f"`{param.name}` is missing. Usage: `{usage}`")
            values[param.name] = None
            continue
        if param.variadic:
            items = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
            values[param.name] = [convert_value(param, str(item)) for item in items]
        else:
            values[param.name] = convert_value(param, str(value))
    return values


def convert_value(param: Param, value: str) -> Any:
    value = value.strip()
    converter = _CONVERTERS[param.kind]
    return converter(param, value)


def _text(param: Param, value: str) -> str:
    if "\x00" in value:
        raise BadArgument(f"`{param.name}` contains a character that cannot be stored.")
    if len(value) > param.max_length:
        raise BadArgument(f"`{param.name}` is too long: {len(value):,} characters, at most {param.max_length:,}.")
    return value


def _number(param: Param, value: str) -> float:
    cleaned = value.replace(",", "").replace("_", "")
    try:
        number = float(cleaned)
    except ValueError:
        raise BadArgument(f"`{param.name}` must be a number, like `{param.name}=40` (got `{_short(value)}`).") from None
    if not math.isfinite(number) or abs(number) >= 1e12:
        raise BadArgument(f"`{param.name}` must be a number below a trillion (got `{_short(value)}`).")
    if param.minimum is not None and number < param.minimum:
        raise BadArgument(f"`{param.name}` must be at least {param.minimum:g} (got `{_short(value)}`).")
    return number


def _int(param: Param, value: str) -> int:
    number = _number(param, value)
    if not number.is_integer():
        raise BadArgument(f"`{param.name}` must be a whole number (got `{_short(value)}`).")
    return int(number)


def _id(param: Param, value: str) -> int:
    cleaned = value.lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 12 or int(cleaned) <= 0:
        what = param.autocomplete or "item"
        raise BadArgument(f"`{_short(value)}` is not a {what} id: ids are numbers like `3` (see the list command).")
    return int(cleaned)


def parse_date(value: str, name: str = "date") -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadArgument(
            f"`{name}` must be a real date as YYYY-MM-DD, like `2026-12-31` (got `{_short(value)}`)."
        ) from None


def parse_time(value: str, name: str = "time") -> time:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise BadArgument(f"`{name}` must be a time as HH:MM (24-hour), like `09:30` (got `{_short(value)}`).")
    return time(int(match.group(1)), int(match.group(2)))


def parse_tz(value: str, name: str = "tz") -> str:
    if value.upper() == "UTC":
        return "UTC"
    try:
        if "/" not in value or value.startswith("/") or ".." in value:
            raise ZoneInfoNotFoundError
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        close = sorted(z for z in available_timezones() if z.lower().endswith("/" + value.split("/")[-1].lower()))
        hint = f" Did you mean `{close[0]}`?" if close else ""
        raise BadArgument(
            f"`{name}` must be a time zone like `Europe/Berlin` or `America/New_York` (got `{_short(value)}`).{hint}"
        ) from None
    return value


def _date(param: Param, value: str) -> date:
    return parse_date(value, param.name)


def _time(param: Param, value: str) -> time:
    return parse_time(value, param.name)


def _datetime(param: Param, value: str) -> tuple[date, time]:
    parts = value.replace("T", " ").split()
    if len(parts) != 2:
        raise BadArgument(f"`{param.name}` must be `YYYY-MM-DD HH:MM` (got `{_short(value)}`).")
    return parse_date(parts[0], param.name), parse_time(parts[1], param.name)


def _tz(param: Param, value: str) -> str:
    return parse_tz(value, param.name)


def _choice(param: Param, value: str) -> str:
    lowered = value.lower()
    if lowered not in param.choices:
        raise BadArgument(f"`{param.name}` must be one of: {', '.join(param.choices)} (got `{_short(value)}`).")
    return lowered


@dataclass(frozen=True)
class UserRef:
    """A person named in a command: a platform user id, or a console name."""

    user_id: str


def _user(param: Param, value: str) -> UserRef:
    match = USER_MENTION_RE.match(value)
    if not match:
        raise BadArgument(f"`{param.name}` must name a person, like `@alex` (got `{_short(value)}`).")
    return UserRef(next(g for g in match.groups() if g))


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


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
}


@dataclass
class Args:
    """Converted argument values, read as attributes (``args.title``)."""

    values: dict[str, Any] = field(default_factory=dict)
    given: bool = True

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


def combine(day: date, at: time, tz: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz))
