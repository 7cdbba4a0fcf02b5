"""Neutral replies as Block Kit: messages, modals and the App Home view.

User text is escaped here: ``&``, ``<`` and ``>`` become entities (so ``<!channel>``, ``<!here>``,
``<@U…>`` and links never form), ``@here``-style words get an invisible word joiner, and the
characters that would start mrkdwn formatting (``*``, ``_``, ``~``, `````) are swapped for
look-alikes. Long content is split so no Block Kit limit is exceeded: a reply becomes several
messages of at most 50 blocks rather than an error.

The renderer's own words (``Open the form``, ``Cancel``, ``Done.``) are in the reply's language:
each ``render_*`` runs inside ``i18n.language(reply.lang)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.adapters.slack.ids import FORM_CALLBACK, MAX_BUTTON_VALUE, MAX_OPTION_VALUE, OPEN_FORM, ModalMeta, Stash
from bot.core.i18n import N_, _, language
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
    Fields,
    Form,
    FormField,
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
    format_timestamp,
    markup,
)

JSON = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_TEXT = 3000
MAX_ELEMENTS = 25
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_BUTTON_TEXT = 75
MAX_PLACEHOLDER = 150
MAX_MODAL_TITLE = 24
MAX_LABEL = 2000
MAX_INPUT = 3000
MAX_FALLBACK = 3000

OPEN_FORM_LABEL = N_("Open the form")
ATTACHED = N_("📎 {alt} (sent as a file)")
EMPTY_REPLY = N_("Done.")
MORE = N_("…more in `/coalition status`.")
BROADCAST = re.compile(r"@(?=channel|here|everyone)", re.IGNORECASE)
LONE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
LOOKALIKES = str.maketrans({"*": "∗", "~": "∼", "`": "ˋ"})


# inline text -----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """User text as inert mrkdwn: no mentions, links, entities or formatting."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = BROADCAST.sub("@\u2060", text)
    return LONE_UNDERSCORE.sub("＿", text.translate(LOOKALIKES))


def emphasis(text: str, marker: str) -> str:
    """mrkdwn emphasis only works with no space inside the markers: keep spaces outside."""
    core = text.strip()
    if not core:
        return escape(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{marker}{escape(core)}{marker}{trail}"


def code_span(text: str) -> str:
    """Text shown exactly as it is (a code, an address to copy): only what Slack would read as
    markup is neutralised (entities, a backtick, a broadcast); underscores and asterisks stay."""
    inner = inert(text.replace("`", "ˋ"))
    return f"`{inner}`" if inner.strip() else inner


def inert(text: str) -> str:
    """Text that cannot mention or link anyone, every other character as it is: the notification
    text, which Slack shows without formatting (a code or an address in it must stay copyable)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return BROADCAST.sub("@\u2060", text)


def link(url: str, label: str) -> str:
    """A link; an address Slack cannot link (no scheme, spaces) is shown verbatim, as code."""
    if not url.startswith(("https://", "http://", "mailto:")) or any(c.isspace() for c in url):
        return code_span(url) if label == url else f"{escape(label)} ({code_span(url)})"
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    safe_label = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "¦")
    return f"<{safe_url}|{safe_label}>"


def timestamp(part: Timestamp) -> str:
    """Shown in each viewer's own zone; the fallback (for clients that cannot) in the given zone."""
    fallback = format_timestamp(part.at, part.fallback_tz).replace("|", " ")
    return f"<!date^{int(part.at.timestamp())}^{{date_short_pretty}} {{time}}|{escape(fallback)}>"


def mrkdwn(text: Rich) -> str:
    out: list[str] = []
    for part in text.parts:
        if isinstance(part, Plain):
            out.append(escape(part.text))
        elif isinstance(part, Bold):
            out.append(emphasis(part.text, "*"))
        elif isinstance(part, Italic):
            out.append(emphasis(part.text, "_"))
        elif isinstance(part, Code):
            out.append(code_span(part.text))
        elif isinstance(part, Link):
            out.append(link(part.url, part.label))
        elif isinstance(part, Timestamp):
            out.append(timestamp(part))
    return "".join(out)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int) -> list[str]:
    """Split mrkdwn into pieces of at most ``limit``: at line ends, else at spaces, never inside an
    entity (``&amp;``) or a ``<…>`` token."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
            amp, angle = rest.rfind("&", cut - 8, cut), rest.rfind("<", 0, cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp
            if angle != -1 and ">" not in rest[angle:cut]:
                cut = angle or limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def plain_text(text: str, limit: int) -> JSON:
    return {"type": "plain_text", "text": clip(text, limit) or "-", "emoji": True}


def fallback_text(reply: Reply) -> str:
    """The notification text that goes with blocks (also escaped)."""
    return clip(inert(reply.plain()), MAX_FALLBACK) or _(EMPTY_REPLY)


# blocks ----------------------------------------------------------------------------------------


def render_blocks(blocks: list[Block], stash: Stash, *, is_error: bool = False) -> tuple[list[JSON], list[Attachment]]:
    """Block Kit blocks for neutral blocks (unsplit), and the images to upload alongside."""
    out: list[JSON] = []
    images: list[Attachment] = []
    warned = not is_error
    for block in blocks:
        if isinstance(block, Header):
            if block.text.strip():
                out.append({"type": "header", "text": plain_text(block.text, MAX_HEADER)})
        elif isinstance(block, Section):
            text = mrkdwn(block.text)
            if not warned:
                text, warned = f":warning: {text}", True
            out.extend(_section(piece) for piece in chunks(text, MAX_SECTION_TEXT) if piece.strip())
        elif isinstance(block, Fields):
            rendered = [
                clip(f"*{escape(f.label)}*\n{mrkdwn(f.value)}", MAX_FIELD_TEXT)
                if f.label
                else clip(mrkdwn(f.value), MAX_FIELD_TEXT) or "-"
                for f in block.fields
            ]
            for start in range(0, len(rendered), MAX_FIELDS):
                fields = [{"type": "mrkdwn", "text": text} for text in rendered[start : start + MAX_FIELDS]]
                out.append({"type": "section", "fields": fields})
        elif isinstance(block, Progress):
            text = f"*{escape(block.label)}*\n`{block.bar()}` {escape(block.summary())}"
            out.append(_section(clip(text, MAX_SECTION_TEXT)))
        elif isinstance(block, Context):
            for piece in chunks(mrkdwn(block.text), MAX_CONTEXT_TEXT):
                if piece.strip():
                    out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": piece}]})
        elif isinstance(block, Divider):
            out.append({"type": "divider"})
        elif isinstance(block, Actions):
            out.extend(_actions(block, stash))
        elif isinstance(block, Image):
            images.append(block.attachment)
            text = escape(_(ATTACHED, alt=block.alt or block.attachment.filename))
            out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, MAX_CONTEXT_TEXT)}]})
    return out, images


def _section(text: str) -> JSON:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _actions(block: Actions, stash: Stash) -> list[JSON]:
    elements: list[JSON] = []
    position = 0
    for element in block.elements:
        if isinstance(element, Button):
            button: JSON = {
                "type": "button",
                "text": plain_text(element.label, MAX_BUTTON_TEXT),
                "action_id": stash.action_id(element.action_id, position),
                "value": stash.value(element.value, MAX_BUTTON_VALUE),
            }
            if element.style is not ButtonStyle.DEFAULT:
                button["style"] = element.style.value
            elements.append(button)
            position += 1
        elif isinstance(element, Select):
            options = _unique(element.options)
            for start in range(0, len(options), MAX_OPTIONS):
                part = options[start : start + MAX_OPTIONS]
                placeholder = (
                    element.placeholder if start == 0 else _("{placeholder} (more)", placeholder=element.placeholder)
                )
                elements.append(
                    {
                        "type": "static_select",
                        "placeholder": plain_text(placeholder, MAX_PLACEHOLDER),
                        "action_id": stash.action_id(element.action_id, position),
                        "options": [_option(o, stash) for o in part],
                    }
                )
                position += 1
    return [
        {"type": "actions", "elements": elements[start : start + MAX_ELEMENTS]}
        for start in range(0, len(elements), MAX_ELEMENTS)
    ]


def _option(option: Option, stash: Stash) -> JSON:
    return {"text": plain_text(option.label, MAX_OPTION_TEXT), "value": stash.value(option.value, MAX_OPTION_VALUE)}


def _unique(options: tuple[Option, ...]) -> list[Option]:
    """Slack rejects a select whose options repeat a value."""
    seen: set[str] = set()
    unique = []
    for option in options:
        if option.value not in seen:
            seen.add(option.value)
            unique.append(option)
    return unique


# messages --------------------------------------------------------------------------------------


@dataclass
class SlackMessage:
    """One message: its blocks, the notification text, and files to upload next to it."""

    blocks: list[JSON]
    text: str
    files: list[Attachment] = field(default_factory=list)


def render_reply(reply: Reply, stash: Stash, *, form_button: str = OPEN_FORM_LABEL) -> list[SlackMessage]:
    """Messages of at most 50 blocks; files (attachments, images) travel with the last one."""
    with language(reply.lang):
        return _render_reply(reply, stash, _(form_button))


def _render_reply(reply: Reply, stash: Stash, form_button: str) -> list[SlackMessage]:
    blocks, images = render_blocks(reply.blocks, stash, is_error=reply.is_error)
    if reply.form is not None:
        key = stash.open_form(reply.form)
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": plain_text(form_button, MAX_BUTTON_TEXT),
                        "action_id": stash.action_id(OPEN_FORM, 0),
                        "value": key,
                        "style": "primary",
                    }
                ],
            }
        )
    if not blocks:
        blocks = [_section(escape(_(EMPTY_REPLY)))]
    text = fallback_text(reply)
    messages = [
        SlackMessage(blocks[start : start + MAX_MESSAGE_BLOCKS], text)
        for start in range(0, len(blocks), MAX_MESSAGE_BLOCKS)
    ]
    messages[-1].files = [*images, *reply.attachments]
    return messages


def render_home(reply: Reply, stash: Stash) -> JSON:
    """The Home tab's view: the reply's blocks (no files: a view cannot carry them)."""
    with language(reply.lang):
        rendered, _images = render_blocks(reply.blocks, stash)
        if len(rendered) > MAX_VIEW_BLOCKS:
            more = {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(markup(_(MORE)))}]}
            rendered = [*rendered[: MAX_VIEW_BLOCKS - 1], more]
    return {"type": "home", "blocks": rendered}


# modals ----------------------------------------------------------------------------------------


def render_modal(form: Form, meta: ModalMeta, stash: Stash, *, lang: str | None) -> JSON:
    """A modal for the form; its buttons in ``lang`` (the language of the reply that opened it)."""
    with language(lang):
        return {
            "type": "modal",
            "callback_id": FORM_CALLBACK,
            "title": plain_text(form.title, MAX_MODAL_TITLE),
            "submit": plain_text(form.submit_label or _("Submit"), MAX_MODAL_TITLE),
            "close": plain_text(_("Cancel"), MAX_MODAL_TITLE),
            "private_metadata": stash.metadata(meta),
            "blocks": [_input(f, stash) for f in form.fields[:MAX_VIEW_BLOCKS]],
        }


def _input(form_field: FormField, stash: Stash) -> JSON:
    element: JSON
    initial = form_field.initial
    if form_field.kind == "select":
        options = [_option(o, stash) for o in _unique(form_field.options)[:MAX_OPTIONS]]
        element = {"type": "static_select", "options": options or [_option(Option("—", "-"), stash)]}
        chosen = next((o for o in options if initial and o["value"] == stash.value(initial, MAX_OPTION_VALUE)), None)
        if chosen is not None:
            element["initial_option"] = chosen
    elif form_field.kind == "checkbox":
        option = {"text": plain_text(_("Yes"), MAX_OPTION_TEXT), "value": "yes"}
        element = {"type": "checkboxes", "options": [option]}
        if initial.lower() in ("yes", "true", "1", "on"):
            element["initial_options"] = [option]
    elif form_field.kind == "date":
        element = {"type": "datepicker"}
        if _is_date(initial):
            element["initial_date"] = initial
    elif form_field.kind == "number":
        element = {"type": "number_input", "is_decimal_allowed": True}
        if _is_number(initial):
            element["initial_value"] = initial
    else:
        element = {"type": "plain_text_input", "multiline": form_field.kind == "long_text"}
        element["max_length"] = max(1, min(form_field.max_length, MAX_INPUT))
        if initial:
            element["initial_value"] = initial[: element["max_length"]]
    element["action_id"] = "value"
    if form_field.placeholder and form_field.kind not in ("checkbox",):
        element["placeholder"] = plain_text(form_field.placeholder, MAX_PLACEHOLDER)
    block: JSON = {
        "type": "input",
        "block_id": form_field.name,
        "label": plain_text(form_field.label, MAX_LABEL),
        "element": element,
        "optional": not form_field.required,
    }
    if form_field.hint:
        block["hint"] = plain_text(form_field.hint, MAX_LABEL)
    return block


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def submitted_values(state: JSON) -> dict[str, str]:
    """Field values from a view's ``state.values``, as the strings the core converts."""
    values: dict[str, str] = {}
    for block_id, actions in (state.get("values") or {}).items():
        item: JSON = next(iter(actions.values()), {}) if isinstance(actions, dict) else {}
        kind = item.get("type")
        if kind == "checkboxes":
            values[block_id] = "yes" if item.get("selected_options") else ""
        elif kind == "static_select":
            values[block_id] = str((item.get("selected_option") or {}).get("value") or "")
        elif kind == "datepicker":
            values[block_id] = str(item.get("selected_date") or "")
        else:
            values[block_id] = str(item.get("value") or "")
    return values


def form_errors(errors: dict[str, str], field_names: list[str]) -> dict[str, str]:
    """``response_action: errors`` wants block ids of input blocks; anything else goes on the first."""
    shown: dict[str, str] = {}
    for name, message in errors.items():
        target = name if name in field_names or not field_names else field_names[0]
        shown[target] = clip(f"{shown[target]} {message}" if target in shown else message, MAX_LABEL)
    return shown
