"""``/coalition status`` tells steering how many of the coalition's messages expired (dropped once
their time had passed, never sent late), next to those that could not be delivered; counted for
this coalition only, in the reader's language, and shown to steering alone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.delivery import DeliveryError
from bot.core.outbox import Outbox
from bot.core.ui import Reply
from bot.delivery.dispatcher import Dispatcher
from bot.store.db import Database
from bot.store.models import Coalition
from bot.store.outbox_models import OutboxMessage, OutboxStatus
from tests.support import Chat
from tests.test_delivery import ScriptedMessenger, virtual_sleep


async def coalition_id(db: Database, name: str) -> int:
    async with db.session() as session:
        cid = (await session.exec(select(Coalition.id).where(Coalition.name == name))).one()
    assert cid is not None
    return cid


async def prompt(db: Database, cid: int, key: str, clock: ManualClock) -> None:
    """A check-in prompt whose window closes in 30 minutes."""
    async with db.unit_of_work() as session:
        await Outbox(session, cid, now=clock.now()).announce(
            Reply.channel("How did this week go?"), key=key, expires=clock.now() + timedelta(minutes=30)
        )


async def test_steering_sees_the_messages_that_expired_in_its_coalition(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("bob", "/coalition join")
    await chat.say("carol", '/coalition create "Clean Water"', channel="water")
    air, water = await coalition_id(db, "Clean Air"), await coalition_id(db, "Clean Water")
    assert "expired" not in (await chat.say("alice", "/coalition status")).plain()

    failing = [DeliveryError("500")] * 100  # the platform fails for longer than the prompts' windows
    messenger = ScriptedMessenger(clock, platform="console", failures={"How did this week go?": failing})
    for key in ("prompt:1", "prompt:2"):
        await prompt(db, air, key, clock)
    await prompt(db, water, "prompt:1", clock)
    worker = Dispatcher(db, {"console": messenger}, clock=clock, sleep=virtual_sleep(clock))  # type: ignore[dict-item]
    for _ in range(12):
        await worker.drain()
        clock.advance(timedelta(minutes=5))
    await worker.drain()
    async with db.session() as session:
        expired = (
            await session.exec(
                select(OutboxMessage.coalition_id).where(OutboxMessage.status == OutboxStatus.EXPIRED.value)
            )
        ).all()
    assert sorted(expired) == [air, air, water]  # every copy of the prompts, dropped after their windows
    assert "How did this week go?" not in {text for _, _, text in messenger.accepted}

    steering = (await chat.say("alice", "/coalition status")).plain()
    assert "2 messages expired before they could be delivered" in steering  # not the other coalition's
    assert "never sent late" in steering
    assert "could not be delivered (steering only):" not in steering  # nothing parked
    assert "expired" not in (await chat.say("bob", "/coalition status")).plain()
    assert (
        "1 message expired before it could be delivered"
        in (await chat.say("carol", "/coalition status", channel="water")).plain()
    )

    await chat.say("alice", "/coalition language es")
    assert "2 mensajes caducaron antes de poder entregarse" in (await chat.say("alice", "/coalition status")).plain()
    await chat.say("alice", "/coalition language fr")
    assert "2 messages ont expiré avant d’avoir pu être remis" in (await chat.say("alice", "/coalition status")).plain()


async def test_parked_and_expired_are_told_apart(chat: Chat, db: Database, clock: ManualClock) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    cid = await coalition_id(db, "Clean Air")
    async with db.unit_of_work() as session:
        for n, status in enumerate(
            (OutboxStatus.PARKED, OutboxStatus.EXPIRED, OutboxStatus.EXPIRED, OutboxStatus.SENT)
        ):
            session.add(
                OutboxMessage(
                    coalition_id=cid,
                    key=f"k{n}",
                    kind="post",
                    platform="console",
                    workspace="local",
                    target="general",
                    status=status.value,
                    last_error="channel_not_found" if status == OutboxStatus.PARKED else None,
                )
            )
    steering = (await chat.say("alice", "/coalition status")).plain()
    assert "1 message could not be delivered" in steering
    assert "2 messages expired before they could be delivered" in steering
