"""Sign-on requests from the public page (SPEC §8): an organisation that is not in the chat asks to
sign; each steering member gets the request privately with Approve / Decline; approving makes the
signature (and so the public list shows it), declining keeps it off. ``/unity requests`` lists the
requests still waiting, with the same buttons, for steering on a platform without private messages."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.unity.command import unity
from bot.commands.unity.render import refresh_posts
from bot.commands.unity.repo import unity_repo
from bot.commands.unity.sign_form import already_signed, organisation_name, signable_version
from bot.commands.unity.words import fill
from bot.core.context import Ctx
from bot.core.errors import NotFound, UserError
from bot.core.i18n import N_, _, language, ngettext, of_member
from bot.core.outbox import Outbox
from bot.core.params import Args
from bot.core.registry import STEERING
from bot.core.ui import Actions, Block, Bold, Button, ButtonStyle, Context, Reply, Section, Timestamp, markup
from bot.store.models import Coalition, Role
from bot.store.repo import CoalitionRepo
from bot.store.unity_models import UnitySignature, UnitySignRequest, UnityVersion

APPROVE = "unity.request.approve"
DECLINE = "unity.request.decline"
PENDING, APPROVED, DECLINED = "pending", "approved", "declined"


def request_blocks(request: UnitySignRequest, version: UnityVersion, tz: str) -> list[Block]:
    asked = fill(
        _("{organisation} asks, on the public page, to sign v{version} as {signer} ({title})."),
        organisation=Bold(request.organisation),
        version=str(version.number),
        signer=request.signer_name,
        title=request.signer_title,
    )
    return [
        Section(asked),
        Context(
            fill(
                _("Asked {when}. Nothing is public until steering approves; they confirmed they may sign for it."),
                when=Timestamp(request.requested_at, tz),
            )
        ),
        Actions(
            (
                Button(_("Approve"), APPROVE, str(request.id), ButtonStyle.PRIMARY),
                Button(_("Decline"), DECLINE, str(request.id), ButtonStyle.DANGER),
            )
        ),
    ]


async def notify_steering(
    session: AsyncSession, coalition: Coalition, request: UnitySignRequest, version: UnityVersion
) -> int:
    """Queue the request privately to every steering member, each in their language; how many.
    Due when the request was made (the page's clock, as every other message is the core's)."""
    outbox = Outbox(session, coalition.id or 0, now=request.requested_at)
    sent = 0
    for member in await CoalitionRepo(session, coalition.id or 0).members():
        if member.role != Role.STEERING.value or member.id is None:
            continue
        with language(of_member(member, coalition)) as lang:
            reply = Reply.private(*request_blocks(request, version, member.tz or coalition.tz))
            reply.lang = lang
            sent += len(await outbox.direct(member.id, reply, key=f"unity-request:{request.id}:{member.id}"))
    return sent


@unity.sub(
    "requests",
    summary=N_("Steering: sign-on requests from the public page, to approve or decline"),
    usage=N_("/unity requests"),
    roles=STEERING,
)
async def requests(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    waiting = await repo.requests()
    if not waiting:
        return Reply.private(_("No sign-on requests are waiting."))
    blocks: list[Block] = []
    for request in waiting[:20]:
        version = await repo.version_by_id(request.version_id)
        if version is not None:
            blocks.extend(request_blocks(request, version, ctx.tz))
    return Reply.private(*blocks)


async def pending_request(ctx: Ctx, value: str) -> UnitySignRequest:
    request = await unity_repo(ctx).request(int(value)) if value.isdigit() else None
    if request is None:
        raise NotFound(_("There is no such sign-on request in {coalition}.", coalition=ctx.c.name))
    if request.state != PENDING:
        decided = _("approved") if request.state == APPROVED else _("declined")
        raise UserError(
            _(
                "The request from {organisation} was already {decided}.",
                organisation=request.organisation,
                decided=decided,
            )
        )
    return request


@unity.action(APPROVE, roles=STEERING)
async def approve(ctx: Ctx, value: str) -> Reply:
    request = await pending_request(ctx, value)
    version = await signable_version(ctx)
    if request.version_id != version.id:
        raise UserError(
            _(
                "This request was for an earlier version; v{version} is in force. Decline it: "
                "the organisation can ask again on the public page.",
                version=version.number,
            )
        )
    organisation = await ctx.repo.organisation_named(request.organisation)
    if organisation is None:
        organisation = await ctx.repo.add_organisation(organisation_name(request.organisation))
        await ctx.repo.audit("org.added", member=ctx.me, subject=organisation.name, via="unity.request")
    repo = unity_repo(ctx)
    existing = await repo.signature_of(version.id or 0, organisation.id or 0)
    signature = UnitySignature(
        coalition_id=ctx.c.id or 0,
        version_id=version.id or 0,
        organisation_id=organisation.id or 0,
        member_id=None,
        signer_name=request.signer_name,
        signer_title=request.signer_title,
        signed_at=ctx.clock.now(),
    )
    if existing is not None or not await repo.sign(signature):
        existing = existing or await repo.signature_of(version.id or 0, organisation.id or 0)
        raise UserError(
            already_signed(organisation, existing, ctx.tz)
            if existing is not None
            else _("{organisation} has already signed.", organisation=organisation.name)
        )
    request.state = APPROVED
    request.decided_at = ctx.clock.now()
    request.decided_by = ctx.me.id
    request.signature_id = signature.id
    await repo.save(request)
    await ctx.repo.audit("unity.request.approved", member=ctx.me, subject=organisation.name, version=version.number)
    await refresh_posts(ctx, version)
    reply = Reply.private(
        Section(
            fill(
                _("Approved: {organisation} signed v{version}, as {signer} ({title}). The public page shows it now."),
                organisation=Bold(organisation.name),
                version=str(version.number),
                signer=request.signer_name,
                title=request.signer_title,
            )
        )
    )
    reply.replace_original = True
    return reply


@unity.action(DECLINE, roles=STEERING)
async def decline(ctx: Ctx, value: str) -> Reply:
    request = await pending_request(ctx, value)
    request.state = DECLINED
    request.decided_at = ctx.clock.now()
    request.decided_by = ctx.me.id
    await unity_repo(ctx).save(request)
    await ctx.repo.audit("unity.request.declined", member=ctx.me, subject=request.organisation)
    reply = Reply.private(
        Section(
            fill(
                _("Declined the request from {organisation}. Nothing was published."), organisation=request.organisation
            )
        )
    )
    reply.replace_original = True
    return reply


INBOX_SHOWN = 5


async def requests_inbox(ctx: Ctx) -> list[Block]:
    """Steering's inbox: sign-on requests from the public page, with Approve / Decline."""
    if ctx.member is None or ctx.member.role != Role.STEERING.value:
        return []
    repo = unity_repo(ctx)
    waiting = await repo.requests()
    if not waiting:
        return []
    blocks: list[Block] = [
        Section(
            markup(ngettext("{n} request to sign the statement:", "{n} requests to sign the statement:", len(waiting)))
        )
    ]
    for request in waiting[:INBOX_SHOWN]:
        version = await repo.version_by_id(request.version_id)
        if version is not None:
            blocks.extend(request_blocks(request, version, ctx.tz))
    if len(waiting) > INBOX_SHOWN:
        blocks.append(Context(markup(_("The others: `/unity requests`."))))
    return blocks
