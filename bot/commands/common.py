"""Small pieces several workflows share: cleaning names, finding members and owners, CSV cells,
rows as plain data, long lists split into blocks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from bot.core.context import Ctx
from bot.core.errors import BadArgument, NotFound
from bot.core.i18n import N_, _, language, ngettext, number, of_coalition, tr
from bot.core.params import UserRef
from bot.core.ui import Fields, Inline, Plain, Rich, Section, markup, rich
from bot.store.models import Member, Organisation, WorkingGroup

ROLE_LABELS = {
    "steering": N_("steering"),
    "facilitator": N_("facilitator"),
    "member": N_("member"),
    "observer": N_("observer"),
}

F = TypeVar("F", bound=Callable[..., Any])

REMOVED = N_("[removed]")  # what stays of free text written by someone who asked to be forgotten


def removed(ctx: Ctx) -> str:
    """The placeholder for erased free text, stored once, in the coalition's language."""
    with language(of_coalition(ctx.c)):
        return _(REMOVED)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sentence(message: str, /, **pieces: str | Inline | Rich) -> Rich:
    """A whole sentence, translated, with rich pieces in its placeholders (a bold name, a timestamp)::

        sentence(N_("Goal {goal} added."), goal=Bold("#1 Calls"))

    ``message`` is marked with N_ so the catalogs extract it; `backticks` in it mark code.
    """
    out: list[str | Inline | Rich] = []
    for i, part in enumerate(_PLACEHOLDER.split(tr(message))):
        if i % 2:
            out.append(pieces[part])
        elif part:
            out.append(markup(part))
    merged: list[Inline] = []
    for piece in rich(*out).parts:  # one run of plain text, as if written in one piece
        if merged and isinstance(piece, Plain) and isinstance(merged[-1], Plain):
            merged[-1] = Plain(merged[-1].text + piece.text)
        else:
            merged.append(piece)
    return Rich(tuple(merged))


def sentence_n(singular: str, plural: str, n: int, /, **pieces: str | Inline | Rich) -> Rich:
    """:func:`sentence` for a sentence with a count: the form follows ``n`` by the language's plural
    rules (``{n}`` is the count unless given)::

        sentence_n("{n} member took on a lead.", "{n} members took on a lead.", 1, n=Bold("1"))
    """
    pieces.setdefault("n", number(n))
    template = ngettext(singular, plural, n, **{name: "{" + name + "}" for name in pieces})
    return sentence(N_(template), **pieces)


def role_label(role: str) -> str:
    """A role's name in the reader's language (``steering``, ``dirección``)."""
    return tr(ROLE_LABELS.get(role, role))


def csv_cell(value: str) -> str:
    """User text for a CSV cell: a leading ``= + - @`` (or tab/CR) would make a spreadsheet evaluate
    it as a formula (``=HYPERLINK(…)``, ``=cmd|…``), so such a cell is quoted with an apostrophe."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def row_dict(row: object) -> dict[str, Any]:
    """A table row as plain data (for exports)."""
    return {name: getattr(row, name) for name in type(row).model_fields}  # type: ignore[attr-defined]


async def find_member(ctx: Ctx, ref: UserRef) -> Member:
    """A person named in a command: by platform identity (a mention), else by display name."""
    repo = ctx.repo
    member = await repo.member_by_identity(ctx.actor.platform, ctx.actor.workspace, ref.user_id)
    if member is None:
        for binding in await repo.bindings():
            if binding.platform == ctx.actor.platform:
                member = await repo.member_by_identity(binding.platform, binding.workspace, ref.user_id)
                if member is not None:
                    break
    if member is None:
        member = await repo.member_named(ref.user_id)
    if member is None:
        raise NotFound(
            _(
                "{who} has not joined {coalition} yet. They can join with `/coalition join`; "
                "`/coalition members` lists who has.",
                who=ref.user_id,
                coalition=ctx.c.name,
            )
        )
    return member


async def find_owner(ctx: Ctx, name: str) -> Organisation | WorkingGroup:
    org = await ctx.repo.organisation_named(name)
    if org is not None:
        return org
    group = await ctx.repo.group_named(name)
    if group is not None:
        return group
    none = _("none yet")
    orgs = ", ".join(o.name for o in await ctx.repo.organisations()) or none
    groups = ", ".join(g.name for g in await ctx.repo.groups()) or none
    raise BadArgument(
        _(
            "No organisation or working group is called “{name}”. Organisations: {orgs}. Working groups: {groups}.",
            name=name,
            orgs=orgs,
            groups=groups,
        )
    )


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "coalition"


def clean_name(value: str, what: str, limit: int = 100) -> str:
    """``what`` is a phrase marked with N_ (``N_("goal title")``), translated here."""
    name = " ".join(value.split())
    if not name:
        raise BadArgument(_("The {what} cannot be empty.", what=tr(what)))
    if len(name) > limit:
        raise BadArgument(
            _(
                "The {what} is too long: {length} characters, at most {limit}.",
                what=tr(what),
                length=number(len(name)),
                limit=number(limit),
            )
        )
    return name


def paged(lines: list[str], per_block: int = 25) -> list[Section | Fields]:
    """Long lists split across several sections so no platform's text limit is hit."""
    blocks: list[Section | Fields] = []
    for i in range(0, len(lines), per_block):
        blocks.append(Section(rich("\n".join(lines[i : i + per_block]))))
    return blocks or [Section(rich(_("Nothing yet.")))]


async def mine(
    ctx: Ctx, model: type[Any], member_id: int, *columns: str, hide: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The rows of one table of this coalition that name a member in any of ``columns``, as plain
    data without ``coalition_id`` and the ``hide`` columns (for ``/coalition export mine``)."""
    rows = await ctx.repo.rows_of(model, member_id, *columns)
    return [{k: v for k, v in row_dict(row).items() if k != "coalition_id" and k not in hide} for row in rows]
