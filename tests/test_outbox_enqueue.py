"""Enqueueing proactive messages: the reply survives the database, keys make enqueueing idempotent,
and refresh() keeps one pending update per posted copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.core import ui
from bot.core.codec import decode_reply, encode_reply
from bot.core.context import Place
from bot.core.outbox import Outbox
from bot.store.db import Database
from bot.store.models import ChannelBinding, Coalition, Identity, Member
from bot.store.outbox_models import OutboxMessage

text = st.text(max_size=40)
inline = st.one_of(
    st.builds(ui.Plain, text),
    st.builds(ui.Bold, text),
    st.builds(ui.Code, text),
    st.builds(ui.Link, text, text),
    st.builds(ui.Timestamp, st.datetimes(timezones=st.just(UTC)), st.sampled_from(["UTC", "Europe/Berlin"])),
)
rich = st.builds(lambda parts: ui.Rich(tuple(parts)), st.lists(inline, max_size=4))
attachment = st.builds(ui.Attachment, text, st.binary(max_size=64), st.just("image/png"), text)
block = st.one_of(
    st.builds(ui.Header, text),
    st.builds(ui.Section, rich),
    st.builds(lambda fs: ui.Fields(tuple(fs)), st.lists(st.builds(ui.Field, text, rich), max_size=3)),
    st.builds(ui.Progress, text, st.floats(0, 1e6), st.floats(0, 1e6), text),
    st.builds(ui.Context, rich),
    st.just(ui.Divider()),
    st.builds(
        lambda es: ui.Actions(tuple(es)),
        st.lists(
            st.one_of(
                st.builds(ui.Button, text, text, text, st.sampled_from(list(ui.ButtonStyle))),
                st.builds(
                    lambda a, p, os: ui.Select(a, p, tuple(os)), text, text, st.lists(st.builds(ui.Option, text, text))
                ),
            ),
            max_size=3,
        ),
    ),
    st.builds(ui.Image, attachment, text),
)
replies = st.builds(
    ui.Reply,
    blocks=st.lists(block, max_size=5),
    visibility=st.sampled_from(list(ui.Visibility)),
    attachments=st.lists(attachment, max_size=2),
    replace_original=st.booleans(),
    is_error=st.booleans(),
    form_errors=st.one_of(st.none(), st.dictionaries(text, text, max_size=2)),
)


@settings(deadline=None, max_examples=150)
@given(replies)
def test_every_reply_survives_the_outbox(reply: ui.Reply) -> None:
    assert decode_reply(json.loads(json.dumps(encode_reply(reply)))) == reply


def test_forms_survive_too() -> None:
    form = ui.Form("f", "Title", (ui.FormField("a", "A", "select", options=(ui.Option("x", "1"),), initial="1"),))
    reply = ui.Reply.open_form(form)
    assert decode_reply(json.loads(json.dumps(encode_reply(reply)))) == reply


async def seeded(db: Database) -> tuple[int, int]:
    async with db.unit_of_work() as session:
        coalition = Coalition(name="C", slug="c")
        session.add(coalition)
        await session.flush()
        assert coalition.id is not None
        for platform, channel in (("slack", "C1"), ("discord", "42")):
            session.add(ChannelBinding(coalition_id=coalition.id, platform=platform, workspace="W", channel=channel))
        member = Member(coalition_id=coalition.id, display_name="Ann")
        session.add(member)
        await session.flush()
        assert member.id is not None
        session.add(
            Identity(coalition_id=coalition.id, member_id=member.id, platform="slack", workspace="W", user_id="U1")
        )
        return coalition.id, member.id


async def rows(db: Database) -> list[OutboxMessage]:
    async with db.session() as session:
        return list((await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all())


async def test_announce_reaches_every_channel_once_per_key(db: Database) -> None:
    coalition_id, member_id = await seeded(db)
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for _ in range(2):  # a re-run job queues nothing new
        async with db.unit_of_work() as session:
            outbox = Outbox(session, coalition_id, now=now)
            await outbox.announce(ui.Reply.private("Hello"), key="prompt:1", topic="t")
            await outbox.direct(member_id, ui.Reply.channel("Psst"), key="remind:1")
    queued = await rows(db)
    assert [(r.kind, r.platform, r.target) for r in queued] == [
        ("post", "slack", "C1"),
        ("post", "discord", "42"),
        ("direct", "slack", "U1"),
    ]
    assert decode_reply(queued[0].payload).visibility is ui.Visibility.CHANNEL
    assert decode_reply(queued[2].payload).visibility is ui.Visibility.PRIVATE


async def test_refresh_rewrites_unsent_copies_and_coalesces_updates(db: Database) -> None:
    coalition_id, _ = await seeded(db)
    async with db.unit_of_work() as session:
        await Outbox(session, coalition_id).announce(ui.Reply.channel("v0"), key="s", topic="t")
    async with db.unit_of_work() as session:
        assert await Outbox(session, coalition_id).refresh("t", ui.Reply.channel("v1")) == 2
    assert [decode_reply(r.payload).plain() for r in await rows(db)] == ["v1", "v1"]
    async with db.unit_of_work() as session:  # the dispatcher sent the first copy only
        first = (await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).first()
        assert first is not None
        first.status, first.message_id = "sent", "m1"
        session.add(first)
    for version in ("v2", "v3"):
        async with db.unit_of_work() as session:
            await Outbox(session, coalition_id).refresh("t", ui.Reply.channel(version))
    queued = await rows(db)
    updates = [r for r in queued if r.kind == "update"]
    assert len(updates) == 1  # v3 replaced v2 while it waited
    assert updates[0].message_id == "m1"
    assert decode_reply(updates[0].payload).plain() == "v3"
    assert decode_reply(queued[1].payload).plain() == "v3"  # the unsent copy just carries the newest text


async def test_post_to_one_place(db: Database) -> None:
    coalition_id, _ = await seeded(db)
    async with db.unit_of_work() as session:
        row = await Outbox(session, coalition_id).post(Place("discord", "G", "7"), ui.Reply.private("x"), key="k")
    assert row.target == "7"
    assert decode_reply(row.payload).visibility is ui.Visibility.CHANNEL
