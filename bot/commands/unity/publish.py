"""Publishing: the newest draft is frozen and posted in every channel of the coalition, on every
platform; earlier published versions are closed, their posted copies say so, and their signatories
are asked privately (in their own language) to sign the new one."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.commands.unity.command import REMIND_BEFORE, public_url, topic_of, unity
from bot.commands.unity.render import statement_reply
from bot.commands.unity.repo import unity_repo
from bot.commands.unity.words import fill, later
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, date, language, ngettext, of_member
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.ui import Block, Bold, Context, Link, Reply, Rich, Section, Timestamp, markup, rich
from bot.store.models import Coalition, Member
from bot.store.unity_models import UnityVersion


@unity.sub(
    "publish",
    summary=N_("Steering: publish the newest draft and post it in every channel for signatures"),
    roles=STEERING,
    usage=N_("/unity publish [deadline=YYYY-MM-DD]"),
    params=(Param("deadline", Kind.DATE, description=N_("Last day to sign, YYYY-MM-DD (optional)")),),
)
async def publish(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    version = await repo.latest()
    if version is None:
        raise UserError(_('There is nothing to publish yet. Write a draft first: `/unity draft "We, the …"`.'))
    if version.published_at is not None:
        raise UserError(
            _(
                "v{version} is already published. Save a new draft with `/unity draft` to publish a new version.",
                version=version.number,
            )
        )
    now = ctx.clock.now()
    deadline: datetime | None = None
    if args.deadline is not None:
        deadline = datetime.combine(args.deadline, time(23, 59), tzinfo=ZoneInfo(ctx.c.tz))
        if deadline <= now:
            raise BadArgument(
                _(
                    "The deadline {date} has passed; give a later date (`YYYY-MM-DD`), or none.",
                    date=date(args.deadline),
                )
            )
    version.published_at = now
    version.published_by = ctx.me.id
    version.deadline = deadline
    await repo.save(version)
    reminded = await close_earlier(ctx, version, now)
    posts = await ctx.outbox.announce(
        await statement_reply(repo, ctx.c, version, ctx.settings.public_url, now),
        key=f"unity:publish:{version.id}",
        topic=topic_of(version),
    )
    await ctx.repo.audit(
        "unity.published",
        member=ctx.me,
        subject=f"v{version.number}",
        deadline=deadline.isoformat() if deadline else None,
    )
    posting = ngettext(
        "Published {version}: posting it in {n} channel.",
        "Published {version}: posting it in {n} channels.",
        len(posts),
        **later("version"),
    )
    blocks: list[Block] = [Section(fill(posting, version=Bold(_("v{version}", version=version.number))))]
    if deadline is not None:
        hours = int(REMIND_BEFORE.total_seconds() // 3600)
        closes = ngettext(
            "Signing closes {deadline}; organisations that have not signed get a reminder {n} hour before.",
            "Signing closes {deadline}; organisations that have not signed get a reminder {n} hours before.",
            hours,
            **later("deadline"),
        )
        blocks.append(Section(fill(closes, deadline=Timestamp(deadline, ctx.tz))))
    if reminded:
        asked = ngettext(
            "{n} earlier signatory will be asked privately to sign v{version}.",
            "{n} earlier signatories will be asked privately to sign v{version}.",
            reminded,
            version=version.number,
        )
        blocks.append(Context(rich(asked)))
    url = public_url(ctx.settings.public_url, ctx.c)
    if url:
        blocks.append(Context(fill(_("Public page: {url}"), url=Link(url, url))))
    return Reply.private(*blocks)


async def close_earlier(ctx: Ctx, version: UnityVersion, now: datetime) -> int:
    """Close every earlier published version, update its posted copies, and ask its signatories to
    sign ``version``; returns how many were asked."""
    repo = unity_repo(ctx)
    asked = 0
    for old in await repo.published_before(version.number):
        if old.closed_at is None:
            old.closed_at = now
            await repo.save(old)
        await ctx.outbox.refresh(
            topic_of(old),
            await statement_reply(repo, ctx.c, old, ctx.settings.public_url, now, superseded_by=version),
        )
        for signature in await repo.signatures(old.id or 0):
            if signature.member_id is None:
                continue
            recipient = await ctx.repo.member(signature.member_id)
            notice = resign_notice(ctx.c, old, version, ctx.settings.public_url, recipient)
            key = f"unity:resign:{version.id}:{signature.id}"
            asked += len(await ctx.outbox.direct(signature.member_id, notice, key=key))
    return asked


def resign_notice(
    coalition: Coalition, old: UnityVersion, new: UnityVersion, base_url: str, recipient: Member | None = None
) -> Reply:
    """A private note to an earlier signatory, in their language."""
    with language(of_member(recipient, coalition)) as lang:
        blocks: list[Block | str | Rich] = [
            fill(
                _(
                    "{coalition} published v{new} of its unity statement. Your organisation's signature on "
                    "v{old} stays with v{old}; v{new} needs a new signature."
                ),
                coalition=Bold(coalition.name),
                new=str(new.number),
                old=str(old.number),
            ),
            markup(_("Sign it with the button under the statement in a coalition channel, or `/unity sign` there.")),
        ]
        url = public_url(base_url, coalition)
        if url:
            blocks.append(Context(fill(_("Read it: {url}"), url=Link(url, url))))
        reply = Reply.private(*blocks)
        reply.lang = lang
        return reply
