"""Plain-text rendering of the neutral reply model: the console's view and every fallback text.

Its own words are in the current language: render inside ``i18n.language(reply.lang)``."""

from __future__ import annotations

from bot.core.i18n import _
from bot.core.ui import (
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Fields,
    Header,
    Image,
    Progress,
    Reply,
    Section,
    Select,
)


def render_block(block: Block) -> list[str]:
    if isinstance(block, Header):
        return [block.text.upper() if len(block.text) < 40 else block.text, ""]
    if isinstance(block, Section):
        return [block.text.plain()]
    if isinstance(block, Fields):
        return [f"  {f.label}: {f.value.plain()}" for f in block.fields]
    if isinstance(block, Progress):
        return [f"{block.label}", f"  {block.bar()} {block.summary()}"]
    if isinstance(block, Context):
        return [f"  ({block.text.plain()})"]
    if isinstance(block, Divider):
        return ["-" * 40]
    if isinstance(block, Image):
        return [_("[image: {alt} — {filename}]", alt=block.alt, filename=block.attachment.filename)]
    if isinstance(block, Actions):
        return [describe_actions(block)]
    raise TypeError(f"unknown block {block!r}")


def describe_actions(block: Actions) -> str:
    parts = []
    for element in block.elements:
        if isinstance(element, Button):
            parts.append(f"[{element.label}]")
        elif isinstance(element, Select):
            parts.append(f"[{element.placeholder}: " + " | ".join(o.label for o in element.options) + "]")
    return " ".join(parts)


def render_plain(reply: Reply) -> str:
    lines: list[str] = []
    for block in reply.blocks:
        lines.extend(render_block(block))
    if reply.form is not None:
        lines.append(_("[form: {title}]", title=reply.form.title))
    return "\n".join(lines).strip("\n")
