"""What the decision workflow holds about one member, and what it says about it on the privacy page.
Of a secret ballot, only that they took part: the ballots are kept apart from who cast them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.decision_models import Decision, DecisionDelegate, DecisionParticipant, DecisionVote

PRIVACY = (
    DataUse(
        what=N_("Decisions: the question, the method, who proposed and closed it, the outcome, and the decision log."),
        why=N_("So the coalition decides in the open and keeps a record of what it decided."),
        who_sees=N_("Every member of the coalition; steering may put closed decisions on the public decisions page."),
        kept=N_("As long as the coalition exists; the log is never changed. Forget-me removes the person's name."),
    ),
    DataUse(
        what=N_("Open ballots: who voted what, and the reason given with an objection or a block."),
        why=N_("So everyone sees who stands where, and an objection can be answered."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("As long as the coalition exists; forget-me removes the name and the reasons, the counts stay."),
    ),
    DataUse(
        what=N_("Secret ballots: the choices, with no voter and no time, and apart from them who took part."),
        why=N_("To count a secret vote once per person or organisation, and to remind only those who have not voted."),
        who_sees=N_("Results only at close and only from 5 ballots; nobody sees who cast which ballot."),
        kept=N_("As long as the coalition exists; forget-me deletes the record that the person took part."),
    ),
    DataUse(
        what=N_("Delegates: who votes for each organisation, and its alternate."),
        why=N_("So an organisation casts one vote when the coalition decides by organisation."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("Until the organisation names someone else; forget-me removes the person."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    took_part = await mine(ctx, DecisionParticipant, member_id, "member_id")
    return {
        "decisions_proposed": await mine(ctx, Decision, member_id, "proposer_id", "closed_by"),
        "decision_ballots": await mine(ctx, DecisionVote, member_id, "member_id"),
        "secret_decisions_taken_part_in": [{"decision_id": row["decision_id"]} for row in took_part],
        "delegations": await mine(ctx, DecisionDelegate, member_id, "delegate_id", "alternate_id", "set_by"),
    }
