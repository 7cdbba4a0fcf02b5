"""Signing for an organisation, by command or by the button under a posted copy (both open the
form in :mod:`.sign_form`); withdrawing a signature (kept in the statement's history); and who has
signed the version in force."""

from __future__ import annotations

from bot.commands.unity.command import SIGN_ACTION, unity
from bot.commands.unity.render import refresh_posts
from bot.commands.unity.repo import unity_repo
from bot.commands.unity.sign_form import MAX_NAME, organisation_name, sign_form, signable_version
from bot.commands.unity.words import fill
from bot.core.context import Ctx
from bot.core.errors import UserError
from bot.core.i18n import N_, _, number
from bot.core.params import Args, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Block, Bold, Context, Field, Fields, Header, Reply, Section, Timestamp, markup
from bot.store.models import Organisation


@unity.sub(
    "sign",
    summary=N_("Sign the published statement for your organisation (opens a form)"),
    roles=CONTRIBUTORS,
    opens_form=True,
    usage=N_("/unity sign [org=<name>] [title=<your title>]"),
    params=(
        Param("org", max_length=MAX_NAME, autocomplete="org", description=N_("Your organisation")),
        Param("title", max_length=MAX_NAME, description=N_("Your title or role in the organisation")),
    ),
)
async def sign(ctx: Ctx, args: Args) -> Reply:
    version = await signable_version(ctx)
    organisations = await ctx.repo.organisations()
    chosen: Organisation | None = None
    new_name = ""
    if args.org:
        chosen = await ctx.repo.organisation_named(args.org)
        if chosen is None:
            new_name = organisation_name(args.org)
    return Reply.open_form(
        sign_form(version, organisations, ctx.me, chosen=chosen, new_name=new_name, title=args.title or "")
    )


@unity.action(SIGN_ACTION, roles=CONTRIBUTORS)
async def sign_button(ctx: Ctx, value: str) -> Reply:
    version = await signable_version(ctx)
    if value and value != str(version.id):
        clicked = await unity_repo(ctx).version_by_id(int(value)) if value.isdigit() else None
        if clicked is not None:
            message = _(
                "This button belongs to v{old}; the statement in force is v{version}. "
                "Sign that one with `/unity sign` (its copy was posted in this channel too).",
                old=clicked.number,
                version=version.number,
            )
        else:
            message = _(
                "This button belongs to an earlier version; the statement in force is v{version}. "
                "Sign that one with `/unity sign` (its copy was posted in this channel too).",
                version=version.number,
            )
        raise UserError(message)
    return Reply.open_form(sign_form(version, await ctx.repo.organisations(), ctx.me))


@unity.sub(
    "withdraw",
    summary=N_("Withdraw your organisation's signature"),
    roles=CONTRIBUTORS,
    usage=N_("/unity withdraw"),
)
async def withdraw(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    version = await repo.published()
    if version is None:
        raise UserError(_("No statement has been published, so there is no signature to withdraw."))
    signatures = await repo.signatures(version.id or 0)
    mine = [s for s in signatures if s.member_id == ctx.me.id]
    if not mine and ctx.me.organisation_id is not None:
        mine = [s for s in signatures if s.organisation_id == ctx.me.organisation_id]
    if not mine:
        raise UserError(
            _("Your organisation has not signed v{version}; there is nothing to withdraw.", version=version.number)
        )
    signature = mine[0]
    organisation = await ctx.repo.organisation(signature.organisation_id)
    signature.active = None
    signature.withdrawn_at = ctx.clock.now()
    signature.withdrawn_by = ctx.me.id
    await repo.save(signature)
    await ctx.repo.audit(
        "unity.withdrawn",
        member=ctx.me,
        subject=organisation.name if organisation else "",
        version=version.number,
        signature_id=signature.id,
    )
    await refresh_posts(ctx, version)
    if organisation is not None:
        withdrew = fill(
            _("Withdrew {organisation}'s signature from v{version}."),
            organisation=Bold(organisation.name),
            version=str(version.number),
        )
    else:
        withdrew = markup(_("Withdrew your organisation's signature from v{version}.", version=version.number))
    return Reply.private(
        Section(withdrew),
        Context(
            markup(_("The withdrawal is kept in the statement's history; sign again any time with `/unity sign`."))
        ),
    )


@unity.sub(
    "signatories",
    summary=N_("Organisations that signed, with signer, title and date"),
    usage=N_("/unity signatories"),
)
async def signatories(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    version = await repo.published()
    if version is None:
        raise UserError(_("No statement has been published yet. Steering publishes the draft with `/unity publish`."))
    signed = await repo.signatures(version.id or 0)
    if not signed:
        return Reply.private(
            _("No organisation has signed v{version} yet. Sign with `/unity sign`.", version=version.number)
        )
    names = {o.id: o.name for o in await ctx.repo.organisations()}
    blocks: list[Block] = [
        Header(_("Signatories of v{version} ({count})", version=version.number, count=number(len(signed))))
    ]
    fields = []
    for s in signed:
        signer = s.signer_name or _("(name withdrawn)")
        when = Timestamp(s.signed_at, ctx.tz)
        if s.signer_title:
            value = fill(_("{signer}, {title} · {signed}"), signer=signer, title=s.signer_title, signed=when)
        else:
            value = fill(_("{signer} · {signed}"), signer=signer, signed=when)
        fields.append(Field(names.get(s.organisation_id, "?"), value))
    for start in range(0, len(fields), 10):
        blocks.append(Fields(tuple(fields[start : start + 10])))
    return Reply.private(*blocks)
