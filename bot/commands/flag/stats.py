"""``/flag stats``: flags per organisation, for handlers (SPEC §8 "Minimum N").

Named flags are counted from the flags themselves (those the handler may handle), with how many
people raised them. Anonymous flags keep no trace of their reporter, so they are counted per
organisation by a separate counter (``FlagOrgTally``) raised when such a flag is stored; because
nobody is kept, the flags are counted, not the people. An organisation's anonymous count is shown
only from ``MIN_FLAGS`` flags on; below that the view says how many more are needed. When exactly
one count would be withheld, the smallest shown one is withheld too, so the withheld one cannot
be worked out from the total of anonymous flags (which ``/flag list`` lets handlers count).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.commands.common import sentence
from bot.commands.flag.command import flag
from bot.commands.flag.repo import flag_repo
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args
from bot.core.registry import CARETAKERS
from bot.core.ui import Block, Bold, Context, Header, Reply, Rich, Section, markup
from bot.store.flag_models import MIN_FLAGS

LINES_PER_SECTION = 20


@dataclass(frozen=True)
class Count:
    """One organisation's anonymous flags (``organisation`` None: reporters without one)."""

    organisation: int | None
    flags: int
    shown: bool
    missing: int  # how many more flags until it is shown; 0 when withheld only to protect another


def withhold(counts: dict[int | None, int], minimum: int = MIN_FLAGS) -> dict[int | None, Count]:
    """Each count, shown from ``minimum`` on; with exactly one withheld, the smallest shown is
    withheld too (else the total minus the shown ones would give the withheld one away)."""
    cells = {k: Count(k, n, n >= minimum, max(0, minimum - n)) for k, n in counts.items()}
    hidden = [c for c in cells.values() if not c.shown]
    shown = sorted((c for c in cells.values() if c.shown), key=lambda c: (c.flags, str(c.organisation)))
    if len(hidden) == 1 and shown:
        cells[shown[0].organisation] = replace(shown[0], shown=False, missing=0)
    return cells


async def anonymous_counts(ctx: Ctx, organisations: list[int]) -> dict[int | None, Count]:
    """Every organisation's anonymous flags (none counted: 0) and those of reporters without one
    (the rest of all anonymous flags), each withheld below the minimum."""
    repo = flag_repo(ctx)
    tallies = await repo.anonymous_by_organisation()
    counts: dict[int | None, int] = {org: tallies.get(org, 0) for org in organisations}
    counts[None] = max(0, await repo.anonymous_total() - sum(tallies.get(org, 0) for org in organisations))
    return withhold(counts)


def anonymous_text(count: Count) -> str:
    if count.shown:
        return number(count.flags)
    if count.missing:
        return ngettext("withheld, {n} more needed", "withheld, {n} more needed", count.missing)
    return _("withheld, so that another withheld count cannot be worked out")


@flag.sub(
    "stats",
    summary=N_("Handlers: flags per organisation, named and anonymous"),
    usage="/flag stats",
    roles=CARETAKERS,
)
async def stats(ctx: Ctx, args: Args) -> Reply:
    me = ctx.me
    organisations = await ctx.repo.organisations()
    named_counts = await flag_repo(ctx).named_by_organisation(me.id or 0, me.organisation_id)
    named = {org: (flags, people) for org, flags, people in named_counts}
    anonymous = await anonymous_counts(ctx, [o.id for o in organisations if o.id is not None])

    lines: list[Rich] = []
    rows: list[tuple[int | None, str]] = [
        (o.id, o.name) for o in sorted(organisations, key=lambda o: o.name.lower()) if o.id is not None
    ]
    rows.append((None, _("Without an organisation")))
    for org, name in rows:
        flags, people = named.get(org, (0, 0))
        lines.append(
            sentence(
                N_("{organisation}: {named}; anonymous: {anonymous}."),
                organisation=Bold(name),
                named=ngettext(
                    "{n} named flag from {people}",
                    "{n} named flags from {people}",
                    flags,
                    people=ngettext("{n} person", "{n} people", people),
                ),
                anonymous=anonymous_text(anonymous[org]),
            )
        )
    blocks: list[Block] = [Header(_("Flags per organisation in {coalition}", coalition=ctx.c.name))]
    for start in range(0, len(lines), LINES_PER_SECTION):
        text = lines[start]
        for line in lines[start + 1 : start + LINES_PER_SECTION]:
            text = text + "\n" + line
        blocks.append(Section(text))
    blocks.append(
        Context(
            markup(
                _(
                    "Named flags: the flags you handle, by the reporter's organisation. Anonymous flags keep no "
                    "trace of who raised them, so flags are counted, not people; an organisation's count is "
                    "shown from {min} flags on.",
                    min=number(MIN_FLAGS),
                )
            )
        )
    )
    return Reply.private(*blocks)
