"""Raising a flag: ``/flag`` (or ``/flag raise``) opens the confidential form; its submission
stores the flag, counts it against the day's limit, routes it to the handlers and answers the
reporter privately with a receipt code, shown this once.

Neither the command nor the form makes the person a member (``needs_coalition=False``: the core
then does not auto-join them), so an anonymous reporter who never used the bot before leaves no
row at all; a named reporter joins when the flag is stored.
"""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from bot.commands.flag.command import DAILY_LIMIT, MAX_DESCRIPTION, MAX_PARTIES, MAX_TOPIC, flag
from bot.commands.flag.notify import new_flag_notice, tell_handlers
from bot.commands.flag.quota import person_of, quota_key
from bot.commands.flag.receipts import new_receipt, receipt_hash
from bot.commands.flag.render import SEVERITIES, party_names, say
from bot.commands.flag.repo import flag_repo
from bot.core.context import Ctx
from bot.core.errors import FormInvalid, UserError
from bot.core.i18n import N_, _, ngettext, tr
from bot.core.params import Args, Kind, Param
from bot.core.registry import EVERYONE, FormSpec
from bot.core.ui import Block, Bold, Code, Context, Form, FormField, Option, Reply, Section, markup, rich
from bot.store.flag_models import ConflictFlag, FlagEvent, FlagEventKind, FlagParty, Severity
from bot.store.models import Member, Organisation, Role

FORM_ID = "flag.raise"
MENTION = re.compile(r"^<@!?([A-Za-z0-9_.-]+)(?:\|[^>]*)?>$")
YES = frozenset({"yes", "true", "1", "on", "x", "y"})

FORM_PARAMS = (
    Param("topic", required=True, max_length=MAX_TOPIC),
    Param("description", required=True, max_length=MAX_DESCRIPTION),
    Param("parties", max_length=500),
    Param("severity", Kind.CHOICE, required=True, choices=tuple(s.value for s in Severity)),
    Param("anonymous", max_length=10),
)


@flag.sub(
    "raise",
    summary=N_("Raise a concern confidentially (opens a form); you get a receipt code to follow it"),
    usage="/flag raise",
    opens_form=True,
    needs_coalition=False,
)
async def raise_(ctx: Ctx, args: Args) -> Reply:
    coalition = ctx.c
    repo = flag_repo(ctx)
    if (
        await repo.raised_today(today(ctx), quota_key(ctx.settings, coalition.id or 0, today(ctx), person_of(ctx)))
        >= DAILY_LIMIT
    ):
        raise UserError(limit_message())
    return Reply.open_form(raise_form())


def raise_form() -> Form:
    severities = tuple(Option(tr(SEVERITIES[s.value]), s.value) for s in Severity)
    return Form(
        form_id=FORM_ID,
        title=_("Raise a flag"),
        submit_label=_("Send confidentially"),
        fields=(
            FormField("topic", _("Topic"), max_length=MAX_TOPIC, placeholder=_("In a few words")),
            FormField(
                "description",
                _("What happened?"),
                "long_text",
                max_length=MAX_DESCRIPTION,
                hint=_("Only facilitators and steering read this, never anyone you name below."),
            ),
            FormField(
                "parties",
                _("Who is involved?"),
                required=False,
                max_length=500,
                hint=_("Members or organisations, separated by commas. They will not see this flag."),
            ),
            FormField("severity", _("How serious is it?"), "select", options=severities, initial=Severity.MEDIUM.value),
            FormField(
                "anonymous",
                _("Anonymous: keep no trace of me"),
                "checkbox",
                required=False,
                hint=_("Handlers can then reach you only through replies you read with your receipt code."),
            ),
        ),
    )


async def submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    coalition = ctx.c
    cid = coalition.id or 0
    repo = flag_repo(ctx)
    anonymous = (args.anonymous or "").strip().lower() in YES
    topic = " ".join(args.topic.split())
    description = args.description.strip()
    if not topic or not description:
        raise FormInvalid({"topic" if not topic else "description": _("Please fill this in.")})
    members, organisations = await resolve_parties(ctx, args.parties or "")
    day = today(ctx)
    if not await repo.count_raise(day, quota_key(ctx.settings, cid, day, person_of(ctx)), DAILY_LIMIT):
        raise UserError(limit_message())
    reporter = None if anonymous else await join(ctx)
    receipt = new_receipt()
    now = ctx.clock.now()
    entry = ConflictFlag(
        coalition_id=cid,
        topic=topic,
        description=description,
        severity=args.severity,
        anonymous=anonymous,
        reporter_id=reporter.id if reporter else None,
        receipt_hash=await receipt_hash(receipt) or "",
        created_at=now,
    )
    await repo.add(entry)
    if anonymous and ctx.member is not None and ctx.member.organisation_id is not None:
        await repo.tally_anonymous(ctx.member.organisation_id)  # a counter apart from the flag (SPEC §8)
    parties = [FlagParty(coalition_id=cid, flag_id=entry.id or 0, member_id=m.id) for m in members]
    parties += [FlagParty(coalition_id=cid, flag_id=entry.id or 0, organisation_id=o.id) for o in organisations]
    for party in parties:
        await repo.add(party)
    await repo.add(
        FlagEvent(coalition_id=cid, flag_id=entry.id or 0, kind=FlagEventKind.RAISED.value, by_reporter=True, at=now)
    )
    names = {m.id: m.display_name for m in await ctx.repo.members() if m.id is not None}
    shown = party_names(parties, names, organisations)
    reached = await tell_handlers(
        repo, ctx.outbox, coalition, entry, f"flag:{entry.id}:raised", new_flag_notice(entry, shown, names)
    )
    return acknowledgement(entry, receipt, reached)


flag.forms[FORM_ID] = FormSpec(FORM_ID, submitted, FORM_PARAMS, EVERYONE, needs_coalition=False)


def acknowledgement(entry: ConflictFlag, receipt: str, reached: int) -> Reply:
    blocks: list[Block] = [
        Section(
            rich(
                Bold(_("Your flag #{id} is received.", id=entry.id)),
                " ",
                _("Only facilitators and steering who are not among the parties you named can read it."),
            )
        ),
        Section(rich(_("Your receipt code:"), " ", Code(receipt))),
        say(
            _(
                "Keep it somewhere safe: it is shown only this once and nobody can recover it. "
                "`/flag status <receipt>` shows the state and the replies; "
                '`/flag add <receipt> "…"` adds information.'
            )
        ),
    ]
    if entry.anonymous:
        blocks.append(
            say(
                _(
                    "You raised it anonymously: no trace of you is kept. Replies reach you only through `/flag status <receipt>`."
                )
            )
        )
    else:
        blocks.append(say(_("You will also get a direct message when its state changes or when the handlers reply.")))
    if not reached:
        blocks.append(
            Context(
                markup(
                    _(
                        "No facilitator or steering member outside the parties you named can receive it yet. "
                        "It is kept, and the first one who can will see it in `/flag list`."
                    )
                )
            )
        )
    return Reply.private(*blocks)


async def resolve_parties(ctx: Ctx, text: str) -> tuple[list[Member], list[Organisation]]:
    """Members and organisations named in the form: mentions, display names or organisation names.
    A name that matches nothing is refused, so a handler cannot escape recusal by a typo."""
    names = [n.strip().lstrip("@").strip() for n in re.split(r"[,;\n]", text) if n.strip().lstrip("@").strip()]
    if len(names) > MAX_PARTIES:
        raise FormInvalid(
            {
                "parties": ngettext(
                    "Name at most {n} member or organisation.",
                    "Name at most {n} members or organisations.",
                    MAX_PARTIES,
                )
            }
        )
    members: dict[int, Member] = {}
    organisations: dict[int, Organisation] = {}
    unknown = []
    for name in names:
        member = await member_called(ctx, name)
        organisation = await ctx.repo.organisation_named(name)
        if member is not None and member.id is not None:
            members[member.id] = member
        if organisation is not None and organisation.id is not None:
            organisations[organisation.id] = organisation
        if member is None and organisation is None:
            unknown.append(name)
    if unknown:
        raise FormInvalid(
            {
                "parties": _(
                    "No member or organisation of this coalition is called “{name}”. Check the spelling, "
                    "or describe people outside the coalition in the description.",
                    name=unknown[0][:60],
                )
            }
        )
    return list(members.values()), list(organisations.values())


async def member_called(ctx: Ctx, name: str) -> Member | None:
    match = MENTION.match(name)
    if match:
        return await flag_repo(ctx).member_by_account(match.group(1))
    return await ctx.repo.member_named(name)


async def join(ctx: Ctx) -> Member:
    """A named reporter who was not a member yet becomes one (as the core would on any command)."""
    if ctx.member is not None:
        return ctx.member
    ctx.member = await ctx.repo.add_member(
        display_name=ctx.actor.display_name,
        role=Role.MEMBER.value,
        platform=ctx.actor.platform,
        workspace=ctx.actor.workspace,
        user_id=ctx.actor.user_id,
        tz=ctx.actor.tz,
    )
    await ctx.repo.audit("member.joined", member=ctx.member, subject=ctx.actor.display_name, via="flag")
    return ctx.member


def today(ctx: Ctx) -> date:
    return ctx.clock.now().astimezone(ZoneInfo(ctx.c.tz)).date()


def limit_message() -> str:
    return ngettext(
        "You have raised {n} flag today, the most one person can raise in a day. You can raise more tomorrow; "
        'if something cannot wait, add it to a flag you raised with `/flag add <receipt> "…"`.',
        "You have raised {n} flags today, the most one person can raise in a day. You can raise more tomorrow; "
        'if something cannot wait, add it to a flag you raised with `/flag add <receipt> "…"`.',
        DAILY_LIMIT,
    )
