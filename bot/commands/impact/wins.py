"""``/impact win`` and ``/impact wins``: the change the coalition won, announced everywhere."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.commands.common import sentence
from bot.commands.impact.command import CLIMATE, CLOSE, GOAL, MAX_WIN, WIN_FORM, WIN_TEXT, YES_NO, impact
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound, PermissionDenied, UserError
from bot.core.i18n import N_, _, date, language, ngettext, number, of_coalition
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Block, Bold, Context, Form, FormField, Header, Option, Reply, Section, markup, rich
from bot.store.impact_models import Win
from bot.store.models import GoalStatus, Role

SHOWN = 30


@impact.sub(
    "win",
    summary=N_("Log a win and announce it in every linked channel; without text, opens a form"),
    usage=N_('/impact win "<text>" [goal=<id>] [climate=yes|no] [close=yes|no]'),
    params=(WIN_TEXT, GOAL, CLIMATE, CLOSE),
    roles=CONTRIBUTORS,
    opens_form=True,
)
async def win(ctx: Ctx, args: Args) -> Reply:
    if not args.text:
        return Reply.open_form(await win_form(ctx))
    return await log_win(ctx, args.text, args.goal, args.climate == "yes", args.close == "yes")


@impact.form(
    WIN_FORM,
    params=(
        Param("text", required=True, max_length=MAX_WIN),
        Param("goal", Kind.ID, autocomplete="goal"),
        Param("climate", Kind.CHOICE, choices=YES_NO),
    ),
)
async def win_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await log_win(ctx, args.text, args.goal, args.climate == "yes", False)


async def win_form(ctx: Ctx) -> Form:
    goals = tuple(Option(f"#{g.id} {g.title}"[:75], str(g.id)) for g in (await ctx.repo.goals())[:25])
    fields = [FormField("text", _("What did the coalition win?"), "long_text", max_length=MAX_WIN)]
    if goals:
        fields.append(FormField("goal", _("Goal (optional)"), "select", required=False, options=goals))
    fields.append(
        FormField(
            "climate",
            _("Did it shift the political climate?"),
            "select",
            required=False,
            options=(Option(_("Yes"), "yes"), Option(_("No"), "no")),
            hint=_("For example: a new public debate, a changed position of decision makers, new allies."),
        )
    )
    return Form(WIN_FORM, _("Log a win"), tuple(fields), submit_label=_("Log the win"))


async def log_win(ctx: Ctx, text: str, goal_id: int | None, climate: bool, close: bool) -> Reply:
    text = " ".join(text.split())
    if not text:
        raise BadArgument(_('Say what the coalition won: `/impact win "The council adopted our plan"`.'))
    goal = None
    if goal_id is not None:
        goal = await impact_repo(ctx).goal(goal_id)
        if goal is None:
            raise NotFound(_("No goal #{id} in this coalition. `/goal list` shows them.", id=goal_id))
    if close:
        if goal is None:
            raise BadArgument(_("`close=yes` closes the win's goal: add `goal=<id>`."))
        if ctx.me.role != Role.STEERING.value:
            raise PermissionDenied(_("Only steering closes goals; log the win without `close=yes`."))
        if goal.status == GoalStatus.CLOSED.value:
            raise UserError(_("Goal #{id} is already closed.", id=goal.id))
    new = Win(
        coalition_id=ctx.c.id or 0,
        text=text,
        won_on=ctx.clock.now().astimezone(ZoneInfo(ctx.c.tz)).date(),
        goal_id=goal.id if goal else None,
        climate=climate,
        member_id=ctx.me.id,
    )
    await impact_repo(ctx).add(new)
    if close and goal is not None:
        goal.status = GoalStatus.CLOSED.value
        goal.closed_at = ctx.clock.now()
        await ctx.repo.save(goal)
        await ctx.repo.audit("goal.closed", member=ctx.me, subject=goal.title, goal_id=goal.id, win_id=new.id)
    await ctx.repo.audit("impact.win", member=ctx.me, subject=text[:200], win_id=new.id, climate=climate)
    with language(of_coalition(ctx.c)):
        post = Reply.channel(
            Header(_("A win for {coalition}", coalition=ctx.c.name)),
            Section(rich(text)),
            *win_notes(new, goal.title if goal else None, ctx.me.display_name),
        )
    copies = await ctx.outbox.announce(post, key=f"impact.win:{new.id}")
    lines = [
        sentence(N_("Win {win} logged."), win=Bold(f"#{new.id}"))
        + " "
        + ngettext("Announced in {n} channel.", "Announced in {n} channels.", len(copies), n=number(len(copies)))
    ]
    if close and goal is not None:
        lines.append(sentence(N_("Goal {goal} is closed."), goal=Bold(f"#{goal.id} {goal.title}")))
    return Reply.private(*lines)


def win_notes(w: Win, goal_title: str | None, by: str | None) -> list[Block]:
    notes: list[Block] = []
    if w.climate:
        notes.append(Context(markup(_("It shifted the political climate."))))
    if goal_title is not None:
        notes.append(Context(sentence(N_("For goal {goal}."), goal=f"#{w.goal_id} {goal_title}")))
    if by:
        notes.append(Context(sentence(N_("Logged by {name} on {date}."), name=by, date=date(w.won_on))))
    return notes


@impact.sub("wins", summary=N_("The coalition's wins, newest first"), usage=N_("/impact wins"))
async def wins(ctx: Ctx, args: Args) -> Reply:
    repo = impact_repo(ctx)
    total, climate = await repo.win_counts()
    if not total:
        return Reply.private(markup(_('No wins logged yet. Log one with `/impact win "<what you won>"`.')))
    found = await repo.wins(limit=SHOWN)
    blocks: list[Block] = [
        Header(_("Wins of {coalition}", coalition=ctx.c.name)),
        Context(
            markup(
                ngettext("{n} win", "{n} wins", total, n=number(total))
                + " · "
                + ngettext(
                    "{n} shifted the political climate", "{n} shifted the political climate", climate, n=number(climate)
                )
            )
        ),
    ]
    for w in found:
        line = sentence(N_("{date}: {text}"), date=Bold(date(w.won_on)), text=w.text)
        if w.climate:
            line = line + " " + _("(shifted the climate)")
        if w.goal_id:
            line = line + " " + _("(goal #{id})", id=w.goal_id)
        blocks.append(Section(line))
    if total > SHOWN:
        blocks.append(
            Context(
                markup(
                    ngettext(
                        "…and {n} more in `/coalition export`.",
                        "…and {n} more in `/coalition export`.",
                        total - SHOWN,
                    )
                )
            )
        )
    return Reply.private(*blocks)
