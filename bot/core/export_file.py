"""``/coalition export`` written to files a table at a time (issue 23): each section is encoded and
written off the event loop (``asyncio.to_thread``), a streamed section one page at a time, so
neither the rows nor the text of a coalition's whole history sit in memory while the file grows.
The finished files are not read back: they are sent from disk (an :class:`~bot.core.ui.Attachment`
``on_disk``) and removed once sent. They live in one directory of the system's temporary one;
what a process killed mid-export left there is swept by the next export a day later."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from bot.core.workflow import CsvStream

STALE = 24 * 3600  # seconds: a file this old in the scratch directory belongs to nobody any more

Step = Callable[[int], Awaitable[None]]  # told how many sections are done (bot.core.progress)


async def _no_step(_done: int) -> None:
    return None


def scratch_file(suffix: str) -> Path:
    """A new empty file of our own for an export, in ``<tmp>/coalition-bot-exports``."""
    folder = Path(tempfile.gettempdir()) / "coalition-bot-exports"
    folder.mkdir(mode=0o700, exist_ok=True)
    handle, name = tempfile.mkstemp(suffix=suffix, dir=folder)
    os.close(handle)
    return Path(name)


def sweep(older_than: float = STALE) -> None:
    """Remove what exports of processes that died left behind (run off the event loop)."""
    folder = Path(tempfile.gettempdir()) / "coalition-bot-exports"
    limit = time.time() - older_than
    for path in folder.glob("*") if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _append_rows(handle: IO[str], rows: Sequence[Mapping[str, Any]], first: bool) -> None:
    text = ",\n".join(json.dumps(row, default=str, ensure_ascii=False) for row in rows)
    handle.write(("\n" if first else ",\n") + text)


def _write(handle: IO[str], text: str) -> None:
    handle.write(text)


async def write_json(path: Path, sections: Iterable[tuple[str, Any]], step: Step = _no_step) -> int:
    """Every section into one JSON object at ``path``; the number of rows written. ``step`` hears
    how many sections are done after each section and each page."""
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
                    await step(index)
                await asyncio.to_thread(_write, handle, "\n]")
            else:
                text = await asyncio.to_thread(json.dumps, value, indent=2, default=str, ensure_ascii=False)
                await asyncio.to_thread(_write, handle, head + text)
                rows += len(value) if isinstance(value, list) else 0
            await step(index + 1)
        await asyncio.to_thread(_write, handle, "\n}\n")
    finally:
        await asyncio.to_thread(handle.close)
    return rows


def _append_csv(handle: IO[str], stream: CsvStream, rows: Sequence[Mapping[str, Any]]) -> None:
    csv.writer(handle).writerows(stream.cells(row) for row in rows)


async def write_csv(path: Path, stream: CsvStream, step: Step = _no_step, done: int = 0) -> None:
    """``stream`` as CSV at ``path``; ``step`` hears ``done`` (the sections before it) after each page."""
    handle = await asyncio.to_thread(path.open, "w", encoding="utf-8", newline="")
    try:
        await asyncio.to_thread(lambda: csv.writer(handle).writerow(stream.header))
        async for batch in stream.rows.batches():
            await asyncio.to_thread(_append_csv, handle, stream, batch)
            await step(done)
    finally:
        await asyncio.to_thread(handle.close)


async def write_bytes(path: Path, make: Callable[[], bytes]) -> None:
    """What ``make`` encodes (a small file), encoded and written off the event loop."""
    await asyncio.to_thread(lambda: path.write_bytes(make()))
