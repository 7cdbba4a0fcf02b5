"""``/coalition create``, ``join``, organisations, members, roles and languages."""

from __future__ import annotations

from bot.commands.coalition.command import NAME, TZ, coalition
from bot.commands.coalition.membership import ask_to_join
from bot.commands.common import clean_name, find_member, paged, role_label, sentence, slugify
from bot.core import i18n
from bot.core.context import Ctx
from bot.core.errors import UserError
from bot.core.i18n import N_, _, ngettext
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS, STEERING
from bot.core.ui import Bold, Code, Context, Header, Reply
from bot.store.models import Role

LANG = Param("lang", Kind.CHOICE, choices=i18n.LANGUAGES, description=N_("Language of channel posts: en, es or fr"))


@coalition.sub(
    "create",
    summary=N_("Start a coalition here; you become its steering committee"),
    usage=N_('/coalition create "<name>" [tz=Area/City] [lang=en|es|fr]'),
    params=(NAME, TZ, LANG),
    needs_coalition=False,
    in_channel=True,
)
async def create(ctx: Ctx, args: Args) -> Reply:
    if ctx.coalition is not None:
        raise UserError(
            _(
                "This channel already belongs to {coalition}. `/coalition status` shows it.",
                coalition=ctx.coalition.name,
            )
        )
    name = clean_name(args.name, N_("coalition name"))
    base = slugify(name)
    slug, n = base, 1
    while await ctx.directory.slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    created = await ctx.directory.create_coalition(
        name=name, slug=slug, tz=args.tz or ctx.actor.tz or "UTC", language=args.lang or i18n.DEFAULT
    )
    ctx.coalition = created
    repo = ctx.repo
    await repo.bind(ctx.place.platform, ctx.place.workspace, ctx.place.channel, ctx.place.name)
    ctx.member = await repo.add_member(
        display_name=ctx.actor.display_name,
        role=Role.STEERING.value,
        platform=ctx.actor.platform,
        workspace=ctx.actor.workspace,
        user_id=ctx.actor.user_id,
        tz=ctx.actor.tz,
    )
    await repo.audit("coalition.created", member=ctx.member, subject=name, slug=slug, language=created.language)
    # A channel post: in the coalition's language when one was chosen, else the creator's.
    with i18n.language(args.lang or i18n.current()) as lang:
        reply = Reply.channel(
            sentence(
                N_("{coalition} is created, and this channel is its home. {who} is on the steering committee."),
                coalition=Bold(name),
                who=ctx.actor.display_name,
            ),
            Context(
                sentence(
                    N_("Time zone {tz}. Next: {join}, {goal}, {link} to add channels elsewhere."),
                    tz=created.tz,
                    join=Code(_('/coalition join org="Your organisation"')),
                    goal=Code(_('/goal add "Calls to MPs" target=1000 unit=calls')),
                    link=Code("/coalition link"),
                )
            ),
        )
        reply.lang = lang
    return reply


@coalition.sub(
    "join",
    summary=N_("Join this coalition, optionally as part of an organisation (created if new)"),
    usage=N_('/coalition join [org="<organisation>"]'),
    params=(Param("org", positional=True, max_length=100, autocomplete="org", description=N_("Your organisation")),),
    strangers=True,
)
async def join(ctx: Ctx, args: Args) -> Reply:
    if ctx.member is None:  # a coalition that admits members on approval: ask its steering committee
        return await ask_to_join(ctx, args.org)
    me, repo = ctx.me, ctx.repo
    if args.org is None:
        org = await repo.organisation(me.organisation_id) if me.organisation_id else None
        if org is not None:
            return Reply.private(
                _(
                    "You are in {coalition} as {role} with {org}.",
                    coalition=ctx.c.name,
                    role=role_label(me.role),
                    org=org.name,
                )
            )
        return Reply.private(
            _(
                'You are in {coalition} as {role}. Add your organisation with `/coalition join org="Name"`.',
                coalition=ctx.c.name,
                role=role_label(me.role),
            )
        )
    name = clean_name(args.org, N_("organisation name"))
    org = await repo.organisation_named(name)
    created = org is None
    if org is None:
        org = await repo.add_organisation(name)
        await repo.audit("org.added", member=me, subject=name)
    me.organisation_id = org.id
    await repo.save(me)
    await repo.audit("member.org", member=me, subject=org.name)
    message = (
        N_("You are in {coalition} with {org} (a new organisation in the coalition), as {role}.")
        if created
        else N_("You are in {coalition} with {org}, as {role}.")
    )
    reply = Reply.private(sentence(message, coalition=Bold(ctx.c.name), org=Bold(org.name), role=role_label(me.role)))
    if created:
        from bot.commands.coalition.profiles import join_offer  # (registers `profile` last in help)

        reply.blocks += await join_offer(ctx, org)
    return reply


@coalition.sub(
    "org add",
    summary=N_("Add a member organisation"),
    usage=N_('/coalition org add "<name>"'),
    params=(NAME,),
    roles=CONTRIBUTORS,
)
async def org_add(ctx: Ctx, args: Args) -> Reply:
    name = clean_name(args.name, N_("organisation name"))
    existing = await ctx.repo.organisation_named(name)
    if existing is not None:
        raise UserError(_("{org} is already in {coalition}.", org=existing.name, coalition=ctx.c.name))
    org = await ctx.repo.add_organisation(name)
    await ctx.repo.audit("org.added", member=ctx.me, subject=name)
    return Reply.private(
        sentence(N_("{org} joined {coalition}'s organisations."), org=Bold(org.name), coalition=ctx.c.name)
    )


@coalition.sub("orgs", summary=N_("The member organisations"), usage=N_("/coalition orgs"))
async def orgs(ctx: Ctx, args: Args) -> Reply:
    organisations = await ctx.repo.organisations()
    if not organisations:
        return Reply.private(_('No organisations yet. Add yours with `/coalition join org="Name"`.'))
    members = await ctx.repo.members()
    counts = {o.id: sum(1 for m in members if m.organisation_id == o.id) for o in organisations}
    from bot.commands.coalition.profiles import profile_lines  # (registers `profile` last in help)

    profiles = await profile_lines(ctx)
    lines = [
        f"• {o.name} — "
        + ngettext("{n} member", "{n} members", counts[o.id])
        + (f"\n    {profiles[o.id]}" if o.id in profiles else "")
        for o in organisations
    ]
    header = _("Organisations in {coalition} ({n})", coalition=ctx.c.name, n=i18n.number(len(organisations)))
    return Reply.private(Header(header), *paged(lines))


@coalition.sub("members", summary=N_("Members with their roles and organisations"), usage=N_("/coalition members"))
async def members(ctx: Ctx, args: Args) -> Reply:
    people = await ctx.repo.members()
    orgs_by_id = {o.id: o.name for o in await ctx.repo.organisations()}
    order = {r.value: i for i, r in enumerate(Role)}
    people = sorted(people, key=lambda m: (order.get(m.role, 9), m.display_name.casefold()))
    lines = [
        f"• {m.display_name} — {role_label(m.role)}"
        + (f", {orgs_by_id[m.organisation_id]}" if m.organisation_id in orgs_by_id else "")
        for m in people
    ]
    header = _("Members of {coalition} ({n})", coalition=ctx.c.name, n=i18n.number(len(people)))
    return Reply.private(Header(header), *paged(lines))


@coalition.sub(
    "role",
    summary=N_("Give a member a role: steering, facilitator, member or observer"),
    usage=N_("/coalition role <@user> <role>"),
    roles=STEERING,
    params=(
        Param("user", Kind.USER, required=True, positional=True, description=N_("The member")),
        Param(
            "role",
            Kind.CHOICE,
            required=True,
            positional=True,
            choices=tuple(r.value for r in Role),
            description=N_("The new role"),
        ),
    ),
)
async def role(ctx: Ctx, args: Args) -> Reply:
    target = await find_member(ctx, args.user)
    if (
        target.role == Role.STEERING.value
        and args.role != Role.STEERING.value
        and await ctx.repo.count_role(Role.STEERING.value) <= 1
    ):
        raise UserError(
            _("That would leave the coalition without a steering committee member. Make someone else steering first.")
        )
    old, target.role = target.role, args.role
    await ctx.repo.save(target)
    await ctx.repo.audit("member.role", member=ctx.me, subject=target.display_name, old=old, new=args.role)
    return Reply.private(
        _(
            "{who} is now {role} (was {old}).",
            who=target.display_name,
            role=role_label(args.role),
            old=role_label(old),
        )
    )


@coalition.sub(
    "language",
    summary=N_("Your language for the bot's replies and private messages: en, es or fr"),
    usage=N_("/coalition language <en|es|fr>"),
    params=(
        Param(
            "lang",
            Kind.CHOICE,
            positional=True,
            choices=i18n.LANGUAGES,
            description=N_("en (English), es (Español), fr (Français)"),
        ),
    ),
)
async def language(ctx: Ctx, args: Args) -> Reply:
    choices = ", ".join(f"{code} ({name})" for code, name in i18n.LANGUAGE_NAMES.items())
    if args.lang is None:
        return Reply.private(
            _(
                "You read the bot in {language}. Choose another with `/coalition language <code>`: {choices}.",
                language=i18n.LANGUAGE_NAMES.get(i18n.current(), i18n.current()),
                choices=choices,
            )
        )
    me = ctx.me
    me.language = args.lang
    await ctx.repo.save(me)
    await ctx.repo.audit("member.language", member=me, language=args.lang)
    with i18n.language(args.lang) as lang:
        reply = Reply.private(
            _(
                "From now on the bot answers you in {language}, here and in private messages.",
                language=i18n.LANGUAGE_NAMES[lang],
            ),
            Context(
                sentence(
                    N_("Posts in the coalition's channels stay in its language ({coalition_language})."),
                    coalition_language=i18n.LANGUAGE_NAMES.get(ctx.c.language, ctx.c.language),
                )
            ),
        )
        reply.lang = lang
    return reply
