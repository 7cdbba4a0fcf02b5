"""Drafting together: numbered versions with their author and time, what changed between them, and
members' comments on the newest draft."""

from __future__ import annotations

from bot.commands.unity.command import MAX_COMMENT, MAX_STATEMENT, TEXT, VERSION, unity
from bot.commands.unity.render import changes, find_version, text_sections, version_state
from bot.commands.unity.repo import unity_repo
from bot.commands.unity.words import fill, later
from bot.core.context import Ctx
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _, ngettext, number
from bot.core.params import Args, Param
from bot.core.registry import CONTRIBUTORS, STEERING
from bot.core.ui import Block, Bold, Context, Form, FormField, Header, Reply, Section, Timestamp, markup, rich
from bot.store.unity_models import UnityComment, UnityVersion


@unity.sub(
    "draft",
    summary=N_("Steering: save a new draft version; without text, opens a form"),
    roles=STEERING,
    opens_form=True,
    usage=N_('/unity draft ["<text>"]'),
    params=(TEXT,),
)
async def draft(ctx: Ctx, args: Args) -> Reply:
    if not args.text:
        latest = await unity_repo(ctx).latest()
        return Reply.open_form(draft_form(latest.text if latest else ""))
    return await save_draft(ctx, args.text)


@unity.form("unity.draft", params=(Param("text", required=True, max_length=MAX_STATEMENT),), roles=STEERING)
async def draft_submitted(ctx: Ctx, args: Args, state: str) -> Reply:
    return await save_draft(ctx, args.text)


def draft_form(initial: str) -> Form:
    return Form(
        form_id="unity.draft",
        title=_("Unity statement draft"),
        submit_label=_("Save draft"),
        fields=(
            FormField(
                "text",
                _("Statement"),
                "long_text",
                initial=initial,
                max_length=MAX_STATEMENT,
                hint=_("Each save is a new version; members can comment on it before it is published."),
            ),
        ),
    )


async def save_draft(ctx: Ctx, raw: str) -> Reply:
    text = normalise_statement(raw)
    repo = unity_repo(ctx)
    latest = await repo.latest()
    if latest is not None and latest.text == text:
        raise BadArgument(_("That is the same text as v{version}; nothing to save.", version=latest.number))
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
    saved = ngettext(
        "Saved draft {version} ({n} character).",
        "Saved draft {version} ({n} characters).",
        len(text),
        **later("version"),
    )
    blocks: list[Block] = [Section(fill(saved, version=Bold(_("v{version}", version=version.number))))]
    if latest is not None:
        blocks.extend(changes(latest, version))
    blocks.append(
        Context(
            markup(
                _(
                    'Members comment with `/unity comment "…"`; steering publishes it with `/unity publish` '
                    "(optionally `deadline=YYYY-MM-DD`)."
                )
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
        raise BadArgument(_('The statement cannot be empty. Give the text in quotes: `/unity draft "We, the …"`.'))
    if len(text) > MAX_STATEMENT:
        raise BadArgument(
            _(
                "The statement is too long: {length} characters, at most {limit}.",
                length=number(len(text)),
                limit=number(MAX_STATEMENT),
            )
        )
    return text


@unity.sub(
    "show",
    summary=N_("The statement (or a version) and what changed since the one before"),
    usage=N_("/unity show [version]"),
    params=(VERSION,),
)
async def show(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    version = await find_version(repo, args.version)
    blocks: list[Block] = [Header(_("Unity statement v{version}", version=version.number))]
    blocks.extend(text_sections(version.text))
    state = await version_state(repo, version, ctx.clock.now())
    byline = fill(
        _("{state} · written by {author} · {written}"),
        state=state,
        author=version.author_name or _("a former member"),
        written=Timestamp(version.created_at, ctx.tz),
    )
    blocks.append(Context(byline))
    if version.number > 1:
        previous = await repo.version(version.number - 1)
        if previous is not None:
            blocks.extend(changes(previous, version))
    return Reply.private(*blocks)


@unity.sub(
    "comment",
    summary=N_("Comment on the newest draft"),
    roles=CONTRIBUTORS,
    usage=N_('/unity comment "<text>"'),
    params=(Param("text", required=True, positional=True, max_length=MAX_COMMENT, description=N_("Your comment")),),
)
async def comment(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    version = await repo.latest()
    if version is None:
        raise UserError(_("There is no draft to comment on yet. Steering starts one with `/unity draft`."))
    text = " ".join(args.text.split()) if "\n" not in args.text else args.text.strip()
    if not text:
        raise BadArgument(_('The comment cannot be empty: `/unity comment "Add a line on housing"`.'))
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
        Section(
            fill(_("Comment {comment} added to v{version}."), comment=Bold(f"#{entry.id}"), version=str(version.number))
        ),
        Context(markup(_("Everyone can read the comments with `/unity comments`."))),
    )


@unity.sub(
    "comments",
    summary=N_("Comments on the newest draft (or a version)"),
    usage=N_("/unity comments [version]"),
    params=(VERSION,),
)
async def comments(ctx: Ctx, args: Args) -> Reply:
    repo = unity_repo(ctx)
    version = await find_version(repo, args.version)
    entries = await repo.comments(version.id or 0)
    if not entries:
        return Reply.private(
            _('No comments on v{version} yet. Add one with `/unity comment "…"`.', version=version.number)
        )
    blocks: list[Block] = [
        Header(_("Comments on v{version} ({count})", version=version.number, count=number(len(entries))))
    ]
    shown = entries[-30:]
    for entry in shown:
        author = entry.author_name or _("a former member")
        blocks.append(
            Section(rich(Bold(f"#{entry.id} {author}"), " · ", Timestamp(entry.created_at, ctx.tz), "\n", entry.text))
        )
    if len(entries) > len(shown):
        newest = ngettext(
            "The {shown} newest of {n} comment.",
            "The {shown} newest of {n} comments.",
            len(entries),
            shown=number(len(shown)),
        )
        blocks.insert(1, Context(rich(newest)))
    return Reply.private(*blocks)
