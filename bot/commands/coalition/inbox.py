"""``/coalition inbox`` and the Slack Home tab: per coalition, what waits for this person (SPEC §4
"A person's own place"), with buttons that work where they land.

Each workflow adds the sections it declares (``Workflow.inbox``): requests to approve, flags to
handle (ids and counts only), polls and decisions not answered, check-ins due, needs their
organisation could meet, their open pledges. The inbox covers every coalition the person belongs
to on this platform (the one of this channel first); each coalition's buttons are stamped with
that coalition (:mod:`bot.core.scope`), so a click finds it from a DM or the Home tab.
"""

from __future__ import annotations

import dataclasses

from bot.commands.coalition.command import coalition
from bot.commands.common import role_label
from bot.core import scope, workflow
from bot.core.context import Ctx
from bot.core.i18n import N_, _
from bot.core.own_place import NO_COALITION
from bot.core.params import Args
from bot.core.ui import Block, Context, Divider, Header, Reply, markup, rich

MAX_COALITIONS = 10

NOTHING_WAITS = N_("Nothing waits for you here. `/coalition status` shows the whole coalition.")


@coalition.sub(
    "inbox",
    summary=N_("What waits for you, in each of your coalitions: requests, votes, check-ins, needs"),
    usage=N_("/coalition inbox"),
    needs_coalition=False,
)
async def inbox(ctx: Ctx, args: Args) -> Reply:
    return Reply.private(*await inbox_blocks(ctx))


async def inbox_blocks(ctx: Ctx) -> list[Block]:
    """The whole inbox: a part per coalition, this place's own coalition first."""
    found = await ctx.directory.memberships_of_account(ctx.actor.platform, ctx.actor.user_id)
    seats = sorted(found, key=lambda pair: pair[1].id != (ctx.coalition.id if ctx.coalition else None))
    if ctx.member is not None and ctx.coalition is not None and all(c.id != ctx.coalition.id for _m, c in seats):
        seats.insert(0, (ctx.member, ctx.coalition))
    if not seats:
        return [Header(_("Your inbox")), Context(markup(_(NO_COALITION)))]
    blocks: list[Block] = [Header(_("Your inbox"))]
    for member, one in seats[:MAX_COALITIONS]:
        part = await coalition_part(dataclasses.replace(ctx, coalition=one, member=member))
        blocks.append(Divider())
        blocks.extend(part)
    return blocks


async def coalition_part(ctx: Ctx) -> list[Block]:
    """One coalition's part, its buttons stamped with that coalition."""
    waiting: list[Block] = []
    for section in (section for flow in workflow.active() for section in flow.inbox):
        waiting.extend(await section(ctx))
    role = role_label(ctx.me.role)
    blocks: list[Block] = [
        Header(ctx.c.name),
        Context(rich(_("Your role: {role}.", role=role))),
        *(waiting or [Context(markup(_(NOTHING_WAITS)))]),
    ]
    return scope.stamp_reply(Reply(blocks=blocks), ctx.c.id).blocks
