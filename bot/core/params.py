"""The SPEC argument grammar: ``key=value`` pairs, ``"quoted strings"``, dates, times and ``tz=``.

Text from Slack and the console is parsed here (:func:`parse_text`: the subcommand, then its
arguments); Discord's typed options arrive as a mapping of the same names (:func:`convert_options`).
Both go through :func:`convert`, and each value through :func:`bot.core.values.convert_value`, so
every platform gets the same values and the same error messages, in the reader's language.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.errors import BadArgument, UnknownCommand, UserError
from bot.core.i18n import _, number
from bot.core.values import (  # noqa: F401  (re-exported: the grammar's values, for workflows)
    ChannelRef,
    Kind,
    Param,
    UserRef,
    combine,
    convert_value,
    parse_date,
    parse_deadline,
    parse_time,
    parse_tz,
    short,
)

if TYPE_CHECKING:
    from bot.core.registry import Command, Subcommand


@dataclass(frozen=True)
class Token:
    value: str
    key: str | None = None
    quoted: bool = False


QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "'": "'"}
KEY_RE = re.compile(r"([a-z][a-z_]*)=")
MAX_INPUT = 8000


def tokenize(text: str) -> list[Token]:
    """Split command text into tokens; quotes group words, ``key=`` may precede a quoted value."""
    if len(text) > MAX_INPUT:
        raise BadArgument(
            _(
                "That command is too long ({length} characters; at most {limit}).",
                length=number(len(text)),
                limit=number(MAX_INPUT),
            )
        )
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
    raise BadArgument(_('A quote is not closed: put a closing `"` after the quoted text.'))


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
                known = ", ".join(f"{p.name}=" for p in params) or _("none")
                raise BadArgument(
                    _(
                        "Unknown option `{key}=`. Options here: {known}.\nUsage: `{usage}`",
                        key=token.key,
                        known=known,
                        usage=usage,
                    )
                )
            if token.key in raw:
                raise BadArgument(_("`{key}=` is given twice. Usage: `{usage}`", key=token.key, usage=usage))
            raw[token.key] = token.value
            continue
        while pos_index < len(positional) and positional[pos_index].name in raw and not positional[pos_index].variadic:
            pos_index += 1
        if pos_index >= len(positional):
            shown = token.value if len(token.value) <= 40 else token.value[:40] + "…"
            raise BadArgument(_("Unexpected `{value}`. Usage: `{usage}`", value=shown, usage=usage))
        param = positional[pos_index]
        if param.variadic:
            existing = raw.setdefault(param.name, [])
            assert isinstance(existing, list)
            existing.append(token.value)
        else:
            raw[param.name] = token.value
            pos_index += 1
    return raw


def parse_text(command: Command, text: str) -> tuple[Subcommand, Args] | None:
    """Which subcommand the text names, and its converted arguments; None means: show the help.

    A subcommand that opens a form and was given no arguments gets ``Args(given=False)``.
    """
    tokens = tokenize(text)
    consumed = 0
    if not tokens:
        if command.bare is None:
            return None
        sub = command.subcommands[command.bare]
    else:
        words = []
        for token in tokens:
            if token.key is not None or token.quoted:
                break
            words.append(token.value)
        if words and words[0].lower() == "help":
            return None
        found = command.resolve(words) if words else None
        group = words[0].lower() if words else ""
        if found is not None:
            sub, consumed = found
        elif any(len(path) > 1 and path[0] == group for path in command.subcommands):
            # A subcommand group (``/checkin schedule …``) with a word it does not know.
            kinds = sorted(" ".join(path) for path in command.subcommands if path[0] == group)
            typed = f"/{command.name} {' '.join(words[:2])[:40]}"
            commands = ", ".join(f"`/{command.name} {k}`" for k in kinds)
            help_ = f"/{command.name} help"
            raise UnknownCommand(
                _(
                    "`{typed}` is not a command. Try one of: {commands}. `{help}` explains each.",
                    typed=typed,
                    commands=commands,
                    help=help_,
                )
            )
        elif command.default is not None:
            sub = command.subcommands[command.default]
        else:
            raise UnknownCommand(unknown_subcommand(command, tokens[0].value))
    raw = assign(sub.params, tokens[consumed:], sub.usage)
    if sub.opens_form and not raw:
        return sub, Args({p.name: None for p in sub.params}, given=False)
    return sub, Args(convert(sub.params, raw, sub.usage))


def convert_options(sub: Subcommand, options: Mapping[str, Any]) -> Args:
    """Typed options (Discord) by name, converted as the text grammar's values are."""
    raw = {k: (str(v) if v is not None else None) for k, v in options.items()}
    unknown = set(raw) - {p.name for p in sub.params}
    if unknown:
        raise BadArgument(_("Unknown option `{name}`. Usage: `{usage}`", name=sorted(unknown)[0], usage=sub.usage))
    if sub.opens_form and not any(raw.values()):
        return Args({p.name: None for p in sub.params}, given=False)
    return Args(convert(sub.params, raw, sub.usage))


def convert_fields(
    params: Iterable[Param], submitted: Mapping[str, str | None]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A form's fields converted as the text grammar's values are: (values, a mistake per field).
    A required field left empty is a mistake; an empty optional one is ``None``."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for param in params:
        raw = (submitted.get(param.name) or "").strip()
        if not raw:
            if param.required:
                errors[param.name] = _("Please fill this in.")
            values[param.name] = None
            continue
        try:
            values[param.name] = convert_value(param, raw)
        except UserError as error:
            errors[param.name] = error.message.replace("`", "")
    return values, errors


def unknown_subcommand(command: Command, word: str) -> str:
    names = sorted({" ".join(path) for path in command.subcommands})
    close = difflib.get_close_matches(word.lower(), names, n=1)
    values = {
        "command": f"/{command.name}",
        "word": short(word, 30),
        "subcommands": ", ".join(f"`{name}`" for name in names),
        "help": f"/{command.name} help",
    }
    if close:
        values["suggestion"] = f"/{command.name} {close[0]}"
        return _(
            "`{command}` has no subcommand `{word}`. Did you mean `{suggestion}`? "
            "Subcommands: {subcommands}. `{help}` explains each.",
            **values,
        )
    return _("`{command}` has no subcommand `{word}`. Subcommands: {subcommands}. `{help}` explains each.", **values)


def convert(
    params: Iterable[Param], raw: Mapping[str, Any], usage: str, *, check_required: bool = True
) -> dict[str, Any]:
    """Turn raw strings into typed values, with one clear message for each kind of mistake."""
    values: dict[str, Any] = {}
    for param in params:
        value = raw.get(param.name)
        if value is None or value == "" or value == []:
            if param.required and check_required:
                raise BadArgument(_("`{name}` is missing. Usage: `{usage}`", name=param.name, usage=usage))
            values[param.name] = None
            continue
        if param.variadic:
            items = value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()]
            values[param.name] = [convert_value(param, str(item)) for item in items]
        else:
            values[param.name] = convert_value(param, str(value))
    return values


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
