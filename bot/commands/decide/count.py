"""Counting a decision: pure functions from ballots to a result, one per method, and the quorum.

A ballot is the ``choice`` a voter gave, as stored (a small mapping):

- consent: ``{"answer": "consent" | "object"}``; passes unless an objection stands.
- consensus: ``{"answer": "agree" | "aside" | "block"}``; agreed unless a block stands.
- majority: ``{"option": i}``; the most-chosen option wins if its share of the ballots reaches the
  threshold (``1/2``: more than half; any other: at least that share). A tie at the top wins nothing.
- ranked: ``{"ranking": [i, j, …]}``, best first (instant runoff): each round counts every ballot for
  its highest continuing option; an option with more than half of the ballots still counting wins;
  otherwise the option with the fewest votes is eliminated. **Tie rule**: among options tied for
  fewest, the one with fewer first preferences goes; if still tied, the one listed last goes.
- score: ``{"scores": [s0, s1, …]}``, each 0–5; the highest total wins; a tie goes to the option
  listed first.
- dots: ``{"dots": [d0, d1, …]}``, at most the decision's dots in all; the most dots win; a tie goes to
  the option listed first.

Results are plain JSON-ready mappings, stored with the decision and its log line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

Ballot = Mapping[str, Any]

MAX_SCORE = 5


def parse_threshold(text: str) -> Fraction | None:
    """``1/2``, ``2/3``, ``60%``, ``0.6`` → a fraction in (0, 1]; None when it is not one."""
    text = text.strip()
    try:
        value = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if 0 < value <= 1 else None


def reaches(votes: int, cast: int, threshold: Fraction) -> bool:
    """Whether ``votes`` of ``cast`` meet the threshold: more than half for ``1/2``, else at least it."""
    if cast <= 0:
        return False
    if threshold == Fraction(1, 2):
        return votes * threshold.denominator > cast * threshold.numerator
    return votes * threshold.denominator >= cast * threshold.numerator


def consent(ballots: Sequence[Ballot]) -> dict[str, Any]:
    objections = sum(1 for b in ballots if b.get("answer") == "object")
    consents = sum(1 for b in ballots if b.get("answer") == "consent")
    return {"passed": objections == 0, "objections": objections, "consents": consents}


def consensus(ballots: Sequence[Ballot]) -> dict[str, Any]:
    counts = {a: sum(1 for b in ballots if b.get("answer") == a) for a in ("agree", "aside", "block")}
    return {"passed": counts["block"] == 0, **counts}


def majority(ballots: Sequence[Ballot], options: int, threshold: Fraction) -> dict[str, Any]:
    counts = [0] * options
    for b in ballots:
        i = b.get("option")
        if isinstance(i, int) and 0 <= i < options:
            counts[i] += 1
    cast = sum(counts)
    top = max(counts, default=0)
    leaders = [i for i, n in enumerate(counts) if n == top]
    winner = leaders[0] if cast and len(leaders) == 1 and reaches(top, cast, threshold) else None
    return {"counts": counts, "cast": cast, "winner": winner, "passed": winner is not None}


def ranking_of(ballot: Ballot, options: int) -> list[int]:
    """A ballot's ranking, cleaned: valid option indexes, each once, in order."""
    seen: list[int] = []
    for i in ballot.get("ranking") or ():
        if isinstance(i, int) and 0 <= i < options and i not in seen:
            seen.append(i)
    return seen


def ranked(ballots: Sequence[Ballot], options: int) -> dict[str, Any]:
    """Instant runoff with every round: ``rounds`` is a list of per-option counts (None once
    eliminated), ``eliminated`` the option dropped after each round but the last."""
    rankings = [r for r in (ranking_of(b, options) for b in ballots) if r]
    first = [sum(1 for r in rankings if r[0] == i) for i in range(options)]
    continuing = list(range(options))
    rounds: list[list[int | None]] = []
    eliminated: list[int] = []
    winner: int | None = None
    while continuing and rankings:
        counts = dict.fromkeys(continuing, 0)
        for r in rankings:
            top = next((i for i in r if i in counts), None)
            if top is not None:
                counts[top] += 1
        rounds.append([counts.get(i) for i in range(options)])
        active = sum(counts.values())
        best = max(continuing, key=lambda i: (counts[i], -i))
        if len(continuing) == 1 or counts[best] * 2 > active:
            winner = best if counts[best] > 0 else None
            break
        fewest = min(counts.values())
        tied = [i for i in continuing if counts[i] == fewest]
        out = min(tied, key=lambda i: (first[i], -i))
        eliminated.append(out)
        continuing.remove(out)
    return {"rounds": rounds, "eliminated": eliminated, "winner": winner, "cast": len(rankings), "first": first}


def score(ballots: Sequence[Ballot], options: int) -> dict[str, Any]:
    totals = [0] * options
    cast = 0
    for b in ballots:
        scores = b.get("scores") or ()
        if not scores:
            continue
        cast += 1
        for i, s in enumerate(list(scores)[:options]):
            if isinstance(s, int) and 0 <= s <= MAX_SCORE:
                totals[i] += s
    return _highest(totals, cast)


def dots(ballots: Sequence[Ballot], options: int, allowed: int) -> dict[str, Any]:
    totals = [0] * options
    cast = 0
    for b in ballots:
        given = [d if isinstance(d, int) and d >= 0 else 0 for d in list(b.get("dots") or ())[:options]]
        if not given or sum(given) > allowed:
            continue
        cast += 1
        for i, d in enumerate(given):
            totals[i] += d
    return _highest(totals, cast)


def _highest(totals: list[int], cast: int) -> dict[str, Any]:
    best = max(range(len(totals)), key=lambda i: (totals[i], -i)) if totals else None
    winner = best if cast and best is not None and totals[best] > 0 else None
    return {"totals": totals, "cast": cast, "winner": winner}


def tally(
    method: str, ballots: Sequence[Ballot], options: int, *, threshold: Fraction = Fraction(1, 2), allowed: int = 0
) -> dict[str, Any]:
    """The result of ``ballots`` by ``method``."""
    if method == "consent":
        return consent(ballots)
    if method == "consensus":
        return consensus(ballots)
    if method == "majority":
        return majority(ballots, options, threshold)
    if method == "ranked":
        return ranked(ballots, options)
    if method == "score":
        return score(ballots, options)
    if method == "dots":
        return dots(ballots, options, allowed)
    raise ValueError(method)


def quorum_met(kind: str, value: int, *, turnout: int, eligible: int, organisations: int) -> bool:
    """Whether enough took part: ``percent`` of the eligible (people, or organisations with
    ``by=org``), or ``orgs``: at least ``value`` organisations took part. No quorum: always met."""
    if kind == "percent":
        return turnout * 100 >= value * eligible
    if kind == "orgs":
        return organisations >= value
    return True
