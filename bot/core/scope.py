"""Every interactive element carries its coalition (SPEC §2 "A person's own place", §6 scoping).

A button, select or form the bot sends may be clicked far from any channel: in a direct message,
on the Slack Home tab, in an ephemeral reply left after its channel was unlinked. So the element
names its coalition itself: its action id (or form id) is *stamped* ``checkin.open@12.9f3a0c1b2d``
— the neutral id, the coalition id and a signature over both. The core reads the stamp before
anything else, and a stamp that does not verify is ignored (the click then falls back to the
channel it came from), so a forged coalition id reaches nothing. The place grants nothing either:
the clicker's own membership and role in the stamped coalition are checked as for a command.

Stamping happens once, where a reply leaves the core for a known coalition (a handler's answer,
an outbox row); handlers build plain action ids and never see stamps. The signing key is
process-wide, set by :func:`configure` from the settings (derived from the deployment's secrets,
so every process agrees); the console without secrets uses a fixed development key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from dataclasses import dataclass

from bot.core.ui import Actions, Block, Button, Form, Reply, Select

MARK = "@"
SIG_CHARS = 10
_DEV_KEY = hashlib.sha256(b"coalition-bot/element-scope/development").digest()
_key: bytes = _DEV_KEY


def configure(key: bytes | None) -> None:
    """Use ``key`` to sign elements from now on (``None``: the development key)."""
    global _key
    _key = key or _DEV_KEY


def _signature(base: str, coalition_id: int) -> str:
    digest = hmac.new(_key, f"{base}{MARK}{coalition_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIG_CHARS]


def stamp(element_id: str, coalition_id: int) -> str:
    """``element_id`` carrying ``coalition_id`` (an id stamped already is re-stamped)."""
    base = read(element_id).base
    return f"{base}{MARK}{coalition_id}.{_signature(base, coalition_id)}"


@dataclass(frozen=True)
class Stamp:
    """What an element id says: its neutral id, and the coalition it carries when the stamp verifies."""

    base: str
    coalition_id: int | None = None
    forged: bool = False  # it carried a stamp that does not verify


def read(element_id: str) -> Stamp:
    base, mark, tail = element_id.rpartition(MARK)
    if not mark:
        return Stamp(element_id)
    number, dot, signature = tail.partition(".")
    if not dot or not number.isascii() or not number.isdigit():
        return Stamp(element_id)
    coalition_id = int(number)
    if not hmac.compare_digest(signature, _signature(base, coalition_id)):
        return Stamp(base, forged=True)
    return Stamp(base, coalition_id)


def base(element_id: str) -> str:
    """The neutral id (a handler's ``action_id`` / ``form_id``) of a possibly stamped one."""
    return read(element_id).base


def stamp_reply(reply: Reply, coalition_id: int | None) -> Reply:
    """``reply`` with every button, select and form stamped with ``coalition_id`` (in place)."""
    if coalition_id is None:
        return reply
    reply.blocks = [_stamp_block(block, coalition_id) for block in reply.blocks]
    if reply.form is not None and read(reply.form.form_id).coalition_id is None:
        reply.form = stamp_form(reply.form, coalition_id)
    return reply


def stamp_form(form: Form, coalition_id: int) -> Form:
    return dataclasses.replace(form, form_id=stamp(form.form_id, coalition_id))


def _stamp_block(block: Block, coalition_id: int) -> Block:
    if not isinstance(block, Actions):
        return block
    elements: list[Button | Select] = [
        element
        if read(element.action_id).coalition_id is not None  # stamped already (an inbox of several)
        else dataclasses.replace(element, action_id=stamp(element.action_id, coalition_id))
        for element in block.elements
    ]
    return Actions(tuple(elements))
