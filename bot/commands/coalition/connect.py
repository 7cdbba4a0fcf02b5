"""``/coalition connect``: one person's accounts on several platforms (a Slack account and a Discord
account, two Slack workspaces) become one member. ``connect`` gives a one-time code privately;
``connect <code>`` typed from the other account merges that account's member into the first one.
Every workflow's ``merge`` hook moves what it holds (check-ins, votes, signatures, pledges…), keeping
one row where a uniqueness rule applies; the person then counts once everywhere."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import col

from bot.commands.coalition.command import coalition
from bot.commands.coalition.repo import membership_repo
from bot.commands.common import sentence
from bot.core import workflow
from bot.core.context import Ctx
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.params import Args, Param
from bot.core.ui import Bold, Code, Context, Reply, rich
from bot.store.membership_models import ConnectCode
from bot.store.models import AuditEntry, GroupMembership, Identity, LinkCode, Member, Role

CONNECT_VALIDITY = timedelta(minutes=15)

# From the weakest to the strongest: a merged member keeps the stronger of their two roles.
ROLE_ORDER = (Role.OBSERVER.value, Role.MEMBER.value, Role.FACILITATOR.value, Role.STEERING.value)

MERGES = ("identity", "groupmembership", "linkcode", "auditentry", "connect_code")


@coalition.sub(
    "connect",
    summary=N_("Join your accounts on several platforms into one member"),
    usage=N_("/coalition connect [<code>]"),
    strangers=True,
    params=(Param("code", positional=True, max_length=40, description=N_("The code from /coalition connect")),),
)
async def connect(ctx: Ctx, args: Args) -> Reply:
    if args.code is None:
        return await new_code(ctx)
    into_id = await membership_repo(ctx).use_connect_code(args.code, ctx.clock.now())
    into = await ctx.repo.member(into_id) if into_id is not None else None
    if into is None:
        raise UserError(
            _(
                "That connect code is not valid: it may be mistyped, used already or older than 15 minutes. "
                "Run `/coalition connect` again from your other account."
            )
        )
    me = ctx.member
    if me is not None and me.id == into.id:
        raise UserError(
            _(
                "This account is already part of that member: type the code from your other account, on the other platform."
            )
        )
    if me is None:
        # not a member yet here (join policy approval): the account joins the member who asked for the code
        await ctx.repo.add(
            Identity(
                coalition_id=ctx.c.id or 0,
                member_id=into.id or 0,
                platform=ctx.actor.platform,
                workspace=ctx.actor.workspace,
                user_id=ctx.actor.user_id,
            )
        )
    else:
        await merge_members(ctx, me, into)
    await ctx.repo.audit("member.connected", member=into, subject=ctx.actor.platform)
    ctx.member = into
    return Reply.private(
        sentence(
            N_("Connected: this account and your other one are now one member of {coalition}, {name}."),
            coalition=Bold(ctx.c.name),
            name=Bold(into.display_name),
        ),
        Context(rich(_("Your check-ins, votes, signatures and pledges from both accounts count once, together."))),
    )


async def new_code(ctx: Ctx) -> Reply:
    me = ctx.member
    if me is None:
        raise UserError(
            _(
                "Run `/coalition connect` from the account that is already a member to get a code, "
                "then `/coalition connect <code>` here."
            )
        )
    code = "-".join(secrets.token_hex(2).upper() for _part in range(3))
    await membership_repo(ctx).add_connect_code(
        code, member_id=me.id or 0, expires_at=ctx.clock.now() + CONNECT_VALIDITY
    )
    await ctx.repo.audit("connect.code", member=me)
    return Reply.private(
        sentence(N_("Your connect code: {code}"), code=Code(code)),
        Context(
            sentence(
                N_(
                    "From your other account (on Discord, Slack or another workspace), in a channel of "
                    "{coalition}, type {command}. The code works once, for 15 minutes; keep it to yourself."
                ),
                coalition=Bold(ctx.c.name),
                command=Code(f"/coalition connect {code}"),
            )
        ),
    )


async def merge_members(ctx: Ctx, source: Member, into: Member) -> None:
    """Everything of ``source`` becomes ``into``'s, through every workflow's ``merge`` hook; then the
    ``source`` row goes. Refuses (nothing written: the command's transaction rolls back) if a row
    still names ``source`` afterwards, rather than let the database cascade it away."""
    from_id, into_id = source.id or 0, into.id or 0
    if ROLE_ORDER.index(source.role) > ROLE_ORDER.index(into.role):
        into.role = source.role
    into.organisation_id = into.organisation_id or source.organisation_id
    into.tz = into.tz or source.tz
    into.language = into.language or source.language
    into.locale = into.locale or source.locale
    await ctx.repo.save(into)
    for flow in workflow.active():
        if flow.merge is not None:
            await flow.merge(ctx, from_id, into_id)
    left = await ctx.repo.references(from_id)
    if left:
        raise RuntimeError(f"merge of member {from_id} left rows naming them: {left}")
    await ctx.repo.forget_member(source)


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """The coalition's own part: accounts, working groups (once each), codes and the audit log."""
    repo = ctx.repo
    await repo.repoint(
        from_id,
        into_id,
        col(Identity.member_id),
        col(LinkCode.created_by),
        col(AuditEntry.member_id),
        col(ConnectCode.member_id),
    )
    await repo.repoint_once(from_id, into_id, col(GroupMembership.member_id), col(GroupMembership.group_id))
