"""``/coalition export`` written to files a table at a time (issue 23): each section is encoded and
written off the event loop (``asyncio.to_thread``), a streamed section one page at a time, so
neither the rows nor the text of a coalition's whole history sit in memory while the file grows.
The finished files are read back once to be uploaded."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from bot.core.workflow import CsvStream


def _append_rows(handle: IO[str], rows: Sequence[Mapping[str, Any]], first: bool) -> None:
    text = ",\n".join(json.dumps(row, default=str, ensure_ascii=False) for row in rows)
    handle.write(("\n" if first else ",\n") + text)


def _write(handle: IO[str], text: str) -> None:
    handle.write(text)


async def write_json(path: Path, sections: Iterable[tuple[str, Any]]) -> int:
    """Every section into one JSON object at ``path``; the number of rows written."""
    rows = 0
    handle = await asyncio.to_thread(path.open, "w", encoding="utf-8")
    try:
        await asyncio.to_thread(_write, handle, "{")
        for index, (name, value) in enumerate(sections):
            head = ("," if index else "") + "\n" + json.dumps(name) + ": "
            if hasattr(value, "batches"):
                await asyncio.to_thread(_write, handle, head + "[")
                first = True
                async for batch in value.batches():
                    if batch:
                        await asyncio.to_thread(_append_rows, handle, batch, first)
                        first, rows = False, rows + len(batch)
                await asyncio.to_thread(_write, handle, "\n]")
            else:
                text = await asyncio.to_thread(json.dumps, value, indent=2, default=str, ensure_ascii=False)
                await asyncio.to_thread(_write, handle, head + text)
                rows += len(value) if isinstance(value, list) else 0
        await asyncio.to_thread(_write, handle, "\n}\n")
    finally:
        await asyncio.to_thread(handle.close)
    return rows


def _append_csv(handle: IO[str], stream: CsvStream, rows: Sequence[Mapping[str, Any]]) -> None:
    csv.writer(handle).writerows(stream.cells(row) for row in rows)


async def write_csv(path: Path, stream: CsvStream) -> None:
    handle = await asyncio.to_thread(path.open, "w", encoding="utf-8", newline="")
    try:
        await asyncio.to_thread(lambda: csv.writer(handle).writerow(stream.header))
        async for batch in stream.rows.batches():
            await asyncio.to_thread(_append_csv, handle, stream, batch)
    finally:
        await asyncio.to_thread(handle.close)
