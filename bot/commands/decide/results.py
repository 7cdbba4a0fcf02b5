"""A decision's result in words: what each method found, every round of a ranked choice, the quorum,
and for a secret decision below 5 ballots only how many more were needed."""

from __future__ import annotations

from typing import Any

from bot.commands.decide.shared import option_labels
from bot.core.i18n import N_, _, ngettext, number, tr
from bot.store.decision_models import MIN_SECRET_BALLOTS, Decision

TIE_RULE = N_(
    "Ties for fewest votes: the option with fewer first preferences is eliminated; if still tied, the one listed last."
)


def withheld(turnout: int) -> str:
    more = MIN_SECRET_BALLOTS - turnout
    return ngettext(
        "{ballots} ballots were cast: results of a secret ballot are shown from {min} ballots, so {n} more was needed.",
        "{ballots} ballots were cast: results of a secret ballot are shown from {min} ballots, so {n} more were needed.",
        more,
        ballots=number(turnout),
        min=number(MIN_SECRET_BALLOTS),
        n=number(more),
    )


def no_quorum(decision: Decision, result: dict[str, Any]) -> str:
    return _(
        "No quorum: {turnout} of {eligible} took part.",
        turnout=number(result.get("turnout", 0)),
        eligible=number(result.get("eligible", decision.eligible)),
    )


def headline(decision: Decision, result: dict[str, Any]) -> str:
    """One sentence: how the decision ended (the automatic outcome at the deadline)."""
    if result.get("quorum_met") is False:
        return no_quorum(decision, result)
    if result.get("withheld"):
        return withheld(result.get("turnout", 0))
    labels = option_labels(decision)
    if decision.method == "consent":
        return _("Passed: no objection stands.") if result.get("passed") else _("Not passed: an objection stands.")
    if decision.method == "consensus":
        return _("Agreed: no block stands.") if result.get("passed") else _("Not agreed: a block stands.")
    winner = result.get("winner")
    if winner is None or not 0 <= winner < len(labels):
        return _("No option won.")
    return _("Chosen: {option}.", option=labels[winner])


def lines(decision: Decision, result: dict[str, Any]) -> list[str]:
    """The details under the headline: counts, rounds, totals."""
    if result.get("quorum_met") is False or result.get("withheld") or not result:
        return []
    labels = option_labels(decision)
    method = decision.method
    if method == "consent":
        return [
            _(
                "{consents} consented, {objections} objected.",
                consents=number(result.get("consents", 0)),
                objections=number(result.get("objections", 0)),
            )
        ]
    if method == "consensus":
        return [
            _(
                "{agree} agree, {aside} stand aside, {block} block.",
                agree=number(result.get("agree", 0)),
                aside=number(result.get("aside", 0)),
                block=number(result.get("block", 0)),
            )
        ]
    if method == "majority":
        return [
            ngettext(
                "{option}: {votes} of {n} vote",
                "{option}: {votes} of {n} votes",
                int(result.get("cast", 0)),
                option=label,
                votes=number(n),
            )
            for label, n in zip(labels, result.get("counts", []), strict=False)
        ]
    if method == "ranked":
        out = []
        eliminated = result.get("eliminated", [])
        for index, counts in enumerate(result.get("rounds", [])):
            shown = " · ".join(f"{labels[i]} {number(n)}" for i, n in enumerate(counts) if n is not None)
            if index < len(eliminated):
                out.append(
                    _(
                        "Round {round}: {counts} — {option} is eliminated.",
                        round=number(index + 1),
                        counts=shown,
                        option=labels[eliminated[index]],
                    )
                )
            else:
                out.append(_("Round {round}: {counts}.", round=number(index + 1), counts=shown))
        out.append(tr(TIE_RULE))
        return out
    if method == "score":
        cast = result.get("cast", 0) or 1
        return [
            _(
                "{option}: {total} points (average {mean})",
                option=label,
                total=number(total),
                mean=number(total / cast, digits=1),
            )
            for label, total in zip(labels, result.get("totals", []), strict=False)
        ]
    return [
        ngettext("{option}: {n} dot", "{option}: {n} dots", total, option=label, n=number(total))
        for label, total in zip(labels, result.get("totals", []), strict=False)
    ]
