"""What steering hears of a platform incident (:mod:`bot.delivery.incidents`): once when the
platform has been failing a while, once when it works again. Each coalition with messages waiting
on that platform is told, by private message to its steering members, through the outbox (on
another platform the member uses, when there is one: the failing one may not carry it yet)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from bot.core.i18n import N_, _, language, of_member
from bot.core.outbox import Outbox
from bot.core.ui import Reply, Timestamp, rich
from bot.delivery.incidents import Incident
from bot.store.db import Database
from bot.store.models import Coalition, Member, Role
from bot.store.outbox_models import OutboxMessage, OutboxStatus

FAILING = N_(
    "{platform} has been failing since {since}. Messages to it are kept and retried until each stops being "
    "useful (a check-in prompt when its window closes, most others after a day); nothing needs doing."
)
RECOVERED = N_("{platform} accepts messages again. The messages that waited are being delivered now.")
PLATFORM_NAMES = {"slack": "Slack", "discord": "Discord", "console": "Console"}


def notice(sentence: str, platform: str, since: datetime, tz: str) -> Reply:
    """``sentence`` translated, with its platform and its moment (in each reader's time zone)."""
    text = _(sentence).replace("{platform}", PLATFORM_NAMES.get(platform, platform))
    before, found, after = text.partition("{since}")
    return Reply.private(rich(before, Timestamp(since, tz), after) if found else rich(text))


async def waiting_coalitions(db: Database, platform: str) -> set[int]:
    """Coalitions with messages on ``platform`` that failed and wait for a retry."""
    async with db.session() as session:
        query = (
            select(OutboxMessage.coalition_id)
            .where(
                OutboxMessage.platform == platform,
                OutboxMessage.status == OutboxStatus.PENDING.value,
                col(OutboxMessage.attempts) > 0,
            )
            .distinct()
        )
        return set((await session.exec(query)).all())


async def tell_outage(db: Database, incident: Incident, now: datetime) -> set[int]:
    """Tell steering of each waiting coalition that ``incident`` is going on; returns those coalitions."""
    coalitions = await waiting_coalitions(db, incident.platform)
    await _tell(db, coalitions, incident, FAILING, f"incident:{incident.platform}:{incident.since.isoformat()}", now)
    return coalitions


async def tell_recovery(db: Database, incident: Incident, now: datetime) -> None:
    """Tell the coalitions told of ``incident`` that it is over."""
    key = f"incident-over:{incident.platform}:{incident.since.isoformat()}"
    await _tell(db, incident.coalitions, incident, RECOVERED, key, now)


async def _tell(db: Database, coalitions: set[int], incident: Incident, sentence: str, key: str, now: datetime) -> None:
    for coalition_id in sorted(coalitions):
        async with db.unit_of_work() as session:
            coalition = await session.get(Coalition, coalition_id)
            if coalition is None:
                continue
            outbox = Outbox(session, coalition_id, now=now)
            query = select(Member).where(Member.coalition_id == coalition_id, Member.role == Role.STEERING.value)
            for member in (await session.exec(query.order_by(col(Member.id)))).all():
                assert member.id is not None
                with language(of_member(member, coalition)) as lang:
                    reply = notice(sentence, incident.platform, incident.since, member.tz or coalition.tz)
                    reply.lang = lang
                await outbox.direct(member.id, reply, key=f"{key}:{member.id}", avoid=incident.platform)
