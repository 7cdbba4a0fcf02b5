"""The unity statement's part of ``/coalition status``, in the reader's language."""

from __future__ import annotations

from bot.commands.unity.repo import unity_repo
from bot.commands.unity.words import fill, later
from bot.core.context import Ctx
from bot.core.i18n import ngettext, number
from bot.core.ui import Block, Context, Section, Timestamp, markup
from bot.store.models import Role


async def unity_status(ctx: Ctx) -> list[Block]:
    repo = unity_repo(ctx)
    latest = await repo.latest()
    if latest is None:
        return []
    published = await repo.published()
    blocks: list[Block] = []
    if published is not None:
        signed = number(len(await repo.signatures(published.id or 0)))
        total = len(await ctx.repo.organisations())
        if published.deadline is not None and published.closed_at is None:
            line = ngettext(
                "Unity statement v{version}: {signed} of {n} organisation signed; signing closes {deadline}.",
                "Unity statement v{version}: {signed} of {n} organisations signed; signing closes {deadline}.",
                total,
                version=published.number,
                signed=signed,
                **later("deadline"),
            )
        else:
            line = ngettext(
                "Unity statement v{version}: {signed} of {n} organisation signed.",
                "Unity statement v{version}: {signed} of {n} organisations signed.",
                total,
                version=published.number,
                signed=signed,
            )
        deadline = Timestamp(published.deadline, ctx.tz) if published.deadline is not None else ""
        blocks.append(Section(fill(line, deadline=deadline)))
    waiting = len(await repo.requests()) if ctx.me.role == Role.STEERING.value else 0
    if waiting:
        asked = ngettext(
            "{n} organisation asked on the public page to sign: `/unity requests`",
            "{n} organisations asked on the public page to sign: `/unity requests`",
            waiting,
        )
        blocks.append(Section(markup(asked)))
    if latest.published_at is None:
        count = len(await repo.comments(latest.id or 0))
        draft = ngettext(
            "Draft v{version} in progress, {n} comment: `/unity show`",
            "Draft v{version} in progress, {n} comments: `/unity show`",
            count,
            version=latest.number,
        )
        blocks.append(Context(markup(draft)))
    return blocks
