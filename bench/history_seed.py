"""A coalition grown in every workflow, for :mod:`bench.history_scale`: organisations and members
(the coalition itself, the same at every size) and the history that grows with time (at the same
pace: a tenth of the history is the last tenth of a year) — goals'
check-ins and their audit entries, pledges with matches and hand-overs, meetings with votes and
agendas, flags with their logs, wins. Bulk inserts through the product's own tables; pledge states
and the quantities kept on each item come from the product's own ledger, so they are consistent."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from bot.commands.pledge.ledger import state_of, tally
from bot.store.db import Database
from bot.store.flag_models import ConflictFlag, FlagEvent
from bot.store.impact_models import Win
from bot.store.meeting_models import Meeting, MeetingAgendaItem, MeetingFeed, MeetingSlot, MeetingVote
from bot.store.models import AuditEntry, Checkin, Goal, GroupMembership, Member, Organisation, WorkingGroup
from bot.store.pledge_models import PledgeEvent, PledgeItem, PledgeMatch, ResourceKind
from bot.store.pledge_repo import PledgeRepo
from bot.store.repo import CoalitionRepo

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
YEAR = 365 * 24 * 3600
CHUNK = 5_000
KINDS = [k.value for k in ResourceKind]
UNITS = {"funding": "EUR", "volunteers": "people", "space": "hours", "expertise": "hours", "data": "", "network": ""}
FEED_TOKEN = "bench-feed-token"


@dataclass(frozen=True)
class Size:
    """Full size: the issue's coalition. ``history`` scales everything that accumulates."""

    history: float = 1.0
    organisations: int = 100
    members: int = 1000
    checkins: int = 100_000
    pledge_items: int = 10_000
    meetings: int = 1_000
    flags: int = 500
    wins: int = 2_500
    groups: int = 20
    goals: int = 100
    open_polls: int = 10  # what is open or coming does not grow with history
    coming: int = 10

    @property
    def span(self) -> int:
        """Seconds of history: a year at full size."""
        return max(1, round(YEAR * self.history))

    def n(self, full: int) -> int:
        return max(1, round(full * self.history))


def when(rng: random.Random, size: Size) -> datetime:
    """A moment in the coalition's history so far: a tenth of the history is a tenth of the time,
    at the same pace of activity (week one against year three, not a denser year)."""
    return NOW - timedelta(seconds=rng.randrange(size.span))


async def bulk(db: Database, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.unit_of_work() as session:
            await session.exec(insert(model), params=list(rows[start : start + CHUNK]))  # type: ignore[call-overload]


async def ids(db: Database, model: Any) -> list[int]:
    async with db.session() as session:
        return list((await session.exec(select(model.id).order_by(model.id))).scalars())  # type: ignore[call-overload]


async def seed(db: Database, coalition_id: int, size: Size, rng: random.Random) -> None:
    c = coalition_id
    await bulk(
        db,
        Organisation,
        [{"coalition_id": c, "name": f"Org {n:03d}", "key": f"org {n:03d}"} for n in range(size.organisations)],
    )
    orgs = await ids(db, Organisation)
    roles = ["steering"] * 10 + ["facilitator"] * 40 + ["member"] * 950
    await bulk(
        db,
        Member,
        [
            {
                "coalition_id": c,
                "display_name": f"Person {n:04d}",
                "organisation_id": orgs[n % len(orgs)],
                "role": roles[n % len(roles)],
            }
            for n in range(size.members)
        ],
    )
    members = await ids(db, Member)
    await _groups(db, c, size, rng, members)
    await _checkins(db, c, size, rng, orgs, members)
    await _pledges(db, c, size, rng, orgs, members)
    await _meetings(db, c, size, rng, members)
    await _flags(db, c, size, rng, members)
    await bulk(
        db,
        Win,
        [
            {
                "coalition_id": c,
                "text": f"Win {n}: the council moved",
                "won_on": when(rng, size).date(),
                "climate": rng.random() < 0.3,
                "member_id": rng.choice(members),
                "created_at": when(rng, size),
            }
            for n in range(size.n(size.wins))
        ],
    )
    async with db.unit_of_work() as session:
        await CoalitionRepo(session, c).recount()
        await PledgeRepo(session, c).recount()
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE"))


async def _groups(db: Database, c: int, size: Size, rng: random.Random, members: list[int]) -> None:
    await bulk(
        db,
        WorkingGroup,
        [
            {"coalition_id": c, "name": f"Group {n}", "key": f"group {n}", "created_at": when(rng, size)}
            for n in range(size.groups)
        ],
    )
    groups = await ids(db, WorkingGroup)
    await bulk(
        db,
        GroupMembership,
        [{"coalition_id": c, "group_id": g, "member_id": m} for g in groups for m in rng.sample(members, 12)],
    )
    await bulk(
        db,
        AuditEntry,
        [
            {
                "coalition_id": c,
                "member_id": rng.choice(members),
                "action": "group.created",
                "subject": f"Group {g}",
                "detail": {"group_id": g},
                "at": when(rng, size),
            }
            for g in groups
        ],
    )


async def _checkins(db: Database, c: int, size: Size, rng: random.Random, orgs: list[int], members: list[int]) -> None:
    await bulk(
        db,
        Goal,
        [
            {
                "coalition_id": c,
                "title": f"Goal {n}",
                "target": 1000.0,
                "unit": "calls",
                "owner_org_id": orgs[n % len(orgs)] if n % 3 == 0 else None,
                "created_by": rng.choice(members),
                "status": "open" if n < 5 else "closed",
                "created_at": NOW - timedelta(seconds=size.span + 86400),
            }
            for n in range(size.goals)
        ],
    )
    goals = await ids(db, Goal)
    rows, audit = [], []
    for _ in range(size.n(size.checkins)):
        at, goal, member = when(rng, size), rng.choice(goals), rng.choice(members)
        rows.append(
            {
                "coalition_id": c,
                "goal_id": goal,
                "member_id": member,
                "amount": float(rng.randint(1, 20)),
                "note": "",
                "blockers": "",
                "request_key": None,
                "created_at": at,
            }
        )
        audit.append(
            {
                "coalition_id": c,
                "member_id": member,
                "action": "checkin.logged",
                "subject": f"Goal {goal}",
                "detail": {"goal_id": goal},
                "at": at,
            }
        )
    await bulk(db, Checkin, rows)
    await bulk(db, AuditEntry, audit)


async def _pledges(db: Database, c: int, size: Size, rng: random.Random, orgs: list[int], members: list[int]) -> None:
    items = []
    for n in range(size.n(size.pledge_items)):
        kind = rng.choice(KINDS[:-1])
        counted = UNITS[kind] != ""
        items.append(
            {
                "coalition_id": c,
                "side": "offer" if n % 2 else "need",
                "organisation_id": rng.choice(orgs),
                "member_id": rng.choice(members),
                "kind": kind,
                "description": f"{kind} for the campaign, batch {n}",
                "amount": float(rng.randint(5, 200)) if counted else None,
                "unit": UNITS[kind],
                "state": "offered" if n % 2 else "open",
                "fingerprint": f"bench-{n}",
                "active": True,
                "created_at": NOW - timedelta(seconds=size.span * (1 - n / size.n(size.pledge_items))),
            }
        )
    await bulk(db, PledgeItem, items)
    async with db.session() as session:
        loaded = list((await session.exec(select(PledgeItem).order_by(PledgeItem.id))).scalars())  # type: ignore[call-overload,arg-type]
    offers = {k: [i for i in loaded if i.side == "offer" and i.kind == k] for k in KINDS}
    matches: list[PledgeMatch] = []
    for need in loaded:
        if need.side != "need" or rng.random() < 0.3 or not offers[need.kind]:
            continue  # 30% of needs stay unmatched
        offer = rng.choice(offers[need.kind])
        if any(m.offer_id == offer.id and m.need_id == need.id for m in matches[-50:]):
            continue
        amount = None if need.amount is None else min(need.amount, offer.amount or need.amount) * rng.uniform(0.3, 1)
        fate = rng.random()
        delivered = (amount or 0.0) if fate < 0.5 else 0.0
        state = "fulfilled" if fate < 0.5 else "withdrawn" if fate < 0.6 else "matched"
        at = max(need.created_at, offer.created_at) + timedelta(days=1)
        matches.append(
            PledgeMatch(
                coalition_id=c,
                offer_id=offer.id or 0,
                need_id=need.id or 0,
                amount=amount,
                delivered=delivered,
                state=state,
                member_id=rng.choice(members),
                created_at=at,
                fulfilled_at=at if state == "fulfilled" else None,
            )
        )
    await bulk(db, PledgeMatch, [m.model_dump(exclude={"id"}) for m in matches])
    by_item: dict[int, list[PledgeMatch]] = {}
    for m in matches:
        by_item.setdefault(m.offer_id, []).append(m)
        by_item.setdefault(m.need_id, []).append(m)
    updates = []
    for item in loaded:
        if rng.random() < 0.05 and not by_item.get(item.id or 0):
            item.state = "withdrawn"
        t = tally(item, by_item.get(item.id or 0, []))
        state = state_of(item, t).value
        live = state not in ("fulfilled", "withdrawn")
        updates.append({"i": item.id, "state": state, "active": True if live else None})
    async with db.unit_of_work() as session:
        await session.exec(  # type: ignore[call-overload]
            text("UPDATE pledgeitem SET state = :state, active = :active WHERE id = :i"), params=updates
        )
    events = [
        {
            "coalition_id": c,
            "item_id": i.id,
            "action": "posted",
            "amount": i.amount,
            "member_id": i.member_id,
            "at": i.created_at,
        }
        for i in loaded
    ]
    await bulk(db, PledgeEvent, events)


async def _meetings(db: Database, c: int, size: Size, rng: random.Random, members: list[int]) -> None:
    history = size.n(size.meetings)
    rows = []
    for n in range(history + size.open_polls + size.coming):
        at = when(rng, size)
        state = "open" if n >= history and n < history + size.open_polls else "cancelled" if n % 20 == 0 else "closed"
        starts = NOW + timedelta(days=1 + n % 30) if n >= history + size.open_polls else at + timedelta(days=7)
        rows.append(
            {
                "coalition_id": c,
                "title": f"Meeting {n}",
                "duration": 60,
                "tz": "Europe/Paris",
                "status": state,
                "proposer_id": rng.choice(members),
                "uid": f"bench-{n}@coalition",
                "created_at": at,
                "starts_at": None if state == "open" else starts,
                "closed_at": None if state == "open" else at,
                "cancelled_at": at if state == "cancelled" else None,
                "deadline": NOW + timedelta(days=3) if state == "open" else None,
                "repeat": "weekly" if n >= history + size.open_polls + size.coming - 2 else None,
            }
        )
    await bulk(db, Meeting, rows)
    meetings = await ids(db, Meeting)
    slots = [
        {"coalition_id": c, "meeting_id": m, "position": p + 1, "start": NOW + timedelta(days=p + 1, hours=m % 12)}
        for m in meetings
        for p in range(3)
    ]
    await bulk(db, MeetingSlot, slots)
    async with db.session() as session:
        slot_rows = (await session.exec(select(MeetingSlot.id, MeetingSlot.meeting_id, MeetingSlot.position))).all()  # type: ignore[call-overload]
    by_meeting: dict[int, list[int]] = {}
    for slot_id, meeting_id, _position in slot_rows:
        by_meeting.setdefault(meeting_id, []).append(slot_id)
    async with db.unit_of_work() as session:
        await session.exec(  # type: ignore[call-overload]
            text("UPDATE meeting SET chosen_slot_id = :s WHERE id = :m AND status = 'closed'"),
            params=[{"s": min(s), "m": m} for m, s in by_meeting.items()],
        )
    votes, agenda = [], []
    for m in meetings:
        for member in rng.sample(members, 20):
            votes += [
                {
                    "coalition_id": c,
                    "meeting_id": m,
                    "slot_id": s,
                    "member_id": member,
                    "answer": rng.choice(("yes", "maybe", "no")),
                    "updated_at": NOW,
                }
                for s in by_meeting[m]
            ]
        agenda += [
            {
                "coalition_id": c,
                "meeting_id": m,
                "member_id": rng.choice(members),
                "author_name": "Someone",
                "text": f"Item {k}",
            }
            for k in range(2)
        ]
    await bulk(db, MeetingVote, votes)
    await bulk(db, MeetingAgendaItem, agenda)
    await bulk(db, MeetingFeed, [{"coalition_id": c, "token": FEED_TOKEN}])


async def _flags(db: Database, c: int, size: Size, rng: random.Random, members: list[int]) -> None:
    n = size.n(size.flags)
    await bulk(
        db,
        ConflictFlag,
        [
            {
                "coalition_id": c,
                "topic": f"Flag {k}",
                "description": "A concern",
                "severity": "medium",
                "status": "open" if k >= n - 5 else "resolved",
                "anonymous": k % 4 == 0,
                "reporter_id": None if k % 4 == 0 else rng.choice(members),
                "receipt_hash": f"bench-{k}",
                "created_at": when(rng, size),
            }
            for k in range(n)
        ],
    )
    flags = await ids(db, ConflictFlag)
    handlers = members[10:50]
    await bulk(
        db,
        FlagEvent,
        [
            {
                "coalition_id": c,
                "flag_id": f,
                "kind": kind,
                "actor_id": rng.choice(handlers),
                "by_reporter": False,
                "text": "",
                "at": when(rng, size),
            }
            for f in flags
            for kind in ("acknowledged", "note", "resolved")
        ],
    )


async def count(db: Database, model: Any) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(model))).scalar_one())  # type: ignore[call-overload]
