"""The pure parts of pledges: ranking offers against needs, and partial quantities and states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.commands.coalition.profiles import parse_kinds
from bot.commands.pledge.ledger import apply, deliveries, match_amount, open_for_more, state_of, tally
from bot.commands.pledge.offers import parse_quantity
from bot.commands.pledge.ranking import Candidate, rank, unit_key, units_compatible
from bot.core.errors import BadArgument
from bot.store.pledge_models import ItemState, MatchState, PledgeItem, PledgeMatch
from tests.test_console import run_console

ROOT = Path(__file__).resolve().parent.parent

NEED = Candidate(
    1, organisation_id=10, kind="other", description="200 FFP2 masks for the clinic", unit="masks", amount=200, left=200
)


def offer(
    item_id: int, kind: str, description: str, unit: str = "", amount: float | None = None, org: int = 20
) -> Candidate:
    return Candidate(item_id, org, kind, description, unit, amount, amount)


def test_same_kind_first_then_unit_then_closest_description() -> None:
    candidates = [
        offer(2, "space", "FFP2 masks for a clinic"),  # other kind: only listed because it is close
        offer(3, "other", "pens and paper", "boxes", 10),  # same kind, different unit
        offer(4, "other", "a box of masks", "mask", 50),  # same kind, same unit (singular), close
        offer(5, "other", "hand sanitiser", "masks", 30),  # same kind, same unit, far
        offer(6, "other", "masks for the clinic"),  # same kind, uncounted
    ]
    ranked = rank(NEED, candidates)
    assert [r.candidate.item_id for r in ranked] == [4, 5, 6, 3, 2]
    assert ranked[0].unit_fit == 2
    assert ranked[0].similarity > ranked[1].similarity


def test_other_kinds_far_away_own_organisation_and_empty_offers_are_left_out() -> None:
    candidates = [
        offer(2, "funding", "money for printing leaflets", "EUR", 500),
        offer(3, "other", "masks", "masks", 50, org=10),  # the need's own organisation
        Candidate(4, 20, "other", "masks", "masks", 50, left=0),  # nothing left
        offer(5, "other", "masks", "masks", 50),
    ]
    assert [r.candidate.item_id for r in rank(NEED, candidates)] == [5]
    assert len(rank(NEED, [offer(i, "other", "masks", "masks", 5) for i in range(10, 20)])) == 5


def test_units_fold_case_accents_plurals_and_currency_words() -> None:
    assert units_compatible("Masks", "mask")
    assert units_compatible("€", "EUR")
    assert units_compatible("euros", "eur")
    assert units_compatible("people", "volunteers")
    assert not units_compatible("EUR", "USD")
    assert unit_key("Cafés") == "cafe"


def item(item_id: int, side: str, amount: float | None, unit: str = "masks", org: int = 1) -> PledgeItem:
    state = ItemState.OFFERED.value if side == "offer" else ItemState.OPEN.value
    return PledgeItem(
        id=item_id,
        coalition_id=1,
        side=side,
        organisation_id=org,
        kind="other",
        description="x",
        amount=amount,
        unit=unit,
        state=state,
        fingerprint=str(item_id),
    )


def test_a_need_for_200_met_by_50_100_50_always_shows_what_is_missing() -> None:
    need = item(1, "need", 200)
    offers = [item(2, "offer", 50, org=2), item(3, "offer", 100, org=3), item(4, "offer", 80, org=4)]
    matches: list[PledgeMatch] = []
    missing = []
    for offer_item in offers:
        amount = match_amount(offer_item, tally(offer_item, matches), need, tally(need, matches), None)
        matches.append(
            PledgeMatch(id=len(matches) + 1, coalition_id=1, offer_id=offer_item.id or 0, need_id=1, amount=amount)
        )
        t = tally(need, matches)
        need.state = state_of(need, t).value
        missing.append(t.left)
    assert missing == [150, 50, 0]
    assert matches[-1].amount == 50  # the third offer gives only what is still missing
    assert tally(offers[2], matches).left == 30
    assert need.state == ItemState.MATCHED.value
    assert not open_for_more(need, tally(need, matches))
    with pytest.raises(BadArgument, match="already fully matched"):
        match_amount(item(5, "offer", 10, org=5), tally(item(5, "offer", 10), []), need, tally(need, matches), None)

    # Handed over in two steps: 120, then the rest.
    for d in deliveries(need, matches, 120):
        apply(d)
    assert [m.delivered for m in matches] == [50, 70, 0]
    assert [m.state for m in matches] == [
        MatchState.FULFILLED.value,
        MatchState.MATCHED.value,
        MatchState.MATCHED.value,
    ]
    assert state_of(need, tally(need, matches)) == ItemState.MATCHED
    with pytest.raises(BadArgument, match="Only 80 masks"):
        deliveries(need, matches, 81)
    for d in deliveries(need, matches, None):
        apply(d)
    assert state_of(need, tally(need, matches)) == ItemState.FULFILLED
    assert state_of(offers[0], tally(offers[0], matches)) == ItemState.FULFILLED
    assert state_of(offers[2], tally(offers[2], matches)) == ItemState.MATCHED  # 30 of its 80 still unpromised


def test_match_amount_errors_are_clear() -> None:
    need, euros = item(1, "need", 200), item(2, "offer", 100, unit="EUR", org=2)
    with pytest.raises(BadArgument, match="cannot be matched by amount"):
        match_amount(euros, tally(euros, []), need, tally(need, []), None)
    small = item(3, "offer", 20, org=3)
    with pytest.raises(BadArgument, match="has only 20 masks left"):
        match_amount(small, tally(small, []), need, tally(need, []), 30)
    with pytest.raises(BadArgument, match="missing only 200 masks"):
        match_amount(item(4, "offer", None, org=4), tally(item(4, "offer", None), []), need, tally(need, []), 300)
    assert match_amount(small, tally(small, []), need, tally(need, []), 5) == 5
    room, hall = item(5, "offer", None, ""), item(6, "need", None, "")
    assert match_amount(room, tally(room, []), hall, tally(hall, []), None) is None


def test_uncounted_items_are_fulfilled_when_every_match_is_handed_over() -> None:
    room, hall = item(1, "offer", None, ""), item(2, "need", None, "", org=2)
    assert state_of(hall, tally(hall, [])) == ItemState.OPEN
    matches = [PledgeMatch(id=1, coalition_id=1, offer_id=1, need_id=2, amount=None)]
    assert state_of(hall, tally(hall, matches)) == ItemState.MATCHED
    assert not open_for_more(hall, tally(hall, matches))
    assert open_for_more(room, tally(room, matches))  # an uncounted offer may help more needs
    with pytest.raises(BadArgument, match="not counted"):
        deliveries(hall, matches, 3)
    for d in deliveries(hall, matches, None):
        apply(d)
    assert state_of(hall, tally(hall, matches)) == ItemState.FULFILLED
    hall.state = ItemState.WITHDRAWN.value
    assert state_of(hall, tally(hall, matches)) == ItemState.WITHDRAWN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 masks", (200, "masks")),
        ("1,500 EUR", (1500, "EUR")),
        ("1.500,50 EUR", (1500.5, "EUR")),
        ("2,5 hours", (2.5, "hours")),
        ("€300", (300, "€")),
        ("12", (12, "")),
        ("", (None, "")),
    ],
)
def test_quantities_typed_in_forms(text: str, expected: tuple[float | None, str]) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["lots", "0 masks", "-3 masks"])
def test_bad_quantities_are_refused(text: str) -> None:
    with pytest.raises(BadArgument):
        parse_quantity(text)


def test_profile_kinds_by_value_or_label() -> None:
    assert parse_kinds("Funding, space; DATA") == (["funding", "space", "data"], [])
    assert parse_kinds("money, space") == (["space"], ["money"])


def test_the_console_session_in_the_docs_runs_as_written(tmp_path: Path) -> None:
    """docs/commands.md's pledge session, pasted into a real console process."""
    session = re.search(r"### Try it in the console.*?```\n(.*?)```", (ROOT / "docs" / "commands.md").read_text(), re.S)
    assert session is not None
    result = run_console(tmp_path, session.group(1), "--as", "alice")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Offer #3 (Harbour Aid) is matched to need #2 (River Group): 100 masks." in out
    assert "200 masks: 150 promised, 120 received, 50 masks still missing" in out
    assert "── private message to carol ──" in out
    assert "pledge-map-clean-air.png" in out
    assert "Sorry" not in out
