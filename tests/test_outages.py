"""Platform outages through the real slack_sdk and discord.py code paths, against the fakes: error
pages that are not the platform's JSON (HTML, empty, plain text) are read as incidents to retry,
logged once per incident, and every message still arrives once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.core.clock import ManualClock
from bot.core.context import Place
from bot.core.delivery import DeliveryError
from bot.core.ui import Reply
from bot.delivery.dispatcher import Dispatcher
from bot.store.outbox_models import OutboxMessage
from tests.test_cross_platform import Both, both, copies, published_on_both  # noqa: F401 (fixture)

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
