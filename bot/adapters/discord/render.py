"""Neutral replies as Discord messages: embeds, buttons and selects, modals, files.

User text is escaped here (markdown and mentions), and every message is also sent with
``AllowedMentions.none()``. Long replies are split so no embed or message limit is exceeded:
25 fields, title 256, description 4096, 6000 characters and 10 embeds per message.

The renderer's own words (``Open the form``, ``Done.``) are in the reply's language: rendering runs
inside ``i18n.language(reply.lang)``. Forms become modals in :mod:`bot.adapters.discord.modals`.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field

import discord

from bot.adapters.discord import payloads as wire
from bot.adapters.discord.custom_ids import IdBook
from bot.core.i18n import N_, _, language, number
from bot.core.ui import (
    Actions,
    Attachment,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Code,
    Context,
    Divider,
    Field,
    Fields,
    Header,
    Image,
    Italic,
    Link,
    Option,
    Plain,
    Progress,
    Reply,
    Rich,
    Section,
    Select,
    Timestamp,
)

log = logging.getLogger(__name__)

INLINE_MARKDOWN = re.compile(r"([\\*_~|`])")

MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_EMBED_TOTAL = 6000
MAX_EMBEDS = 10
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_FILES = 10
MAX_SELECT_OPTIONS = 25

COLOUR = discord.Colour(0x2B8A3E)
ERROR_COLOUR = discord.Colour(0xED4245)
STYLES = {
    ButtonStyle.DEFAULT: discord.ButtonStyle.secondary,
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}

OPEN_FORM_LABEL = N_("Open the form")
POSTED_NOTE = N_("Posted in the channel.")
EMPTY_REPLY = N_("Done.")
MORE_OPTIONS = N_("More options:")
TOO_LARGE = N_("{name} is too large to attach here ({size} MB; the limit is {limit} MB).")


# inline text -----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """User text as inert Discord markdown: no formatting, no mentions, no ``<…>`` entities."""
    text = text.replace("<", "<\u200b")
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def escape_line(text: str) -> str:
    """Escaping for one-line places (embed titles, field names) where only inline markdown applies,
    so a leading ``#`` or ``-`` stays as typed."""
    text = " ".join(text.split()).replace("<", "<\u200b")
    return INLINE_MARKDOWN.sub(r"\\\1", discord.utils.escape_mentions(text))


def code(text: str) -> str:
    return f"`{text.replace('`', 'ˋ')}`" if text else ""


def inline(text: Rich) -> str:
    out: list[str] = []
    for part in text.parts:
        if isinstance(part, Plain):
            out.append(escape(part.text))
        elif isinstance(part, Bold):
            out.append(emphasis(part.text, "**"))
        elif isinstance(part, Italic):
            out.append(emphasis(part.text, "*"))
        elif isinstance(part, Code):
            out.append(code(part.text))
        elif isinstance(part, Link):
            out.append(link(part.url, part.label))
        elif isinstance(part, Timestamp):
            out.append(f"<t:{int(part.at.timestamp())}:f>")
    return "".join(out)


def link(url: str, label: str) -> str:
    """A link; an address shown as itself stays exactly as it is (Discord links it), and one Discord
    cannot link is shown as code, never through escaping (a copied address must work)."""
    safe = url.startswith(("https://", "http://")) and not any(c in url for c in " ()<>")
    if safe:
        return url if label == url else f"[{escape(label)}]({url})"
    return code(url) if label == url else f"{escape(label)} ({code(url)})"


def emphasis(text: str, marker: str) -> str:
    """Markdown emphasis only works with no space inside the markers: keep spaces outside."""
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{marker}{escape(core)}{marker}{trail}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# messages --------------------------------------------------------------------------------------


@dataclass
class OutgoingMessage:
    """One Discord message: embeds, rows of components, files (fresh ``discord.File``s per send)."""

    embeds: list[discord.Embed] = field(default_factory=list)
    rows: list[list[discord.ui.Item[discord.ui.View]]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    content: str | None = None

    def view(self) -> discord.ui.View | None:
        if not self.rows:
            return None
        view = discord.ui.View(timeout=None)
        for index, row in enumerate(self.rows):
            for item in row:
                item.row = index
                view.add_item(item)
        # The catch-all interaction handler answers every component, so discord.py need not
        # keep this view in memory: a stopped view is never stored.
        view.stop()
        return view

    def files(self) -> list[discord.File]:
        """A file on disk (an export) is opened there: discord.py streams it, never reads it whole."""
        return [
            discord.File(
                str(a.path) if a.path is not None else io.BytesIO(a.content),
                filename=a.filename,
                description=a.title or None,
            )
            for a in self.attachments
        ]

    def total_text(self) -> int:
        return sum(len(e) for e in self.embeds)


@dataclass
class _Draft:
    title: str = ""
    lines: list[str] = field(default_factory=list)
    fields: list[tuple[str, str, bool]] = field(default_factory=list)
    image: str = ""

    @property
    def description(self) -> str:
        return "\n".join(self.lines)

    def empty(self) -> bool:
        return not (self.title or self.lines or self.fields or self.image)

    def size(self) -> int:
        return len(self.title) + len(self.description) + sum(len(n) + len(v) for n, v, _ in self.fields)

    def embed(self, colour: discord.Colour) -> discord.Embed:
        embed = discord.Embed(title=self.title or None, description=self.description or None, colour=colour)
        for name, value, is_inline in self.fields:
            embed.add_field(name=name, value=value, inline=is_inline)
        if self.image:
            embed.set_image(url=f"attachment://{self.image}")
        return embed


class _Embeds:
    """Lays blocks out as embeds, starting a new one wherever a limit or the reading order needs it."""

    def __init__(self) -> None:
        self.drafts: list[_Draft] = [_Draft()]

    @property
    def current(self) -> _Draft:
        return self.drafts[-1]

    def new(self) -> _Draft:
        if not self.current.empty():
            self.drafts.append(_Draft())
        return self.current

    def title(self, text: str) -> None:
        self.new().title = clip(escape_line(text), MAX_TITLE)

    def text(self, text: str) -> None:
        for chunk in _chunks(text, MAX_DESCRIPTION):
            draft = self.current
            fits = len(draft.description) + len(chunk) + 1 <= MAX_DESCRIPTION
            if draft.fields or draft.image or not fits or draft.size() + len(chunk) + 1 > MAX_EMBED_TOTAL:
                draft = self.new()
            draft.lines.append(chunk)

    def add_fields(self, fields: tuple[Field, ...]) -> None:
        rendered = [
            (clip(escape_line(f.label), MAX_FIELD_NAME) or "\u200b", clip(inline(f.value), MAX_FIELD_VALUE) or "—")
            for f in fields
        ]
        short = all(len(name) + len(value) <= 60 for name, value in rendered)
        for name, value in rendered:
            draft = self.current
            if (
                draft.image
                or len(draft.fields) >= MAX_FIELDS
                or draft.size() + len(name) + len(value) > MAX_EMBED_TOTAL
            ):
                draft = self.new()
            draft.fields.append((name, value, short))

    def image(self, filename: str) -> None:
        draft = self.current if not self.current.image else self.new()
        draft.image = filename

    def build(self, colour: discord.Colour) -> list[tuple[discord.Embed, str]]:
        return [(d.embed(colour), d.image) for d in self.drafts if not d.empty()]


def _chunks(text: str, limit: int) -> list[str]:
    """Split at line breaks so each piece fits; a single overlong line is cut."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            candidate = line
        current = candidate
    if current:
        pieces.append(current)
    return pieces


def render_reply(reply: Reply, ids: IdBook, *, form_button: str = OPEN_FORM_LABEL) -> list[OutgoingMessage]:
    """Messages for a reply; a form that cannot be a modal here becomes a button that opens it."""
    with language(reply.lang):
        return _render_reply(reply, ids, _(form_button))


def _render_reply(reply: Reply, ids: IdBook, form_button: str) -> list[OutgoingMessage]:
    layout = _Embeds()
    rows: list[list[discord.ui.Item[discord.ui.View]]] = []
    images: list[Attachment] = []
    for block in reply.blocks:
        _lay_out(block, layout, rows, images, ids)
    if reply.form is not None:
        rows.append(
            [
                discord.ui.Button(
                    label=clip(form_button, 80), style=discord.ButtonStyle.primary, custom_id=ids.open_form(reply.form)
                )
            ]
        )
    colour = ERROR_COLOUR if reply.is_error else COLOUR
    return _pack(layout.build(colour), rows, images, list(reply.attachments))


def _lay_out(
    block: Block,
    layout: _Embeds,
    rows: list[list[discord.ui.Item[discord.ui.View]]],
    images: list[Attachment],
    ids: IdBook,
) -> None:
    if isinstance(block, Header):
        layout.title(block.text)
    elif isinstance(block, Section):
        text = inline(block.text)
        if text:
            layout.text(text)
    elif isinstance(block, Progress):
        layout.text(f"**{escape(block.label)}**\n`{block.bar()}` {escape(block.summary())}")
    elif isinstance(block, Context):
        text = inline(block.text)
        if text:
            layout.text("\n".join(f"-# {line}" for line in text.split("\n") if line.strip()))
    elif isinstance(block, Fields):
        layout.add_fields(block.fields)
    elif isinstance(block, Divider):
        layout.new()
    elif isinstance(block, Image):
        layout.image(block.attachment.filename)
        images.append(block.attachment)
    elif isinstance(block, Actions):
        rows.extend(_rows(block, ids))


def _rows(block: Actions, ids: IdBook) -> list[list[discord.ui.Item[discord.ui.View]]]:
    rows: list[list[discord.ui.Item[discord.ui.View]]] = []
    buttons: list[discord.ui.Item[discord.ui.View]] = []
    seen: set[str] = set()
    for element in block.elements:
        if isinstance(element, Button):
            custom_id = ids.button(element.action_id, element.value)
            if custom_id in seen:
                log.warning("dropping a duplicate button %s (Discord needs unique ids per message)", element.action_id)
                continue
            seen.add(custom_id)
            if len(buttons) == MAX_BUTTONS_PER_ROW:
                rows.append(buttons)
                buttons = []
            buttons.append(
                discord.ui.Button(label=clip(element.label, 80), style=STYLES[element.style], custom_id=custom_id)
            )
        elif isinstance(element, Select) and element.options:
            if buttons:
                rows.append(buttons)
                buttons = []
            rows.append([_select(element, ids)])
    if buttons:
        rows.append(buttons)
    return rows


def _select(element: Select, ids: IdBook) -> discord.ui.Select[discord.ui.View]:
    options = [
        discord.SelectOption(label=clip(o.label, 100) or "—", value=clip(o.value, 100))
        for o in unique(element.options)[:MAX_SELECT_OPTIONS]
    ]
    return discord.ui.Select(
        custom_id=ids.select(element.action_id), placeholder=clip(element.placeholder, 150), options=options
    )


def unique(options: tuple[Option, ...]) -> list[Option]:
    """Options with distinct values (Discord rejects duplicates), first one kept."""
    kept: dict[str, Option] = {}
    for option in options:
        kept.setdefault(option.value, option)
    return list(kept.values())


def _pack(
    embeds: list[tuple[discord.Embed, str]],
    rows: list[list[discord.ui.Item[discord.ui.View]]],
    images: list[Attachment],
    files: list[Attachment],
) -> list[OutgoingMessage]:
    """Fill messages in order within Discord's per-message limits; components go on the last."""
    by_name = {a.filename: a for a in images}
    messages = [OutgoingMessage()]
    for embed, image in embeds:
        message = messages[-1]
        full = len(message.embeds) >= MAX_EMBEDS or message.total_text() + len(embed) > MAX_EMBED_TOTAL
        if full or (image and len(message.attachments) >= MAX_FILES):
            message = OutgoingMessage()
            messages.append(message)
        message.embeds.append(embed)
        if image and image in by_name:
            message.attachments.append(by_name.pop(image))
    for attachment in files:
        message = messages[0] if len(messages[0].attachments) < MAX_FILES else messages[-1]
        if len(message.attachments) >= MAX_FILES:
            message = OutgoingMessage()
            messages.append(message)
        message.attachments.append(attachment)
    for start in range(0, len(rows), MAX_ROWS):
        message = messages[-1] if start == 0 else OutgoingMessage(content=_(MORE_OPTIONS))
        if start:
            messages.append(message)
        message.rows = rows[start : start + MAX_ROWS]
    for message in messages:
        if not message.embeds and not message.attachments and message.content is None:
            message.content = _(EMPTY_REPLY)
    return messages


def within_size_limit(messages: list[OutgoingMessage], limit: int, *, lang: str | None) -> None:
    """Leave out files over the size limit, saying so (in ``lang``), rather than have Discord refuse
    the message."""
    with language(lang):
        empty = _(EMPTY_REPLY)
        for message in messages:
            notes = [
                _(
                    TOO_LARGE,
                    name=a.filename,
                    size=number(a.size / 1e6, digits=1),
                    limit=number(limit / 1e6, digits=1),
                )
                for a in message.attachments
                if a.size > limit
            ]
            if notes:
                message.attachments = [a for a in message.attachments if a.size <= limit]
                kept = [message.content] if message.content and message.content != empty else []
                message.content = "\n".join(kept + [escape(n) for n in notes])


# autocomplete ----------------------------------------------------------------------------------


def choices(options: list[Option], option_type: int) -> list[discord.app_commands.Choice[str | int | float]]:
    """Core suggestions as choices of the option's type (integer ids stay integers)."""
    out: list[discord.app_commands.Choice[str | int | float]] = []
    for option in options[:25]:
        value: str | int | float
        try:
            if option_type == wire.INTEGER:
                value = int(option.value)
            elif option_type == wire.NUMBER:
                value = float(option.value)
            else:
                value = clip(option.value, 100)
        except ValueError:
            continue
        out.append(discord.app_commands.Choice(name=clip(option.label, 100) or str(value), value=value))
    return out
