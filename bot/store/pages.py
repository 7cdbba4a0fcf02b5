"""A coalition's table read page by page, for exports that stream (issue 23): keyset pages on the
primary key, each row a plain mapping that no session keeps, so memory holds one page, not the
table. Every page filters on the coalition."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as sql_select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

PAGE = 500  # rows are made on the event loop: a page is a few milliseconds of it


@dataclass(frozen=True)
class Pages:
    """The rows of ``model`` in ``coalition_id`` (with ``where``), oldest first, ``size`` at a time;
    ``columns`` keeps only those (all by default), ``shape`` turns each row into what is exported."""

    session: AsyncSession
    model: type[SQLModel]
    coalition_id: int
    where: tuple[Any, ...] = ()
    columns: tuple[str, ...] = ()
    shape: Callable[[dict[str, Any]], Mapping[str, Any]] | None = None
    size: int = PAGE

    async def batches(self) -> AsyncIterator[Sequence[Mapping[str, Any]]]:
        table = self.model.__table__  # type: ignore[attr-defined]
        key = table.c.id
        picked = [table.c[name] for name in self.columns] if self.columns else list(table.c)
        if key not in picked:
            picked = [key, *picked]
        last: Any = None
        while True:
            query = sql_select(*picked).where(table.c.coalition_id == self.coalition_id, *self.where)
            if last is not None:
                query = query.where(key > last)
            rows = (await self.session.exec(query.order_by(key).limit(self.size))).all()  # type: ignore[call-overload]
            if not rows:
                return
            last = rows[-1].id
            plain = [self._plain(row._asdict()) for row in rows]
            yield [self.shape(row) for row in plain] if self.shape else plain
            if len(rows) < self.size:
                return

    def _plain(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.columns and "id" not in self.columns:
            row.pop("id", None)
        return row
