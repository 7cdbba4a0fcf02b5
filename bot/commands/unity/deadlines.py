"""Sign-on deadlines, run by the scheduler's leader: 48 hours before, members of organisations that
have not signed get a reminder (in their language); at the deadline signing closes, every posted
copy loses its button and the final list is posted (in the coalition's language).

Each published version with a deadline is one item of the ``unity-deadlines`` timed job. Both steps
are recorded on the version (``reminded_at``, ``closed_at``), so a doubled or late tick does nothing
twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.unity.command import LISTED_SIGNATORIES, REMIND_BEFORE, public_url, topic_of
from bot.commands.unity.render import statement_reply
from bot.commands.unity.words import fill
from bot.core.i18n import _, language, ngettext, of_coalition, of_member
from bot.core.outbox import Outbox
from bot.core.ui import Block, Bold, Context, Header, Link, Reply, Section, Timestamp, markup, rich
from bot.core.workflow import JobEnv
from bot.store.models import Coalition
from bot.store.unity_models import UnityVersion
from bot.store.unity_repo import UnityRepo, any_version, open_deadlines


class Step(Enum):
    REMIND = "remind"
    CLOSE = "close"


def step_due(version: UnityVersion, now: datetime) -> Step | None:
    if version.deadline is None or version.published_at is None or version.closed_at is not None:
        return None
    if now >= version.deadline:
        return Step.CLOSE
    if version.reminded_at is None and now >= version.deadline - REMIND_BEFORE:
        return Step.REMIND
    return None


async def due(session: AsyncSession, now: datetime) -> Sequence[int]:
    """The published versions whose reminder or close is due (the timed job's items)."""
    return [v.id for v in await open_deadlines(session) if v.id is not None and step_due(v, now) is not None]


async def run(session: AsyncSession, item: int, now: datetime, env: JobEnv) -> int:
    """Remind or close one version; returns the messages queued."""
    version = await any_version(session, item)
    if version is None:
        return 0
    repo, outbox = scoped(session, version, now)
    return (await take_step(repo, outbox, version, now, env.public_url))[1]


async def run_deadlines(session: AsyncSession, now: datetime, base_url: str = "") -> int:
    """Every due reminder and close at once (older callers). Returns actions taken: one per closed
    version, one per reminder sent."""
    actions = 0
    for version in await open_deadlines(session):
        repo, outbox = scoped(session, version, now)
        actions += (await take_step(repo, outbox, version, now, base_url))[0]
    return actions


def scoped(session: AsyncSession, version: UnityVersion, now: datetime) -> tuple[UnityRepo, Outbox]:
    """The version's coalition's statement data and outbox."""
    return UnityRepo(session, version.coalition_id), Outbox(session, version.coalition_id, now=now)


async def take_step(
    repo: UnityRepo, outbox: Outbox, version: UnityVersion, now: datetime, base_url: str
) -> tuple[int, int]:
    """(actions taken, messages queued) for one version at ``now``."""
    step = step_due(version, now)
    coalition = await repo.coalition() if step is not None else None
    if step is None or coalition is None:
        return 0, 0
    if step is Step.CLOSE:
        version.closed_at = now
        await repo.save(version)
        updated = await outbox.refresh(
            topic_of(version), await statement_reply(repo, coalition, version, base_url, now)
        )
        posts = await outbox.announce(
            await final_list(repo, coalition, version, base_url), key=f"unity:final:{version.id}"
        )
        return 1, updated + len(posts)
    version.reminded_at = now
    await repo.save(version)
    sent = await remind_unsigned(repo, outbox, coalition, version, base_url)
    return sent, sent


async def remind_unsigned(
    repo: UnityRepo, outbox: Outbox, coalition: Coalition, version: UnityVersion, base_url: str
) -> int:
    assert version.deadline is not None
    url = public_url(base_url, coalition)
    sent = 0
    for member in await repo.unsigned_members(version.id or 0):
        assert member.id is not None
        with language(of_member(member, coalition)) as lang:
            reply = Reply.private(
                fill(
                    _(
                        "{coalition}: your organisation has not signed v{version} of the unity statement. "
                        "Signing closes {deadline}."
                    ),
                    coalition=Bold(coalition.name),
                    version=str(version.number),
                    deadline=Timestamp(version.deadline, member.tz or coalition.tz),
                ),
                markup(_("Sign with the button under the statement in a coalition channel, or `/unity sign` there.")),
            )
            if url:
                reply.blocks.append(Context(fill(_("Read it: {url}"), url=Link(url, url))))
            reply.lang = lang
        sent += len(await outbox.direct(member.id, reply, key=f"unity:remind:{version.id}:{member.id}"))
    return sent


async def final_list(repo: UnityRepo, coalition: Coalition, version: UnityVersion, base_url: str) -> Reply:
    """The closing announcement, in the coalition's language."""
    signed = await repo.signatures(version.id or 0)
    names = await repo.organisation_names()
    with language(of_coalition(coalition)) as lang:
        label = Bold(ngettext("{n} organisation signed", "{n} organisations signed", len(signed)))
        if signed:
            listed = ", ".join(names.get(s.organisation_id, "?") for s in signed[:LISTED_SIGNATORIES])
            summary = fill(_("{label}: {names}."), label=label, names=listed)
        else:
            summary = fill(_("{label}."), label=label)
        blocks: list[Block] = [
            Header(
                _(
                    "{coalition}: signing of the unity statement (v{version}) has closed",
                    coalition=coalition.name,
                    version=version.number,
                )
            ),
            Section(summary),
        ]
        if len(signed) > LISTED_SIGNATORIES:
            more = len(signed) - LISTED_SIGNATORIES
            blocks.append(Context(rich(ngettext("…and {n} more.", "…and {n} more.", more))))
        url = public_url(base_url, coalition)
        if url:
            blocks.append(Context(fill(_("The full list: {url}"), url=Link(url, url))))
        reply = Reply.channel(*blocks)
        reply.lang = lang
        return reply
