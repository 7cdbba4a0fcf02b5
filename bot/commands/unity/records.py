"""The unity statement's data for ``/coalition export`` and ``/coalition forget-me``."""

from __future__ import annotations

from typing import Any

from bot.commands.common import removed, row_dict
from bot.commands.unity.repo import unity_repo
from bot.core.context import Ctx

TABLES = ("unityversion", "unitycomment", "unitysignature", "unitysignrequest")


async def export(ctx: Ctx) -> dict[str, list[dict[str, Any]]]:
    """Every version, each with its comments and every signature ever made on it (withdrawn too)."""
    repo = unity_repo(ctx)
    latest = await repo.latest()
    versions = []
    for number in range(1, (latest.number if latest else 0) + 1):
        version = await repo.version(number)
        if version is None:
            continue
        versions.append(
            row_dict(version)
            | {
                "comments": [row_dict(c) for c in await repo.comments(version.id or 0)],
                "signatures": [row_dict(s) for s in await repo.history(version.id or 0)],
            }
        )
    requests = [row_dict(r) for r in await repo.requests(state=None)]
    return {"unity_statement": versions, "unity_sign_requests": requests}


async def forget(ctx: Ctx, member_id: int) -> None:
    """The member's name leaves their signatures and comments; their organisation's signature stays."""
    await unity_repo(ctx).forget_member(member_id, removed(ctx))
