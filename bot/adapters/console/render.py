"""Console rendering: plain text, buttons and select options as numbered choices."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.i18n import _, language
from bot.core.plaintext import render_block
from bot.core.ui import Actions, Button, Reply, Select, Visibility


@dataclass
class Choice:
    number: int
    label: str
    action_id: str
    value: str


@dataclass
class Rendered:
    text: str
    choices: list[Choice] = field(default_factory=list)


def render(reply: Reply) -> Rendered:
    """The reply as text, its own words in the reply's language."""
    with language(reply.lang):
        return _render(reply)


def _render(reply: Reply) -> Rendered:
    lines: list[str] = []
    choices: list[Choice] = []
    for block in reply.blocks:
        if isinstance(block, Actions):
            for element in block.elements:
                if isinstance(element, Button):
                    choices.append(Choice(len(choices) + 1, element.label, element.action_id, element.value))
                elif isinstance(element, Select):
                    for option in element.options:
                        label = f"{element.placeholder}: {option.label}"
                        choices.append(Choice(len(choices) + 1, label, element.action_id, option.value))
            continue
        lines.extend(render_block(block))
    if choices:
        lines.append("  " + "   ".join(f"[{c.number}] {c.label}" for c in choices))
        lines.append("  " + _("(type a number to choose)"))
    text = "\n".join(lines).strip("\n")
    if reply.is_error:
        text = "⚠ " + text
    if reply.visibility is Visibility.PRIVATE and text:
        text += "\n  " + _("(only you can see this)")
    return Rendered(text, choices)
