"""Which offers could meet a need (and which needs an offer could meet), best first.

A pure function of plain values, so it is tested without a database: candidates of the same kind
come first, then those whose unit fits (the same unit, or one side not counted), then those whose
description is closest. Closeness is rapidfuzz's weighted ratio on text folded to lower case
without accents. Candidates of another kind are listed only when their descriptions are close.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.ui import singular

OTHER_KIND_MIN_SIMILARITY = 60.0
UNIT_ALIASES = {
    "€": "eur",
    "euro": "eur",
    "$": "usd",
    "dollar": "usd",
    "us$": "usd",
    "£": "gbp",
    "pound": "gbp",
    "people": "person",
    "volunteer": "person",
    "hr": "hour",
    "h": "hour",
}


@dataclass(frozen=True)
class Candidate:
    """An offer or a need as the ranking sees it; ``left`` is None when its quantity is not counted."""

    item_id: int
    organisation_id: int
    kind: str
    description: str
    unit: str = ""
    amount: float | None = None
    left: float | None = None


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    same_kind: bool
    unit_fit: int  # 2: the same unit; 1: one side is not counted; 0: different units
    similarity: float  # 0–100

    @property
    def key(self) -> tuple[int, int, float, int]:
        return (-int(self.same_kind), -self.unit_fit, -self.similarity, self.candidate.item_id)


def fold(text: str) -> str:
    """Lower case without accents, so `Café` and `cafe` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def unit_key(unit: str) -> str:
    """A unit as compared: folded, singular, common currency and people words merged."""
    folded = " ".join(fold(unit).split())
    if not folded:
        return ""
    one = singular(folded)
    return UNIT_ALIASES.get(one, UNIT_ALIASES.get(folded, one))


def units_compatible(a: str, b: str) -> bool:
    return unit_key(a) == unit_key(b)


def unit_fit(target: Candidate, other: Candidate) -> int:
    if target.amount is None or other.amount is None:
        return 1
    return 2 if units_compatible(target.unit, other.unit) else 0


def similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz, utils  # loaded with the first ranking, not at start (idle memory)

    return float(fuzz.WRatio(fold(a), fold(b), processor=utils.default_process))


def rank(target: Candidate, candidates: Iterable[Candidate], *, limit: int = 5) -> list[Ranked]:
    """The candidates that could meet ``target``, best first (at most ``limit``).

    Left out: the target's own organisation, candidates with nothing left, and candidates of
    another kind whose description is not close.
    """
    ranked = []
    for other in candidates:
        if other.item_id == target.item_id or other.organisation_id == target.organisation_id:
            continue
        if other.left is not None and other.left <= 0:
            continue
        same_kind = other.kind == target.kind
        score = similarity(target.description, other.description)
        if not same_kind and score < OTHER_KIND_MIN_SIMILARITY:
            continue
        ranked.append(Ranked(other, same_kind, unit_fit(target, other), score))
    ranked.sort(key=lambda r: r.key)
    return ranked[:limit]
