"""The statement as members read it: the posted copy with its live signatory list and sign button
(in the coalition's language), the text cut into sections every platform takes, and the word by
word changes between two versions."""

from __future__ import annotations

import difflib
from datetime import datetime

from bot.commands.unity.command import LISTED_SIGNATORIES, SECTION_CHUNK, SIGN_ACTION, public_url, topic_of
from bot.commands.unity.repo import unity_repo
from bot.commands.unity.words import fill, names_list
from bot.core.context import Ctx
from bot.core.errors import NotFound, UserError
from bot.core.i18n import _, language, ngettext, of_coalition
from bot.core.ui import (
    Actions,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Header,
    Italic,
    Link,
    Reply,
    Rich,
    Section,
    Timestamp,
    rich,
)
from bot.store.models import Coalition
from bot.store.unity_models import UnityVersion
from bot.store.unity_repo import UnityRepo


async def refresh_posts(ctx: Ctx, version: UnityVersion) -> None:
    reply = await statement_reply(unity_repo(ctx), ctx.c, version, ctx.settings.public_url, ctx.clock.now())
    await ctx.outbox.refresh(topic_of(version), reply)


async def statement_reply(
    repo: UnityRepo,
    coalition: Coalition,
    version: UnityVersion,
    base_url: str,
    now: datetime,
    *,
    superseded_by: UnityVersion | None = None,
) -> Reply:
    """The statement as posted in channels: text, live signatory list, and the sign button."""
    with language(of_coalition(coalition)) as lang:
        reply = await _statement(repo, coalition, version, base_url, now, superseded_by)
        reply.lang = lang
        return reply


async def _statement(
    repo: UnityRepo,
    coalition: Coalition,
    version: UnityVersion,
    base_url: str,
    now: datetime,
    superseded_by: UnityVersion | None,
) -> Reply:
    signed = await repo.signatures(version.id or 0)
    names = await repo.organisation_names()
    blocks: list[Block] = [
        Header(_("{coalition}: unity statement (v{version})", coalition=coalition.name, version=version.number))
    ]
    blocks.extend(text_sections(version.text))
    if signed:
        label = ngettext("Signed by {n} organisation:", "Signed by {n} organisations:", len(signed))
        listed = names_list([names.get(s.organisation_id, "?") for s in signed], LISTED_SIGNATORIES)
        blocks.append(Section(fill(_("{label} {names}."), label=Bold(label), names=listed)))
    else:
        blocks.append(Section(rich(Italic(_("No organisation has signed yet.")))))
    closed = superseded_by is not None or (version.deadline is not None and now >= version.deadline)
    published = Timestamp(version.published_at or now, coalition.tz)
    if superseded_by is not None:
        footer = fill(
            _("Published {published}. Superseded by v{version}: sign the new version instead."),
            published=published,
            version=str(superseded_by.number),
        )
    elif version.deadline is not None:
        if closed:
            sentence = _("Published {published}. Signing closed {deadline}.")
        else:
            sentence = _("Published {published}. Signing closes {deadline}.")
        footer = fill(sentence, published=published, deadline=Timestamp(version.deadline, coalition.tz))
    else:
        footer = fill(_("Published {published}."), published=published)
    url = public_url(base_url, coalition)
    if url:
        footer = footer + rich(" ", Link(url, _("Public page")))
    blocks.append(Context(footer))
    if not closed:
        blocks.append(
            Actions((Button(_("Sign for my organisation"), SIGN_ACTION, str(version.id), ButtonStyle.PRIMARY),))
        )
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
            passage = fill(_("“{removed}” → “{added}”"), removed=clip(removed), added=clip(added))
            lines.append(rich(Bold(_("~ changed:")), " ", passage))
        elif removed:
            lines.append(rich(Bold(_("− removed:")), " ", clip(removed)))
        else:
            lines.append(rich(Bold(_("+ added:")), " ", clip(added)))
    if not lines:
        return [Context(rich(_("Only spacing changed since v{version}.", version=old.number)))]
    shown = lines[:limit]
    text = rich(_("Changes since v{version}:", version=old.number), "\n")
    for i, line in enumerate(shown):
        text = text + line + ("\n" if i < len(shown) - 1 else "")
    blocks: list[Block] = [Section(text)]
    if len(lines) > limit:
        more = len(lines) - limit
        blocks.append(Context(rich(ngettext("…and {n} more change.", "…and {n} more changes.", more))))
    return blocks


def clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def find_version(repo: UnityRepo, number: int | None) -> UnityVersion:
    if number is None:
        version = await repo.latest()
        if version is None:
            raise UserError(
                _('There is no statement yet. Steering writes the first draft with `/unity draft "We, the …"`.')
            )
        return version
    version = await repo.version(number)
    if version is None:
        latest = await repo.latest()
        if latest is None:
            message = _("There is no version {number} of the statement (none yet).", number=number)
        elif latest.number == 1:
            message = _("There is no version {number} of the statement (version 1).", number=number)
        else:
            message = _(
                "There is no version {number} of the statement (versions 1–{latest}).",
                number=number,
                latest=latest.number,
            )
        raise NotFound(message)
    return version


async def version_state(repo: UnityRepo, version: UnityVersion, now: datetime) -> str:
    if version.published_at is None:
        return _("Draft")
    current = await repo.published()
    if current is not None and current.id != version.id:
        return _("Published, superseded by v{version}", version=current.number)
    if version.deadline is not None and now >= version.deadline:
        return _("Published, signing closed")
    return _("Published")
