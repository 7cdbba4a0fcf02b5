"""``/coalition audit`` (steering): the audit log, newest first, a page at a time. Flags stay out:
they keep their own private log, read by their handlers only."""

from __future__ import annotations

from bot.commands.coalition.command import coalition
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import Code, Context, Header, Plain, Reply, Rich, Section, Timestamp, rich

PER_PAGE = 20
PAGE = Param("page", Kind.INT, positional=True, minimum=1, description=N_("Page number (default: 1, the newest)"))


@coalition.sub(
    "audit",
    summary=N_("Steering: recent audited actions, who did them and when"),
    usage=N_("/coalition audit [<page>]"),
    params=(PAGE,),
    roles=STEERING,
)
async def audit(ctx: Ctx, args: Args) -> Reply:
    page = args.get("page", 1)
    total, entries = await ctx.repo.audit_entries(offset=(page - 1) * PER_PAGE, limit=PER_PAGE, skip_prefix="flag.")
    pages = max(1, -(-total // PER_PAGE))
    blocks: list[Header | Section | Context] = [Header(_("Audit log of {coalition}", coalition=ctx.c.name))]
    if not entries:
        blocks.append(Section(rich(_("Nothing on this page.") if total else _("Nothing audited yet."))))
        return Reply(blocks=list(blocks))
    names = {m.id: m.display_name for m in await ctx.repo.members()}
    lines: list[Timestamp | Plain | Code] = []
    for entry in entries:
        who = names.get(entry.member_id) if entry.member_id is not None else None
        if lines:
            lines.append(Plain("\n"))
        lines.extend(
            [
                Timestamp(entry.at, ctx.c.tz),
                Plain(" · " + (who or _("(no one named)")) + " · "),
                Code(entry.action),
                *((Plain(" "), Code(entry.subject)) if entry.subject else ()),
            ]
        )
    blocks.append(Section(Rich(tuple(lines))))
    footer = ngettext(
        "Page {page} of {pages}, {n} entry in all.",
        "Page {page} of {pages}, {n} entries in all.",
        total,
        page=number(page),
        pages=number(pages),
    )
    if page < pages:
        footer += " " + _("Older: /coalition audit {next}", next=page + 1)
    blocks.append(Context(rich(footer)))
    return Reply(blocks=list(blocks))
