"""The unity statement's data for ``/coalition export`` and ``/coalition forget-me``."""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from bot.commands.common import removed, row_dict
from bot.commands.unity.repo import unity_repo
from bot.core.context import Ctx
from bot.store.unity_models import UnityComment, UnitySignature, UnitySignRequest, UnityVersion

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


MERGES = ("unityversion", "unitycomment", "unitysignature", "unitysignrequest")


async def merge(ctx: Ctx, from_id: int, into_id: int) -> None:
    """``/coalition connect``: what member ``from_id`` did becomes ``into_id``'s."""
    await ctx.repo.repoint(
        from_id,
        into_id,
        col(UnityVersion.author_id),
        col(UnityVersion.published_by),
        col(UnityComment.member_id),
        col(UnitySignature.member_id),
        col(UnitySignature.withdrawn_by),
        col(UnitySignRequest.decided_by),
    )
