"""``/decide list``, ``show``, ``log``, ``remind`` and ``public``: reading decisions and the log."""

from __future__ import annotations

from typing import Any

from bot.commands.decide import post, results
from bot.commands.decide.reminders import remind_non_voters
from bot.commands.decide.repo import decide_repo
from bot.commands.decide.shared import (
    DECISION_ID,
    check_closer,
    decide,
    find_decision,
    method_name,
    open_decision,
    option_labels,
    rules_line,
)
from bot.commands.decide.state import load, result_of
from bot.core.context import Ctx
from bot.core.errors import BadArgument
from bot.core.i18n import N_, _, date, ngettext, number
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import Block, Bold, Context, Header, Option, Reply, Section, markup, rich
from bot.store.decision_models import Decision, DecisionLogEntry, DecisionStatus, Electorate

LISTED = 15
LOG_PAGE = 10


@decide.sub("list", summary=N_("Open decisions, then the latest closed ones"), usage=N_("/decide list"))
async def list_(ctx: Ctx, args: Args) -> Reply:
    repo = decide_repo(ctx)
    shown = [
        *await repo.decisions(DecisionStatus.OPEN.value, limit=LISTED),
        *await repo.decisions(DecisionStatus.CLOSED.value, limit=5),
    ]
    if not shown:
        return Reply.private(markup(_('No decisions yet. Propose one with `/decide propose "<question>"`.')))
    counts = await repo.ballot_counts([d.id or 0 for d in shown])
    blocks: list[Block] = [Header(_("Decisions of {coalition}", coalition=ctx.c.name))]
    for d in shown:
        n = counts.get(d.id or 0, 0)
        if d.status == DecisionStatus.OPEN.value:
            state = ngettext("open, {n} ballot", "open, {n} ballots", n, n=number(n))
        else:
            state = _("closed: {outcome}", outcome=d.outcome)
        blocks.append(Section(rich(Bold(f"#{d.id} {d.question}"), " — ", method_name(d), "; ", state)))
    open_total = await repo.count(DecisionStatus.OPEN.value)
    if open_total > LISTED:
        blocks.append(Context(rich(ngettext("…and {n} more open.", "…and {n} more open.", open_total - LISTED))))
    blocks.append(Context(markup(_("`/decide show <id>` for one, `/decide log` for the decision log."))))
    return Reply.private(*blocks)


@decide.sub(
    "show",
    summary=N_("One decision: state, who has voted, objections and blocks with reasons, results when allowed"),
    usage=N_("/decide show <id>"),
    params=(DECISION_ID,),
)
async def show(ctx: Ctx, args: Args) -> Reply:
    d = await find_decision(ctx, args.id)
    repo = decide_repo(ctx)
    state = await load(repo, ctx.c, d)
    blocks: list[Block] = [Header(f"#{d.id} {d.question}"[:150]), Context(rich(rules_line(d, ctx.tz)))]
    labels = option_labels(d)
    if d.options:
        blocks.append(Section(rich("\n".join(f"{i}. {label}" for i, label in enumerate(labels, start=1)))))
    blocks.extend(post.progress_blocks(state))
    if d.status == DecisionStatus.OPEN.value:
        missing = state.not_voted()
        if missing and not d.secret:
            names = (
                [state.organisations[o].name for o in missing if o in state.organisations]
                if state.by_org
                else [state.members[m].display_name for m in missing if m in state.members]
            )
            blocks.append(Context(rich(_("Not voted yet: {names}.", names=", ".join(names[:40])))))
        if d.secret:
            blocks.append(Context(rich(_("Secret ballot: results are shown at close, from 5 ballots."))))
        else:
            now = {"turnout": state.turnout, "eligible": d.eligible, **await result_of(repo, state)}
            blocks.append(Section(rich(Bold(_("So far:")), " ", results.headline(d, now))))
            details = results.lines(d, now)
            if details:
                blocks.append(Context(rich("\n".join(details))))
    else:
        blocks.extend(post.closed_blocks(state))
    return Reply.private(*blocks)


def log_line(entry: DecisionLogEntry) -> str:
    electorate = _("organisations") if entry.electorate == Electorate.ORG.value else _("members")
    shadow = Decision(
        question=entry.question, method=entry.method, options=entry.result.get("options", []), coalition_id=0
    )
    return _(
        "#{id} {date} · {question} · {method} · {turnout} of {eligible} {electorate} · {result} · {outcome}",
        id=entry.decision_id,
        date=date(entry.at.date(), format="short"),
        question=entry.question,
        method=method_name(shadow),
        turnout=number(entry.turnout),
        eligible=number(entry.eligible),
        electorate=electorate,
        result=results.headline(shadow, entry.result),
        outcome=entry.outcome,
    )


@decide.sub(
    "log",
    summary=N_("The decision log: every closed decision, newest first"),
    usage=N_("/decide log [page]"),
    params=(Param("page", Kind.INT, positional=True, minimum=1, description=N_("Which page, 1 for the newest")),),
)
async def log(ctx: Ctx, args: Args) -> Reply:
    page = args.page or 1
    entries, more = await decide_repo(ctx).log_page(offset=(page - 1) * LOG_PAGE, limit=LOG_PAGE)
    if not entries:
        if page > 1:
            return Reply.private(_("The decision log has no page {page}.", page=number(page)))
        return Reply.private(_("The decision log is empty: no decision has closed yet."))
    blocks: list[Any] = [Header(_("Decision log of {coalition}", coalition=ctx.c.name))]
    blocks += [Section(rich(log_line(e))) for e in entries]
    if more:
        blocks.append(Context(markup(_("Older decisions: `/decide log {next}`.", next=page + 1))))
    return Reply.private(*blocks)


@decide.sub(
    "remind",
    summary=N_("Remind privately whoever has not voted (the proposer or steering)"),
    usage=N_("/decide remind <id>"),
    params=(DECISION_ID,),
)
async def remind(ctx: Ctx, args: Args) -> Reply:
    d = await open_decision(ctx, args.id)
    check_closer(ctx, d)
    repo = decide_repo(ctx)
    state = await load(repo, ctx.c, d)
    sent = await remind_non_voters(repo, ctx.outbox, state, tag=ctx.request_id or ctx.clock.now().isoformat())
    await ctx.repo.audit("decision.reminded", member=ctx.me, decision_id=d.id, sent=sent)
    return Reply.private(
        ngettext("Reminded {n} person privately.", "Reminded {n} people privately.", sent, n=number(sent))
    )


@decide.sub(
    "public",
    summary=N_("Steering: show a closed decision on the coalition's public decisions page"),
    roles=STEERING,
    usage=N_("/decide public <id>"),
    params=(DECISION_ID,),
)
async def public(ctx: Ctx, args: Args) -> Reply:
    d = await find_decision(ctx, args.id)
    if d.status != DecisionStatus.CLOSED.value:
        raise BadArgument(_("Only a closed decision can be made public; close it first."))
    d.public = True
    await decide_repo(ctx).save(d)
    await ctx.repo.audit("decision.public", member=ctx.me, subject=d.question[:200], decision_id=d.id)
    base = ctx.settings.public_url
    where = f"{base}/decisions/{ctx.c.slug}" if base else f"/decisions/{ctx.c.slug}"
    return Reply.private(_("Decision #{id} is now on the public page: {url}", id=d.id, url=where))


@decide.completer("decision")
async def complete_decision(ctx: Ctx, partial: str) -> list[Option]:
    repo = decide_repo(ctx)
    shown = [
        *await repo.decisions(DecisionStatus.OPEN.value, limit=50),
        *await repo.decisions(DecisionStatus.CLOSED.value, limit=25),
    ]
    return [
        Option(f"#{d.id} {d.question}"[:100], str(d.id))
        for d in shown
        if not partial or partial.lower() in d.question.lower() or partial.lstrip("#") == str(d.id)
    ][:25]
