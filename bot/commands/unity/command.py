"""The ``/unity`` command object and what every part of the workflow shares: limits, arguments,
the outbox topic of a posted version and the public page's address."""

from __future__ import annotations

from datetime import timedelta

from bot.core.i18n import N_
from bot.core.params import Kind, Param
from bot.core.registry import Command
from bot.store.models import Coalition
from bot.store.unity_models import UnityVersion

unity = Command("unity", N_("A unity statement organisations sign on to"))

MAX_STATEMENT = 3000  # what every platform's form field takes (Slack modals: 3,000)
MAX_COMMENT = 1000
SECTION_CHUNK = 2800
LISTED_SIGNATORIES = 40
REMIND_BEFORE = timedelta(hours=48)
SIGN_ACTION = "unity.sign"
NEW_ORG = "new"

TEXT = Param(
    "text", positional=True, max_length=MAX_STATEMENT, description=N_("The statement text (leave empty for a form)")
)
VERSION = Param("version", Kind.INT, positional=True, minimum=1, description=N_("Version number (default: newest)"))


def topic_of(version: UnityVersion) -> str:
    """Every posted copy of a version is one outbox topic, so a signature updates them all."""
    return f"unity:{version.id}"


def public_url(base_url: str, coalition: Coalition) -> str | None:
    base = base_url.rstrip("/")
    return f"{base}/unity/{coalition.slug}" if base else None
