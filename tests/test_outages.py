"""Platform outages through the real slack_sdk and discord.py code paths, against the fakes: error
pages that are not the platform's JSON (HTML, empty, plain text) are read as incidents to retry,
logged once per incident, and every message still arrives once."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.core.context import Place
from bot.core.delivery import DeliveryError
from bot.core.outbox import Outbox
from bot.core.ui import Reply
from bot.delivery import rows as row_store
from bot.delivery.dispatcher import Dispatcher
from bot.store.db import Database
from bot.store.models import Coalition, Identity, Member, Role
from bot.store.outbox_models import OutboxMessage
from tests.support import Chat, coalition_with_two_channels
from tests.test_cross_platform import Both, both, copies, fresh_channels, published_on_both  # noqa: F401 (fixture)
from tests.test_delivery import START, ScriptedMessenger, announce, coalition, dispatcher, statuses, virtual_sleep
from tests.test_slack_adapter import person


@pytest.fixture
def vclock() -> ManualClock:
    return ManualClock(START)


HTML = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>"


async def test_a_slack_error_page_is_an_incident_to_retry_not_a_crash(both: Both) -> None:  # noqa: F811
    slack, _, _ = both
    place = Place("slack", "T0001", slack.channel)
    for status, body, content_type in (
        (500, HTML, "text/html"),
        (503, "", "text/html"),
        (502, "upstream connect error", "text/plain"),
        (500, '{"ok": false, "err', "application/json"),  # truncated
    ):
        slack.fake.fail_raw("chat.postMessage", status, body, content_type=content_type, times=2)
        with pytest.raises(DeliveryError) as failure:
            await slack.adapter.messenger.post(place, Reply.channel("during the incident"))
        assert not failure.value.permanent, (status, content_type)
        assert failure.value.retry_after is None


async def test_a_discord_error_page_is_an_incident_to_retry(both: Both) -> None:  # noqa: F811
    _, discord, _ = both
    route = rf"^/api/v10/channels/{discord.channel}/messages$"
    place = Place("discord", str(discord.fake.guild_id), str(discord.channel))
    for status in (503, 403, 404):  # a proxy's page, not Discord refusing: no Discord error code
        discord.fake.fail_raw("POST", route, status, HTML)
        with pytest.raises(DeliveryError) as failure:
            await discord.bot.messenger.post(place, Reply.channel("during the incident"))
        assert not failure.value.permanent, status
    with pytest.raises(DeliveryError) as refused:  # Discord's own "Unknown Channel" stays permanent
        await discord.bot.messenger.post(Place("discord", str(discord.fake.guild_id), "999"), Reply.channel("nowhere"))
    assert refused.value.permanent


async def test_html_500s_on_both_platforms_log_one_incident_each_and_deliver_once(
    both: Both,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack, discord, outbox = await published_on_both(both, "Error Pages", "Delivered past the error pages.")
    slack.fake.fail_raw("chat.postMessage", 500, HTML, times=6)
    route = rf"^/api/v10/channels/{discord.channel}/messages$"
    for _ in range(6):
        discord.fake.fail_raw("POST", route, 502 if _ % 2 else 503, HTML)
    clock = outbox.clock
    assert isinstance(clock, ManualClock)

    async def virtual_sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    worker = Dispatcher(outbox.db, outbox.messengers, clock=clock, sleep=virtual_sleep)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        for _ in range(30):
            await worker.drain()
            async with outbox.db.session() as session:
                waiting = (
                    await session.exec(
                        select(OutboxMessage).where(col(OutboxMessage.status).in_(["pending", "sending"]))
                    )
                ).all()
            if not waiting:
                break
            clock.set(min(row.not_before for row in waiting))
    on_slack, on_discord = copies(slack, discord, "Delivered past the error pages")
    assert (len(on_slack), len(on_discord)) == (1, 1)
    assert worker.stats.parked == 0
    failing = [r.getMessage() for r in caplog.records if "is failing" in r.getMessage()]
    healed = [r.getMessage() for r in caplog.records if "accepts messages again" in r.getMessage()]
    assert sorted(m.split()[0] for m in failing) == ["discord", "slack"]
    assert sorted(m.split()[0] for m in healed) == ["discord", "slack"]
    assert not [r for r in caplog.records if r.exc_info]  # no tracebacks


@dataclass
class Outage(ScriptedMessenger):
    """A platform that answers 500 to everything while ``down``."""

    down: bool = False
    refused: int = 0

    def _maybe_fail(self, text: str) -> None:
        if self.down:
            self.refused += 1
            raise DeliveryError("Slack error 500: unreadable answer")
        super()._maybe_fail(text)


async def steering_member(db: Database, coalition_id: int, user: str) -> None:
    async with db.unit_of_work() as session:
        member = Member(coalition_id=coalition_id, display_name="Ana", role=Role.STEERING.value)
        session.add(member)
        await session.flush()
        assert member.id is not None
        session.add(
            Identity(coalition_id=coalition_id, member_id=member.id, platform="test", workspace="W", user_id=user)
        )


async def run_until(worker: Dispatcher, db: Database, clock: ManualClock, end: datetime) -> None:
    """What the running loop does, on a virtual clock: send what is due, then sleep until the next
    row comes due (a retry), never past ``end``."""
    while clock.now() < end:
        await worker.drain()
        async with db.session() as session:
            query = select(OutboxMessage.not_before).where(col(OutboxMessage.status).in_(["pending", "sending"]))
            due = [at for at in (await session.exec(query)).all() if at > clock.now()]
        clock.set(min([*due, end]))
    await worker.drain()


async def test_a_two_hour_outage_loses_nothing_sends_nothing_twice_and_keeps_each_channels_order(
    db: Database, vclock: ManualClock
) -> None:
    cid = await coalition(db, channels=3)
    await steering_member(db, cid, "U-ana")
    messenger = Outage(vclock, down=True)
    worker = dispatcher(db, messenger, vclock, probe_every=timedelta(minutes=1))
    for n in range(4):
        await announce(db, cid, f"news {n}", vclock)
        vclock.advance(timedelta(minutes=1))
    async with db.unit_of_work() as session:  # a check-in prompt whose window closes in 30 minutes
        await Outbox(session, cid, now=vclock.now()).announce(
            Reply.channel("prompt"), key="prompt", expires=vclock.now() + timedelta(minutes=30)
        )
    await run_until(worker, db, vclock, START + timedelta(hours=2))
    assert messenger.accepted == []
    assert messenger.refused >= 120  # tried all along: a probe a minute, the backlog every 5 minutes at most
    messenger.down = False
    await run_until(worker, db, vclock, vclock.now() + timedelta(minutes=10))

    posts = [(channel, text) for kind, channel, text in messenger.accepted if kind == "post"]
    assert len(posts) == len(set(posts)) == 12  # every copy of every announcement, once
    for channel in ("ch0", "ch1", "ch2"):
        assert [text for ch, text in posts if ch == channel] == [f"news {n}" for n in range(4)]  # in order
    assert "prompt" not in {text for _, text in posts}  # its window closed: dropped, not posted late
    told = [text for kind, user, text in messenger.accepted if kind == "direct"]
    assert len(told) == 2  # steering told once when it had been failing a while, once on recovery
    assert "has been failing since" in told[0]
    assert "accepts messages again" in told[1]
    assert await statuses(db) == {"sent": 14, "expired": 3}
    assert worker.stats.parked == 0


async def test_a_permanent_refusal_parks_at_once_and_the_channel_goes_on(db: Database, vclock: ManualClock) -> None:
    cid = await coalition(db, channels=1)
    messenger = Outage(vclock, failures={"first": [DeliveryError("channel_not_found", permanent=True)]})
    for text in ("first", "second"):
        await announce(db, cid, text, vclock)
    await dispatcher(db, messenger, vclock).drain()
    assert [text for _, _, text in messenger.accepted] == ["second"]
    assert await statuses(db) == {"parked": 1, "sent": 1}


async def test_a_quiet_channel_is_not_held_behind_a_busy_one(db: Database, vclock: ManualClock) -> None:
    """500 posts queued in one channel (1 a second) and then one in another: the other goes at once,
    and a claim takes of the busy channel only what it can send before the claim runs out."""
    async with db.unit_of_work() as session:
        busy, quiet = Coalition(name="Busy", slug="busy"), Coalition(name="Quiet", slug="quiet")
        session.add_all([busy, quiet])
        await session.flush()
        assert busy.id is not None
        assert quiet.id is not None
        outbox = Outbox(session, busy.id, now=vclock.now())
        for n in range(500):
            await outbox.post(Place("test", "W", "busy"), Reply.channel(f"need {n}"), key=f"need {n}")
    messenger = ScriptedMessenger(vclock)
    worker = dispatcher(db, messenger, vclock)
    first, _ = await worker._claim(worker.batch)
    assert len(first) == worker.lane_size() == 90  # (120 s lease - 30 s margin) at 1 a second
    async with db.unit_of_work() as session:
        await Outbox(session, quiet.id, now=vclock.now()).post(
            Place("test", "W", "quiet"), Reply.channel("win"), key="w"
        )
    second, _ = await worker._claim(worker.batch)
    assert [row.target for row in second] == ["quiet"]  # the busy channel's other rows wait their turn
    await row_store.release(db, [*first, *second], vclock.now())
    await worker.drain(max_passes=1)
    [win_at] = [at for (_, channel, _), at in zip(messenger.accepted, messenger.at, strict=True) if channel == "quiet"]
    assert win_at - START <= timedelta(seconds=1)
    busy_texts = [text for _, channel, text in messenger.accepted if channel == "busy"]
    assert busy_texts == [f"need {n}" for n in range(90)]


async def test_a_prompt_the_platform_never_took_is_dropped_and_its_digest_says_so(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    from bot.commands import WORKFLOWS
    from bot.core.workflow import jobs_of
    from bot.scheduling.runner import Scheduler

    clock.set(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    await coalition_with_two_channels(chat, tz="Europe/Berlin")
    await chat.say("alice", "/checkin schedule daily 09:00 window=2")
    scheduler = Scheduler(db, jobs=jobs_of(WORKFLOWS), clock=clock, public_url="http://bot.test")
    try:
        assert await scheduler.tick(datetime(2026, 11, 23, 8, 0, tzinfo=UTC)) == 2  # the prompt, both channels
        async with db.session() as session:
            prompts = (await session.exec(select(OutboxMessage).where(OutboxMessage.kind == "post"))).all()
        assert {row.expires_at for row in prompts} == {datetime(2026, 11, 23, 10, 0, tzinfo=UTC)}
        messenger = Outage(clock, platform="console", down=True)
        worker = Dispatcher(db, {"console": messenger}, clock=clock, sleep=virtual_sleep(clock))  # type: ignore[dict-item]
        clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
        await worker.drain()  # console is down until after the window
        clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
        assert await scheduler.tick(clock.now()) == 2  # the digest
        messenger.down = False
        await worker.drain()
    finally:
        await scheduler.stop()
    posted = [text for kind, _, text in messenger.accepted if kind == "post"]
    assert not [text for text in posted if "Check-in time!" in text]  # never posted late
    assert len(posted) == 2
    assert all("could not be posted in 2 channels before the window closed" in text for text in posted)


async def test_a_form_slack_cannot_open_during_an_incident_becomes_a_button(both: Both) -> None:  # noqa: F811
    slack, _ = fresh_channels(both)
    alice = person(slack.fake, "Alice")
    await slack.say(alice, '/coalition create "Error Page Forms"')
    await slack.say(alice, '/goal add "Calls" target=10')
    # A proxy's plain-text page: slack_sdk hands the body over as a string (retrying a 500 once).
    slack.fake.fail_raw("views.open", 503, "upstream connect error", content_type="text/plain", times=2)
    said = await slack.say(alice, "/checkin")
    answered = json.dumps(said.responses)
    assert "Open the form" in answered  # a button that opens the form once Slack works again
    assert "went wrong" not in answered
