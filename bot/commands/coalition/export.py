"""``/coalition export``: everything the coalition holds, as one JSON file plus the files workflows
add (CSV), each workflow contributing its declared ``export``. The files are written a table at a
time off the event loop, large tables a page at a time (:mod:`bot.core.export_file`)."""

from __future__ import annotations

import asyncio
import csv
import functools
import io
from collections.abc import Mapping
from typing import Any

from bot.commands.coalition.command import coalition
from bot.commands.common import csv_cell, row_dict
from bot.core import text, workflow
from bot.core.context import Ctx
from bot.core.errors import PermissionDenied
from bot.core.export_file import scratch_file, sweep, write_bytes, write_csv, write_json
from bot.core.i18n import N_, _, ngettext
from bot.core.params import Args, Kind, Param
from bot.core.progress import Progress
from bot.core.registry import STEERING
from bot.core.ui import Attachment, Reply, Section, rich
from bot.core.workflow import CsvStream, Export, as_export
from bot.store.membership_models import JoinRequest
from bot.store.models import AuditEntry, ChannelBinding, GroupMembership, Identity, LinkCode, Role, WorkingGroup
from bot.store.outbox_models import OutboxMessage

OUTBOX_FIELDS = ("id", "key", "kind", "platform", "workspace", "target", "status", "attempts", "last_error")


MINE = Param(
    "what", Kind.CHOICE, positional=True, choices=("mine",), description=N_("mine: everything stored about you")
)


@coalition.sub(
    "export",
    summary=N_("Steering: everything as JSON and CSV; anyone: `export mine`, your own data"),
    usage=N_("/coalition export [mine]"),
    params=(MINE,),
)
async def export(ctx: Ctx, args: Args) -> Reply:
    if args.get("what") == "mine":
        return await export_mine_reply(ctx)
    if Role(ctx.me.role) not in STEERING:
        raise PermissionDenied(text.permission_denied("/coalition export", Role(ctx.me.role), STEERING))
    c = ctx.c
    sections: list[tuple[str, Any]] = []
    wanted: list[Attachment | CsvStream] = []
    summary: list[str] = []
    for flow in workflow.active():
        if flow.export is None:
            continue
        part = as_export(await flow.export(ctx))
        sections.extend(part.tables.items())
        wanted.extend(part.files)
        summary.extend(part.summary)
    streams = sum(isinstance(f, CsvStream) for f in wanted)
    progress = Progress(ctx.clock, len(sections) + streams, preparing)
    files = await written(f"{c.slug}.json", sections, wanted, progress)
    # Written last, so the transaction writes nothing while the files are made (on SQLite a write
    # would hold every other writer back for the whole export).
    await ctx.repo.audit("coalition.exported", member=ctx.me)
    return Reply(
        blocks=[Section(rich(_("Export of {coalition}: {summary}.", coalition=c.name, summary=", ".join(summary))))],
        attachments=files,
    )


async def written(
    name: str, sections: list[tuple[str, Any]], wanted: list[Attachment | CsvStream], progress: Progress
) -> list[Attachment]:
    """The export's files, on disk: every section in one JSON file, then the workflows' files (a CSV
    stream written a page at a time). Removed again when writing one of them fails."""
    await asyncio.to_thread(sweep)
    files: list[Attachment] = []
    try:
        path = scratch_file(".json")
        files.append(Attachment.on_disk(path, name, "application/json", _("Everything (JSON)")))
        await write_json(path, sections, progress.at)
        done = len(sections)
        for wanted_file in wanted:
            if isinstance(wanted_file, CsvStream):
                path = scratch_file(".csv")
                files.append(Attachment.on_disk(path, wanted_file.filename, "text/csv", wanted_file.title))
                await write_csv(path, wanted_file, progress.at, done)
                done += 1
                await progress.at(done)
            else:
                files.append(wanted_file)
    except BaseException:
        for attachment in files:
            attachment.discard()
        raise
    return files


def preparing(done: int, total: int) -> Reply:
    return Reply.private(
        ngettext(
            "Preparing your export… ({done} of {total} part written). The files follow when they are ready.",
            "Preparing your export… ({done} of {total} parts written). The files follow when they are ready.",
            total,
            done=done,
            total=total,
        )
    )


async def coalition_export(ctx: Ctx) -> Export:
    """The coalition itself: its channels, organisations, members and their accounts, working groups,
    link codes (never the code), the audit log and the delivery log (never a message's content)."""
    c, repo = ctx.c, ctx.repo
    people = await repo.members()
    return Export(
        tables={
            "coalition": {
                "name": c.name,
                "slug": c.slug,
                "tz": c.tz,
                "language": c.language,
                "created_at": c.created_at.isoformat(),
            },
            "channels": [row_dict(b) for b in await repo.all(ChannelBinding)],
            "organisations": [{"id": o.id, "name": o.name} for o in await repo.organisations()],
            "members": [
                {"id": m.id, "name": m.display_name, "role": m.role, "organisation_id": m.organisation_id}
                for m in people
            ],
            "accounts": [row_dict(i) for i in await repo.all(Identity)],
            "working_groups": [row_dict(g) for g in await repo.all(WorkingGroup)],
            "group_memberships": [row_dict(g) for g in await repo.all(GroupMembership)],
            "link_codes": [row_dict(code) | {"code_hash": None} for code in await repo.all(LinkCode)],
            "audit": repo.pages(AuditEntry),
            "join_requests": [row_dict(r) for r in await repo.all(JoinRequest)],
            "deliveries": repo.pages(OutboxMessage, columns=(*OUTBOX_FIELDS, "created_at", "sent_at")),
        },
        summary=[ngettext("{n} member", "{n} members", len(people))],
    )


def as_csv(rows: list[Mapping[str, Any]]) -> bytes:
    """Rows of plain data as CSV: every column any row has, user text guarded against formulas."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        cells = [row.get(name) for name in columns]
        writer.writerow(["" if v is None else csv_cell(v) if isinstance(v, str) else v for v in cells])
    return buffer.getvalue().encode()


def tabular(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(row, Mapping) for row in value)


async def export_mine_reply(ctx: Ctx) -> Reply:
    """``/coalition export mine`` (an option of ``/coalition export``, so Discord sees one subcommand).
    Gathered a workflow at a time (said how far it has got when that takes long), then written to
    files off the event loop and sent from disk, like the coalition's export."""
    me = ctx.me
    hooks = [flow.export_mine for flow in workflow.active() if flow.export_mine is not None]
    progress = Progress(ctx.clock, len(hooks), preparing)
    data: dict[str, Any] = {}
    for done, hook in enumerate(hooks, start=1):
        data.update(await hook(ctx, me.id or 0))
        await progress.at(done)
    slug = ctx.c.slug
    files: list[Attachment] = []
    try:
        path = scratch_file(".json")
        files.append(Attachment.on_disk(path, f"{slug}-mine.json", "application/json", _("Your data (JSON)")))
        await write_json(path, data.items())
        for name, rows in data.items():
            if tabular(rows):
                path = scratch_file(".csv")
                title = _("{table} (CSV)", table=name)
                files.append(Attachment.on_disk(path, f"{slug}-mine-{name}.csv", "text/csv", title))
                await write_bytes(path, functools.partial(as_csv, rows))
    except BaseException:
        for attachment in files:
            attachment.discard()
        raise
    rows = sum(len(v) for v in data.values() if isinstance(v, list))
    text = ngettext(
        "Everything {coalition} stores about you: {n} record.",
        "Everything {coalition} stores about you: {n} records.",
        rows,
        coalition=ctx.c.name,
    )
    return Reply(blocks=[Section(rich(text))], attachments=files)
