"""The handlers' side: ``list``, ``show``, ``ack``, ``note``, ``reply``, ``resolve``, ``dismiss``.

open → acknowledged → in discussion → resolved | dismissed. A note or a reply on an open or
acknowledged flag puts it in discussion (acknowledging it too, if nobody had). Every change is a
line in the flag's private log with who and when; the reporter is told of each state change and
each reply (a direct message when named; ``/flag status <receipt>`` when anonymous).
"""

from __future__ import annotations

from bot.commands.flag.access import handled_flag, overdue, visible_flags
from bot.commands.flag.command import ID, MAX_TEXT, flag, text_param
from bot.commands.flag.notify import tell_reporter
from bot.commands.flag.render import (
    SEVERITY_ORDER,
    handler_view,
    listing_line,
    log_line,
    party_names,
    say,
    state,
)
from bot.commands.flag.repo import flag_repo
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args
from bot.core.registry import CARETAKERS
from bot.core.ui import Block, Context, Header, Option, Reply, Section, markup, rich
from bot.store.flag_models import CLOSED, ConflictFlag, FlagEvent, FlagEventKind, FlagStatus
from bot.store.models import Member

LISTED_CLOSED = 10
SHOWN_EVENTS = 40


@flag.sub("list", summary=N_("Handlers: the flags you handle, overdue first"), usage="/flag list", roles=CARETAKERS)
async def list_(ctx: Ctx, args: Args) -> Reply:
    now = ctx.clock.now()
    repo = flag_repo(ctx)
    current = await visible_flags(ctx, await repo.flags(include_closed=False))
    current.sort(key=lambda f: (not overdue(f, now), SEVERITY_ORDER.get(f.severity, 9), f.created_at))
    closed = await visible_flags(ctx, await repo.recently_closed(3 * LISTED_CLOSED))  # some may be recused
    late = sum(1 for f in current if overdue(f, now))
    blocks: list[Block] = [Header(_("Conflict flags of {coalition}", coalition=ctx.c.name))]
    if not current:
        blocks.append(say(_("No open flags.")))
    else:
        summary = ngettext("{n} open flag", "{n} open flags", len(current))
        if late:
            summary = _("{open}, {overdue}", open=summary, overdue=ngettext("{n} overdue", "{n} overdue", late))
        blocks.append(Section(rich(summary)))
        for start in range(0, len(current), 20):
            lines = [listing_line(f, ctx.tz, is_overdue=overdue(f, now)) for f in current[start : start + 20]]
            text = lines[0]
            for line in lines[1:]:
                text = text + "\n" + line
            blocks.append(Section(text))
    if closed:
        lines = [listing_line(f, ctx.tz, is_overdue=False) for f in closed[:LISTED_CLOSED]]
        text = rich(_("Recently closed:"))
        for line in lines:
            text = text + "\n" + line
        blocks.append(Context(text))
    blocks.append(Context(markup(_("`/flag show <id>` shows a flag and its log."))))
    return Reply.private(*blocks)


@flag.sub(
    "show", summary=N_("Handlers: a flag with its private log"), usage="/flag show <id>", params=(ID,), roles=CARETAKERS
)
async def show(ctx: Ctx, args: Args) -> Reply:
    entry = await handled_flag(ctx, args.id)
    repo = flag_repo(ctx)
    members = await ctx.repo.members()
    names = {m.id: m.display_name for m in members if m.id is not None}
    parties = (await repo.parties([entry.id or 0]))[entry.id or 0]
    shown = party_names(parties, names, await ctx.repo.organisations())
    blocks = handler_view(entry, shown, names, ctx.tz, is_overdue=overdue(entry, ctx.clock.now()))
    events = list(await repo.events(entry.id or 0))
    blocks.append(Section(rich(_("Log:"))))
    if len(events) > SHOWN_EVENTS:
        blocks.append(
            Context(
                rich(
                    ngettext(
                        "The {n} newest of {total} entries.",
                        "The {n} newest of {total} entries.",
                        SHOWN_EVENTS,
                        total=number(len(events)),
                    )
                )
            )
        )
        events = events[-SHOWN_EVENTS:]
    blocks.extend(Section(log_line(event, entry, names, ctx.tz)) for event in events)
    return Reply.private(*blocks)


@flag.sub("ack", summary=N_("Handlers: acknowledge a flag"), usage="/flag ack <id>", params=(ID,), roles=CARETAKERS)
async def ack(ctx: Ctx, args: Args) -> Reply:
    entry = await handled_flag(ctx, args.id)
    if entry.status != FlagStatus.OPEN.value:
        raise UserError(
            _("Flag #{id} is already {state}; only an open flag can be acknowledged.", id=entry.id, state=state(entry))
        )
    entry.status = FlagStatus.ACKNOWLEDGED.value
    entry.acknowledged_at = ctx.clock.now()
    event = await log(ctx, entry, FlagEventKind.ACKNOWLEDGED)
    await tell_reporter(ctx.outbox, ctx.c, entry, await reporter_of(ctx, entry), event)
    return Reply.private(say(_("You acknowledged flag #{id}.", id=entry.id)), told(entry))


@flag.sub(
    "note",
    summary=N_("Handlers: add a private note to a flag's log (the reporter never sees it)"),
    usage='/flag note <id> "<text>"',
    params=(ID, text_param("text", N_("The note"))),
    roles=CARETAKERS,
)
async def note(ctx: Ctx, args: Args) -> Reply:
    entry = await handled_flag(ctx, args.id)
    text = clean(args.text)
    discussing = await start_discussion(ctx, entry)
    await log(ctx, entry, FlagEventKind.NOTE, text)
    if discussing is not None:
        await tell_reporter(ctx.outbox, ctx.c, entry, await reporter_of(ctx, entry), discussing)
    return Reply.private(say(_("Note added to flag #{id}. Only its handlers can read it.", id=entry.id)))


@flag.sub(
    "reply",
    summary=N_("Handlers: write to the reporter, also an anonymous one"),
    usage='/flag reply <id> "<text>"',
    params=(ID, text_param("text", N_("Your message to the reporter"))),
    roles=CARETAKERS,
)
async def reply(ctx: Ctx, args: Args) -> Reply:
    entry = await handled_flag(ctx, args.id)
    text = clean(args.text)
    await start_discussion(ctx, entry)
    event = await log(ctx, entry, FlagEventKind.REPLY, text)
    await tell_reporter(ctx.outbox, ctx.c, entry, await reporter_of(ctx, entry), event)
    return Reply.private(say(_("Your reply to the reporter of flag #{id} is sent.", id=entry.id)), told(entry))


@flag.sub(
    "resolve",
    summary=N_("Handlers: close a flag with its outcome"),
    usage='/flag resolve <id> "<outcome>"',
    params=(ID, text_param("outcome", N_("What was decided or done"))),
    roles=CARETAKERS,
)
async def resolve(ctx: Ctx, args: Args) -> Reply:
    entry = await close(ctx, args.id, FlagStatus.RESOLVED, FlagEventKind.RESOLVED, args.outcome)
    return Reply.private(say(_("Flag #{id} is resolved.", id=entry.id)), told(entry))


@flag.sub(
    "dismiss",
    summary=N_("Handlers: close a flag without action, with the reason"),
    usage='/flag dismiss <id> "<reason>"',
    params=(ID, text_param("reason", N_("Why it is dismissed"))),
    roles=CARETAKERS,
)
async def dismiss(ctx: Ctx, args: Args) -> Reply:
    entry = await close(ctx, args.id, FlagStatus.DISMISSED, FlagEventKind.DISMISSED, args.reason)
    return Reply.private(say(_("Flag #{id} is dismissed.", id=entry.id)), told(entry))


async def close(ctx: Ctx, flag_id: int, status: FlagStatus, kind: FlagEventKind, raw: str) -> ConflictFlag:
    entry = await handled_flag(ctx, flag_id)
    if entry.status in CLOSED:
        raise UserError(_("Flag #{id} is already {state}.", id=entry.id, state=state(entry)))
    text = clean(raw)
    now = ctx.clock.now()
    entry.status = status.value
    entry.outcome = text
    entry.closed_at = now
    entry.acknowledged_at = entry.acknowledged_at or now
    event = await log(ctx, entry, kind, text)
    await tell_reporter(ctx.outbox, ctx.c, entry, await reporter_of(ctx, entry), event)
    return entry


async def start_discussion(ctx: Ctx, entry: ConflictFlag) -> FlagEvent | None:
    """Open or acknowledged → in discussion; the log line, or None if it was further already."""
    if entry.status not in (FlagStatus.OPEN.value, FlagStatus.ACKNOWLEDGED.value):
        return None
    entry.status = FlagStatus.IN_DISCUSSION.value
    entry.acknowledged_at = entry.acknowledged_at or ctx.clock.now()
    return await log(ctx, entry, FlagEventKind.DISCUSSING)


async def log(ctx: Ctx, entry: ConflictFlag, kind: FlagEventKind, text: str = "") -> FlagEvent:
    repo = flag_repo(ctx)
    await repo.save(entry)
    event = FlagEvent(
        coalition_id=ctx.c.id or 0,
        flag_id=entry.id or 0,
        kind=kind.value,
        actor_id=ctx.me.id,
        text=text,
        at=ctx.clock.now(),
    )
    await repo.add(event)
    return event


async def reporter_of(ctx: Ctx, entry: ConflictFlag) -> Member | None:
    return None if entry.reporter_id is None else await ctx.repo.member(entry.reporter_id)


def told(entry: ConflictFlag) -> Context:
    if entry.anonymous:
        return Context(rich(_("The reporter is anonymous: they read it with their receipt code.")))
    if entry.reporter_id is None:
        return Context(rich(_("The reporter has left; they can still read it with their receipt code.")))
    return Context(rich(_("The reporter gets a direct message.")))


def clean(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise BadArgument(_('The text cannot be empty: put it in quotes, like `"We will talk to both sides"`.'))
    if len(text) > MAX_TEXT:
        raise BadArgument(
            ngettext(
                "The text is too long: {n} character, at most {limit}.",
                "The text is too long: {n} characters, at most {limit}.",
                len(text),
                limit=number(MAX_TEXT),
            )
        )
    return text


@flag.completer("flag")
async def complete(ctx: Ctx, partial: str) -> list[Option]:
    flags = await visible_flags(ctx, await flag_repo(ctx).flags(include_closed=False))
    return [
        Option(f"#{f.id} {f.topic}"[:100], str(f.id))
        for f in flags
        if not partial or partial in f"#{f.id} {f.topic}".lower()
    ]
