"""``/decide propose``: a question, its method, electorate, quorum, deadline and ballot kind, posted
once in every linked channel on every platform with a Vote button and the rules in one line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from bot.commands.decide import post
from bot.commands.decide.count import parse_threshold
from bot.commands.decide.delegate import VOLUNTEER_ACTION
from bot.commands.decide.repo import decide_repo
from bot.commands.decide.shared import (
    MAX_OPTIONS,
    MAX_QUESTION,
    METHOD_NAMES,
    MIN_OPTIONS,
    VOTERS,
    WITH_OPTIONS,
    WITH_REASONS,
    decide,
    rules_line,
    topic_of,
)
from bot.commands.decide.state import load
from bot.core.context import Ctx
from bot.core.errors import BadArgument
from bot.core.i18n import N_, _, language, ngettext, number, of_coalition, of_member, tr
from bot.core.params import Args, Kind, Param, convert, parse_deadline, tokenize
from bot.core.registry import CONTRIBUTORS
from bot.core.ui import (
    Actions,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Form,
    FormField,
    Option,
    Reply,
    Section,
    markup,
    rich,
)
from bot.store.decision_models import Decision, DecisionDelegate, Electorate, Method
from bot.store.models import Coalition, Organisation

REMIND_BEFORE = timedelta(hours=24)
QUORUM_RE = re.compile(r"^(\d{1,3})\s*%$|^(\d{1,4})\s*orgs?$")

MORE_PARAMS = (
    Param("by", Kind.CHOICE, choices=("member", "org"), description=N_("One vote per member, or per organisation")),
    Param("quorum", max_length=12, description=N_("Who must take part: 60% or 3orgs")),
    Param("secret", Kind.CHOICE, choices=("yes", "no"), description=N_("A secret ballot: yes or no")),
    Param("threshold", max_length=8, description=N_("Majority: the share needed to win, like 2/3")),
    Param("dots", Kind.INT, minimum=1, description=N_("Dot voting: how many dots each voter spreads")),
)
PROPOSE_PARAMS = (
    Param("question", positional=True, max_length=MAX_QUESTION, description=N_("The question to decide")),
    Param("method", Kind.CHOICE, choices=tuple(m.value for m in Method), description=N_("How it is decided")),
    Param("options", max_length=400, description=N_("The options, comma-separated: A, B, C")),
    MORE_PARAMS[0],
    MORE_PARAMS[1],
    Param("deadline", max_length=40, description=N_("Closes at: YYYY-MM-DD or YYYY-MM-DD HH:MM")),
    MORE_PARAMS[2],
    *MORE_PARAMS[3:],
)
FORM_PARAMS = (
    PROPOSE_PARAMS[0],
    PROPOSE_PARAMS[1],
    PROPOSE_PARAMS[2],
    PROPOSE_PARAMS[5],
    Param("more", max_length=200),
)


@decide.sub(
    "propose",
    summary=N_("Propose a decision, posted in every linked channel with a Vote button; bare, it opens a form"),
    roles=CONTRIBUTORS,
    opens_form=True,
    usage=N_(
        '/decide propose "<question>" [method=consent|consensus|majority|ranked|score|dots] [options="A, B, C"] '
        "[by=member|org] [quorum=<n>%|<n>orgs] [deadline=] [secret=yes|no] [threshold=2/3] [dots=<n>]"
    ),
    params=PROPOSE_PARAMS,
)
async def propose(ctx: Ctx, args: Args) -> Reply:
    if not args.given:
        return Reply.open_form(propose_form())
    return await create(ctx, args.values)


@decide.form("decide.propose", params=FORM_PARAMS, roles=CONTRIBUTORS)
async def propose_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    values = dict(args.values)
    more = values.pop("more", None) or ""
    raw = {t.key: t.value for t in tokenize(more) if t.key}
    unknown = set(raw) - {p.name for p in MORE_PARAMS}
    if unknown:
        raise BadArgument(
            _("Unknown setting `{name}`; use by=, quorum=, secret=, threshold= or dots=.", name=sorted(unknown)[0])
        )
    values.update(convert(MORE_PARAMS, raw, "by=org quorum=60% secret=yes"))
    return await create(ctx, values)


def propose_form() -> Form:
    methods = tuple(Option(method_label(m.value), m.value) for m in Method)
    return Form(
        form_id="decide.propose",
        title=_("Propose a decision"),
        submit_label=_("Post it"),
        fields=(
            FormField("question", _("Question"), "long_text", max_length=MAX_QUESTION),
            FormField("method", _("Method"), "select", options=methods, initial=Method.CONSENT.value, required=False),
            FormField(
                "options",
                _("Options (majority, ranked, score, dots)"),
                required=False,
                placeholder="A, B, C",
                max_length=400,
            ),
            FormField(
                "deadline", _("Closes at (optional)"), required=False, placeholder="2026-03-02 18:00", max_length=40
            ),
            FormField(
                "more",
                _("More settings (optional)"),
                required=False,
                hint=_("`by=member|org`, `quorum=60%` or `3orgs`, `secret=yes`, `threshold=2/3`, `dots=5`"),
                max_length=200,
            ),
        ),
    )


def method_label(method: str) -> str:
    return tr(METHOD_NAMES[method])[:75]


def read_quorum(value: str | None) -> tuple[str, int]:
    if not value:
        return "", 0
    match = QUORUM_RE.match(value.strip().lower())
    if match is None:
        raise BadArgument(_("`quorum` is a share like `60%` or a number of organisations like `3orgs`."))
    if match.group(1) is not None:
        percent = int(match.group(1))
        if not 1 <= percent <= 100:
            raise BadArgument(_("A quorum in percent is from 1% to 100%."))
        return "percent", percent
    orgs = int(match.group(2))
    if orgs < 1:
        raise BadArgument(_("A quorum of organisations is at least 1."))
    return "orgs", orgs


def read_options(method: str, text: str | None) -> list[str]:
    items = [" ".join(o.split()) for o in (text or "").split(",") if o.strip()]
    if method not in WITH_OPTIONS:
        if items:
            raise BadArgument(_("A consent or consensus decision has no options: it is one proposal, agreed or not."))
        return []
    if method == Method.MAJORITY.value and not items:
        return []  # Yes / No
    if not MIN_OPTIONS <= len(items) <= MAX_OPTIONS:
        raise BadArgument(
            ngettext(
                'Give from 2 to 5 options, comma-separated: `options="A, B, C"` (got {n}).',
                'Give from 2 to 5 options, comma-separated: `options="A, B, C"` (got {n}).',
                len(items),
            )
        )
    if len({i.casefold() for i in items}) != len(items):
        raise BadArgument(_("Each option must be different."))
    if any(len(i) > 80 for i in items):
        raise BadArgument(_("Keep each option under 80 characters."))
    return items


async def create(ctx: Ctx, values: dict[str, object]) -> Reply:
    question = " ".join(str(values.get("question") or "").split())
    if not question:
        raise BadArgument(_('Give the question: `/decide propose "Adopt the budget?"`.'))
    method = str(values.get("method") or Method.CONSENT.value)
    options = read_options(method, values.get("options"))  # type: ignore[arg-type]
    secret = values.get("secret") == "yes"
    if secret and method in WITH_REASONS:
        raise BadArgument(
            _(
                "A secret ballot carries no reasons, but objections and blocks need one: use another method, or secret=no."
            )
        )
    by = str(values.get("by") or Electorate.MEMBER.value)
    quorum_kind, quorum = read_quorum(values.get("quorum"))  # type: ignore[arg-type]
    threshold = str(values.get("threshold") or "1/2")
    if values.get("threshold") and (method != Method.MAJORITY.value or parse_threshold(threshold) is None):
        raise BadArgument(_("`threshold` is for majority votes, as a share like `2/3` or `60%`."))
    dots = values.get("dots")
    if dots is not None and method != Method.DOTS.value:
        raise BadArgument(_("`dots` is for dot voting (method=dots)."))
    if method == Method.DOTS.value:
        dots = int(dots or len(options))  # type: ignore[call-overload]
        if not 1 <= dots <= 100:
            raise BadArgument(_("Give each voter from 1 to 100 dots."))
    now = ctx.clock.now()
    deadline = parse_deadline(values.get("deadline"), ctx.tz, now)  # type: ignore[arg-type]
    repo = decide_repo(ctx)
    if ctx.request_id and await repo.decision_by_request(ctx.request_id) is not None:
        raise BadArgument(_("That decision was already posted."))
    members = [m for m in await repo.members() if m.role in VOTERS]
    organisations = list(await ctx.repo.organisations())
    if by == Electorate.ORG.value and not organisations:
        raise BadArgument(
            _("{coalition} has no organisations yet, so it cannot vote by organisation.", coalition=ctx.c.name)
        )
    decision = Decision(
        coalition_id=ctx.c.id or 0,
        question=question,
        method=method,
        options=options,
        electorate=by,
        quorum_kind=quorum_kind,
        quorum=quorum,
        threshold=threshold,
        dots=int(dots or 0),  # type: ignore[call-overload]
        secret=secret,
        deadline=deadline,
        remind_at=deadline - REMIND_BEFORE if deadline and deadline - REMIND_BEFORE > now else None,
        proposer_id=ctx.me.id,
        request_key=ctx.request_id,
        created_at=now,
    )
    await repo.add(decision)
    if by == Electorate.ORG.value:
        decision.eligible = await repo.freeze(decision, organisations=[o.id or 0 for o in organisations])
    else:
        decision.eligible = await repo.freeze(decision, members=[m.id or 0 for m in members])
    await repo.save(decision)
    state = await load(repo, ctx.c, decision)
    with language(of_coalition(ctx.c)):
        posted = await ctx.outbox.announce(
            post.post_reply(state), key=f"decide:{decision.id}", topic=topic_of(decision)
        )
    await ctx.repo.audit("decision.proposed", member=ctx.me, subject=question[:200], decision_id=decision.id)
    if by == Electorate.ORG.value:
        await ask_for_delegates(ctx, decision, organisations, state.delegates)
    return Reply.private(
        Section(
            rich(
                ngettext(
                    "Decision #{id} posted in {n} channel.",
                    "Decision #{id} posted in {n} channels.",
                    len(posted),
                    id=decision.id,
                    n=number(len(posted)),
                )
            )
        ),
        Context(rich(rules_line(decision, ctx.tz))),
        Context(markup(_('Close it with `/decide close {id} "<outcome>"`.', id=decision.id))),
    )


async def ask_for_delegates(
    ctx: Ctx, decision: Decision, organisations: list[Organisation], delegates: Mapping[int, DecisionDelegate]
) -> None:
    """Each organisation with no delegate hears it privately, with a button to vote for it."""
    repo = decide_repo(ctx)
    without = {
        org.id: org
        for org in organisations
        if delegates.get(org.id or 0) is None or not delegates[org.id or 0].delegate_id
    }
    members = [m for m in await repo.members() if m.organisation_id in without]
    for member in await repo.reachable([m.id or 0 for m in members]):
        with language(of_member(member, ctx.c)):
            notice = no_delegate_notice(ctx.c, decision, without[member.organisation_id])
        await ctx.outbox.direct(member.id or 0, notice, key=f"decide:no-delegate:{decision.id}:{member.id}")


def no_delegate_notice(coalition: Coalition, decision: Decision, org: Organisation) -> Reply:
    return Reply.private(
        _(
            "{coalition} votes by organisation on decision #{id}, and {org} has no delegate to vote for it.",
            coalition=coalition.name,
            id=decision.id,
            org=org.name,
        ),
        Section(rich(rich_question(decision))),
        Context(markup(_("Name one with `/decide delegate @someone`, or vote for {org} yourself:", org=org.name))),
        Actions(
            (Button(_("I will vote for {org}", org=org.name)[:75], VOLUNTEER_ACTION, str(org.id), ButtonStyle.PRIMARY),)
        ),
    )


def rich_question(decision: Decision) -> Bold:
    return Bold(f"#{decision.id} {decision.question}")
