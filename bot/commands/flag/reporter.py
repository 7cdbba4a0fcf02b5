"""The reporter's side, also for an anonymous reporter: ``status <receipt>`` and ``add <receipt>``.

The receipt alone says whose flag it is, so neither command makes the person a member nor records
who they are; an addition is logged as "the reporter", with no account."""

from __future__ import annotations

from bot.commands.flag.command import RECEIPT, flag, text_param
from bot.commands.flag.handling import clean
from bot.commands.flag.notify import added_notice, tell_handlers
from bot.commands.flag.receipts import receipt_hash
from bot.commands.flag.render import reporter_view, say
from bot.commands.flag.repo import flag_repo
from bot.core.context import Ctx
from bot.core.errors import NotFound
from bot.core.i18n import N_, _
from bot.core.params import Args
from bot.core.ui import Reply
from bot.store.flag_models import ConflictFlag, FlagEvent, FlagEventKind


async def by_receipt(ctx: Ctx, receipt: str) -> ConflictFlag:
    hashed = await receipt_hash(receipt)
    found = await flag_repo(ctx).by_receipt(hashed) if hashed else None
    if found is None:
        raise NotFound(
            _(
                "No flag of {coalition} has that receipt code. Check that you copied all of it "
                "(25 letters and digits; dashes and case do not matter), in a channel of the coalition you raised it in.",
                coalition=ctx.c.name,
            )
        )
    return found


@flag.sub(
    "status",
    summary=N_("Reporter: the state of your flag and the handlers' replies, by its receipt code"),
    usage="/flag status <receipt>",
    params=(RECEIPT,),
    needs_coalition=False,
)
async def status(ctx: Ctx, args: Args) -> Reply:
    entry = await by_receipt(ctx, args.receipt)
    events = await flag_repo(ctx).events(entry.id or 0)
    return Reply.private(*reporter_view(entry, events, ctx.tz))


@flag.sub(
    "add",
    summary=N_("Reporter: add information to your flag, also anonymously"),
    usage='/flag add <receipt> "<text>"',
    params=(RECEIPT, text_param("text", N_("What you want to add"))),
    needs_coalition=False,
)
async def add(ctx: Ctx, args: Args) -> Reply:
    entry = await by_receipt(ctx, args.receipt)
    text = clean(args.text)
    event = FlagEvent(
        coalition_id=ctx.c.id or 0,
        flag_id=entry.id or 0,
        kind=FlagEventKind.ADDED.value,
        by_reporter=True,
        text=text,
        at=ctx.clock.now(),
    )
    repo = flag_repo(ctx)
    await repo.add(event)
    await tell_handlers(repo, ctx.outbox, ctx.c, entry, f"flag:{entry.id}:added:{event.id}", added_notice(entry, event))
    return Reply.private(
        say(
            _(
                "Added to your flag #{id}. Its handlers are told; their replies appear in `/flag status <receipt>`.",
                id=entry.id,
            )
        )
    )
