"""What the pledge workflow holds about one member, and what it says about it on the privacy page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.pledge_models import OrgProfile, PledgeEvent, PledgeItem, PledgeMatch

PRIVACY = (
    DataUse(
        what=N_("Offers and needs: the organisation, the resource, the amount, the text and who posted it."),
        why=N_("To match what organisations offer with what others need."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("As long as the coalition exists; forget-me removes the poster's name and words."),
    ),
    DataUse(
        what=N_("Matches and hand-overs: which offer met which need, how much, and who recorded it."),
        why=N_("To follow a match until it is fulfilled and show who carries what."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("As long as the coalition exists; forget-me removes the name."),
    ),
    DataUse(
        what=N_("Organisation profiles: who the organisation is, what it brings, its limits, and who last edited it."),
        why=N_("So partners know each other's strengths and limits."),
        who_sees=N_("Every member of the coalition."),
        kept=N_("Until the organisation changes or removes it."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    return {
        "pledges": await mine(ctx, PledgeItem, member_id, "member_id"),
        "pledge_matches": await mine(ctx, PledgeMatch, member_id, "member_id"),
        "pledge_events": await mine(ctx, PledgeEvent, member_id, "member_id"),
        "organisation_profiles_edited": await mine(ctx, OrgProfile, member_id, "updated_by"),
    }
