"""``/coalition connect``: one person's accounts on several platforms (a Slack account and a Discord
account, two Slack workspaces) become one member. ``connect`` gives a one-time code privately;
``connect <code>`` typed from the other account merges that account's member into the first one.
Every workflow's ``merge`` hook moves what it holds (check-ins, votes, signatures, pledges…), keeping
one row where a uniqueness rule applies; the person then counts once everywhere."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import col

from bot.commands.coalition.command import coalition
from bot.commands.coalition.repo import membership_repo
from bot.commands.common import sentence
from bot.core import i18n, workflow
from bot.core.context import Ctx
from bot.core.errors import PermissionDenied, UserError
from bot.core.i18n import N_, _, tr
from bot.core.params import Args, Param
from bot.core.ui import Actions, Bold, Button, ButtonStyle, Code, Context, Reply, Section, rich
from bot.store.membership_models import ConnectCode
from bot.store.models import AuditEntry, GroupMembership, Identity, LinkCode, Member, Role

CONNECT_VALIDITY = timedelta(minutes=15)

# From the weakest to the strongest: a merged member keeps the stronger of their two roles.
ROLE_ORDER = (Role.OBSERVER.value, Role.MEMBER.value, Role.FACILITATOR.value, Role.STEERING.value)

CONFIRM = "coalition.connect"
PLATFORM_NAMES = {"slack": N_("Slack"), "discord": N_("Discord"), "console": N_("the console")}

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
    into = await code_owner(ctx, args.code)
    me = ctx.member
    platforms = i18n.and_list(
        [tr(PLATFORM_NAMES.get(p, p)) for p in await membership_repo(ctx).platforms_of(into.id or 0)]
    )
    here = tr(PLATFORM_NAMES.get(ctx.actor.platform, ctx.actor.platform))
    if me is None:
        what = sentence(
            N_(
                "Connect this {platform} account to {name}, the member of {coalition} who asked for this code "
                "(their accounts: {platforms})? From now on this account acts as {name}."
            ),
            platform=here,
            name=Bold(into.display_name),
            coalition=Bold(ctx.c.name),
            platforms=platforms,
        )
    else:
        what = sentence(
            N_(
                "Merge {mine}, the member of {coalition} on this {platform} account, into {name}, the member who "
                "asked for this code (their accounts: {platforms})? Everything {mine} did becomes {name}'s "
                "and this account acts as {name} from now on."
            ),
            mine=Bold(me.display_name),
            platform=here,
            name=Bold(into.display_name),
            coalition=Bold(ctx.c.name),
            platforms=platforms,
        )
    value = f"{args.code.strip().upper()}:{fingerprint(ctx)}"
    return Reply.private(
        Section(what),
        Context(
            rich(
                _(
                    "It cannot be undone. If someone else gave you this code, press Cancel: it would hand this "
                    "account to them."
                )
            )
        ),
        Actions(
            (
                Button(_("Connect"), CONFIRM, f"yes:{value}", ButtonStyle.PRIMARY),
                Button(_("Cancel"), CONFIRM, f"no:{value}"),
            )
        ),
    )


def fingerprint(ctx: Ctx) -> str:
    """Who typed the code, so only the same person's click confirms it (not a secret: an identity check)."""
    actor = ctx.actor
    return hashlib.sha256(f"{actor.platform}\x00{actor.workspace}\x00{actor.user_id}".encode()).hexdigest()[:16]


def invalid_code() -> UserError:
    return UserError(
        _(
            "That connect code is not valid: it may be mistyped, used already or older than 15 minutes. "
            "Run `/coalition connect` again from your other account."
        )
    )


async def code_owner(ctx: Ctx, code: str) -> Member:
    """The member who asked for a still-valid code (the code is not spent); refuses one's own code."""
    found = await membership_repo(ctx).valid_connect_code(code.strip().upper(), ctx.clock.now())
    into = await ctx.repo.member(found.member_id) if found is not None else None
    if into is None:
        raise invalid_code()
    if ctx.member is not None and ctx.member.id == into.id:
        raise UserError(
            _(
                "This account is already part of that member: type the code from your other account, on the other platform."
            )
        )
    return into


@coalition.action(CONFIRM, strangers=True)
async def connect_confirmed(ctx: Ctx, value: str) -> Reply:
    verb, _sep, rest = value.partition(":")
    code, _sep, typed_by = rest.rpartition(":")
    if verb not in {"yes", "no"} or not code:
        raise UserError(_("That button is out of date. Type `/coalition connect <code>` again."))
    if typed_by != fingerprint(ctx):
        raise PermissionDenied(_("Only the person who typed the code can confirm or cancel it."))
    if verb == "no":
        await membership_repo(ctx).use_connect_code(code, ctx.clock.now())  # void: it cannot be tried again
        await ctx.repo.audit("connect.cancelled", member=ctx.member)
        return Reply(
            blocks=[Section(rich(_("Cancelled: nothing was merged, and that code cannot be used again.")))],
            replace_original=True,
        )
    into = await code_owner(ctx, code)
    if await membership_repo(ctx).use_connect_code(code, ctx.clock.now()) is None:
        raise invalid_code()
    me = ctx.member
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
    return Reply(
        blocks=[
            Section(
                sentence(
                    N_("Connected: this account and your other one are now one member of {coalition}, {name}."),
                    coalition=Bold(ctx.c.name),
                    name=Bold(into.display_name),
                )
            ),
            Context(rich(_("Your check-ins, votes, signatures and pledges from both accounts count once, together."))),
        ],
        replace_original=True,
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
