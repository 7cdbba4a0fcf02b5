"""Who may handle which flag. Facilitators and steering handle flags, except a flag's reporter and
anyone it names: a member named as a party, or a member of an organisation named as a party, is
recused. A recused handler is treated exactly as if the flag did not exist: it is not sent to them,
not listed, not shown, and the error for its id is the one for an unknown id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.commands.flag.command import ACK_OVERDUE, OUTCOME_OVERDUE
from bot.commands.flag.repo import flag_repo
from bot.core.context import Ctx
from bot.core.errors import NotFound
from bot.core.i18n import _
from bot.store.flag_models import CLOSED, ConflictFlag, FlagParty, FlagStatus
from bot.store.flag_repo import FlagRepo
from bot.store.models import Member, Role

HANDLER_ROLES = frozenset({Role.STEERING.value, Role.FACILITATOR.value})


def is_handler(member: Member | None) -> bool:
    return member is not None and member.role in HANDLER_ROLES


def recused_ids(flag: ConflictFlag, parties: Sequence[FlagParty], members: Sequence[Member]) -> set[int]:
    """Members who must not handle this flag: its named reporter, named members, members of named organisations."""
    named_orgs = {p.organisation_id for p in parties if p.organisation_id is not None}
    recused = {p.member_id for p in parties if p.member_id is not None}
    recused |= {m.id for m in members if m.id is not None and m.organisation_id in named_orgs}
    if flag.reporter_id is not None:
        recused.add(flag.reporter_id)
    return recused


def may_handle(member: Member, flag: ConflictFlag, parties: Sequence[FlagParty], members: Sequence[Member]) -> bool:
    return is_handler(member) and member.id not in recused_ids(flag, parties, members)


async def handlers_for(repo: FlagRepo, flag: ConflictFlag, *, roles: frozenset[str] = HANDLER_ROLES) -> list[Member]:
    """The members who receive news of this flag: handlers (of ``roles``) who are not recused."""
    members = await repo.members()
    parties = (await repo.parties([flag.id or 0]))[flag.id or 0]
    recused = recused_ids(flag, parties, members)
    return [m for m in members if m.role in roles and m.id not in recused]


async def visible_flags(ctx: Ctx, flags: Sequence[ConflictFlag]) -> list[ConflictFlag]:
    """The flags the actor may handle, from ``flags``."""
    if not is_handler(ctx.member):
        return []
    if not flags:
        return []
    parties = await flag_repo(ctx).parties([f.id for f in flags if f.id is not None])
    me = [ctx.me]  # whether the actor is recused needs no one else (not every member: SPEC §6)
    return [f for f in flags if may_handle(ctx.me, f, parties.get(f.id or 0, []), me)]


async def handled_flag(ctx: Ctx, flag_id: int) -> ConflictFlag:
    """The flag with this id, if the actor may handle it; else the same error as an unknown id."""
    flag = await flag_repo(ctx).flag(flag_id)
    if flag is None or not await visible_flags(ctx, [flag]):
        raise NotFound(
            _(
                "There is no flag #{id} that you can handle in {coalition}. `/flag list` shows the flags you handle.",
                id=flag_id,
                coalition=ctx.c.name,
            )
        )
    return flag


def overdue(flag: ConflictFlag, now: datetime) -> bool:
    """Not acknowledged within 7 days, or without an outcome after 90 days."""
    if flag.status in CLOSED:
        return False
    waited = now - flag.created_at
    return (flag.status == FlagStatus.OPEN.value and waited >= ACK_OVERDUE) or waited >= OUTCOME_OVERDUE
