"""The signing form: who signs, with what title, and that they may sign for the organisation. One
organisation signs a version once; a double click or a race between two signers leaves one
signature."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.commands.unity.command import NEW_ORG, unity
from bot.commands.unity.render import refresh_posts
from bot.commands.unity.repo import unity_repo
from bot.commands.unity.words import fill
from bot.core.context import Ctx
from bot.core.errors import BadArgument, FormInvalid, UserError
from bot.core.i18n import _, date, ngettext, number, time
from bot.core.params import Args, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import Bold, Context, Form, FormField, Option, Reply, Section, rich
from bot.store.models import Member, Organisation
from bot.store.unity_models import UnitySignature, UnityVersion

MAX_NAME = 100


def sign_form(
    version: UnityVersion,
    organisations: Sequence[Organisation],
    me: Member,
    *,
    chosen: Organisation | None = None,
    new_name: str = "",
    title: str = "",
) -> Form:
    options = [Option(o.name[:75], str(o.id)) for o in organisations[:99]]
    options.append(Option(_("Another organisation (type its name below)"), NEW_ORG))
    if chosen is not None:
        initial = str(chosen.id)
    elif new_name:
        initial = NEW_ORG
    elif me.organisation_id is not None and any(o.id == me.organisation_id for o in organisations[:99]):
        initial = str(me.organisation_id)
    else:
        initial = ""
    return Form(
        form_id="unity.sign",
        title=_("Sign the statement (v{version})", version=version.number),
        submit_label=_("Sign"),
        state=str(version.id),
        fields=(
            FormField("org", _("Organisation"), "select", options=tuple(options), initial=initial),
            FormField(
                "new_org",
                _("New organisation"),
                required=False,
                initial=new_name,
                max_length=MAX_NAME,
                hint=_("Only if your organisation is not in the list."),
            ),
            FormField(
                "name",
                _("Your name"),
                initial=me.display_name[:MAX_NAME],
                max_length=MAX_NAME,
                hint=_("Shown publicly with the signature."),
            ),
            FormField(
                "title",
                _("Your title"),
                initial=title,
                max_length=MAX_NAME,
                hint=_("Shown publicly, e.g. Executive Director."),
            ),
            FormField(
                "authorised",
                _("I am authorised to sign on behalf of this organisation"),
                "checkbox",
                required=True,
            ),
        ),
    )


@unity.form(
    "unity.sign",
    roles=CONTRIBUTORS,
    params=(
        Param("org", max_length=MAX_NAME),
        Param("new_org", max_length=MAX_NAME),
        Param("name", required=True, max_length=MAX_NAME),
        Param("title", required=True, max_length=MAX_NAME),
        Param("authorised", max_length=10),
    ),
)
async def sign_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    version = await signable_version(ctx)
    if state and state != str(version.id):
        raise UserError(
            _(
                "A new version (v{version}) was published while you were signing. "
                "Read it with `/unity show`, then sign it with `/unity sign`.",
                version=version.number,
            )
        )
    errors: dict[str, str] = {}
    if (args.authorised or "").strip().lower() not in ("yes", "true", "on", "1", "y", "x"):
        errors["authorised"] = _("Please confirm that you are authorised to sign for this organisation.")
    name = " ".join((args.name or "").split())
    title = " ".join((args.title or "").split())
    if not name:
        errors["name"] = _("Please give your name.")
    if not title:
        errors["title"] = _("Please give your title.")
    organisation = await chosen_organisation(ctx, args, errors)
    if errors:
        raise FormInvalid(errors)
    assert organisation is not None
    assert organisation.id is not None
    repo = unity_repo(ctx)
    existing = await repo.signature_of(version.id or 0, organisation.id)
    if existing is not None:
        raise FormInvalid({"org": already_signed(organisation, existing, ctx.tz)})
    signature = UnitySignature(
        coalition_id=ctx.c.id or 0,
        version_id=version.id or 0,
        organisation_id=organisation.id,
        member_id=ctx.me.id,
        signer_name=name,
        signer_title=title,
        signed_at=ctx.clock.now(),
    )
    if not await repo.sign(signature):
        # Someone signed for the same organisation at the same moment.
        existing = await repo.signature_of(version.id or 0, organisation.id)
        if existing is not None:
            message = already_signed(organisation, existing, ctx.tz)
        else:
            message = _("{organisation} has already signed.", organisation=organisation.name)
        raise FormInvalid({"org": message})
    if ctx.me.organisation_id is None:
        ctx.me.organisation_id = organisation.id
        await ctx.repo.save(ctx.me)
    await ctx.repo.audit(
        "unity.signed", member=ctx.me, subject=organisation.name, version=version.number, signature_id=signature.id
    )
    await refresh_posts(ctx, version)
    count = len(await repo.signatures(version.id or 0))
    thanks = fill(
        _("Signed {version} for {organisation}, as {signer} ({title}). Thank you!"),
        version=Bold(_("v{version}", version=version.number)),
        organisation=organisation.name,
        signer=name,
        title=title,
    )
    signed = ngettext(
        "{n} organisation has signed. Every posted copy now shows the list.",
        "{n} organisations have signed. Every posted copy now shows the list.",
        count,
    )
    return Reply.private(Section(thanks), Context(rich(signed)))


async def chosen_organisation(ctx: Ctx, args: Args, errors: dict[str, str]) -> Organisation | None:
    """The organisation picked in the form, or the new one typed there (added to the coalition)."""
    picked = (args.org or "").strip()
    new_name = " ".join((args.new_org or "").split())
    if picked and picked != NEW_ORG:
        organisation = await ctx.repo.organisation(int(picked)) if picked.isdigit() else None
        if organisation is None:
            errors["org"] = _("That organisation is not in this coalition; choose one from the list.")
        return organisation
    if not new_name:
        errors["org" if not picked else "new_org"] = _(
            "Choose your organisation, or type its name under “{field}”.", field=_("New organisation")
        )
        return None
    existing = await ctx.repo.organisation_named(new_name)
    if existing is not None:
        return existing
    try:
        name = organisation_name(new_name)
    except BadArgument as error:
        errors["new_org"] = error.message
        return None
    organisation = await ctx.repo.add_organisation(name)
    await ctx.repo.audit("org.added", member=ctx.me, subject=name, via="unity.sign")
    return organisation


def organisation_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise BadArgument(_("The organisation name cannot be empty."))
    if len(name) > MAX_NAME:
        raise BadArgument(
            _(
                "The organisation name is too long: {length} characters, at most {limit}.",
                length=number(len(name)),
                limit=number(MAX_NAME),
            )
        )
    return name


def already_signed(organisation: Organisation, signature: UnitySignature, tz: str) -> str:
    signer = signature.signer_name or _("a former member")
    day = date(signature.signed_at.astimezone(ZoneInfo(tz)).date())
    if signature.signer_title:
        return _(
            "{organisation} already signed on {date}, by {signer} ({title}).",
            organisation=organisation.name,
            date=day,
            signer=signer,
            title=signature.signer_title,
        )
    return _(
        "{organisation} already signed on {date}, by {signer}.", organisation=organisation.name, date=day, signer=signer
    )


async def signable_version(ctx: Ctx) -> UnityVersion:
    """The statement in force, while signing is open; otherwise the reason it cannot be signed."""
    version = await unity_repo(ctx).published()
    if version is None:
        raise UserError(
            _("No statement has been published yet, so there is nothing to sign. Read the draft with `/unity show`.")
        )
    if version.deadline is not None and ctx.clock.now() >= version.deadline:
        local = version.deadline.astimezone(ZoneInfo(ctx.tz))
        raise UserError(
            _(
                "Signing v{version} closed on {date} at {time}.",
                version=version.number,
                date=date(local.date()),
                time=time(version.deadline, ctx.tz),
            )
        )
    return version
