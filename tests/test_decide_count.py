"""Counting decisions: instant runoff, score, dots, majority and quorum against plain reference
implementations written from the rules' words, on random ballots."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands.decide import count


def reference_irv(rankings: list[list[int]], options: int) -> tuple[int | None, list[dict[int, int]]]:
    """Instant runoff as the rules read: count each ballot for its best remaining option; a majority
    of the ballots still counting wins; else drop the weakest (fewest first preferences, then the
    one listed last)."""
    rankings = [list(dict.fromkeys(r)) for r in rankings if r]
    first = Counter(r[0] for r in rankings)
    remaining = set(range(options))
    history = []
    while rankings and remaining:
        votes = Counter(dict.fromkeys(remaining, 0))
        for r in rankings:
            for i in r:
                if i in remaining:
                    votes[i] += 1
                    break
        history.append(dict(votes))
        total = sum(votes.values())
        for i in sorted(remaining):
            if 2 * votes[i] > total or len(remaining) == 1:
                return (i if votes[i] else None), history
        weakest = sorted(remaining, key=lambda i: (votes[i], first[i], -i))[0]
        remaining.discard(weakest)
    return None, history


rankings = st.integers(min_value=2, max_value=5).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True), max_size=40),
    )
)


@settings(max_examples=300, deadline=None)
@given(rankings)
def test_instant_runoff_matches_the_reference(case: tuple[int, list[list[int]]]) -> None:
    options, ballots = case
    result = count.ranked([{"ranking": r} for r in ballots], options)
    winner, history = reference_irv(ballots, options)
    assert result["winner"] == winner
    assert len(result["rounds"]) == len(history)
    for shown, expected in zip(result["rounds"], history, strict=True):
        assert {i: n for i, n in enumerate(shown) if n is not None} == expected
    assert len(result["eliminated"]) == len(set(result["eliminated"]))


def test_instant_runoff_shows_every_round_and_transfers() -> None:
    ballots = [[0, 1]] * 4 + [[1, 0]] * 3 + [[2, 1]] * 2
    result = count.ranked([{"ranking": r} for r in ballots], 3)
    assert result["rounds"] == [[4, 3, 2], [4, 5, None]]
    assert result["eliminated"] == [2]
    assert result["winner"] == 1


def test_the_tie_rule_drops_fewer_first_preferences_then_the_one_listed_last() -> None:
    # round 2 ties B and C at 3; B had fewer first preferences, so B goes
    ballots = [[0]] * 4 + [[1]] * 2 + [[2]] * 3 + [[3, 1]] * 1
    result = count.ranked([{"ranking": r} for r in ballots], 4)
    assert result["eliminated"][:2] == [3, 1]
    # a full tie: the option listed last goes first
    even = count.ranked([{"ranking": [0]}, {"ranking": [1]}], 2)
    assert even["eliminated"] == [1]
    assert even["winner"] == 0


scores = st.integers(min_value=2, max_value=5).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.lists(st.integers(0, 5), min_size=n, max_size=n), max_size=30))
)


@settings(max_examples=200, deadline=None)
@given(scores)
def test_score_matches_the_reference(case: tuple[int, list[list[int]]]) -> None:
    options, ballots = case
    result = count.score([{"scores": s} for s in ballots], options)
    totals = [sum(s[i] for s in ballots) for i in range(options)]
    assert result["totals"] == totals
    best = max(totals) if totals else 0
    expected = totals.index(best) if ballots and best > 0 else None
    assert result["winner"] == expected


dot_cases = st.integers(min_value=2, max_value=5).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.lists(st.integers(0, 4), min_size=n, max_size=n), max_size=30))
)


@settings(max_examples=200, deadline=None)
@given(dot_cases, st.integers(1, 10))
def test_dots_count_only_ballots_within_the_allowance(case: tuple[int, list[list[int]]], allowed: int) -> None:
    options, ballots = case
    valid = [d for d in ballots if sum(d) <= allowed]
    result = count.dots([{"dots": d} for d in ballots], options, allowed)
    totals = [sum(d[i] for d in valid) for i in range(options)]
    assert result["totals"] == totals
    assert result["cast"] == len(valid)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 2), max_size=40),
    st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 5)]),
)
def test_majority_matches_the_reference(choices: list[int], threshold: Fraction) -> None:
    result = count.majority([{"option": c} for c in choices], 3, threshold)
    votes = Counter(choices)
    expected = None
    if choices:
        top, n = votes.most_common(1)[0]
        alone = sum(1 for v in votes.values() if v == n) == 1
        share = Fraction(n, len(choices))
        enough = share > threshold if threshold == Fraction(1, 2) else share >= threshold
        expected = top if alone and enough else None
    assert result["winner"] == expected


def test_half_is_not_a_majority_but_two_thirds_is_two_thirds() -> None:
    assert count.majority([{"option": 0}, {"option": 1}], 2, Fraction(1, 2))["winner"] is None
    assert count.majority([{"option": 0}] * 2 + [{"option": 1}], 2, Fraction(2, 3))["winner"] == 0
    assert count.parse_threshold("2/3") == Fraction(2, 3)
    assert count.parse_threshold("60%") == Fraction(3, 5)
    assert count.parse_threshold("3/2") is None
    assert count.parse_threshold("x") is None


@given(st.integers(0, 200), st.integers(0, 200), st.integers(1, 100))
def test_percent_quorum_counts_people_or_organisations(turnout: int, eligible: int, percent: int) -> None:
    met = count.quorum_met("percent", percent, turnout=turnout, eligible=eligible, organisations=0)
    assert met == (Fraction(turnout) >= Fraction(percent, 100) * eligible)


@given(st.integers(0, 30), st.integers(1, 30))
def test_organisation_quorum_counts_organisations(organisations: int, needed: int) -> None:
    met = count.quorum_met("orgs", needed, turnout=99, eligible=99, organisations=organisations)
    assert met == (organisations >= needed)
    assert count.quorum_met("", 0, turnout=0, eligible=10, organisations=0)


def test_consent_and_consensus() -> None:
    assert count.consent([{"answer": "consent"}] * 3)["passed"]
    assert not count.consent([{"answer": "consent"}, {"answer": "object"}])["passed"]
    held = count.consensus([{"answer": "agree"}, {"answer": "aside"}, {"answer": "block"}])
    assert held == {"passed": False, "agree": 1, "aside": 1, "block": 1}
