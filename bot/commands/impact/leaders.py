"""``/impact leaders``: members who took on a lead, per organisation, and the new ones."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from bot.commands.common import sentence
from bot.commands.impact.command import WINDOW_DAYS, impact, lead_label
from bot.commands.impact.measures import Leader, leaders
from bot.commands.impact.repo import impact_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, and_list, date, ngettext, number
from bot.core.params import Args
from bot.core.ui import Block, Bold, Context, Header, Reply, Section, markup

SHOWN = 30


def no_organisation() -> str:
    return _("No organisation")


@dataclass
class Leadership:
    by_org: dict[str, list[tuple[str, Leader]]]  # organisation name -> (member name, leader)
    new: int
    total: int


async def leadership_of(ctx: Ctx) -> Leadership:
    members = {m.id: m for m in await ctx.repo.members()}
    orgs = {o.id: o.name for o in await ctx.repo.organisations()}
    now = ctx.clock.now()
    by_org: dict[str, list[tuple[str, Leader]]] = defaultdict(list)
    new = total = 0
    for leader in leaders(await impact_repo(ctx).lead_counts()):
        member = members.get(leader.member_id)
        if member is None:
            continue
        org = orgs.get(member.organisation_id or 0, no_organisation())
        by_org[org].append((member.display_name, leader))
        total += 1
        new += leader.is_new(now, WINDOW_DAYS)
    return Leadership(dict(sorted(by_org.items(), key=lambda kv: (-len(kv[1]), kv[0]))), new, total)


@impact.sub(
    "leaders",
    summary=N_("Members who took on a lead, per organisation, with the new leaders of the last 90 days"),
    usage=N_("/impact leaders"),
)
async def leaders_(ctx: Ctx, args: Args) -> Reply:
    found = await leadership_of(ctx)
    if not found.total:
        return Reply.private(
            _(
                "Nobody has taken on a lead yet: setting a goal, proposing a meeting, handling flags, matching a "
                "need, starting a working group or signing for an organisation all count."
            )
        )
    now = ctx.clock.now()
    blocks: list[Block] = [
        Header(_("Leaders of {coalition}", coalition=ctx.c.name)),
        Context(
            markup(
                ngettext("{n} leader", "{n} leaders", found.total, n=number(found.total))
                + " · "
                + ngettext(
                    "{n} new in the last {days} days",
                    "{n} new in the last {days} days",
                    found.new,
                    n=number(found.new),
                    days=number(WINDOW_DAYS),
                )
            )
        ),
    ]
    shown = 0
    for org, people in found.by_org.items():
        if shown >= SHOWN:
            break
        blocks.append(Section(sentence(N_("{org}:"), org=Bold(org))))
        for name, leader in people[: min(15, SHOWN - shown)]:
            shown += 1
            what = and_list([lead_label(kind) for kind in sorted(leader.kinds)])
            line = sentence(N_("{name}: {what}, since {date}"), name=name, what=what, date=date(leader.since.date()))
            if leader.is_new(now, WINDOW_DAYS):
                line = line + " " + _("(new)")
            blocks.append(Context(line))
    if found.total > shown:
        more = found.total - shown
        blocks.append(Context(markup(ngettext("…and {n} more leader.", "…and {n} more leaders.", more))))
    return Reply.private(*blocks)
