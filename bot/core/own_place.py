"""A person's own place (SPEC §2): which coalition a command typed in a direct message acts for.

A direct message with the bot, the Slack Home and Messages tabs and a Discord DM belong to no
channel, so the person decides: a command there acts for their only coalition on that platform; a
person in several is asked privately (a select) and the choice is remembered for
``CHOICE_HOURS``; a person in none is told how to join. The person is found by their platform
account, not by the place's workspace (a Discord DM has no guild).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import i18n
from bot.core.context import Actor, Invocation, Place
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.services import Kept
from bot.core.ui import Actions, Option, Reply, Section, Select, markup
from bot.store.models import Coalition, Member
from bot.store.repo import Directory, get_state, put_state

CHOOSE = "coalition_bot.choose"  # the select of the picker; handled by the core itself
CHOICE_HOURS = 8
MAX_CHOICES = 25  # a Discord select's limit

NO_COALITION = N_(
    "You are not in a coalition yet. In a channel of one, type `/coalition join`; "
    'or start one in a channel with `/coalition create "Name"`.'
)
IN_CHANNEL_ONLY = N_("`{command}` works in a channel, not in a direct message: run it in the channel you mean.")
WHICH = N_("You are in several coalitions. Which one is this for? (Your choice holds for the next few hours.)")
GONE = N_("That coalition no longer exists. Nothing was changed.")
LEFT = N_("You are not a member of {coalition} (any more), so this is not yours to use. Nothing was changed.")


class ChooseCoalition(UserError):
    """A person in several coalitions typed a command in a direct message: ask which one."""

    def __init__(self, memberships: Sequence[tuple[Member, Coalition]]) -> None:
        super().__init__(_(WHICH))
        self.coalitions = [(c.id or 0, c.name) for _m, c in memberships][:MAX_CHOICES]

    def picker(self, pending: str) -> Reply:
        """The private question, with a select whose choices carry the pending command's key."""
        options = tuple(Option(name[:75], f"{cid}:{pending}") for cid, name in self.coalitions)
        return Reply.private(
            Section(markup(_(WHICH))),
            Actions((Select(CHOOSE, _("Choose a coalition"), options),)),
        )


def choice_key(actor: Actor) -> str:
    return f"own-place:choice:{actor.platform}:{actor.user_id}"


class Remembered:
    """Choices kept in this process's memory only: those made for a confidential command."""

    def __init__(self) -> None:
        self._choices: dict[str, tuple[int, datetime]] = {}

    def remember(self, actor: Actor, coalition_id: int, now: datetime) -> None:
        self._choices[choice_key(actor)] = (coalition_id, now + timedelta(hours=CHOICE_HOURS))

    def get(self, actor: Actor, now: datetime) -> int | None:
        found = self._choices.get(choice_key(actor))
        return found[0] if found is not None and found[1] > now else None


async def coalition_for(
    session: AsyncSession,
    directory: Directory,
    actor: Actor,
    now: datetime,
    *,
    needs: bool,
    remembered: Remembered | None = None,
) -> int | None:
    """The coalition a command in ``actor``'s own place acts for; ``None`` when it needs none and
    none is clear. Raises :class:`ChooseCoalition` or :class:`NotInCoalition` otherwise."""
    memberships = await directory.memberships_of_account(actor.platform, actor.user_id)
    if len(memberships) == 1:
        return memberships[0][1].id
    if not memberships:
        if needs:
            with i18n.language(i18n.choose(None, actor.locale, None)):
                raise UserError(_(NO_COALITION))
        return None
    chosen = remembered.get(actor, now) if remembered is not None else None
    chosen = chosen if chosen is not None else await stored_choice(session, actor, now)
    if chosen is not None and any(c.id == chosen for _m, c in memberships):
        return chosen
    if needs:
        with i18n.language(i18n.choose(None, actor.locale, None)):
            raise ChooseCoalition(memberships)
    return None


async def stored_choice(session: AsyncSession, actor: Actor, now: datetime) -> int | None:
    state = await get_state(session, choice_key(actor))
    if not state:
        return None
    try:
        until = datetime.fromisoformat(str(state["until"]))
        coalition_id = int(state["coalition_id"])
    except (KeyError, ValueError, TypeError):
        return None
    return coalition_id if until > now else None


async def remember(session: AsyncSession, actor: Actor, coalition_id: int, now: datetime) -> None:
    value: dict[str, Any] = {
        "coalition_id": coalition_id,
        "until": (now + timedelta(hours=CHOICE_HOURS)).isoformat(),
    }
    await put_state(session, choice_key(actor), value)


def parse_choice(value: str) -> tuple[int, str] | None:
    """``"12:abc"`` → (12, "abc"): the chosen coalition and the pending command's key."""
    number, _sep, pending = value.partition(":")
    if not number.isascii() or not number.isdigit():
        return None
    return int(number), pending


PENDING = "own-place:pending:"


async def keep_pending(kept: Kept, inv: Invocation | None, *, confidential: bool) -> str:
    """Keep the command a person in several coalitions typed in their own place, so choosing a
    coalition runs it; the key goes into the picker's choices. A confidential command (a flag's
    receipt) is kept in memory only, never in the database."""
    if inv is None:
        return ""
    document = {"command": inv.command, "text": inv.text, "path": list(inv.path or ()), "options": inv.options}
    raw = json.dumps(document, sort_keys=True, default=str)
    key = hashlib.sha256(f"{inv.actor.platform}:{inv.actor.user_id}:{raw}".encode()).hexdigest()[:24]
    stored = {PENDING + key: {**document, "user": inv.actor.user_id}}
    if confidential:
        kept.hold(stored)
    else:
        await kept.put(stored)
    return key


async def pending_command(kept: Kept, key: str, actor: Actor, place: Place) -> Invocation | None:
    """The command kept under ``key`` for this person, to run in ``place``; None if gone or theirs not."""
    stored = await kept.get(PENDING + key) if key else None
    if stored is None or stored.get("user") != actor.user_id:
        return None
    path = stored.get("path")
    return Invocation(
        str(stored.get("command") or ""),
        actor,
        place,
        text=str(stored.get("text") or ""),
        path=tuple(path) if path else None,
        options=stored.get("options"),
    )
