"""``/unity``: a unity statement the coalition drafts together, publishes, and organisations sign.

Versions are numbered; each draft is a new version with its author and time. Publishing freezes the
newest draft and posts it in every channel of the coalition (on every platform) with a "Sign for my
organisation" button; every posted copy is one outbox *topic*, so a signature or withdrawal updates
all copies in place. One organisation signs a version once; signatures stay with the version they
were made on, and a new published version asks earlier signatories to sign again.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.common import clean_name, export_section, row_dict
from bot.commands.status import status_section
from bot.core.context import Ctx
from bot.core.errors import BadArgument, FormInvalid, NotFound, UserError
from bot.core.outbox import Outbox
from bot.core.params import Args, Kind, Param
from bot.core.registry import CONTRIBUTORS, STEERING, Command
from bot.core.ui import (
    Actions,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Field,
    Fields,
    Form,
    FormField,
    Header,
    Italic,
    Link,
    Option,
    Reply,
    Rich,
    Section,
    Timestamp,
    markup,
    rich,
)
from bot.store.models import Coalition, Member, Organisation
from bot.store.repo import CoalitionRepo
from bot.store.unity_models import UnityComment, UnitySignature, UnityVersion
from bot.store.unity_repo import UnityRepo, open_deadlines

unity = Command("unity", "A unity statement organisations sign on to")

MAX_STATEMENT = 3000  # what every platform's form field takes (Slack modals: 3,000)
MAX_COMMENT = 1000
SECTION_CHUNK = 2800
LISTED_SIGNATORIES = 40
REMIND_BEFORE = timedelta(hours=48)
SIGN_ACTION = "unity.sign"
NEW_ORG = "new"

TEXT = Param(
    "text", positional=True, max_length=MAX_STATEMENT, description="The statement text (leave empty for a form)"
)
VERSION = Param("version", Kind.INT, positional=True, minimum=1, description="Version number (default: newest)")


def topic_of(version: UnityVersion) -> str:
    return f"unity:{version.id}"


def public_url(ctx_settings_url: str, coalition: Coalition) -> str | None:
    base = ctx_settings_url.rstrip("/")
    return f"{base}/unity/{coalition.slug}" if base else None


# drafting --------------------------------------------------------------------------------------


@unity.sub(
    "draft",
    summary="Steering: save a new draft version; without text, opens a form",
    roles=STEERING,
    opens_form=True,
    usage='/unity draft ["<text>"]',
    params=(TEXT,),
)
async def draft(ctx: Ctx, args: Args) -> Reply:
    if not args.text:
        latest = await UnityRepo(ctx.session, ctx.c.id or 0).latest()
        return Reply.open_form(draft_form(latest.text if latest else ""))
    return await save_draft(ctx, args.text)


@unity.form("unity.draft", params=(Param("text", required=True, max_length=MAX_STATEMENT),), roles=STEERING)
async def draft_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await save_draft(ctx, args.text)


def draft_form(initial: str) -> Form:
    return Form(
        form_id="unity.draft",
        title="Unity statement draft",
        submit_label="Save draft",
        fields=(
            FormField(
                "text",
                "Statement",
                "long_text",
                initial=initial,
                max_length=MAX_STATEMENT,
                hint="Each save is a new version; members can comment on it before it is published.",
            ),
        ),
    )


async def save_draft(ctx: Ctx, raw: str) -> Reply:
    text = normalise_statement(raw)
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    latest = await repo.latest()
    if latest is not None and latest.text == text:
        raise BadArgument(f"That is the same text as v{latest.number}; nothing to save.")
    version = UnityVersion(
        coalition_id=ctx.c.id or 0,
        number=(latest.number + 1) if latest else 1,
        text=text,
        author_id=ctx.me.id,
        author_name=ctx.me.display_name,
        created_at=ctx.clock.now(),
    )
    await repo.add(version)
    await ctx.repo.audit("unity.drafted", member=ctx.me, subject=f"v{version.number}", version=version.number)
    blocks: list[Block] = [rich_section("Saved draft ", Bold(f"v{version.number}"), f" ({len(text):,} characters).")]
    if latest is not None:
        blocks.extend(changes(latest, version))
    blocks.append(
        Context(
            markup(
                'Members comment with `/unity comment "…"`; steering publishes it with `/unity publish` '
                "(optionally `deadline=YYYY-MM-DD`)."
            )
        )
    )
    return Reply.private(*blocks)


def normalise_statement(raw: str) -> str:
    lines = [line.rstrip() for line in raw.replace("\r\n", "\n").strip().split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if not text:
        raise BadArgument('The statement cannot be empty. Give the text in quotes: `/unity draft "We, the …"`.')
    if len(text) > MAX_STATEMENT:
        raise BadArgument(f"The statement is too long: {len(text):,} characters, at most {MAX_STATEMENT:,}.")
    return text


# reading and commenting ------------------------------------------------------------------------


@unity.sub(
    "show",
    summary="The statement (or a version) and what changed since the one before",
    usage="/unity show [version]",
    params=(VERSION,),
)
async def show(ctx: Ctx, args: Args) -> Reply:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    version = await find_version(repo, args.version)
    blocks: list[Block] = [Header(f"Unity statement v{version.number}")]
    blocks.extend(text_sections(version.text))
    state = await version_state(repo, version, ctx.clock.now())
    blocks.append(
        Context(
            rich(
                f"{state} · written by {version.author_name or 'a former member'} · ",
                Timestamp(version.created_at, ctx.tz),
            )
        )
    )
    if version.number > 1:
        previous = await repo.version(version.number - 1)
        if previous is not None:
            blocks.extend(changes(previous, version))
    return Reply.private(*blocks)


@unity.sub(
    "comment",
    summary="Comment on the newest draft",
    roles=CONTRIBUTORS,
    usage='/unity comment "<text>"',
    params=(Param("text", required=True, positional=True, max_length=MAX_COMMENT, description="Your comment"),),
)
async def comment(ctx: Ctx, args: Args) -> Reply:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    version = await repo.latest()
    if version is None:
        raise UserError("There is no draft to comment on yet. Steering starts one with `/unity draft`.")
    text = " ".join(args.text.split()) if "\n" not in args.text else args.text.strip()
    if not text:
        raise BadArgument('The comment cannot be empty: `/unity comment "Add a line on housing"`.')
    entry = UnityComment(
        coalition_id=ctx.c.id or 0,
        version_id=version.id or 0,
        member_id=ctx.me.id,
        author_name=ctx.me.display_name,
        text=text,
        created_at=ctx.clock.now(),
    )
    await repo.add(entry)
    await ctx.repo.audit("unity.commented", member=ctx.me, subject=f"v{version.number}", comment_id=entry.id)
    return Reply.private(
        rich_section("Comment ", Bold(f"#{entry.id}"), f" added to v{version.number}."),
        Context(markup("Everyone can read the comments with `/unity comments`.")),
    )


@unity.sub(
    "comments",
    summary="Comments on the newest draft (or a version)",
    usage="/unity comments [version]",
    params=(VERSION,),
)
async def comments(ctx: Ctx, args: Args) -> Reply:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    version = await find_version(repo, args.version)
    entries = await repo.comments(version.id or 0)
    if not entries:
        return Reply.private(f'No comments on v{version.number} yet. Add one with `/unity comment "…"`.')
    blocks: list[Block] = [Header(f"Comments on v{version.number} ({len(entries)})")]
    shown = entries[-30:]
    for entry in shown:
        blocks.append(
            Section(
                rich(
                    Bold(f"#{entry.id} {entry.author_name or 'a former member'}"),
                    " · ",
                    Timestamp(entry.created_at, ctx.tz),
                    "\n",
                    entry.text,
                )
            )
        )
    if len(entries) > len(shown):
        blocks.insert(1, Context(rich(f"The {len(shown)} newest of {len(entries)} comments.")))
    return Reply.private(*blocks)


# publishing ------------------------------------------------------------------------------------


@unity.sub(
    "publish",
    summary="Steering: publish the newest draft and post it in every channel for signatures",
    roles=STEERING,
    usage="/unity publish [deadline=YYYY-MM-DD]",
    params=(Param("deadline", Kind.DATE, description="Last day to sign, YYYY-MM-DD (optional)"),),
)
async def publish(ctx: Ctx, args: Args) -> Reply:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    version = await repo.latest()
    if version is None:
        raise UserError('There is nothing to publish yet. Write a draft first: `/unity draft "We, the …"`.')
    if version.published_at is not None:
        raise UserError(
            f"v{version.number} is already published. Save a new draft with `/unity draft` to publish a new version."
        )
    now = ctx.clock.now()
    deadline: datetime | None = None
    if args.deadline is not None:
        deadline = datetime.combine(args.deadline, time(23, 59), tzinfo=ZoneInfo(ctx.c.tz))
        if deadline <= now:
            raise BadArgument(
                f"The deadline {args.deadline.isoformat()} has passed; give a later date (YYYY-MM-DD), or none."
            )
    version.published_at = now
    version.published_by = ctx.me.id
    version.deadline = deadline
    ctx.session.add(version)
    outbox = ctx.outbox
    earlier = await repo.published_before(version.number)
    reminded = 0
    for old in earlier:
        if old.closed_at is None:
            old.closed_at = now
            ctx.session.add(old)
        await outbox.refresh(
            topic_of(old),
            await statement_reply(ctx.session, ctx.c, old, ctx.settings.public_url, now, superseded_by=version),
        )
        for signature in await repo.signatures(old.id or 0):
            if signature.member_id is None:
                continue
            reminded += len(
                await outbox.direct(
                    signature.member_id,
                    resign_notice(ctx.c, old, version, signature, ctx.settings.public_url),
                    key=f"unity:resign:{version.id}:{signature.id}",
                )
            )
    posts = await outbox.announce(
        await statement_reply(ctx.session, ctx.c, version, ctx.settings.public_url, now),
        key=f"unity:publish:{version.id}",
        topic=topic_of(version),
    )
    await ctx.repo.audit(
        "unity.published",
        member=ctx.me,
        subject=f"v{version.number}",
        deadline=deadline.isoformat() if deadline else None,
    )
    blocks: list[Block] = [
        rich_section(
            "Published ",
            Bold(f"v{version.number}"),
            f": posting it in {len(posts)} channel{'s' if len(posts) != 1 else ''}.",
        )
    ]
    if deadline is not None:
        blocks.append(
            Section(
                rich(
                    "Signing closes ",
                    Timestamp(deadline, ctx.tz),
                    "; organisations that have not signed get a reminder 48 hours before.",
                )
            )
        )
    if reminded:
        blocks.append(
            Context(
                rich(
                    f"{reminded} earlier signator{'ies' if reminded != 1 else 'y'} will be asked privately to sign v{version.number}."
                )
            )
        )
    url = public_url(ctx.settings.public_url, ctx.c)
    if url:
        blocks.append(Context(rich("Public page: ", Link(url, url))))
    return Reply.private(*blocks)


def resign_notice(
    coalition: Coalition, old: UnityVersion, new: UnityVersion, signature: UnitySignature, base_url: str
) -> Reply:
    blocks: list[Block | str | Rich] = [
        rich(
            Bold(coalition.name),
            f" published v{new.number} of its unity statement. Your organisation's signature on v{old.number} stays "
            f"with v{old.number}; v{new.number} needs a new signature.",
        ),
        markup("Sign it with the button under the statement in a coalition channel, or `/unity sign` there."),
    ]
    url = public_url(base_url, coalition)
    if url:
        blocks.append(Context(rich("Read it: ", Link(url, url))))
    return Reply.private(*blocks)


# signing ---------------------------------------------------------------------------------------


@unity.sub(
    "sign",
    summary="Sign the published statement for your organisation (opens a form)",
    roles=CONTRIBUTORS,
    opens_form=True,
    usage="/unity sign [org=<name>] [title=<your title>]",
    params=(
        Param("org", max_length=100, autocomplete="org", description="Your organisation"),
        Param("title", max_length=100, description="Your title or role in the organisation"),
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
            new_name = clean_name(args.org, "organisation name")
    return Reply.open_form(
        sign_form(version, organisations, ctx.me, chosen=chosen, new_name=new_name, title=args.title or "")
    )


@unity.action(SIGN_ACTION, roles=CONTRIBUTORS)
async def sign_button(ctx: Ctx, value: str) -> Reply:
    version = await signable_version(ctx)
    if value and value != str(version.id):
        clicked = await UnityRepo(ctx.session, ctx.c.id or 0).version_by_id(int(value)) if value.isdigit() else None
        old = f"v{clicked.number}" if clicked else "an earlier version"
        raise UserError(
            f"This button belongs to {old}; the statement in force is v{version.number}. "
            f"Sign that one with `/unity sign` (its copy was posted in this channel too)."
        )
    return Reply.open_form(sign_form(version, await ctx.repo.organisations(), ctx.me))


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
    options.append(Option("Another organisation (type its name below)", NEW_ORG))
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
        title=f"Sign the statement (v{version.number})",
        submit_label="Sign",
        state=str(version.id),
        fields=(
            FormField("org", "Organisation", "select", options=tuple(options), initial=initial),
            FormField(
                "new_org",
                "New organisation",
                required=False,
                initial=new_name,
                max_length=100,
                hint="Only if your organisation is not in the list.",
            ),
            FormField(
                "name",
                "Your name",
                initial=me.display_name[:100],
                max_length=100,
                hint="Shown publicly with the signature.",
            ),
            FormField(
                "title", "Your title", initial=title, max_length=100, hint="Shown publicly, e.g. Executive Director."
            ),
            FormField(
                "authorised",
                "I am authorised to sign on behalf of this organisation",
                "checkbox",
                required=True,
            ),
        ),
    )


@unity.form(
    "unity.sign",
    roles=CONTRIBUTORS,
    params=(
        Param("org", max_length=100),
        Param("new_org", max_length=100),
        Param("name", required=True, max_length=100),
        Param("title", required=True, max_length=100),
        Param("authorised", max_length=10),
    ),
)
async def sign_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    version = await signable_version(ctx)
    if state and state != str(version.id):
        raise UserError(
            f"A new version (v{version.number}) was published while you were signing. "
            "Read it with `/unity show`, then sign it with `/unity sign`."
        )
    errors: dict[str, str] = {}
    if (args.authorised or "").strip().lower() not in ("yes", "true", "on", "1", "y", "x"):
        errors["authorised"] = "Please confirm that you are authorised to sign for this organisation."
    name = " ".join((args.name or "").split())
    title = " ".join((args.title or "").split())
    if not name:
        errors["name"] = "Please give your name."
    if not title:
        errors["title"] = "Please give your title."
    organisation = await chosen_organisation(ctx, args, errors)
    if errors:
        raise FormInvalid(errors)
    assert organisation is not None
    assert organisation.id is not None
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    existing = await repo.signature_of(version.id or 0, organisation.id)
    if existing is not None:
        raise FormInvalid({"org": already_signed(organisation, existing)})
    signature = UnitySignature(
        coalition_id=ctx.c.id or 0,
        version_id=version.id or 0,
        organisation_id=organisation.id,
        member_id=ctx.me.id,
        signer_name=name,
        signer_title=title,
        signed_at=ctx.clock.now(),
    )
    try:
        async with ctx.session.begin_nested():
            ctx.session.add(signature)
    except IntegrityError:
        # Someone signed for the same organisation at the same moment.
        existing = await repo.signature_of(version.id or 0, organisation.id)
        message = already_signed(organisation, existing) if existing else f"{organisation.name} has already signed."
        raise FormInvalid({"org": message}) from None
    if ctx.me.organisation_id is None:
        ctx.me.organisation_id = organisation.id
        ctx.session.add(ctx.me)
    await ctx.repo.audit(
        "unity.signed", member=ctx.me, subject=organisation.name, version=version.number, signature_id=signature.id
    )
    await refresh_posts(ctx, version)
    count = len(await repo.signatures(version.id or 0))
    return Reply.private(
        rich_section(
            "Signed ", Bold(f"v{version.number}"), f" for {organisation.name}, as {name} ({title}). Thank you!"
        ),
        Context(
            rich(
                f"{count} organisation{'s have' if count != 1 else ' has'} signed. Every posted copy now shows the list."
            )
        ),
    )


async def chosen_organisation(ctx: Ctx, args: Args, errors: dict[str, str]) -> Organisation | None:
    picked = (args.org or "").strip()
    new_name = " ".join((args.new_org or "").split())
    if picked and picked != NEW_ORG:
        organisation = await ctx.repo.organisation(int(picked)) if picked.isdigit() else None
        if organisation is None:
            errors["org"] = "That organisation is not in this coalition; choose one from the list."
        return organisation
    if not new_name:
        errors["org" if not picked else "new_org"] = (
            "Choose your organisation, or type its name under “New organisation”."
        )
        return None
    existing = await ctx.repo.organisation_named(new_name)
    if existing is not None:
        return existing
    try:
        name = clean_name(new_name, "organisation name")
    except BadArgument as error:
        errors["new_org"] = error.message
        return None
    organisation = await ctx.repo.add_organisation(name)
    await ctx.repo.audit("org.added", member=ctx.me, subject=name, via="unity.sign")
    return organisation


def already_signed(organisation: Organisation, signature: UnitySignature) -> str:
    who = signature.signer_name or "a former member"
    title = f" ({signature.signer_title})" if signature.signer_title else ""
    return f"{organisation.name} already signed on {signature.signed_at:%Y-%m-%d}, by {who}{title}."


async def signable_version(ctx: Ctx) -> UnityVersion:
    version = await UnityRepo(ctx.session, ctx.c.id or 0).published()
    if version is None:
        raise UserError(
            "No statement has been published yet, so there is nothing to sign. Read the draft with `/unity show`."
        )
    now = ctx.clock.now()
    if version.deadline is not None and now >= version.deadline:
        raise UserError(
            f"Signing v{version.number} closed on {version.deadline.astimezone(ZoneInfo(ctx.tz)):%Y-%m-%d %H:%M}."
        )
    return version


@unity.sub("withdraw", summary="Withdraw your organisation's signature", roles=CONTRIBUTORS, usage="/unity withdraw")
async def withdraw(ctx: Ctx, args: Args) -> Reply:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    version = await repo.published()
    if version is None:
        raise UserError("No statement has been published, so there is no signature to withdraw.")
    signatures = await repo.signatures(version.id or 0)
    mine = [s for s in signatures if s.member_id == ctx.me.id]
    if not mine and ctx.me.organisation_id is not None:
        mine = [s for s in signatures if s.organisation_id == ctx.me.organisation_id]
    if not mine:
        raise UserError(f"Your organisation has not signed v{version.number}; there is nothing to withdraw.")
    signature = mine[0]
    organisation = await ctx.repo.organisation(signature.organisation_id)
    org_name = organisation.name if organisation else "your organisation"
    signature.active = None
    signature.withdrawn_at = ctx.clock.now()
    signature.withdrawn_by = ctx.me.id
    ctx.session.add(signature)
    await ctx.session.flush()
    await ctx.repo.audit(
        "unity.withdrawn", member=ctx.me, subject=org_name, version=version.number, signature_id=signature.id
    )
    await refresh_posts(ctx, version)
    return Reply.private(
        rich_section("Withdrew ", Bold(org_name), f"'s signature from v{version.number}."),
        Context(rich("The withdrawal is kept in the statement's history; sign again any time with /unity sign.")),
    )


@unity.sub("signatories", summary="Organisations that signed, with signer, title and date", usage="/unity signatories")
async def signatories(ctx: Ctx, args: Args) -> Reply:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    version = await repo.published()
    if version is None:
        raise UserError("No statement has been published yet. Steering publishes the draft with `/unity publish`.")
    signed = await repo.signatures(version.id or 0)
    if not signed:
        return Reply.private(f"No organisation has signed v{version.number} yet. Sign with `/unity sign`.")
    names = {o.id: o.name for o in await ctx.repo.organisations()}
    blocks: list[Block] = [Header(f"Signatories of v{version.number} ({len(signed)})")]
    fields = [
        Field(
            names.get(s.organisation_id, "?"),
            rich(
                f"{s.signer_name or '(name withdrawn)'}" + (f", {s.signer_title}" if s.signer_title else "") + " · ",
                Timestamp(s.signed_at, ctx.tz),
            ),
        )
        for s in signed
    ]
    for start in range(0, len(fields), 10):
        blocks.append(Fields(tuple(fields[start : start + 10])))
    return Reply.private(*blocks)


# the posted statement --------------------------------------------------------------------------


async def refresh_posts(ctx: Ctx, version: UnityVersion) -> None:
    reply = await statement_reply(ctx.session, ctx.c, version, ctx.settings.public_url, ctx.clock.now())
    await ctx.outbox.refresh(topic_of(version), reply)


async def statement_reply(
    session: AsyncSession,
    coalition: Coalition,
    version: UnityVersion,
    base_url: str,
    now: datetime,
    *,
    superseded_by: UnityVersion | None = None,
) -> Reply:
    """The statement as posted in channels: text, live signatory list, and the sign button."""
    repo = UnityRepo(session, coalition.id or 0)
    signed = await repo.signatures(version.id or 0)
    names = {o.id: o.name for o in await CoalitionRepo(session, coalition.id or 0).organisations()}
    blocks: list[Block] = [Header(f"{coalition.name}: unity statement (v{version.number})")]
    blocks.extend(text_sections(version.text))
    if signed:
        listed = ", ".join(names.get(s.organisation_id, "?") for s in signed[:LISTED_SIGNATORIES])
        more = f" and {len(signed) - LISTED_SIGNATORIES} more" if len(signed) > LISTED_SIGNATORIES else ""
        blocks.append(
            Section(
                rich(
                    Bold(f"Signed by {len(signed)} organisation{'s' if len(signed) != 1 else ''}: "),
                    listed + more + ".",
                )
            )
        )
    else:
        blocks.append(Section(rich(Italic("No organisation has signed yet."))))
    closed = superseded_by is not None or (version.deadline is not None and now >= version.deadline)
    footer: list[str | Rich | Timestamp | Link] = ["Published ", Timestamp(version.published_at or now, coalition.tz)]
    if superseded_by is not None:
        footer.append(f". Superseded by v{superseded_by.number}: sign the new version instead.")
    elif version.deadline is not None:
        footer += [
            ". Signing closed " if closed else ". Signing closes ",
            Timestamp(version.deadline, coalition.tz),
            ".",
        ]
    else:
        footer.append(".")
    url = public_url(base_url, coalition)
    if url:
        footer += [" ", Link(url, "Public page")]
    blocks.append(Context(rich(*footer)))
    if not closed:
        blocks.append(Actions((Button("Sign for my organisation", SIGN_ACTION, str(version.id), ButtonStyle.PRIMARY),)))
    return Reply.channel(*blocks)


def text_sections(text: str) -> list[Block]:
    """The statement in sections short enough for every platform, split at paragraph ends."""
    sections: list[Block] = []
    current = ""
    for paragraph in text.split("\n\n"):
        while len(paragraph) > SECTION_CHUNK:
            cut = paragraph.rfind(" ", 0, SECTION_CHUNK)
            cut = cut if cut > 0 else SECTION_CHUNK
            if current:
                sections.append(Section(rich(current)))
                current = ""
            sections.append(Section(rich(paragraph[:cut])))
            paragraph = paragraph[cut:].lstrip()
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) > SECTION_CHUNK:
            sections.append(Section(rich(current)))
            current = paragraph
        else:
            current = candidate
    if current:
        sections.append(Section(rich(current)))
    return sections


def changes(old: UnityVersion, new: UnityVersion, limit: int = 12) -> list[Block]:
    """What changed from ``old`` to ``new``, word by word: removed and added passages."""
    a, b = old.text.split(), new.text.split()
    lines: list[Rich] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        removed, added = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "replace":
            lines.append(rich(Bold("~ changed: "), f"“{clip(removed)}” → “{clip(added)}”"))
        elif removed:
            lines.append(rich(Bold("− removed: "), clip(removed)))
        else:
            lines.append(rich(Bold("+ added: "), clip(added)))
    if not lines:
        return [Context(rich(f"Only spacing changed since v{old.number}."))]
    shown = lines[:limit]
    text = rich(f"Changes since v{old.number}:\n")
    for i, line in enumerate(shown):
        text = text + line + ("\n" if i < len(shown) - 1 else "")
    blocks: list[Block] = [Section(text)]
    if len(lines) > limit:
        blocks.append(Context(rich(f"…and {len(lines) - limit} more changes.")))
    return blocks


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def rich_section(*pieces: str | Bold) -> Section:
    return Section(rich(*pieces))


async def find_version(repo: UnityRepo, number: int | None) -> UnityVersion:
    if number is None:
        version = await repo.latest()
        if version is None:
            raise UserError(
                'There is no statement yet. Steering writes the first draft with `/unity draft "We, the …"`.'
            )
        return version
    version = await repo.version(number)
    if version is None:
        latest = await repo.latest()
        known = (
            f"versions 1–{latest.number}" if latest and latest.number > 1 else ("version 1" if latest else "none yet")
        )
        raise NotFound(f"There is no version {number} of the statement ({known}).")
    return version


async def version_state(repo: UnityRepo, version: UnityVersion, now: datetime) -> str:
    if version.published_at is None:
        return "Draft"
    current = await repo.published()
    if current is not None and current.id != version.id:
        return f"Published, superseded by v{current.number}"
    if version.deadline is not None and now >= version.deadline:
        return "Published, signing closed"
    return "Published"


# status ----------------------------------------------------------------------------------------


@status_section
async def unity_status(ctx: Ctx) -> list[Block]:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    latest = await repo.latest()
    if latest is None:
        return []
    published = await repo.published()
    lines: list[Block] = []
    if published is not None:
        signed = len(await repo.signatures(published.id or 0))
        total = len(await ctx.repo.organisations())
        line = rich(f"Unity statement v{published.number}: {signed} of {total} organisations signed")
        if published.deadline is not None and published.closed_at is None:
            line = line + rich("; signing closes ", Timestamp(published.deadline, ctx.tz))
        lines.append(Section(line + "."))
    if latest.published_at is None:
        count = len(await repo.comments(latest.id or 0))
        lines.append(
            Context(
                rich(f"Draft v{latest.number} in progress, {count} comment{'s' if count != 1 else ''}: /unity show")
            )
        )
    return lines


@export_section
async def unity_export(ctx: Ctx) -> dict[str, object]:
    repo = UnityRepo(ctx.session, ctx.c.id or 0)
    latest = await repo.latest()
    versions = []
    for number in range(1, (latest.number if latest else 0) + 1):
        version = await repo.version(number)
        if version is None:
            continue
        versions.append(
            row_dict(version)
            | {
                "comments": [row_dict(c) for c in await repo.comments(version.id or 0)],
                "signatures": [row_dict(s) for s in await repo.history(version.id or 0)],
            }
        )
    return {"unity_statement": versions}


# deadlines (run by the scheduler leader) ------------------------------------------------------


async def run_deadlines(session: AsyncSession, now: datetime, base_url: str = "") -> int:
    """Send the 48-hour reminders and close signing at deadlines. Idempotent; returns actions taken."""
    actions = 0
    for version in await open_deadlines(session):
        assert version.deadline is not None
        coalition = await session.get(Coalition, version.coalition_id)
        if coalition is None:
            continue
        outbox = Outbox(session, version.coalition_id, now=now)
        if now >= version.deadline:
            version.closed_at = now
            session.add(version)
            await outbox.refresh(topic_of(version), await statement_reply(session, coalition, version, base_url, now))
            await outbox.announce(
                await final_list(session, coalition, version, base_url), key=f"unity:final:{version.id}"
            )
            actions += 1
        elif version.reminded_at is None and now >= version.deadline - REMIND_BEFORE:
            version.reminded_at = now
            session.add(version)
            actions += await remind_unsigned(session, outbox, coalition, version, base_url)
    await session.flush()
    return actions


async def remind_unsigned(
    session: AsyncSession, outbox: Outbox, coalition: Coalition, version: UnityVersion, base_url: str
) -> int:
    repo = CoalitionRepo(session, coalition.id or 0)
    signed = {s.organisation_id for s in await UnityRepo(session, coalition.id or 0).signatures(version.id or 0)}
    sent = 0
    for member in await repo.members():
        if member.organisation_id is None or member.organisation_id in signed or member.id is None:
            continue
        assert version.deadline is not None
        reply = Reply.private(
            rich(
                Bold(coalition.name),
                f": your organisation has not signed v{version.number} of the unity statement. Signing closes ",
                Timestamp(version.deadline, member.tz or coalition.tz),
                ".",
            ),
            markup("Sign with the button under the statement in a coalition channel, or `/unity sign` there."),
        )
        url = public_url(base_url, coalition)
        if url:
            reply.blocks.append(Context(rich("Read it: ", Link(url, url))))
        sent += len(await outbox.direct(member.id, reply, key=f"unity:remind:{version.id}:{member.id}"))
    return sent


async def final_list(session: AsyncSession, coalition: Coalition, version: UnityVersion, base_url: str) -> Reply:
    signed = await UnityRepo(session, coalition.id or 0).signatures(version.id or 0)
    names = {o.id: o.name for o in await CoalitionRepo(session, coalition.id or 0).organisations()}
    blocks: list[Block] = [
        Header(f"{coalition.name}: signing of the unity statement (v{version.number}) has closed"),
        Section(
            rich(
                Bold(f"{len(signed)} organisation{'s' if len(signed) != 1 else ''} signed"),
                (": " + ", ".join(names.get(s.organisation_id, "?") for s in signed[:LISTED_SIGNATORIES]) + ".")
                if signed
                else ".",
            )
        ),
    ]
    if len(signed) > LISTED_SIGNATORIES:
        blocks.append(Context(rich(f"…and {len(signed) - LISTED_SIGNATORIES} more.")))
    url = public_url(base_url, coalition)
    if url:
        blocks.append(Context(rich("The full list: ", Link(url, url))))
    return Reply.channel(*blocks)


# the workflow declaration -------------------------------------------------------------------------

from starlette.routing import BaseRoute  # noqa: E402  (kept with the declaration until unity is a package)

from bot.core.clock import Clock  # noqa: E402
from bot.core.workflow import JobEnv, TimedJob, Workflow  # noqa: E402
from bot.store.db import Database  # noqa: E402


async def _due_always(session: AsyncSession, now: datetime) -> list[int]:
    return [0]  # one item: run_deadlines looks at every open deadline itself


async def _deadlines(session: AsyncSession, item: int, now: datetime, env: JobEnv) -> int:
    return await run_deadlines(session, now, env.public_url)


async def _forget(ctx: Ctx, member_id: int) -> None:
    await UnityRepo(ctx.session, ctx.c.id or 0).forget_member(member_id)


def _routes(db: Database, clock: Clock) -> list[BaseRoute]:
    from bot.web.unity_pages import unity_routes

    return unity_routes(db, clock)


workflow = Workflow(
    "unity",
    command=unity,
    jobs=(TimedJob("unity.deadlines", due=_due_always, run=_deadlines),),
    status=(unity_status,),
    export=unity_export,
    exports=("unityversion", "unitycomment", "unitysignature"),
    forget=_forget,
    routes=_routes,
)
