"""``/coalition group create|join`` and ``groups``: working groups inside a coalition."""

from __future__ import annotations

from bot.commands.coalition.command import coalition
from bot.commands.common import clean_name, paged
from bot.core.context import Ctx
from bot.core.errors import NotFound, UserError
from bot.core.i18n import N_, _, number
from bot.core.params import Args, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Header, Reply, Section, markup

GROUP = Param("name", required=True, positional=True, max_length=100, description=N_("Working group name"))


@coalition.sub(
    "group create",
    summary=N_("Create a working group"),
    usage=N_('/coalition group create "<name>"'),
    params=(GROUP,),
    roles=CONTRIBUTORS,
)
async def group_create(ctx: Ctx, args: Args) -> Reply:
    name = clean_name(args.name, N_("working group name"))
    if await ctx.repo.group_named(name) is not None:
        raise UserError(
            _(
                'There is already a working group called {name}. Join it with `/coalition group join "{name}"`.',
                name=name,
            )
        )
    group = await ctx.repo.add_group(name)
    await ctx.repo.join_group(group, ctx.me)
    await ctx.repo.audit("group.created", member=ctx.me, subject=name)
    return Reply.private(_("Working group “{group}” is created, and you are in it.", group=group.name))


@coalition.sub(
    "group join",
    summary=N_("Join a working group"),
    usage=N_('/coalition group join "<name>"'),
    params=(GROUP,),
    roles=CONTRIBUTORS,
)
async def group_join(ctx: Ctx, args: Args) -> Reply:
    group = await ctx.repo.group_named(args.name)
    if group is None:
        names = ", ".join(g.name for g in await ctx.repo.groups()) or _("none yet")
        raise NotFound(
            _("No working group is called “{name}”. Working groups: {groups}.", name=args.name, groups=names)
        )
    joined = await ctx.repo.join_group(group, ctx.me)
    if joined:
        return Reply.private(_("You joined “{group}”.", group=group.name))
    return Reply.private(_("You are already in “{group}”.", group=group.name))


@coalition.sub("groups", summary=N_("Working groups and their members"), usage=N_("/coalition groups"))
async def groups(ctx: Ctx, args: Args) -> Reply:
    found = await ctx.repo.groups()
    if not found:
        return Reply.private(
            Section(markup(_('No working groups yet. Start one with `/coalition group create "Name"`.')))
        )
    lines = []
    for group in found:
        people = await ctx.repo.group_members(group)
        who = ", ".join(m.display_name for m in people) or _("nobody yet")
        lines.append(f"• {group.name} ({number(len(people))}): {who}")
    return Reply.private(Header(_("Working groups of {coalition}", coalition=ctx.c.name)), *paged(lines))
