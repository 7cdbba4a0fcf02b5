"""Conflict flags of one coalition. Every query filters on the coalition, like CoalitionRepo, so a
flag id of another coalition finds nothing; recusal (who may see which flag) is decided by the
workflow from :meth:`FlagRepo.parties` and :meth:`FlagRepo.members`. Handlers reach it through
``flag_repo(ctx)``; the escalation job builds it from its session for the flag's coalition."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, or_, update
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.store.flag_models import (
    CLOSED,
    NOT_CLOSED,
    ConflictFlag,
    FlagEvent,
    FlagOrgTally,
    FlagParty,
    FlagQuota,
    FlagStatus,
)
from bot.store.models import Coalition, Identity, Member
from bot.store.repo import CoalitionRepo, Directory
from bot.store.scoped import Scoped


class FlagRepo(Scoped[ConflictFlag | FlagParty | FlagEvent]):
    # the coalition ------------------------------------------------------------------------------

    async def members(self) -> Sequence[Member]:
        """The coalition's members, in the order they joined (handlers and recusal are chosen from them)."""
        return await CoalitionRepo(self.session, self.coalition_id).members()

    async def is_coalition_channel(self, platform: str, workspace: str, channel: str) -> bool:
        """Whether the channel is bound to any coalition (then every member there reads it)."""
        return await Directory(self.session).binding(platform, workspace, channel) is not None

    # flags -------------------------------------------------------------------------------------

    async def flag(self, flag_id: int) -> ConflictFlag | None:
        row = await self.session.get(ConflictFlag, flag_id)
        return row if row is not None and row.coalition_id == self.coalition_id else None

    async def by_receipt(self, receipt_hash: str) -> ConflictFlag | None:
        query = select(ConflictFlag).where(
            ConflictFlag.coalition_id == self.coalition_id, ConflictFlag.receipt_hash == receipt_hash
        )
        return (await self.session.exec(query)).first()

    def not_recused(self, member: Member) -> ColumnElement[bool]:
        """The flags ``member`` is not recused from, as a condition on ``conflict_flag``: not its
        named reporter, and naming neither them nor their organisation as a party (the rule of
        ``bot.commands.flag.access.recused_ids``, for reading a page at a time in SQL)."""
        named = [col(FlagParty.member_id) == member.id]
        if member.organisation_id is not None:
            named.append(col(FlagParty.organisation_id) == member.organisation_id)
        naming = select(FlagParty.flag_id).where(FlagParty.coalition_id == self.coalition_id, or_(*named))
        return and_(
            or_(col(ConflictFlag.reporter_id).is_(None), col(ConflictFlag.reporter_id) != member.id),
            col(ConflictFlag.id).not_in(naming),
        )

    def flag_ids(self, where: ColumnElement[bool]) -> Select[Any]:
        """The ids of this coalition's flags that meet ``where`` (a subquery)."""
        return sql_select(col(ConflictFlag.id)).where(col(ConflictFlag.coalition_id) == self.coalition_id, where)

    async def status_counts(self) -> dict[str, int]:
        """How many flags are in each status (one grouped count)."""
        query = (
            sql_select(col(ConflictFlag.status), func.count())
            .where(col(ConflictFlag.coalition_id) == self.coalition_id)
            .group_by(col(ConflictFlag.status))
        )
        return dict((await self.session.exec(query)).all())  # type: ignore[call-overload]

    async def flags(self, *, include_closed: bool = True) -> Sequence[ConflictFlag]:
        query = select(ConflictFlag).where(ConflictFlag.coalition_id == self.coalition_id)
        if not include_closed:
            query = query.where(col(ConflictFlag.status).in_(NOT_CLOSED))
        return (await self.session.exec(query.order_by(col(ConflictFlag.id)))).all()

    async def recently_closed(self, limit: int) -> Sequence[ConflictFlag]:
        """The flags closed last, newest first (a page, not every closed flag)."""
        query = select(ConflictFlag).where(
            ConflictFlag.coalition_id == self.coalition_id, col(ConflictFlag.status).in_(list(CLOSED))
        )
        closed = func.coalesce(col(ConflictFlag.closed_at), col(ConflictFlag.created_at))
        return (await self.session.exec(query.order_by(closed.desc(), col(ConflictFlag.id).desc()).limit(limit))).all()

    async def by_reporter(self, member_id: int) -> Sequence[ConflictFlag]:
        query = select(ConflictFlag).where(
            ConflictFlag.coalition_id == self.coalition_id, ConflictFlag.reporter_id == member_id
        )
        return (await self.session.exec(query.order_by(col(ConflictFlag.id)))).all()

    async def member_by_account(self, user_id: str) -> Member | None:
        """The member with this platform user id (a mention), whichever workspace the account is from."""
        query = (
            select(Member)
            .join(Identity, col(Identity.member_id) == col(Member.id))
            .where(Identity.coalition_id == self.coalition_id, Identity.user_id == user_id)
        )
        return (await self.session.exec(query)).first()

    # parties and log ---------------------------------------------------------------------------

    async def parties(self, flag_ids: Sequence[int]) -> dict[int, list[FlagParty]]:
        """The parties of each flag, by flag id (one query for a whole list)."""
        found: dict[int, list[FlagParty]] = {flag_id: [] for flag_id in flag_ids}
        if not flag_ids:
            return found
        query = select(FlagParty).where(
            FlagParty.coalition_id == self.coalition_id, col(FlagParty.flag_id).in_(list(flag_ids))
        )
        for party in (await self.session.exec(query.order_by(col(FlagParty.id)))).all():
            found[party.flag_id].append(party)
        return found

    async def events(self, flag_id: int) -> Sequence[FlagEvent]:
        query = select(FlagEvent).where(FlagEvent.coalition_id == self.coalition_id, FlagEvent.flag_id == flag_id)
        return (await self.session.exec(query.order_by(col(FlagEvent.at), col(FlagEvent.id)))).all()

    async def all_events(self) -> Sequence[FlagEvent]:
        query = select(FlagEvent).where(FlagEvent.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(FlagEvent.id)))).all()

    async def all_parties(self) -> Sequence[FlagParty]:
        query = select(FlagParty).where(FlagParty.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(FlagParty.id)))).all()

    # the daily limit ---------------------------------------------------------------------------

    async def raised_today(self, day: date, key: str) -> int:
        query = select(FlagQuota.count).where(
            FlagQuota.coalition_id == self.coalition_id, FlagQuota.day == day, FlagQuota.key == key
        )
        return int((await self.session.exec(query)).first() or 0)

    async def count_raise(self, day: date, key: str, limit: int) -> bool:
        """Count one more flag for ``key`` today, unless it already reached ``limit``; False then.

        One conditional UPDATE, so two submissions at the same moment cannot both take the last
        place; a first flag of the day inserts the row (a concurrent insert loses on the unique key
        and the whole unit of work runs again)."""
        await self.session.exec(
            delete(FlagQuota).where(  # type: ignore[call-overload]
                col(FlagQuota.coalition_id) == self.coalition_id, col(FlagQuota.day) < day
            )
        )
        result = await self.session.exec(
            update(FlagQuota)  # type: ignore[call-overload]
            .where(
                col(FlagQuota.coalition_id) == self.coalition_id,
                col(FlagQuota.day) == day,
                col(FlagQuota.key) == key,
                col(FlagQuota.count) < limit,
            )
            .values(count=FlagQuota.count + 1)
        )
        if result.rowcount:
            return True
        if await self.raised_today(day, key) >= limit:
            return False
        self.session.add(FlagQuota(coalition_id=self.coalition_id, day=day, key=key, count=1))
        await self.session.flush()
        return True

    async def quota_rows(self) -> Sequence[FlagQuota]:
        query = select(FlagQuota).where(FlagQuota.coalition_id == self.coalition_id)
        return (await self.session.exec(query.order_by(col(FlagQuota.day)))).all()

    # counts per organisation (SPEC §8) -------------------------------------------------------------

    async def tally_anonymous(self, organisation_id: int) -> None:
        """One more anonymous flag from a member of this organisation: one ``UPDATE`` of its counter
        (the first inserts it; a concurrent first insert loses on the unique key and runs again)."""
        result = await self.session.exec(
            update(FlagOrgTally)  # type: ignore[call-overload]
            .where(
                col(FlagOrgTally.coalition_id) == self.coalition_id,
                col(FlagOrgTally.organisation_id) == organisation_id,
            )
            .values(anonymous=FlagOrgTally.anonymous + 1)
        )
        if not result.rowcount:
            self.session.add(FlagOrgTally(coalition_id=self.coalition_id, organisation_id=organisation_id, anonymous=1))
            await self.session.flush()

    async def anonymous_by_organisation(self) -> dict[int, int]:
        query = select(FlagOrgTally.organisation_id, FlagOrgTally.anonymous).where(
            FlagOrgTally.coalition_id == self.coalition_id
        )
        return dict((await self.session.exec(query)).all())

    async def anonymous_total(self) -> int:
        query = select(func.count()).where(
            col(ConflictFlag.coalition_id) == self.coalition_id, col(ConflictFlag.anonymous).is_(True)
        )
        return int((await self.session.exec(query)).one())

    async def named_by_organisation(
        self, viewer_id: int, viewer_organisation: int | None
    ) -> list[tuple[int | None, int, int]]:
        """(the reporter's organisation, flags, distinct reporters) of the named flags the viewer may
        handle, counted in SQL: not their own, none naming them or their organisation."""
        party = FlagParty
        names_viewer = exists().where(
            col(party.flag_id) == col(ConflictFlag.id),
            or_(
                col(party.member_id) == viewer_id,
                and_(col(party.organisation_id).is_not(None), col(party.organisation_id) == viewer_organisation),
            ),
        )
        query = (
            select(
                col(Member.organisation_id),
                func.count(col(ConflictFlag.id)),
                func.count(func.distinct(col(ConflictFlag.reporter_id))),
            )
            .join(Member, col(Member.id) == col(ConflictFlag.reporter_id))
            .where(
                col(ConflictFlag.coalition_id) == self.coalition_id,
                col(ConflictFlag.anonymous).is_(False),
                col(ConflictFlag.reporter_id) != viewer_id,
                ~names_viewer,
            )
            .group_by(col(Member.organisation_id))
        )
        return [(org, int(flags), int(people)) for org, flags, people in (await self.session.exec(query)).all()]

    # retention ---------------------------------------------------------------------------------

    async def closed_before(self, before: datetime) -> list[int]:
        """Ids of this coalition's flags resolved or dismissed before ``before``."""
        query = select(ConflictFlag.id).where(
            ConflictFlag.coalition_id == self.coalition_id,
            col(ConflictFlag.status).in_(list(CLOSED)),
            col(ConflictFlag.closed_at) < before,
        )
        return [int(i) for i in (await self.session.exec(query)).all() if i is not None]

    async def delete_flags(self, flag_ids: Sequence[int]) -> dict[str, int]:
        """Delete these flags of this coalition whole: their log, their parties, the flags (and so
        their receipt hashes). Returns how many rows of each went."""
        counts = {"flags": 0, "events": 0, "parties": 0}
        for start in range(0, len(flag_ids), 500):
            ids = list(flag_ids[start : start + 500])
            for kind, model in (("events", FlagEvent), ("parties", FlagParty)):
                result = await self.session.exec(
                    delete(model).where(  # type: ignore[call-overload]
                        col(model.coalition_id) == self.coalition_id, col(model.flag_id).in_(ids)
                    )
                )
                counts[kind] += int(result.rowcount or 0)
            result = await self.session.exec(
                delete(ConflictFlag).where(  # type: ignore[call-overload]
                    col(ConflictFlag.coalition_id) == self.coalition_id, col(ConflictFlag.id).in_(ids)
                )
            )
            counts["flags"] += int(result.rowcount or 0)
        return counts

    # forget-me ---------------------------------------------------------------------------------

    async def forget_member(self, member_id: int) -> int:
        """Take a member's name off every flag: as reporter, as a party, as the author of log lines.
        The flags and their log stay. Returns how many flags they had reported."""
        reported = await self.session.exec(
            update(ConflictFlag)  # type: ignore[call-overload]
            .where(col(ConflictFlag.coalition_id) == self.coalition_id, col(ConflictFlag.reporter_id) == member_id)
            .values(reporter_id=None)
        )
        await self.session.exec(
            update(FlagParty)  # type: ignore[call-overload]
            .where(col(FlagParty.coalition_id) == self.coalition_id, col(FlagParty.member_id) == member_id)
            .values(member_id=None)
        )
        await self.session.exec(
            update(FlagEvent)  # type: ignore[call-overload]
            .where(col(FlagEvent.coalition_id) == self.coalition_id, col(FlagEvent.actor_id) == member_id)
            .values(actor_id=None)
        )
        return int(reported.rowcount or 0)


async def any_flag(session: AsyncSession, flag_id: int) -> ConflictFlag | None:
    """A flag of any coalition, by id (the escalation job's item)."""
    return await session.get(ConflictFlag, flag_id)


async def unescalated(session: AsyncSession) -> Sequence[tuple[ConflictFlag, Coalition]]:
    """Open flags, in every coalition, whose steering reminder has not been sent yet."""
    query = (
        select(ConflictFlag, Coalition)
        .join(Coalition, col(Coalition.id) == col(ConflictFlag.coalition_id))
        .where(ConflictFlag.status == FlagStatus.OPEN.value, col(ConflictFlag.escalated_at).is_(None))
        .order_by(col(ConflictFlag.created_at), col(ConflictFlag.id))
    )
    return (await session.exec(query)).all()
