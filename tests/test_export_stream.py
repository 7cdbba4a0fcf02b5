"""``/coalition export`` streams (issue 23): a table read a page at a time, only the coalition's
rows, and the JSON and CSV files written page by page read back as the same data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.export_file import write_csv, write_json
from bot.core.workflow import CsvStream
from bot.store.db import Database
from bot.store.models import Checkin, Goal
from bot.store.repo import CoalitionRepo, Directory


class Paged:
    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages

    async def batches(self) -> AsyncIterator[Sequence[Mapping[str, Any]]]:
        for page in self.pages:
            yield page


async def test_json_and_csv_written_page_by_page_read_back_whole(tmp_path: Path) -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [{"id": n, "text": f"=row {n} “quoted”", "at": at} for n in range(7)]
    paged = Paged([rows[:3], [], rows[3:6], rows[6:]])
    path = tmp_path / "all.json"
    written = await write_json(path, [("coalition", {"name": "Clean Air"}), ("rows", paged), ("empty", Paged([]))])
    assert written == 7
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {
        "coalition": {"name": "Clean Air"},
        "rows": [{"id": n, "text": f"=row {n} “quoted”", "at": str(at)} for n in range(7)],
        "empty": [],
    }
    sheet = tmp_path / "rows.csv"
    await write_csv(sheet, CsvStream("rows.csv", "Rows", ["id", "text"], paged, lambda r: [r["id"], "'" + r["text"]]))
    table = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8"))))
    assert table[0] == ["id", "text"]
    assert [r[0] for r in table[1:]] == [str(n) for n in range(7)]
    assert table[1][1] == "'=row 0 “quoted”"


async def test_pages_hold_only_the_coalitions_rows_a_page_at_a_time(db: Database) -> None:
    async with db.unit_of_work() as session:
        directory = Directory(session)
        mine = await directory.create_coalition(name="Mine", slug="pages-mine", tz="UTC")
        theirs = await directory.create_coalition(name="Theirs", slug="pages-theirs", tz="UTC")
        for coalition, n in ((mine, 5), (theirs, 3)):
            repo = CoalitionRepo(session, coalition.id or 0)
            goal = await repo.add(Goal(coalition_id=repo.coalition_id, title="Calls", target=10))
            await repo.add_checkins(
                Checkin(coalition_id=repo.coalition_id, goal_id=goal.id or 0, amount=float(k)) for k in range(n)
            )
    async with db.session() as session:
        repo = CoalitionRepo(session, mine.id or 0)
        sizes, amounts = [], []
        async for batch in repo.pages(Checkin, size=2).batches():
            sizes.append(len(batch))
            amounts += [row["amount"] for row in batch]
        picked = [row async for batch in repo.pages(Checkin, columns=("amount",)).batches() for row in batch]
    assert sizes == [2, 2, 1]
    assert amounts == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert picked == [{"amount": float(k)} for k in range(5)]
