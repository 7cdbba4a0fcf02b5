"""``/coalition status``: one private dashboard across every workflow, each adding the sections it
declares (``Workflow.status``), in the order of the workflows."""

from __future__ import annotations

from bot.commands.coalition.command import coalition
from bot.core import workflow
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext
from bot.core.params import Args
from bot.core.ui import Block, Context, Divider, Header, Reply, rich
from bot.store.models import ChannelBinding, Member, Organisation


@coalition.sub(
    "status", summary=N_("Dashboard: goals and everything that needs attention"), usage=N_("/coalition status")
)
async def status(ctx: Ctx, args: Args) -> Reply:
    c, repo = ctx.c, ctx.repo
    members = await repo.count(Member)
    orgs = await repo.count(Organisation)
    channels = await repo.count(ChannelBinding)
    counts = ", ".join(
        (
            ngettext("{n} organisation", "{n} organisations", orgs),
            ngettext("{n} member", "{n} members", members),
            ngettext("{n} linked channel", "{n} linked channels", channels),
        )
    )
    blocks: list[Block] = [
        Header(_("{coalition} — status", coalition=c.name)),
        Context(rich(_("{counts}; time zone {tz}.", counts=counts, tz=c.tz))),
    ]
    for section in (section for flow in workflow.active() for section in flow.status):
        part = await section(ctx)
        if part:
            blocks.append(Divider())
            blocks.extend(part)
    return Reply.private(*blocks)
