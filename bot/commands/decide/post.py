"""The message every linked channel shows for a decision, refreshed in place on every platform when a
ballot comes in and when it closes: the question, the rules in one line, who may vote, how many have
voted (who, for open ballots), objections and blocks with their reasons, and a Vote button."""

from __future__ import annotations

from bot.commands.decide import results
from bot.commands.decide.shared import option_labels, rules_line
from bot.commands.decide.state import DecisionState
from bot.core.i18n import _, ngettext, number
from bot.core.ui import Actions, Block, Bold, Button, ButtonStyle, Context, Header, Reply, Section, markup, rich
from bot.store.decision_models import DecisionStatus

BALLOT_ACTION = "decide.ballot"
NAMED = 40  # voters named on a copy; the count covers the rest


def post_reply(state: DecisionState) -> Reply:
    """The decision as posted in every linked channel (in the coalition's language)."""
    d = state.decision
    blocks: list[Block] = [
        Header(_("Decision #{id}: {question}", id=d.id, question=d.question)[:150]),
        Section(rich(d.question)),
        Context(rich(rules_line(d, state.coalition.tz))),
    ]
    labels = option_labels(d)
    if d.options:
        blocks.append(Section(rich("\n".join(f"{i}. {label}" for i, label in enumerate(labels, start=1)))))
    blocks.extend(progress_blocks(state))
    if d.status == DecisionStatus.OPEN.value:
        blocks.append(Context(markup(_("Vote privately with the button or `/decide vote {id}`.", id=d.id))))
        blocks.append(Actions((Button(_("Vote"), BALLOT_ACTION, str(d.id), ButtonStyle.PRIMARY),)))
    else:
        blocks.extend(closed_blocks(state))
    return Reply.channel(*blocks)


def turnout_line(state: DecisionState) -> str:
    if state.by_org:
        return ngettext(
            "{n} of {total} organisation has voted.",
            "{n} of {total} organisations have voted.",
            state.eligible,
            n=number(state.turnout),
            total=number(state.eligible),
        )
    return ngettext(
        "{n} of {total} member has voted.",
        "{n} of {total} members have voted.",
        state.eligible,
        n=number(state.turnout),
        total=number(state.eligible),
    )


def progress_blocks(state: DecisionState) -> list[Block]:
    d = state.decision
    line = turnout_line(state)
    if not d.secret:
        names = state.voter_names()
        if len(names) > NAMED:
            line += " " + ngettext(
                "Voted: {names} and {n} more.",
                "Voted: {names} and {n} more.",
                len(names) - NAMED,
                names=", ".join(names[:NAMED]),
            )
        elif names:
            line += " " + _("Voted: {names}.", names=", ".join(names))
    blocks: list[Block] = [Context(rich(line))]
    if not d.secret:
        for vote in state.standing("object"):
            blocks.append(
                Section(rich("⚠ " + _("Objection from {who}: {reason}", who=state.who(vote), reason=vote.reason)))
            )
        for vote in state.standing("block"):
            blocks.append(
                Section(rich("⚠ " + _("Block from {who}: {reason}", who=state.who(vote), reason=vote.reason)))
            )
    return blocks


def closed_blocks(state: DecisionState) -> list[Block]:
    d = state.decision
    blocks: list[Block] = [Section(rich(Bold(_("Closed.")), " ", results.headline(d, d.result)))]
    details = results.lines(d, d.result)
    if details:
        blocks.append(Context(rich("\n".join(details))))
    if d.outcome:
        blocks.append(Section(rich(Bold(_("Outcome:")), " ", d.outcome)))
    return blocks
