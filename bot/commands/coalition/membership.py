"""Who is in: the join policy (``open`` or ``approval``), requests to join and steering's answer,
and ``/coalition settings`` (language, time zone, join policy, flag escalation, stalled-need day)."""

from __future__ import annotations

from bot.commands.coalition import flag_channel
from bot.commands.coalition.command import TZ, coalition
from bot.commands.coalition.repo import membership_repo
from bot.commands.common import clean_name, sentence
from bot.core import i18n, workflow
from bot.core.context import Ctx
from bot.core.dispatch import JOIN_APPROVAL, JOIN_OPEN
from bot.core.errors import BadArgument, NotFound, UserError
from bot.core.i18n import N_, _, language, ngettext, of_member
from bot.core.params import Args, Kind, Param
from bot.core.registry import STEERING
from bot.core.retention import FOREVER, months_kept, parse_months
from bot.core.ui import (
    Actions,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Form,
    FormField,
    Header,
    Option,
    Reply,
    Section,
    markup,
    rich,
)
from bot.store.membership_models import JoinRequest
from bot.store.models import Role

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
POLICIES = (JOIN_OPEN, JOIN_APPROVAL)


def join_policy(ctx: Ctx) -> str:
    return JOIN_APPROVAL if ctx.c.settings.get("join_policy") == JOIN_APPROVAL else JOIN_OPEN


# asking to join --------------------------------------------------------------------------------


async def ask_to_join(ctx: Ctx, org: str | None) -> Reply:
    """A stranger in a coalition that admits members on approval: one pending request per account,
    sent privately to every steering committee member with Approve / Decline."""
    actor, repo = ctx.actor, membership_repo(ctx)
    pending = await repo.request_of(actor.platform, actor.workspace, actor.user_id)
    if pending is None:
        pending = JoinRequest(
            coalition_id=ctx.c.id or 0,
            platform=actor.platform,
            workspace=actor.workspace,
            user_id=actor.user_id,
            display_name=actor.display_name[:200],
            tz=actor.tz,
            locale=actor.locale,
            organisation=clean_name(org, N_("organisation name")) if org else "",
            created_at=ctx.clock.now(),
        )
        if await repo.add_request(pending):
            await tell_steering(ctx, pending)
    return Reply.private(
        _(
            "Your request to join {coalition} is with its steering committee. You will hear from the bot "
            "privately when they answer.",
            coalition=ctx.c.name,
        )
    )


def request_blocks(request: JoinRequest) -> list[Section | Actions]:
    asks = (
        sentence(N_("{who} asks to join, with {org}."), who=Bold(request.display_name), org=Bold(request.organisation))
        if request.organisation
        else sentence(N_("{who} asks to join."), who=Bold(request.display_name))
    )
    return [
        Section(asks),
        Actions(
            (
                Button(_("Approve"), "coalition.request", f"approve:{request.id}", ButtonStyle.PRIMARY),
                Button(_("Decline"), "coalition.request", f"decline:{request.id}", ButtonStyle.DANGER),
            )
        ),
    ]


async def tell_steering(ctx: Ctx, request: JoinRequest) -> None:
    for member in await ctx.repo.members():
        if member.role != Role.STEERING.value or member.id is None:
            continue
        with language(of_member(member, ctx.c)) as lang:
            reply = Reply.private(
                sentence(N_("A request to join {coalition}:"), coalition=Bold(ctx.c.name)),
                *request_blocks(request),
            )
            reply.lang = lang
        await ctx.outbox.direct(member.id, reply, key=f"join-request:{request.id}:{member.id}")


@coalition.sub(
    "requests",
    summary=N_("Steering: requests to join, to approve or decline"),
    usage=N_("/coalition requests"),
    roles=STEERING,
)
async def requests(ctx: Ctx, args: Args) -> Reply:
    pending = await membership_repo(ctx).requests()
    if not pending:
        if join_policy(ctx) == JOIN_OPEN:
            return Reply.private(
                _("No requests to join: anyone in a linked channel joins on first use (join policy open).")
            )
        return Reply.private(_("No requests to join are waiting."))
    blocks: list[Section | Actions | Header] = [
        Header(_("Requests to join {coalition} ({n})", coalition=ctx.c.name, n=i18n.number(len(pending))))
    ]
    for request in pending[:20]:
        blocks.extend(request_blocks(request))
    return Reply(blocks=list(blocks))


@coalition.action("coalition.request", roles=STEERING)
async def answer_request(ctx: Ctx, value: str) -> Reply:
    verb, _sep, raw = value.partition(":")
    request = await membership_repo(ctx).request(int(raw)) if raw.isdigit() else None
    if request is None or verb not in {"approve", "decline"}:
        raise NotFound(_("That request was answered already, or withdrawn."))
    name = request.display_name
    await membership_repo(ctx).drop(request)
    if verb == "decline":
        await ctx.repo.audit("member.declined", member=ctx.me)
        return Reply(
            blocks=[Section(sentence(N_("Declined: {who} is not in the coalition."), who=Bold(name)))],
            replace_original=True,
        )
    member = await ctx.repo.member_by_identity(request.platform, request.workspace, request.user_id)
    if member is None:
        member = await ctx.repo.add_member(
            display_name=name,
            role=Role.MEMBER.value,
            platform=request.platform,
            workspace=request.workspace,
            user_id=request.user_id,
            tz=request.tz,
        )
        member.locale = request.locale
        if request.organisation:
            org = await ctx.repo.organisation_named(request.organisation)
            if org is None:
                org = await ctx.repo.add_organisation(request.organisation)
                await ctx.repo.audit("org.added", member=ctx.me, subject=org.name)
            member.organisation_id = org.id
        await ctx.repo.save(member)
        await ctx.repo.audit("member.approved", member=ctx.me, subject=name)
        with language(of_member(member, ctx.c)) as lang:
            welcome = Reply.private(
                sentence(
                    N_(
                        "Welcome to {coalition}: your request to join was approved. `/coalition help` shows what you can do."
                    ),
                    coalition=Bold(ctx.c.name),
                )
            )
            welcome.lang = lang
        await ctx.outbox.direct(member.id or 0, welcome, key=f"join-approved:{member.id}")
    return Reply(
        blocks=[
            Section(sentence(N_("Approved: {who} is a member of {coalition}."), who=Bold(name), coalition=ctx.c.name))
        ],
        replace_original=True,
    )


# settings --------------------------------------------------------------------------------------

SETTINGS_PARAMS = (
    Param("lang", Kind.CHOICE, choices=i18n.LANGUAGES, description=N_("Language of channel posts: en, es or fr")),
    TZ,
    Param("join", Kind.CHOICE, choices=POLICIES, description=N_("Join policy: open or approval")),
    Param("escalation_hours", Kind.INT, description=N_("Hours before an unacknowledged flag goes to steering")),
    Param("need_day", Kind.CHOICE, choices=DAYS, description=N_("Day of the weekly digest of stalled needs")),
    flag_channel.FLAG_CHANNEL,  # not in the form (Discord modals hold 5 fields): typed as an option
    Param("keep_notes", max_length=10, description=N_("Months to keep check-in notes and blockers (1-120 or forever)")),
    Param("keep_flags", max_length=10, description=N_("Months to keep closed flags after closing (1-120 or forever)")),
)
# Retention limits (bot.core.retention): months, 0 = forever. Each is declared by the workflow whose
# data it limits (``DataUse.retention``) and applied by that workflow's daily job.
RETENTION_OPTIONS = ("keep_notes", "keep_flags")


@coalition.sub(
    "settings",
    summary=N_("Steering: language, time zone, join policy, flag escalation, stalled-need day, retention"),
    usage=N_(
        "/coalition settings [lang=en|es|fr] [tz=Area/City] [join=open|approval] [escalation_hours=48] [need_day=mon] "
        "[flag_channel=#channel|none] "
        "[keep_notes=<months>|forever] [keep_flags=<months>|forever]"
    ),
    params=SETTINGS_PARAMS,
    roles=STEERING,
    opens_form=True,
)
async def settings(ctx: Ctx, args: Args) -> Reply:
    if all(args.get(p.name) is None for p in SETTINGS_PARAMS):
        return Reply.open_form(settings_form(ctx))
    return await apply_settings(ctx, args)


@coalition.form("coalition.settings", params=SETTINGS_PARAMS, roles=STEERING)
async def settings_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await apply_settings(ctx, args)


def settings_form(ctx: Ctx) -> Form:
    c = ctx.c
    hours = c.settings.get("flag_escalation_hours", 48)
    return Form(
        form_id="coalition.settings",
        title=_("Coalition settings"),
        fields=(
            FormField(
                "lang",
                _("Language of channel posts"),
                "select",
                options=tuple(Option(name, code) for code, name in i18n.LANGUAGE_NAMES.items()),
                initial=c.language,
            ),
            FormField("tz", _("Time zone"), initial=c.tz, max_length=64),
            FormField(
                "join",
                _("Join policy"),
                "select",
                options=(
                    Option(_("Open: anyone in a linked channel joins on first use"), JOIN_OPEN),
                    Option(_("Approval: steering approves each new member"), JOIN_APPROVAL),
                ),
                initial=join_policy(ctx),
            ),
            FormField(
                "escalation_hours",
                _("Hours before an unacknowledged flag goes to steering"),
                "number",
                initial=str(hours),
                max_length=4,
                hint=flag_channel.describe(c.settings),
            ),
            FormField(
                "need_day",
                _("Day of the weekly digest of stalled needs"),
                "select",
                options=tuple(Option(i18n.weekday(i), day) for i, day in enumerate(DAYS)),
                initial=str(c.settings.get("stalled_need_day", "mon")),
            ),
        ),
    )


async def apply_settings(ctx: Ctx, args: Args) -> Reply:
    c = ctx.c
    changed: dict[str, object] = {}
    settings_ = dict(c.settings)
    if args.escalation_hours is not None and not 1 <= args.escalation_hours <= 24 * 365:
        raise BadArgument(_("The flag escalation must be between 1 and 8760 hours."))
    limits = {name: parse_months(name, args.get(name)) for name in RETENTION_OPTIONS if args.get(name) is not None}
    if args.lang is not None and args.lang != c.language:
        c.language = changed["lang"] = args.lang
    if args.tz is not None and args.tz != c.tz:
        c.tz = changed["tz"] = args.tz
    for name, key in (
        ("join", "join_policy"),
        ("escalation_hours", "flag_escalation_hours"),
        ("need_day", "stalled_need_day"),
    ):
        value = args.get(name)
        if value is not None and settings_.get(key) != value:
            settings_[key] = changed[name] = value
    if args.get("flag_channel") is not None:
        place = await flag_channel.flag_channel_setting(ctx, args.flag_channel)
        if place != flag_channel.chosen(settings_):
            settings_[flag_channel.SETTING] = place
            changed["flag_channel"] = place["channel"] if place else "none"
    for name, months in limits.items():
        if months != months_kept(settings_, name):
            if months:
                settings_[name] = months
            else:
                settings_.pop(name, None)  # forever: no limit, as before any was set
            changed[name] = months or FOREVER
    if not changed:
        raise UserError(_("Nothing changed: those are the settings already."))
    c.settings = settings_  # the coalition row is this unit of work's: committed with it
    await ctx.repo.audit("coalition.settings", member=ctx.me, **{k: str(v) for k, v in changed.items()})
    return Reply.private(
        Section(sentence(N_("Settings of {coalition} saved."), coalition=Bold(c.name))),
        Context(rich(settings_summary(ctx))),
        Context(markup(flag_channel.describe(c.settings))),
    )


def settings_summary(ctx: Ctx) -> str:
    """The settings in a sentence, then the retention limits steering set (each workflow's own words)."""
    limits = [
        use.retention.limited(months)
        for flow in workflow.active()
        for use in flow.privacy
        if use.retention is not None and (months := months_kept(ctx.c.settings, use.retention.setting))
    ]
    if not limits:
        limits = [_("No retention limit is set: notes and closed flags are kept (keep_notes=, keep_flags=).")]
    return " ".join((general_summary(ctx), *limits))


def general_summary(ctx: Ctx) -> str:
    c = ctx.c
    policy = _("approval by steering") if join_policy(ctx) == JOIN_APPROVAL else _("open")
    hours = int(c.settings.get("flag_escalation_hours", 48))
    return ngettext(
        "Language {lang}, time zone {tz}, join policy {policy}, flags escalate after {hours} hour, "
        "stalled needs on {day}.",
        "Language {lang}, time zone {tz}, join policy {policy}, flags escalate after {hours} hours, "
        "stalled needs on {day}.",
        hours,
        lang=i18n.LANGUAGE_NAMES.get(c.language, c.language),
        tz=c.tz,
        policy=policy,
        hours=i18n.number(hours),
        day=i18n.weekday(DAYS.index(str(c.settings.get("stalled_need_day", "mon")))),
    )


INBOX_SHOWN = 5


async def requests_inbox(ctx: Ctx) -> list[Block]:
    """Steering's inbox: requests to join, with Approve / Decline."""
    if ctx.member is None or ctx.member.role != Role.STEERING.value:
        return []
    pending = await membership_repo(ctx).requests()
    if not pending:
        return []
    blocks: list[Block] = [Section(markup(ngettext("{n} request to join:", "{n} requests to join:", len(pending))))]
    for request in pending[:INBOX_SHOWN]:
        blocks.extend(request_blocks(request))
    if len(pending) > INBOX_SHOWN:
        blocks.append(Context(markup(_("The others: `/coalition requests`."))))
    return blocks
