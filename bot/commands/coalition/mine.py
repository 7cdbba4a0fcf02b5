"""``/coalition export mine``: everything stored about the person asking, from every workflow's
``export_mine`` hook, as one JSON file and one CSV file per table; and the coalition's own part."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.models import AuditEntry, GroupMembership, Identity, LinkCode, Member

PRIVACY = (
    DataUse(
        what=N_(
            "Members: display name, organisation, role, time zone, language, and the platform accounts (Slack or Discord ids) they use."
        ),
        why=N_("To know who may do what, and to reach each person in their language and time zone."),
        who_sees=N_("Members of the coalition; platform ids only steering, in the export."),
        kept=N_("Until the person uses forget-me or the coalition is deleted."),
    ),
    DataUse(
        what=N_("Organisations, working groups and who belongs to them."),
        why=N_("To organise work and give goals and pledges an owner."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("As long as the coalition exists; forget-me removes the person's memberships."),
    ),
    DataUse(
        what=N_("Linked channels, join requests and one-time codes (stored only as a hash)."),
        why=N_("To connect chat channels across platforms and let people in."),
        who_sees=N_("Steering."),
        kept=N_("Codes until they expire; a join request until steering decides."),
    ),
    DataUse(
        what=N_("The audit log: important actions (roles, links, exports, settings), who did them and when."),
        why=N_("So steering can see who changed what."),
        who_sees=N_("Steering (/coalition audit); flags keep their own private log."),
        kept=N_("As long as the coalition exists; forget-me removes the person's name from it."),
    ),
    DataUse(
        what=N_("Messages waiting to be sent or already sent by the bot."),
        why=N_("To deliver announcements and reminders reliably, retrying when a platform fails."),
        who_sees=N_("Nobody reads them; steering sees delivery counts."),
        kept=N_("Private messages to a person are deleted by forget-me."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    """The member's own row, accounts, group memberships, the link codes they made (never the code)
    and the audited actions they did."""
    return {
        "member": await mine(ctx, Member, member_id, "id"),
        "accounts": await mine(ctx, Identity, member_id, "member_id"),
        "group_memberships": await mine(ctx, GroupMembership, member_id, "member_id"),
        "link_codes_created": await mine(ctx, LinkCode, member_id, "created_by", hide=("code_hash",)),
        "audit_actions": await mine(ctx, AuditEntry, member_id, "member_id"),
    }
