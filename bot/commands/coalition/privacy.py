"""``/coalition forget-me``: a member erases their personal data. Every workflow's ``forget`` hook
erases what it holds of them (names on signatures, comments, …); then their accounts, group
memberships and member row go. Their contributions stay in the totals, unattributed."""

from __future__ import annotations

from bot.commands.coalition.command import coalition
from bot.commands.common import sentence
from bot.core import workflow
from bot.core.context import Ctx
from bot.core.errors import UserError
from bot.core.i18n import N_, _
from bot.core.params import Args
from bot.core.ui import Actions, Bold, Button, ButtonStyle, Reply, Section, rich
from bot.store.models import Role


@coalition.sub(
    "forget-me", summary=N_("Erase your personal data from this coalition"), usage=N_("/coalition forget-me")
)
async def forget_me(ctx: Ctx, args: Args) -> Reply:
    return Reply.private(
        Section(
            sentence(
                N_(
                    "This erases your name, accounts and group memberships from {coalition}. "
                    "Your check-ins stay in the totals without your name. It cannot be undone."
                ),
                coalition=Bold(ctx.c.name),
            )
        ),
        Actions((Button(_("Erase my data"), "coalition.forget", "yes", ButtonStyle.DANGER),)),
    )


@coalition.action("coalition.forget")
async def forget_confirmed(ctx: Ctx, value: str) -> Reply:
    me = ctx.me
    if me.role == Role.STEERING.value and await ctx.repo.count_role(Role.STEERING.value) <= 1:
        raise UserError(_("You are the only steering committee member: make someone else steering before you leave."))
    await ctx.repo.audit("member.forgotten", member=None)
    for flow in workflow.active():
        if flow.forget is not None:
            await flow.forget(ctx, me.id or 0)
    await ctx.repo.forget_member(me)
    ctx.member = None
    return Reply(
        blocks=[Section(rich(_("Done: your personal data is erased from {coalition}.", coalition=ctx.c.name)))],
        replace_original=True,
    )


@coalition.sub("help", summary=N_("This list"), usage=N_("/coalition help"), needs_coalition=False)
async def help_(ctx: Ctx, args: Args) -> Reply:
    raise AssertionError("unreachable")  # the dispatcher answers help itself
