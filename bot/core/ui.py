"""The neutral reply model: what a command answers, before any platform renders it.

Command handlers build these values; adapters render them natively (Block Kit, Discord embeds and
components, console text). User-typed text only ever travels as plain strings inside these values,
so each renderer escapes it for its own markup and nothing a user types can ping or inject links.
"""

from __future__ import annotations

import io
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Literal

from bot.core import i18n

# --- inline text -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plain:
    text: str


@dataclass(frozen=True)
class Bold:
    text: str


@dataclass(frozen=True)
class Italic:
    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    url: str
    label: str


@dataclass(frozen=True)
class Timestamp:
    """A moment shown in each viewer's own time zone where the platform can (Slack, Discord)."""

    at: datetime
    fallback_tz: str = "UTC"


Inline = Plain | Bold | Italic | Code | Link | Timestamp


@dataclass(frozen=True)
class Rich:
    """A run of inline pieces; build with :func:`rich`."""

    parts: tuple[Inline, ...]

    def plain(self) -> str:
        """The text without markup (used for notifications, fallbacks and tests)."""
        out = []
        for part in self.parts:
            if isinstance(part, Link):
                out.append(f"{part.label} ({part.url})")
            elif isinstance(part, Timestamp):
                out.append(format_timestamp(part.at, part.fallback_tz))
            else:
                out.append(part.text)
        return "".join(out)

    def __add__(self, other: Rich | str) -> Rich:
        return Rich(self.parts + rich(other).parts)


def rich(*pieces: str | Inline | Rich) -> Rich:
    parts: list[Inline] = []
    for piece in pieces:
        if isinstance(piece, Rich):
            parts.extend(piece.parts)
        elif isinstance(piece, str):
            if piece:
                parts.append(Plain(piece))
        else:
            parts.append(piece)
    return Rich(tuple(parts))


def format_timestamp(at: datetime, tz: str = "UTC") -> str:
    """``Mon 01 Dec 2026 09:00 CET`` in the current language (``lun 01 dic 2026 09:00 CET``)."""
    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo(tz))
    return i18n.datetime_(at, tz, format="EEE dd MMM y HH:mm") + " " + (local.tzname() or tz)


# --- blocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Section:
    text: Rich


@dataclass(frozen=True)
class Field:
    label: str
    value: Rich


@dataclass(frozen=True)
class Fields:
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Progress:
    """Amount of target with a bar: ``40 / 1,000 calls (4%)``."""

    label: str
    current: float
    target: float
    unit: str = ""

    @property
    def ratio(self) -> float:
        return 0.0 if self.target <= 0 else max(0.0, self.current / self.target)

    def summary(self) -> str:
        """``12,000 / 50,000 calls (24%)``; ``12.000 / 50.000 llamadas (24 %)`` in Spanish."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{i18n.number(self.current)} / {i18n.number(self.target)}{unit} ({i18n.percent(self.ratio)})"

    def bar(self, width: int = 20) -> str:
        filled = min(width, round(self.ratio * width))
        return "█" * filled + "░" * (width - filled)


@dataclass(frozen=True)
class Context:
    """Small print under a message."""

    text: Rich


@dataclass(frozen=True)
class Divider:
    pass


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Option:
    label: str
    value: str


@dataclass(frozen=True)
class Select:
    action_id: str
    placeholder: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Actions:
    elements: tuple[Button | Select, ...]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: a chart PNG, an .ics file, an export.

    A small file carries its ``content``. A large one (an export) is a file on disk at ``path``
    (``content`` empty, see :meth:`on_disk`): adapters stream it to the platform from there and
    remove it once it was sent or could not be (:meth:`discard`), so it is never in memory whole.
    The file is the attachment's own: it is also removed when the attachment is garbage collected
    (a reply dropped without being sent)."""

    filename: str
    content: bytes
    mime: str
    title: str = ""
    path: Path | None = None

    def __post_init__(self) -> None:
        if self.path is not None:
            weakref.finalize(self, _remove, self.path)

    @classmethod
    def on_disk(cls, path: Path, filename: str, mime: str, title: str = "") -> Attachment:
        return cls(filename, b"", mime, title, path)

    @property
    def size(self) -> int:
        return self.path.stat().st_size if self.path is not None else len(self.content)

    def open(self) -> BinaryIO:
        """The bytes as a file to read from (the file on disk itself, for one that is there)."""
        return self.path.open("rb") if self.path is not None else io.BytesIO(self.content)

    def read(self) -> bytes:
        """The whole content in memory: for small files only (the outbox keeps bytes, tests read)."""
        return self.path.read_bytes() if self.path is not None else self.content

    def inlined(self) -> Attachment:
        """The same file carried in memory (its file on disk removed): what can wait in the outbox,
        where a file on disk would not survive a restart."""
        if self.path is None:
            return self
        content = self.read()
        self.discard()
        return Attachment(self.filename, content, self.mime, self.title)

    def discard(self) -> None:
        """Remove the file on disk, if it has one (sent, or failed): harmless twice."""
        if self.path is not None:
            _remove(self.path)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def discard_files(reply: Reply) -> None:
    """Remove the files on disk of a reply's attachments, once it was sent or could not be."""
    for attachment in reply.attachments:
        attachment.discard()


@dataclass(frozen=True)
class Image:
    attachment: Attachment
    alt: str


Block = Header | Section | Fields | Progress | Context | Divider | Actions | Image


# --- forms -------------------------------------------------------------------------------------

FieldKind = Literal["text", "long_text", "number", "date", "select", "checkbox"]


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: FieldKind = "text"
    required: bool = True
    options: tuple[Option, ...] = ()
    initial: str = ""
    placeholder: str = ""
    max_length: int = 3000
    hint: str = ""


@dataclass(frozen=True)
class Form:
    """A form to fill in (Slack modal, Discord modal, console prompts).

    ``form_id`` names the handler that receives the submission; ``state`` is opaque data the
    handler needs back (e.g. the goal a check-in is for), kept short enough for every platform.
    """

    form_id: str
    title: str
    fields: tuple[FormField, ...]
    submit_label: str = ""  # empty: the adapter's own "Submit", in the reader's language
    state: str = ""


# --- replies -----------------------------------------------------------------------------------


class Visibility(StrEnum):
    PRIVATE = "private"
    CHANNEL = "channel"


@dataclass
class Reply:
    """What a command, button or form submission answers.

    ``replace_original`` asks the adapter to update the message the clicked button belongs to,
    rather than post a new one. ``form`` asks it to open a form instead of posting anything.
    """

    blocks: list[Block] = field(default_factory=list)
    visibility: Visibility = Visibility.PRIVATE
    attachments: list[Attachment] = field(default_factory=list)
    form: Form | None = None
    replace_original: bool = False
    is_error: bool = False
    form_errors: dict[str, str] | None = None
    lang: str | None = None  # the language it was written in; adapters render their own words in it

    @classmethod
    def private(cls, *blocks: Block | str | Rich) -> Reply:
        return cls(blocks=[_as_block(b) for b in blocks])

    @classmethod
    def channel(cls, *blocks: Block | str | Rich) -> Reply:
        return cls(blocks=[_as_block(b) for b in blocks], visibility=Visibility.CHANNEL)

    @classmethod
    def error(cls, message: str) -> Reply:
        return cls(blocks=[Section(markup(message))], is_error=True)

    @classmethod
    def open_form(cls, form: Form) -> Reply:
        return cls(form=form)

    def plain(self) -> str:
        """A plain-text rendering; the console and notification fallbacks use it."""
        from bot.core.plaintext import render_plain

        return render_plain(self)


def markup(message: str) -> Rich:
    """Bot-written text where `backticks` mark code; everything else stays plain (and escaped)."""
    pieces = message.split("`")
    if len(pieces) % 2 == 0:
        return rich(message)
    return rich(*(Code(p) if i % 2 else p for i, p in enumerate(pieces) if p))


def _as_block(item: Block | str | Rich) -> Block:
    if isinstance(item, str):
        return Section(markup(item))
    if isinstance(item, Rich):
        return Section(item)
    return item


def format_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def quantity(value: float, unit: str) -> str:
    """An amount with its goal's unit, in the singular for exactly one: ``1 call``, ``40 calls``;
    the number formatted for the reader's language (``12.000 llamadas``)."""
    if not unit:
        return i18n.number(value)
    return f"{i18n.number(value)} {singular(unit) if value == 1 else unit}"


def singular(unit: str) -> str:
    """The singular of an English plural unit (its last word), left alone when unsure."""
    head, _, word = unit.rpartition(" ")
    lower = word.lower()
    ambiguous = lower.endswith("ses") and not lower.endswith("sses")  # buses, houses: left as typed
    if len(word) <= 3 or not lower.endswith("s") or lower.endswith(("ss", "us", "is")) or ambiguous:
        one = word
    elif lower.endswith(("ches", "shes", "xes", "sses", "zes")):
        one = word[:-2]
    elif lower.endswith("ies"):
        one = word[:-3] + ("Y" if word[-3:].isupper() else "y")
    else:
        one = word[:-1]
    return f"{head} {one}" if head else one


def format_date(value: date) -> str:
    """``Tue 01 Dec 2026`` in the current language (``mar 01 dic 2026``)."""
    return i18n.date(value, format="EEE dd MMM y")
