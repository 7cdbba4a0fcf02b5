"""Organisation profiles: who we are, what we bring, our limits (``/coalition profile [org]``).

They belong to the coalition (an organisation's profile is not a pledge): the resource kinds are the
pledge workflow's words, read from it; pledge never imports this package. The form comes in two short pages (Discord modals take
five fields): who we are, the kinds we bring, what we bring and whether our representative can
decide for us; then our limits. :func:`join_offer` and :func:`profile_lines` are for
``/coalition join`` and ``/coalition orgs``.
"""

from __future__ import annotations

import re

from bot.commands.coalition.command import coalition
from bot.commands.pledge.command import KINDS, LIMITS_ACTION, PROFILE_ACTION, kind_label
from bot.commands.pledge.ranking import fold
from bot.commands.pledge.repo import delegations, pledge_repo
from bot.core.context import Ctx
from bot.core.errors import FormInvalid, NotFound, PermissionDenied, UserError
from bot.core.i18n import N_, _, date
from bot.core.params import Args, Param
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import (
    Actions,
    Block,
    Button,
    ButtonStyle,
    Context,
    Field,
    Fields,
    Form,
    FormField,
    Header,
    Reply,
    Section,
    markup,
    rich,
)
from bot.store.models import Organisation, Role
from bot.store.pledge_models import OrgProfile

MAX_TEXT = 1000
YES = ("yes", "true", "on", "1", "y", "x")


def parse_kinds(text: str) -> tuple[list[str], list[str]]:
    """``funding, Space`` → (["funding", "space"], []); words that are no kind come back second."""
    known = {fold(k): k for k in KINDS} | {fold(kind_label(k)): k for k in KINDS}
    kinds, unknown = [], []
    for word in (w for w in re.split(r"[,;/\n]+|\s+", text or "") if w.strip()):
        kind = known.get(fold(word.strip(" .")))
        if kind is None:
            unknown.append(word)
        elif kind not in kinds:
            kinds.append(kind)
    return kinds, unknown


async def editable(ctx: Ctx, organisation_id: int) -> Organisation:
    organisation = await ctx.repo.organisation(organisation_id)
    if organisation is None:
        raise NotFound(_("That organisation is not in this coalition. `/coalition orgs` lists them."))
    if ctx.me.organisation_id != organisation.id and ctx.me.role != Role.STEERING.value:
        raise PermissionDenied(_("Only members of {org}, or steering, can edit its profile.", org=organisation.name))
    return organisation


def first_page(organisation: Organisation, profile: OrgProfile | None) -> Form:
    p = profile or OrgProfile(coalition_id=0, organisation_id=0)
    return Form(
        form_id="pledge.profile",
        title=_("Our profile")[:24],
        submit_label=_("Save"),
        state=str(organisation.id),
        fields=(
            FormField(
                "about",
                _("Who are we, whom do we represent?"),
                "long_text",
                required=False,
                initial=p.about,
                max_length=MAX_TEXT,
            ),
            FormField(
                "kinds",
                _("Kinds of resources we bring"),
                required=False,
                initial=", ".join(kind_label(k) for k in p.kinds.split(",") if k),
                max_length=200,
                hint=_("Any of: {kinds}", kinds=", ".join(kind_label(k) for k in KINDS)),
            ),
            FormField(
                "brings", _("What do we bring?"), "long_text", required=False, initial=p.brings, max_length=MAX_TEXT
            ),
            FormField(
                "can_decide",
                _("Our representative can decide for us"),
                "checkbox",
                required=False,
                initial="yes" if p.can_decide else "",
            ),
        ),
    )


def limits_page(organisation: Organisation, profile: OrgProfile | None) -> Form:
    return Form(
        form_id="pledge.profile.limits",
        title=_("Our limits")[:24],
        submit_label=_("Save"),
        state=str(organisation.id),
        fields=(
            FormField(
                "cannot",
                _("What can we not contribute?"),
                "long_text",
                required=False,
                initial=profile.cannot if profile else "",
                max_length=MAX_TEXT,
            ),
            FormField(
                "sensitive",
                _("Issues we are sensitive about"),
                "long_text",
                required=False,
                initial=profile.sensitive if profile else "",
                max_length=MAX_TEXT,
            ),
        ),
    )


@coalition.sub(
    "profile",
    summary=N_("An organisation's profile; without org, edit your own in a form"),
    usage="/coalition profile [org]",
    opens_form=True,
    params=(Param("org", positional=True, max_length=100, autocomplete="org", description=N_("The organisation")),),
)
async def profile(ctx: Ctx, args: Args) -> Reply:
    repo = pledge_repo(ctx)
    if args.get("org"):
        organisation = await ctx.repo.organisation_named(args.org)
        if organisation is None:
            names = ", ".join(o.name for o in await ctx.repo.organisations()) or "—"
            raise NotFound(_("No organisation is called “{name}”. Organisations: {names}.", name=args.org, names=names))
        shown = show_profile(organisation, await repo.profile(organisation.id or 0))
        shown.blocks.append(await delegates_line(ctx, organisation))
        return shown
    if ctx.me.organisation_id is None:
        raise UserError(
            _(
                'Join with your organisation first: `/coalition join org="Name"`; then `/coalition profile` opens its form.'
            )
        )
    organisation = await editable(ctx, ctx.me.organisation_id)
    return Reply.open_form(first_page(organisation, await repo.profile(organisation.id or 0)))


async def delegates_line(ctx: Ctx, organisation: Organisation) -> Context:
    """Who votes for the organisation when the coalition decides by organisation (``/decide delegate``)."""
    delegate, alternate = await delegations(ctx).delegate_names(organisation.id or 0)
    if delegate and alternate:
        text = _(
            "{who} votes for {org} on decisions by organisation; {alternate} is the alternate.",
            who=delegate,
            org=organisation.name,
            alternate=alternate,
        )
    elif delegate:
        text = _("{who} votes for {org} on decisions by organisation.", who=delegate, org=organisation.name)
    else:
        text = _(
            "{org} has no delegate for decisions by organisation yet: `/decide delegate @someone`.",
            org=organisation.name,
        )
    return Context(markup(text))


def show_profile(organisation: Organisation, p: OrgProfile | None) -> Reply:
    if p is None:
        return Reply.private(
            _("{org} has no profile yet. Its members fill it in with `/coalition profile`.", org=organisation.name)
        )
    kinds = ", ".join(kind_label(k) for k in p.kinds.split(",") if k)
    brings = "\n".join(x for x in (kinds, p.brings) if x) or "—"
    decide = {True: _("Yes"), False: _("No"), None: _("Not said")}[p.can_decide]
    return Reply.private(
        Header(_("Profile of {org}", org=organisation.name)),
        Fields(
            (
                Field(_("Who we are"), rich(p.about or "—")),
                Field(_("What we bring"), rich(brings)),
                Field(_("What we cannot contribute"), rich(p.cannot or "—")),
                Field(_("Issues we are sensitive about"), rich(p.sensitive or "—")),
                Field(_("Our representative can decide for us"), rich(decide)),
            )
        ),
        Context(rich(_("Updated {date}", date=date(p.updated_at.date())))),
    )


async def saved_profile(ctx: Ctx, state: str) -> tuple[Organisation, OrgProfile]:
    if not state.isdigit():
        raise UserError(_("That form is no longer active. Run `/coalition profile` again."))
    organisation = await editable(ctx, int(state))
    repo = pledge_repo(ctx)
    existing = await repo.profile(organisation.id or 0)
    if existing is None:
        existing = await repo.add(OrgProfile(coalition_id=ctx.c.id or 0, organisation_id=organisation.id or 0))
    existing.updated_by, existing.updated_at = ctx.me.id, ctx.clock.now()
    return organisation, existing


def clean(text: str | None) -> str:
    return (text or "").strip()[:MAX_TEXT]


@coalition.form(
    "pledge.profile",
    roles=CONTRIBUTORS,
    params=(
        Param("about", max_length=MAX_TEXT),
        Param("kinds", max_length=200),
        Param("brings", max_length=MAX_TEXT),
        Param("can_decide", max_length=10),
    ),
)
async def profile_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    kinds, unknown = parse_kinds(args.kinds or "")
    if unknown:
        raise FormInvalid(
            {
                "kinds": _(
                    "Not a kind: {words}. Use: {kinds}.",
                    words=", ".join(unknown),
                    kinds=", ".join(kind_label(k) for k in KINDS),
                )
            }
        )
    organisation, p = await saved_profile(ctx, state)
    p.about, p.brings, p.kinds = clean(args.about), clean(args.brings), ",".join(kinds)
    p.can_decide = (args.can_decide or "").strip().lower() in YES
    await pledge_repo(ctx).save(p)
    await ctx.repo.audit("org.profile", member=ctx.me, subject=organisation.name, page="about")
    return Reply.private(
        Section(rich(_("The profile of {org} is saved.", org=organisation.name))),
        Section(rich(_("Add your limits too: what you cannot contribute and issues you are sensitive about."))),
        Actions((Button(_("Our limits"), LIMITS_ACTION, str(organisation.id), ButtonStyle.PRIMARY),)),
    )


@coalition.form(
    "pledge.profile.limits",
    roles=CONTRIBUTORS,
    params=(Param("cannot", max_length=MAX_TEXT), Param("sensitive", max_length=MAX_TEXT)),
)
async def limits_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    organisation, p = await saved_profile(ctx, state)
    p.cannot, p.sensitive = clean(args.cannot), clean(args.sensitive)
    await pledge_repo(ctx).save(p)
    await ctx.repo.audit("org.profile", member=ctx.me, subject=organisation.name, page="limits")
    return Reply.private(
        _(
            "The limits of {org} are saved. Everyone can read the profile with `/coalition profile {org}`.",
            org=organisation.name,
        )
    )


@coalition.action(PROFILE_ACTION, roles=CONTRIBUTORS)
async def profile_clicked(ctx: Ctx, value: str) -> Reply:
    organisation = await editable(ctx, int(value) if value.isdigit() else 0)
    return Reply.open_form(first_page(organisation, await pledge_repo(ctx).profile(organisation.id or 0)))


@coalition.action(LIMITS_ACTION, roles=CONTRIBUTORS)
async def limits_clicked(ctx: Ctx, value: str) -> Reply:
    organisation = await editable(ctx, int(value) if value.isdigit() else 0)
    return Reply.open_form(limits_page(organisation, await pledge_repo(ctx).profile(organisation.id or 0)))


async def join_offer(ctx: Ctx, organisation: Organisation) -> list[Block]:
    """What ``/coalition join`` appends when someone joins with an organisation that has no
    profile yet: an invitation and a button that opens the form (skippable)."""
    if await pledge_repo(ctx).profile(organisation.id or 0) is not None:
        return []
    return [
        Section(
            markup(
                _(
                    "Tell the coalition who {org} is, what you bring and your limits. You can skip this and do it later with `/coalition profile`.",
                    org=organisation.name,
                )
            )
        ),
        Actions((Button(_("Fill in our profile"), PROFILE_ACTION, str(organisation.id), ButtonStyle.PRIMARY),)),
    ]


async def profile_lines(ctx: Ctx) -> dict[int, str]:
    """One line of each profile, for ``/coalition orgs``: organisation id → text."""
    out = {}
    for p in await pledge_repo(ctx).profiles():
        kinds = ", ".join(kind_label(k) for k in p.kinds.split(",") if k)
        about = p.about if len(p.about) <= 80 else p.about[:79] + "…"
        parts = [x for x in (about, _("brings: {kinds}", kinds=kinds) if kinds else "") if x]
        if p.can_decide:
            parts.append(_("representative can decide"))
        out[p.organisation_id] = " · ".join(parts)
    return out
