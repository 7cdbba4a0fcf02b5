"""Stable ``action_id``s and values: what a button, select or modal means, readable after a restart.

A button's ``action_id`` is the neutral action id plus its position (``checkin.open|0``), because
Slack wants action ids unique within a block while neutral ids repeat (Yes / No on one action).
Its ``value`` is the neutral value. What does not fit Slack's limits (action id 255, button value
2000, option value 150, ``private_metadata`` 3000) and forms behind an "Open the form" button are
kept through the core's :class:`~bot.core.services.Kept` service under a content hash; saving the
same thing twice is harmless.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

from bot.core.codec import encode_form, form_key
from bot.core.services import Kept
from bot.core.ui import Form

SEP = "|"
STORED = "#"  # a value starting with this is the digest of a stored value
OPEN_FORM = "coalition_bot.open_form"  # a button that opens a stored form
FORM_CALLBACK = "coalition_bot.form"  # the callback_id of every modal
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_OPTION_VALUE = 150
MAX_METADATA = 3000


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ModalMeta:
    """What a modal's submission needs back: the form handler, its state, and where it was opened."""

    form_id: str
    state: str
    team: str
    channel: str
    response_url: str = ""


@dataclass
class Stash:
    """Collects what rendering needs stored before a message or modal goes out."""

    values: dict[str, str] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)

    def action_id(self, action_id: str, position: int) -> str:
        encoded = f"{action_id}{SEP}{position}"
        return encoded if len(encoded) <= MAX_ACTION_ID else self.keep(action_id) + f"{SEP}{position}"

    def value(self, value: str, limit: int) -> str:
        return value if len(value) <= limit and not value.startswith(STORED) else self.keep(value)

    def keep(self, text: str) -> str:
        key = STORED + digest(text)
        self.values[key] = text
        return key

    def open_form(self, form: Form) -> str:
        key = form_key(form)
        self.forms[key] = form
        return key

    def metadata(self, meta: ModalMeta) -> str:
        encoded = json.dumps(dataclasses.asdict(meta), separators=(",", ":"))
        return encoded if len(encoded) <= MAX_METADATA else self.keep(encoded)

    async def save(self, kept: Kept) -> None:
        documents = {f"slack:value:{key}": {"text": text} for key, text in self.values.items()}
        documents.update({f"slack:form:{key}": encode_form(form) for key, form in self.forms.items()})
        await kept.put(documents)
        self.values.clear()
        self.forms.clear()


async def unstash(text: str, kept: Kept) -> str | None:
    """The original of a possibly stored value; ``None`` if it was stored and is gone."""
    if not text.startswith(STORED):
        return text
    stored = await kept.get(f"slack:value:{text}")
    value = None if stored is None else stored.get("text")
    return value if isinstance(value, str) else None


def neutral_action_id(action_id: str) -> str:
    """``checkin.open|0`` → ``checkin.open`` (a stored long id stays a digest; see :func:`unstash`)."""
    return action_id.rpartition(SEP)[0] or action_id


async def modal_meta(private_metadata: str, kept: Kept) -> ModalMeta | None:
    raw = await unstash(private_metadata, kept)
    try:
        data = json.loads(raw or "")
        return ModalMeta(
            str(data["form_id"]),
            str(data["state"]),
            str(data["team"]),
            str(data["channel"]),
            str(data.get("response_url") or ""),
        )
    except (ValueError, KeyError, TypeError):
        return None


async def load_form(key: str, kept: Kept) -> Form | None:
    return await kept.form(f"slack:form:{key}")
