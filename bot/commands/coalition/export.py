"""``/coalition export``: everything the coalition holds, as one JSON file plus the files workflows
add (CSV), each workflow contributing its declared ``export``."""

from __future__ import annotations

import json

from bot.commands.coalition.command import coalition
from bot.commands.common import row_dict
from bot.core import workflow
from bot.core.context import Ctx
from bot.core.i18n import N_, _, ngettext
from bot.core.params import Args
from bot.core.registry import STEERING
from bot.core.ui import Attachment, Reply, Section, rich
from bot.core.workflow import Export, as_export
from bot.store.membership_models import JoinRequest
from bot.store.models import AuditEntry, ChannelBinding, GroupMembership, Identity, LinkCode, WorkingGroup
from bot.store.outbox_models import OutboxMessage

OUTBOX_FIELDS = ("id", "key", "kind", "platform", "workspace", "target", "status", "attempts", "last_error")


@coalition.sub(
    "export", summary=N_("Steering: everything as JSON and CSV"), usage=N_("/coalition export"), roles=STEERING
)
async def export(ctx: Ctx, args: Args) -> Reply:
    c = ctx.c
    data: dict[str, object] = {}
    files: list[Attachment] = []
    summary: list[str] = []
    for flow in workflow.active():
        if flow.export is None:
            continue
        part = as_export(await flow.export(ctx))
        data.update(part.tables)
        files.extend(part.files)
        summary.extend(part.summary)
    await ctx.repo.audit("coalition.exported", member=ctx.me)
    everything = Attachment(
        f"{c.slug}.json", json.dumps(data, indent=2, default=str).encode(), "application/json", _("Everything (JSON)")
    )
    return Reply(
        blocks=[Section(rich(_("Export of {coalition}: {summary}.", coalition=c.name, summary=", ".join(summary))))],
        attachments=[everything, *files],
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
            "audit": [row_dict(a) for a in await repo.all(AuditEntry)],
            "join_requests": [row_dict(r) for r in await repo.all(JoinRequest)],
            "deliveries": [
                {name: getattr(m, name) for name in OUTBOX_FIELDS} | {"created_at": m.created_at, "sent_at": m.sent_at}
                for m in await repo.all(OutboxMessage)
            ],
        },
        summary=[ngettext("{n} member", "{n} members", len(people))],
    )
