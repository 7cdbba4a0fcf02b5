"""``/coalition link`` and ``unlink``: one coalition across channels, workspaces and platforms."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.commands.coalition.command import coalition
from bot.commands.common import sentence
from bot.core.context import Ctx
from bot.core.dispatch import admits_on_approval
from bot.core.errors import PermissionDenied, UserError
from bot.core.i18n import N_, _
from bot.core.own_place import IN_CHANNEL_ONLY
from bot.core.params import Args, Param
from bot.core.registry import STEERING
from bot.core.ui import Bold, Code, Context, Reply, rich
from bot.store.models import Role

LINK_VALIDITY = timedelta(hours=24)


@coalition.sub(
    "link",
    summary=N_("Steering: get a one-time code; elsewhere, `link <code>` adds that channel"),
    usage=N_("/coalition link [<code>]"),
    needs_coalition=False,
    params=(Param("code", positional=True, max_length=40, description=N_("The code from /coalition link")),),
)
async def link(ctx: Ctx, args: Args) -> Reply:
    if args.code is None:
        return await new_code(ctx)
    if ctx.place.private:
        raise UserError(_(IN_CHANNEL_ONLY, command="/coalition link <code>"))
    if ctx.coalition is not None:
        raise UserError(
            _(
                "This channel already belongs to {coalition}. `/coalition unlink` it first.",
                coalition=ctx.coalition.name,
            )
        )
    now = ctx.clock.now()
    coalition_id = await ctx.directory.use_link_code(args.code, now)
    if coalition_id is None:
        raise UserError(
            _(
                "That link code is not valid: it may be mistyped, used already or older than 24 hours. "
                "Ask a steering member for a new one."
            )
        )
    ctx.coalition = await ctx.directory.coalition(coalition_id)
    repo = ctx.repo
    await repo.bind(ctx.place.platform, ctx.place.workspace, ctx.place.channel, ctx.place.name)
    ctx.member = await repo.member_by_identity(ctx.actor.platform, ctx.actor.workspace, ctx.actor.user_id)
    if ctx.member is None and admits_on_approval(ctx):
        # Binding the channel is steering's act (they gave the code); membership is not: under
        # approval the person who typed the code joins like anyone else, through steering.
        await repo.audit("channel.linked", member=None, subject=f"{ctx.place.platform}:{ctx.place.channel}")
        return Reply.channel(
            sentence(
                N_("This channel is now part of {coalition}. Announcements, prompts and digests will reach it too."),
                coalition=Bold(ctx.c.name),
            ),
            Context(
                rich(
                    _(
                        "{coalition} admits new members on approval by its steering committee: whoever is not a "
                        "member yet asks with `/coalition join`; a member on another platform joins this account "
                        "with `/coalition connect`.",
                        coalition=ctx.c.name,
                    )
                )
            ),
        )
    if ctx.member is None:
        ctx.member = await repo.add_member(
            display_name=ctx.actor.display_name,
            role=Role.MEMBER.value,
            platform=ctx.actor.platform,
            workspace=ctx.actor.workspace,
            user_id=ctx.actor.user_id,
            tz=ctx.actor.tz,
        )
    await repo.audit("channel.linked", member=ctx.member, subject=f"{ctx.place.platform}:{ctx.place.channel}")
    return Reply.channel(
        sentence(
            N_("This channel is now part of {coalition}. Announcements, prompts and digests will reach it too."),
            coalition=Bold(ctx.c.name),
        )
    )


async def new_code(ctx: Ctx) -> Reply:
    if ctx.coalition is None or ctx.member is None:
        raise UserError(
            _("Run `/coalition link` in a channel of your coalition to get a code, then `/coalition link <code>` here.")
        )
    if ctx.member.role != Role.STEERING.value:
        raise PermissionDenied(_("Only steering committee members can create link codes."))
    code = "-".join(secrets.token_hex(2).upper() for _part in range(3))
    await ctx.repo.add_link_code(code, member=ctx.me, expires_at=ctx.clock.now() + LINK_VALIDITY)
    await ctx.repo.audit("link.code", member=ctx.me)
    return Reply.private(
        sentence(N_("Link code for {coalition}: {code}"), coalition=Bold(ctx.c.name), code=Code(code)),
        Context(
            sentence(
                N_(
                    "In the other channel (any Slack workspace or Discord server), type {command}. "
                    "The code works once, for 24 hours."
                ),
                command=Code(f"/coalition link {code}"),
            )
        ),
    )


@coalition.sub(
    "unlink",
    summary=N_("Steering: detach this channel from the coalition"),
    usage=N_("/coalition unlink"),
    roles=STEERING,
    in_channel=True,
)
async def unlink(ctx: Ctx, args: Args) -> Reply:
    bindings = await ctx.repo.bindings()
    if len(bindings) <= 1:
        raise UserError(
            _(
                "This is {coalition}'s only channel; unlinking it would orphan the coalition. Link another channel first.",
                coalition=ctx.c.name,
            )
        )
    here = next(
        b
        for b in bindings
        if (b.platform, b.workspace, b.channel) == (ctx.place.platform, ctx.place.workspace, ctx.place.channel)
    )
    await ctx.repo.unbind(here)
    await ctx.repo.audit("channel.unlinked", member=ctx.me, subject=f"{here.platform}:{here.channel}")
    return Reply.channel(_("This channel is no longer part of {coalition}.", coalition=ctx.c.name))
