"""``/decide delegate``: who casts an organisation's vote when the coalition decides by organisation,
and its alternate (who votes only when the delegate has not). Members of the organisation or
steering may set it; every change is audited."""

from __future__ import annotations

from bot.commands.common import find_member
from bot.commands.decide.repo import decide_repo
from bot.commands.decide.shared import decide
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound, PermissionDenied, UserError
from bot.core.i18n import N_, _, language, of_member
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Reply, markup
from bot.store.decision_models import DecisionDelegate
from bot.store.models import Member, Organisation, Role

VOLUNTEER_ACTION = "decide.volunteer"


@decide.sub(
    "delegate",
    summary=N_("Name who votes for your organisation when the coalition decides by organisation"),
    roles=CONTRIBUTORS,
    usage=N_("/decide delegate <@user> [alternate=<@user>]"),
    params=(
        Param("user", Kind.USER, required=True, positional=True, description=N_("Who votes for the organisation")),
        Param("alternate", Kind.USER, description=N_("Who votes when the delegate has not")),
    ),
)
async def delegate(ctx: Ctx, args: Args) -> Reply:
    chosen = await find_member(ctx, args.user)
    alternate = await find_member(ctx, args.alternate) if args.alternate else None
    if chosen.organisation_id is None:
        raise BadArgument(
            _("{who} belongs to no organisation; a delegate votes for their own organisation.", who=chosen.display_name)
        )
    org = await ctx.repo.organisation(chosen.organisation_id)
    if org is None:
        raise NotFound(_("That organisation is not part of this coalition."))
    if ctx.me.organisation_id != org.id and ctx.me.role != Role.STEERING.value:
        raise PermissionDenied(_("Only members of {org} or steering can name who votes for {org}.", org=org.name))
    if alternate is not None and (alternate.organisation_id != org.id or alternate.id == chosen.id):
        raise BadArgument(_("The alternate must be another member of {org}.", org=org.name))
    await set_delegate(ctx, org, chosen, alternate)
    if alternate is not None:
        return Reply.private(
            _(
                "{who} now votes for {org}; {alternate} votes when they have not.",
                who=chosen.display_name,
                org=org.name,
                alternate=alternate.display_name,
            )
        )
    return Reply.private(_("{who} now votes for {org}.", who=chosen.display_name, org=org.name))


async def set_delegate(ctx: Ctx, org: Organisation, chosen: Member, alternate: Member | None) -> None:
    repo = decide_repo(ctx)
    row = await repo.delegate_of(org.id or 0)
    if row is None:
        row = DecisionDelegate(coalition_id=ctx.c.id or 0, organisation_id=org.id or 0)
    row.delegate_id, row.alternate_id = chosen.id, alternate.id if alternate else None
    row.set_by, row.set_at = ctx.me.id, ctx.clock.now()
    if row.id is None:
        await repo.add(row)
    else:
        await repo.save(row)
    await ctx.repo.audit(
        "decision.delegate_set",
        member=ctx.me,
        subject=org.name,
        organisation_id=org.id,
        delegate_id=chosen.id,
        alternate_id=alternate.id if alternate else None,
    )
    if chosen.id != ctx.me.id:
        with language(of_member(chosen, ctx.c)):
            notice = Reply.private(
                markup(
                    _(
                        "You now vote for {org} when {coalition} decides by organisation. `/decide list` shows what is open.",
                        org=org.name,
                        coalition=ctx.c.name,
                    )
                )
            )
        await ctx.outbox.direct(
            chosen.id or 0, notice, key=f"decide:delegate:{org.id}:{chosen.id}:{row.set_at.isoformat()}"
        )


@decide.action(VOLUNTEER_ACTION, roles=CONTRIBUTORS)
async def volunteer(ctx: Ctx, value: str) -> Reply:
    org = await ctx.repo.organisation(int(value)) if value.isdigit() else None
    if org is None:
        raise NotFound(_("That organisation is not part of this coalition."))
    if ctx.me.organisation_id != org.id:
        raise PermissionDenied(_("Only members of {org} can vote for it.", org=org.name))
    current = await decide_repo(ctx).delegate_of(org.id or 0)
    if current is not None and current.delegate_id is not None:
        if current.delegate_id == ctx.me.id:
            return Reply.private(_("You already vote for {org}.", org=org.name))
        who = await ctx.repo.member(current.delegate_id)
        raise UserError(_("{who} already votes for {org}.", who=who.display_name if who else "—", org=org.name))
    await set_delegate(ctx, org, ctx.me, None)
    return Reply.private(markup(_("You now vote for {org}. `/decide list` shows the open decisions.", org=org.name)))
