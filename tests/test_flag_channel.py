"""The private flag channel of ``/coalition settings`` (SPEC §3, §4 "Flags"), end to end on the
console: steering names a channel the console calls private (``private-…``), new flags go there
and to no one's direct messages; a public or linked channel is refused with nothing changed;
``none`` goes back to direct messages."""

from __future__ import annotations

import io

from sqlmodel import select

from bot.adapters.console.app import Console
from bot.adapters.console.messenger import ConsoleMessenger
from bot.core.context import FormSubmission
from bot.core.params import ChannelRef, Kind, Param, convert_value
from bot.delivery.dispatcher import Dispatcher
from bot.store.db import Database
from bot.store.models import Coalition
from tests.support import make_core

FLAG = {"topic": "Shouting at the assembly", "description": "It happened twice.", "severity": "high"}


def test_channel_values_parse_from_every_platform() -> None:
    param = Param("flag_channel", Kind.CHANNEL)
    assert convert_value(param, "<#C0123ABC|flag-handlers>") == ChannelRef("C0123ABC", name="flag-handlers")
    assert convert_value(param, "<#112233445566>") == ChannelRef("112233445566")
    assert convert_value(param, "112233445566") == ChannelRef("112233445566")
    assert convert_value(param, "#private-handlers") == ChannelRef(
        "private-handlers", name="private-handlers", by_name=True
    )
    assert convert_value(param, "HERE") == ChannelRef(here=True)
    assert convert_value(param, "none") == ChannelRef(none=True)


async def coalition_settings(db: Database) -> dict[str, object]:
    async with db.session() as session:
        [coalition] = (await session.exec(select(Coalition))).all()
        return dict(coalition.settings)


async def test_console_private_channel_gets_new_flags_public_refused_none_resets(db: Database) -> None:
    out = io.StringIO()
    core = make_core(db)
    console = Console(core, user="alice", out=out, read_line=lambda prompt: None)
    dispatcher = Dispatcher(db, {"console": ConsoleMessenger(console)}, clock=core.clock)
    await console.handle('/coalition create "Calm Waters"')
    await console.handle(":as dana")
    await console.handle("/coalition join")
    await console.handle(":as alice")
    await console.handle("/coalition role @dana facilitator")
    before = await coalition_settings(db)

    out.seek(0), out.truncate(0)
    await console.handle("/coalition settings flag_channel=#handlers")
    assert "not a private channel" in out.getvalue()
    await console.handle("/coalition settings flag_channel=here")
    assert "linked to a coalition" in out.getvalue()
    assert await coalition_settings(db) == before

    out.seek(0), out.truncate(0)
    await console.handle("/coalition settings flag_channel=#private-handlers")
    assert "saved" in out.getvalue()
    assert "private channel #private-handlers" in out.getvalue()
    assert (await coalition_settings(db))["flag_channel"] == {
        "platform": "console",
        "workspace": "local",
        "channel": "private-handlers",
        "name": "private-handlers",
        "private": True,
    }

    await console.handle(":as bob")
    await console.handle("/flag raise")
    reply = await core.submit_form(FormSubmission("flag.raise", FLAG, console.actor, console.place))
    assert "receipt" in reply.plain().lower()
    await console.handle(":as alice")
    out.seek(0), out.truncate(0)
    await dispatcher.drain()
    delivered = out.getvalue()
    assert "posted in #private-handlers" in delivered
    assert FLAG["topic"] in delivered
    assert "private message" not in delivered

    await console.handle("/coalition settings flag_channel=none")
    assert (await coalition_settings(db)).get("flag_channel") is None
    await console.handle(":as bob")
    bob = console.actor
    await console.handle(":as alice")
    await core.submit_form(FormSubmission("flag.raise", {**FLAG, "topic": "Second one"}, bob, console.place))
    out.seek(0), out.truncate(0)
    await dispatcher.drain()
    assert "private message to dana" in out.getvalue()
    assert "private message to alice" in out.getvalue()
    assert "posted in" not in out.getvalue()
