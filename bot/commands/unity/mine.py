"""What the unity workflow holds about one member, and what it says about it on the privacy page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.commands.common import mine
from bot.core.context import Ctx
from bot.core.i18n import N_
from bot.core.workflow import DataUse
from bot.store.unity_models import UnityComment, UnitySignature, UnitySignRequest, UnityVersion

PRIVACY = (
    DataUse(
        what=N_("Unity statement drafts and comments: the text, who wrote it and when."),
        why=N_("To draft a shared statement together."),
        who_sees=N_("Every member of the coalition; a published version is public on the web."),
        kept=N_("As long as the coalition exists; forget-me removes the author's name."),
    ),
    DataUse(
        what=N_("Signatures: the organisation, the signer's name and title as typed, who recorded it and when."),
        why=N_("To show publicly which organisations support the statement."),
        who_sees=N_("Everyone: the list of signatories is public."),
        kept=N_("Until the organisation withdraws; forget-me removes the link to the member."),
    ),
    DataUse(
        what=N_("Sign-on requests from the web page: organisation, name, title, and who decided."),
        why=N_("So organisations outside the chat can ask to sign."),
        who_sees=N_("Steering; nothing is public before approval."),
        kept=N_("Until steering decides; an approved request becomes a signature."),
    ),
)


async def export_mine(ctx: Ctx, member_id: int) -> Mapping[str, Any]:
    return {
        "unity_versions": await mine(ctx, UnityVersion, member_id, "author_id", "published_by"),
        "unity_comments": await mine(ctx, UnityComment, member_id, "member_id"),
        "unity_signatures": await mine(ctx, UnitySignature, member_id, "member_id", "withdrawn_by"),
        "unity_sign_requests_decided": await mine(ctx, UnitySignRequest, member_id, "decided_by"),
    }
