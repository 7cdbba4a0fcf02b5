"""Two members who are one person (``/coalition connect``): re-pointing what one did to the other.
A part of :class:`bot.store.repo.CoalitionRepo`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, func, or_, update
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession


class MemberMerging:
    """Member re-pointing of :class:`~bot.store.repo.CoalitionRepo`, filtered on its coalition."""

    session: AsyncSession
    coalition_id: int

    # one person, two members (``/coalition connect``) -------------------------------------------

    async def repoint(self, from_id: int, into_id: int, *columns: Any) -> None:
        """Rows of this coalition naming member ``from_id`` in one of ``columns`` (``col(Model.field)``)
        name ``into_id`` instead."""
        for column in columns:
            table = column.expression.table
            await self.session.exec(  # type: ignore[call-overload]
                update(table)
                .where(table.c.coalition_id == self.coalition_id, column.expression == from_id)
                .values({column.key: into_id})
            )

    async def repoint_once(self, from_id: int, into_id: int, column: Any, *keys: Any, newer: Any | None = None) -> None:
        """Like :meth:`repoint`, for a table holding one row per member and ``keys`` (one vote per slot,
        one membership per group): where both members have a row, the newer one by ``newer`` is kept
        (``into_id``'s on a tie or without ``newer``), the other deleted; then the rest is re-pointed."""
        table = column.expression.table
        member = column.expression
        key_columns = [k.expression for k in keys]
        primary = list(table.primary_key.columns)
        picked = [member, *key_columns, *primary, *([newer.expression] if newer is not None else [])]
        rows = (
            await self.session.exec(  # type: ignore[call-overload]
                select(*picked).where(table.c.coalition_id == self.coalition_id, member.in_((from_id, into_id)))
            )
        ).all()
        seen: dict[tuple[Any, ...], dict[int, Any]] = {}
        for row in rows:
            seen.setdefault(tuple(row[1 : 1 + len(key_columns)]), {})[row[0]] = row
        doomed: list[tuple[Any, ...]] = []
        for both in seen.values():
            if from_id not in both or into_id not in both:
                continue
            mine, theirs = both[from_id], both[into_id]
            keep_from = newer is not None and mine[-1] is not None and (theirs[-1] is None or mine[-1] > theirs[-1])
            loser = theirs if keep_from else mine
            doomed.append(tuple(loser[1 + len(key_columns) : 1 + len(key_columns) + len(primary)]))
        if doomed:
            matches = [and_(*(c == v for c, v in zip(primary, values, strict=True))) for values in doomed]
            await self.session.exec(delete(table).where(or_(*matches)))  # type: ignore[call-overload]
        await self.repoint(from_id, into_id, column)

    async def references(self, member_id: int) -> dict[str, int]:
        """How many rows of any table still name this member (``table.column``: count), zeros left out:
        what a merge must have moved before the member's row goes."""
        found: dict[str, int] = {}
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if not any(fk.column.table.name == "member" for fk in column.foreign_keys):
                    continue
                query = select(func.count()).select_from(table).where(column == member_id)
                count = (await self.session.exec(query)).one()  # type: ignore[call-overload]
                if count:
                    found[f"{table.name}.{column.name}"] = count
        return found
