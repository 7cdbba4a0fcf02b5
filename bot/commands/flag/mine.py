"""What the flag workflow holds about one member, and what it says about it on the privacy page.

``export mine`` gives the flags a member raised *named*, with their own lines of those flags' logs;
never an anonymous flag (no row links it to anyone, and its receipt code is only a hash), never the
handlers' notes, never a flag that names them as a party (that would expose its reporter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_, ngettext
from bot.core.workflow import DataUse, Retention
from bot.store.flag_models import ConflictFlag, FlagEvent

PRIVACY = (
    DataUse(
        what=N_(
            "Flags: the topic, description, severity, the parties named, and the reporter unless they chose to stay anonymous."
        ),
        why=N_("To raise a conflict confidentially and have it handled."),
        who_sees=N_(
            "Only the facilitators and steering members who are not among its parties; an anonymous flag keeps no trace of who raised it."
        ),
        kept=N_("As long as the coalition exists; forget-me removes the reporter's name and words."),
        retention=Retention(
            "keep_flags",
            offer=N_(
                "Steering can have resolved and dismissed flags deleted, with their log, a number of months after "
                "they close (/coalition settings keep_flags=)."
            ),
            limited=lambda n: ngettext(
                "In this coalition a resolved or dismissed flag is deleted, with its log, {n} month after it closes.",
                "In this coalition a resolved or dismissed flag is deleted, with its log, {n} months after it closes.",
                n,
            ),
        ),
    ),
    DataUse(
        what=N_("Each flag's private log: acknowledgements, notes, replies and who wrote them."),
        why=N_("So handlers can follow a flag and the reporter can answer questions."),
        who_sees=N_("The flag's handlers; the reporter sees the replies addressed to them through their receipt code."),
        kept=N_("As long as the flag exists."),
    ),
    DataUse(
        what=N_(
            "How many anonymous flags members of each organisation raised: one number per organisation, with no flag, person or time."
        ),
        why=N_("So handlers can see where conflicts come from without knowing who raised them."),
        who_sees=N_("Facilitators and steering, and only for organisations with at least 5 anonymous flags."),
        kept=N_("As long as the organisation exists."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    flags = [
        f for f in await mine(ctx, ConflictFlag, member_id, "reporter_id", hide=("receipt_hash",)) if not f["anonymous"]
    ]
    ids = {f["id"] for f in flags}
    events = [e for e in await mine(ctx, FlagEvent, member_id, "actor_id") if e["flag_id"] in ids]
    return {"flags_raised": flags, "flag_log_lines": events}
