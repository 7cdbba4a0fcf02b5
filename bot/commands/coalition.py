"""``/coalition``: create and link channels, organisations, members and roles, groups, status."""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import timedelta

from sqlmodel import select

from bot.commands.common import EXPORT_SECTIONS, clean_name, csv_cell, find_member, row_dict, slugify
from bot.commands.status import status_reply
from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound, PermissionDenied, UserError
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS, STEERING, Command
from bot.core.ui import (
    Actions,
    Attachment,
    Bold,
    Button,
    ButtonStyle,
    Code,
    Context,
    Field,
    Fields,
    Header,
    Reply,
    Section,
    rich,
)
from bot.store.models import AuditEntry, Role

coalition = Command("coalition", "Set up a coalition: channels, organisations, members, roles, groups")

NAME = Param("name", required=True, positional=True, max_length=100, description="A name")
TZ = Param("tz", Kind.TZ, description="Time zone, like Europe/Berlin")
LINK_VALIDITY = timedelta(hours=24)


@coalition.sub(
    "create",
    summary="Start a coalition here; you become its steering committee",
    usage='/coalition create "<name>" [tz=Area/City]',
    params=(NAME, TZ),
    needs_coalition=False,
)
async def create(ctx: Ctx, args: Args) -> Reply:
    if ctx.coalition is not None:
        raise UserError(f"This channel already belongs to {ctx.coalition.name}. `/coalition status` shows it.")
    name = clean_name(args.name, "coalition name")
    base = slugify(name)
    slug, n = base, 1
    while await ctx.directory.slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    created = await ctx.directory.create_coalition(name=name, slug=slug, tz=args.tz or ctx.actor.tz or "UTC")
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
    await repo.audit("coalition.created", member=ctx.member, subject=name, slug=slug)
    return Reply.channel(
        rich(
            Bold(name),
            f" is created, and this channel is its home. {ctx.actor.display_name} is on the steering committee.",
        ),
        Context(
            rich(
                f"Time zone {created.tz}. Next: ",
                Code('/coalition join org="Your organisation"'),
                ", ",
                Code('/goal add "Calls to MPs" target=1000 unit=calls'),
                ", ",
                Code("/coalition link"),
                " to add channels elsewhere.",
            )
        ),
    )


@coalition.sub(
    "join",
    summary="Join this coalition, optionally as part of an organisation (created if new)",
    usage='/coalition join [org="<organisation>"]',
    params=(Param("org", positional=True, max_length=100, autocomplete="org", description="Your organisation"),),
)
async def join(ctx: Ctx, args: Args) -> Reply:
    me, repo = ctx.me, ctx.repo
    if args.org is None:
        org_name = None
        if me.organisation_id:
            org = await repo.organisation(me.organisation_id)
            org_name = org.name if org else None
        tail = f" with {org_name}" if org_name else '. Add your organisation with `/coalition join org="Name"`'
        return Reply.private(f"You are in {ctx.c.name} as {me.role}{tail}.")
    name = clean_name(args.org, "organisation name")
    org = await repo.organisation_named(name)
    created = org is None
    if org is None:
        org = await repo.add_organisation(name)
        await repo.audit("org.added", member=me, subject=name)
    me.organisation_id = org.id
    ctx.session.add(me)
    await repo.audit("member.org", member=me, subject=org.name)
    note = " (a new organisation in the coalition)" if created else ""
    return Reply.private(rich("You are in ", Bold(ctx.c.name), " with ", Bold(org.name), f"{note}, as {me.role}."))


@coalition.sub(
    "org add",
    summary="Add a member organisation",
    usage='/coalition org add "<name>"',
    params=(NAME,),
    roles=CONTRIBUTORS,
)
async def org_add(ctx: Ctx, args: Args) -> Reply:
    name = clean_name(args.name, "organisation name")
    existing = await ctx.repo.organisation_named(name)
    if existing is not None:
        raise UserError(f"{existing.name} is already in {ctx.c.name}.")
    org = await ctx.repo.add_organisation(name)
    await ctx.repo.audit("org.added", member=ctx.me, subject=name)
    return Reply.private(rich(Bold(org.name), f" joined {ctx.c.name}'s organisations."))


@coalition.sub("orgs", summary="The member organisations", usage="/coalition orgs")
async def orgs(ctx: Ctx, args: Args) -> Reply:
    organisations = await ctx.repo.organisations()
    if not organisations:
        return Reply.private('No organisations yet. Add yours with `/coalition join org="Name"`.')
    members = await ctx.repo.members()
    counts = {o.id: sum(1 for m in members if m.organisation_id == o.id) for o in organisations}
    lines = [f"• {o.name} — {counts[o.id]} member{'s' if counts[o.id] != 1 else ''}" for o in organisations]
    return Reply.private(Header(f"Organisations in {ctx.c.name} ({len(organisations)})"), *paged(lines))


@coalition.sub("members", summary="Members with their roles and organisations", usage="/coalition members")
async def members(ctx: Ctx, args: Args) -> Reply:
    people = await ctx.repo.members()
    orgs_by_id = {o.id: o.name for o in await ctx.repo.organisations()}
    order = {r.value: i for i, r in enumerate(Role)}
    people = sorted(people, key=lambda m: (order.get(m.role, 9), m.display_name.casefold()))
    lines = [
        f"• {m.display_name} — {m.role}"
        + (f", {orgs_by_id[m.organisation_id]}" if m.organisation_id in orgs_by_id else "")
        for m in people
    ]
    return Reply.private(Header(f"Members of {ctx.c.name} ({len(people)})"), *paged(lines))


@coalition.sub(
    "role",
    summary="Give a member a role: steering, facilitator, member or observer",
    usage="/coalition role <@user> <role>",
    roles=STEERING,
    params=(
        Param("user", Kind.USER, required=True, positional=True, description="The member"),
        Param(
            "role",
            Kind.CHOICE,
            required=True,
            positional=True,
            choices=tuple(r.value for r in Role),
            description="The new role",
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
            "That would leave the coalition without a steering committee member. Make someone else steering first."
        )
    old, target.role = target.role, args.role
    ctx.session.add(target)
    await ctx.repo.audit("member.role", member=ctx.me, subject=target.display_name, old=old, new=args.role)
    return Reply.private(f"{target.display_name} is now {args.role} (was {old}).")


GROUP = Param("name", required=True, positional=True, max_length=100, description="Working group name")


@coalition.sub(
    "group create",
    summary="Create a working group",
    usage='/coalition group create "<name>"',
    params=(GROUP,),
    roles=CONTRIBUTORS,
)
async def group_create(ctx: Ctx, args: Args) -> Reply:
    name = clean_name(args.name, "working group name")
    if await ctx.repo.group_named(name) is not None:
        raise UserError(
            f'There is already a working group called {name}. Join it with `/coalition group join "{name}"`.'
        )
    group = await ctx.repo.add_group(name)
    await ctx.repo.join_group(group, ctx.me)
    await ctx.repo.audit("group.created", member=ctx.me, subject=name)
    return Reply.private(f"Working group “{group.name}” is created, and you are in it.")


@coalition.sub(
    "group join",
    summary="Join a working group",
    usage='/coalition group join "<name>"',
    params=(GROUP,),
    roles=CONTRIBUTORS,
)
async def group_join(ctx: Ctx, args: Args) -> Reply:
    group = await ctx.repo.group_named(args.name)
    if group is None:
        names = ", ".join(g.name for g in await ctx.repo.groups()) or "none yet"
        raise NotFound(f"No working group is called “{args.name}”. Working groups: {names}.")
    joined = await ctx.repo.join_group(group, ctx.me)
    return Reply.private(f"You {'joined' if joined else 'are already in'} “{group.name}”.")


@coalition.sub("groups", summary="Working groups and their members", usage="/coalition groups")
async def groups(ctx: Ctx, args: Args) -> Reply:
    found = await ctx.repo.groups()
    if not found:
        return Reply.private('No working groups yet. Start one with `/coalition group create "Name"`.')
    lines = []
    for group in found:
        people = await ctx.repo.group_members(group)
        lines.append(f"• {group.name} ({len(people)}): " + (", ".join(m.display_name for m in people) or "nobody yet"))
    return Reply.private(Header(f"Working groups of {ctx.c.name}"), *paged(lines))


@coalition.sub(
    "link",
    summary="Steering: get a one-time code; elsewhere, `link <code>` adds that channel",
    usage="/coalition link [<code>]",
    needs_coalition=False,
    params=(Param("code", positional=True, max_length=40, description="The code from /coalition link"),),
)
async def link(ctx: Ctx, args: Args) -> Reply:
    if args.code is None:
        if ctx.coalition is None or ctx.member is None:
            raise UserError(
                "Run `/coalition link` in a channel of your coalition to get a code, then `/coalition link <code>` here."
            )
        if ctx.member.role != Role.STEERING.value:
            raise PermissionDenied("Only steering committee members can create link codes.")
        code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        await ctx.repo.add_link_code(code, member=ctx.me, expires_at=ctx.clock.now() + LINK_VALIDITY)
        await ctx.repo.audit("link.code", member=ctx.me)
        return Reply.private(
            rich("Link code for ", Bold(ctx.c.name), ": ", Code(code)),
            Context(
                rich(
                    "In the other channel (any Slack workspace or Discord server), type ",
                    Code(f"/coalition link {code}"),
                    ". The code works once, for 24 hours.",
                )
            ),
        )
    if ctx.coalition is not None:
        raise UserError(f"This channel already belongs to {ctx.coalition.name}. `/coalition unlink` it first.")
    found = await ctx.directory.link_code(args.code)
    now = ctx.clock.now()
    if found is None or found.used_at is not None or found.expires_at <= now:
        raise UserError(
            "That link code is not valid: it may be mistyped, used already or older than 24 hours. Ask a steering member for a new one."
        )
    found.used_at = now
    ctx.session.add(found)
    ctx.coalition = await ctx.directory.coalition(found.coalition_id)
    repo = ctx.repo
    await repo.bind(ctx.place.platform, ctx.place.workspace, ctx.place.channel, ctx.place.name)
    ctx.member = await repo.member_by_identity(ctx.actor.platform, ctx.actor.workspace, ctx.actor.user_id)
    if ctx.member is None:
        ctx.member = await repo.add_member(
            display_name=ctx.actor.display_name,
            role=Role.MEMBER.value,
            platform=ctx.actor.platform,
            workspace=ctx.actor.workspace,
            user_id=ctx.actor.user_id,
            tz=ctx.actor.tz,
        )
    await repo.audit("channel.linked", member=ctx.member, subject=f"{ctx.place.platform}:{ctx.place.channel}")
    return Reply.channel(
        rich(
            "This channel is now part of ", Bold(ctx.c.name), ". Announcements, prompts and digests will reach it too."
        )
    )


@coalition.sub(
    "unlink", summary="Steering: detach this channel from the coalition", usage="/coalition unlink", roles=STEERING
)
async def unlink(ctx: Ctx, args: Args) -> Reply:
    bindings = await ctx.repo.bindings()
    if len(bindings) <= 1:
        raise UserError(
            f"This is {ctx.c.name}'s only channel; unlinking it would orphan the coalition. Link another channel first."
        )
    here = next(
        b
        for b in bindings
        if (b.platform, b.workspace, b.channel) == (ctx.place.platform, ctx.place.workspace, ctx.place.channel)
    )
    await ctx.repo.unbind(here)
    await ctx.repo.audit("channel.unlinked", member=ctx.me, subject=f"{here.platform}:{here.channel}")
    return Reply.channel(f"This channel is no longer part of {ctx.c.name}.")


@coalition.sub("status", summary="Dashboard: goals and everything that needs attention", usage="/coalition status")
async def status(ctx: Ctx, args: Args) -> Reply:
    return await status_reply(ctx)


@coalition.sub("export", summary="Steering: everything as JSON and CSV", usage="/coalition export", roles=STEERING)
async def export(ctx: Ctx, args: Args) -> Reply:
    repo = ctx.repo
    c = ctx.c
    goals = await repo.goals(include_closed=True)
    checkins = await repo.checkins()
    people = await repo.members()
    organisations = await repo.organisations()
    audit = (await ctx.session.exec(select(AuditEntry).where(AuditEntry.coalition_id == c.id))).all()
    data = {
        "coalition": {"name": c.name, "slug": c.slug, "tz": c.tz, "created_at": c.created_at.isoformat()},
        "organisations": [{"id": o.id, "name": o.name} for o in organisations],
        "members": [
            {"id": m.id, "name": m.display_name, "role": m.role, "organisation_id": m.organisation_id} for m in people
        ],
        "goals": [row_dict(g) for g in goals],
        "checkins": [row_dict(ch) for ch in checkins],
        "audit": [row_dict(a) for a in audit],
    }
    for section in EXPORT_SECTIONS:
        data.update(await section(ctx))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["checkin_id", "goal_id", "goal", "member", "amount", "note", "blockers", "at"])
    names = {m.id: m.display_name for m in people}
    titles = {g.id: g.title for g in goals}
    for ch in checkins:
        writer.writerow(
            [
                ch.id,
                ch.goal_id,
                csv_cell(titles.get(ch.goal_id, "")),
                csv_cell(names.get(ch.member_id, "")),
                int(ch.amount) if ch.amount.is_integer() else ch.amount,
                csv_cell(ch.note),
                csv_cell(ch.blockers),
                ch.created_at.isoformat(),
            ]
        )
    await repo.audit("coalition.exported", member=ctx.me)
    return Reply(
        blocks=[
            Section(rich(f"Export of {c.name}: {len(goals)} goals, {len(checkins)} check-ins, {len(people)} members."))
        ],
        attachments=[
            Attachment(
                f"{c.slug}.json",
                json.dumps(data, indent=2, default=str).encode(),
                "application/json",
                "Everything (JSON)",
            ),
            Attachment(f"{c.slug}-checkins.csv", buffer.getvalue().encode(), "text/csv", "Check-ins (CSV)"),
        ],
    )


@coalition.sub("forget-me", summary="Erase your personal data from this coalition", usage="/coalition forget-me")
async def forget_me(ctx: Ctx, args: Args) -> Reply:
    return Reply.private(
        Section(
            rich(
                "This erases your name, accounts and group memberships from ",
                Bold(ctx.c.name),
                ". Your check-ins stay in the totals without your name. It cannot be undone.",
            )
        ),
        Actions((Button("Erase my data", "coalition.forget", "yes", ButtonStyle.DANGER),)),
    )


@coalition.action("coalition.forget")
async def forget_confirmed(ctx: Ctx, value: str) -> Reply:
    me = ctx.me
    if me.role == Role.STEERING.value and await ctx.repo.count_role(Role.STEERING.value) <= 1:
        raise UserError("You are the only steering committee member: make someone else steering before you leave.")
    await ctx.repo.audit("member.forgotten", member=None)
    await ctx.repo.forget_member(me)
    ctx.member = None
    return Reply(
        blocks=[Section(rich(f"Done: your personal data is erased from {ctx.c.name}."))], replace_original=True
    )


@coalition.sub("help", summary="This list", usage="/coalition help", needs_coalition=False)
async def help_(ctx: Ctx, args: Args) -> Reply:
    raise BadArgument("unreachable")  # the dispatcher answers help itself


def paged(lines: list[str], per_block: int = 25) -> list[Section | Fields]:
    """Long lists split across several sections so no platform's text limit is hit."""
    blocks: list[Section | Fields] = []
    for i in range(0, len(lines), per_block):
        blocks.append(Section(rich("\n".join(lines[i : i + per_block]))))
    return blocks or [Section(rich("Nothing yet."))]


__all__ = ["Field", "coalition"]
