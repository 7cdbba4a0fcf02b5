"""The flag workflow's hooks, called directly (the generic loops over WORKFLOWS are wired at the
merge): the 48-hour escalation on an injected clock, overdue flags in `list` and the status section,
the export (contents for handlers, counts for others), forget-me, and the private flag channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.commands.flag import ESCALATION, workflow
from bot.commands.flag.access import visible_flags
from bot.commands.flag.hooks import escalate, export, forget, status_section
from bot.commands.flag.repo import flag_repo
from bot.core.clock import ManualClock
from bot.core.context import Actor, Ctx, Place
from bot.core.workflow import JobEnv
from bot.store.db import Database
from bot.store.flag_models import FlagEvent
from bot.store.models import Coalition, Member
from bot.store.repo import CoalitionRepo, Directory
from tests.support import Chat, outbox, settings
from tests.test_flag import clear_outbox, coalition, flags, pending, raise_flag, set_settings


async def run_jobs(db: Database, clock: ManualClock) -> int:
    """One scheduler tick: every due item of the escalation job, each in its own transaction."""
    async with db.session() as session:
        due = await ESCALATION.due(session, clock.now())
    sent = 0
    for item in due:
        async with db.unit_of_work() as session:
            sent += await ESCALATION.run(session, item, clock.now(), JobEnv())
    return sent


async def hook_ctx(db: Database, clock: ManualClock, who: str, work):  # type: ignore[no-untyped-def]
    """Run ``work(ctx)`` as ``who`` in the coalition of the general channel, as the core would."""
    async with db.unit_of_work() as session:
        directory = Directory(session)
        binding = await directory.binding("console", "local", "general")
        assert binding is not None
        ctx = Ctx(
            Actor("console", "local", who, who.capitalize()),
            Place("console", "local", "general"),
            session,
            directory,
            clock,
            settings(),
        )
        ctx.coalition = await directory.coalition(binding.coalition_id)
        ctx.member = await ctx.repo.member_by_identity("console", "local", who)
        return await work(ctx)


async def test_unacknowledged_flags_escalate_to_steering_once_after_48_hours(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob", anonymous="yes")
    await raise_flag(chat, "bob", topic="Acknowledged in time")
    await raise_flag(chat, "bob", topic="About Sam", parties="Sam")
    first, second, third = await flags(db)
    await chat.say("fay", f"/flag ack {second.id}")
    await clear_outbox(db)
    async with db.session() as session:
        assert await ESCALATION.next_wake(session, clock.now()) == first.created_at + timedelta(hours=48)  # type: ignore[misc]

    clock.advance(timedelta(hours=47, minutes=59))
    assert await run_jobs(db, clock) == 0
    clock.advance(timedelta(minutes=1))
    assert await run_jobs(db, clock) == 3  # Alice and Sam for the first, only Alice for the one naming Sam
    reminders = await pending(db)
    assert sorted((t, f"#{first.id}" in text) for _, t, text in reminders) == [
        ("alice", False),
        ("alice", True),
        ("sam", True),
    ]
    assert all(kind == "direct" for kind, _, _ in reminders)
    assert "fay" not in {t for _, t, _ in reminders}  # facilitators are not the escalation
    assert all("48 hours" in text for _, _, text in reminders)
    assert await run_jobs(db, clock) == 0  # once
    async with db.unit_of_work() as session:
        assert await escalate(session, first.id or 0, clock.now(), JobEnv()) == 0
    shown = (await chat.say("alice", f"/flag show {first.id}")).plain()
    assert "steering was reminded" in shown
    assert {f.id for f in await flags(db) if f.escalated_at is not None} == {first.id, third.id}


async def test_escalation_hours_come_from_the_settings(chat: Chat, db: Database, clock: ManualClock) -> None:
    await coalition(chat)
    await set_settings(db, flag_escalation_hours=2)
    await raise_flag(chat, "bob")
    await clear_outbox(db)
    clock.advance(timedelta(hours=2))
    assert await run_jobs(db, clock) == 2
    assert all("2 hours" in text for _, _, text in await pending(db))
    await set_settings(db, flag_escalation_hours="soon")  # a bad value falls back to 48
    await raise_flag(chat, "bob", topic="Second")
    clock.advance(timedelta(hours=47))
    assert await run_jobs(db, clock) == 0


async def test_overdue_flags_in_list_and_the_handlers_status(chat: Chat, db: Database, clock: ManualClock) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob", topic="Never acknowledged", severity="low")
    await raise_flag(chat, "bob", topic="Acknowledged, no outcome", severity="urgent")
    await raise_flag(chat, "bob", topic="About Fay", parties="Fay")
    never, acked, about_fay = await flags(db)
    await chat.say("alice", f"/flag ack {acked.id}")

    clock.advance(timedelta(days=6, hours=23))
    listing = (await chat.say("alice", "/flag list")).plain()
    assert "3 open flags" in listing
    assert "overdue" not in listing
    clock.advance(timedelta(hours=1))
    listing = (await chat.say("alice", "/flag list")).plain()
    assert "3 open flags, 2 overdue" in listing
    assert listing.index("Never acknowledged") < listing.index("Acknowledged, no outcome")  # overdue first
    blocks = await hook_ctx(db, clock, "alice", status_section)
    text = " ".join(b.text.plain() for b in blocks if hasattr(b, "text"))
    assert f"3 open conflict flags, 2 overdue: #{never.id}, #{about_fay.id}." in text

    fay = await hook_ctx(db, clock, "fay", status_section)  # recused from one: it is not counted for her
    assert f"2 open conflict flags, 1 overdue: #{never.id}." in " ".join(
        b.text.plain() for b in fay if hasattr(b, "text")
    )
    assert await hook_ctx(db, clock, "bob", status_section) == []  # members see nothing of flags

    clock.advance(timedelta(days=84))
    listing = (await chat.say("alice", "/flag list")).plain()
    assert "3 open flags, 3 overdue" in listing  # 90 days without an outcome
    await chat.say("alice", f'/flag resolve {acked.id} "Settled"')
    listing = (await chat.say("alice", "/flag list")).plain()
    assert "2 open flags, 2 overdue" in listing
    assert "Recently closed" in listing


async def exported(ctx: Ctx) -> dict[str, Any]:
    """The flag workflow's export, its sections read a page at a time read out (in the hook's session)."""
    out: dict[str, Any] = {}
    for name, section in (await export(ctx)).items():
        streamed = hasattr(section, "batches")
        out[name] = [row async for batch in section.batches() for row in batch] if streamed else section
    return out


async def test_export_gives_contents_to_handlers_and_counts_to_others(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await coalition(chat)
    await raise_flag(chat, "bob", topic="Visible to Fay")
    await raise_flag(chat, "bob", topic="About Fay", parties="Fay", anonymous="yes")
    assert set(workflow.exports) == {"conflict_flag", "flag_party", "flag_event", "flag_quota", "flag_org_tally"}
    full = await hook_ctx(db, clock, "alice", exported)
    assert [f["topic"] for f in full["conflict_flag"]] == ["Visible to Fay", "About Fay"]
    assert all("receipt_hash" not in f for f in full["conflict_flag"])
    assert len(full["flag_party"]) == 1
    assert {e["kind"] for e in full["flag_event"]} == {"raised"}
    assert full["flag_quota"] == [{"day": "2026-01-05", "count": 2}]
    # Bob's anonymous flag counts for Acme Trust, withheld (below 5) like every other organisation's.
    assert len(full["flag_org_tally"]) == 4  # three organisations and "without one"
    assert all(t["withheld"] and t["anonymous_flags"] is None for t in full["flag_org_tally"])
    fay = await hook_ctx(db, clock, "fay", exported)
    assert [f["topic"] for f in fay["conflict_flag"]] == ["Visible to Fay"]
    member = await hook_ctx(db, clock, "bob", exported)
    assert member == {"flag_counts": [{"status": s, "count": n} for s, n in full_counts(open_=2)]}
    assert "About Fay" not in str(member)


async def test_the_export_read_in_pages_holds_exactly_the_flags_each_handler_may_handle(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await coalition(chat)
    await raise_flag(chat, "alice", topic="Raised by Alice")
    await raise_flag(chat, "sam", topic="About Riverside", parties="Riverside Group", anonymous="yes")
    await raise_flag(chat, "bob", topic="About Fay and Sam", parties="Fay, Sam")
    await raise_flag(chat, "bob", topic="About Acme", parties="Acme Trust")
    await raise_flag(chat, "bob", topic="About nobody")

    async def both(ctx: Ctx) -> tuple[list[int], dict[str, Any]]:
        allowed = await visible_flags(ctx, await flag_repo(ctx).flags())
        return [f.id or 0 for f in allowed], await exported(ctx)

    for who in ("alice", "sam", "fay"):
        allowed, data = await hook_ctx(db, clock, who, both)
        assert [f["id"] for f in data["conflict_flag"]] == allowed, who
        assert {p["flag_id"] for p in data["flag_party"]} <= set(allowed)
        assert {e["flag_id"] for e in data["flag_event"]} == set(allowed)
        assert len(allowed) < 5, f"{who} is recused from something"
        assert all("receipt_hash" not in f for f in data["conflict_flag"])


def full_counts(open_: int) -> list[tuple[str, int]]:
    return [("open", open_), ("acknowledged", 0), ("in_discussion", 0), ("resolved", 0), ("dismissed", 0)]


async def test_forget_me_leaves_the_flag_nameless(chat: Chat, db: Database, clock: ManualClock) -> None:
    await coalition(chat)
    await chat.say("zelda", '/coalition join org="Acme Trust"')
    _reply, receipt = await raise_flag(chat, "zelda", topic="Named then forgotten", parties="Bob")
    await raise_flag(chat, "bob", topic="Naming Zelda", parties="Zelda")
    named, naming = await flags(db)
    await chat.say("fay", f'/flag reply {named.id} "Thanks Zelda"')

    async def forget_zelda(ctx: Ctx) -> None:
        await forget(ctx, ctx.me.id or 0)
        await CoalitionRepo(ctx.session, ctx.c.id or 0).forget_member(ctx.me)

    await hook_ctx(db, clock, "zelda", forget_zelda)
    stored, _ = await flags(db)
    assert stored.reporter_id is None
    assert not stored.anonymous
    shown = (await chat.say("alice", f"/flag show {named.id}")).plain()
    assert "Named then forgotten" in shown
    assert "a former member" in shown
    assert "a former member" in (await chat.say("alice", f"/flag show {naming.id}")).plain()
    assert "Thanks Zelda" in (await chat.say("bob", f"/flag status {receipt}")).plain()  # the receipt still works
    async with db.session() as session:
        assert (await session.exec(select(Member).where(Member.display_name == "Zelda"))).first() is None
        events = (await session.exec(select(FlagEvent))).all()
    assert {e.actor_id for e in events if e.by_reporter} == {None}


async def test_a_private_flag_channel_replaces_direct_messages(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await set_settings(db, flag_channel={"platform": "console", "workspace": "local", "channel": "handlers"})
    await clear_outbox(db)
    await raise_flag(chat, "bob", anonymous="yes")
    [(kind, target, text)] = await pending(db)
    assert (kind, target) == ("post", "handlers")
    assert "Shouting at meetings" in text

    await clear_outbox(db)
    await raise_flag(chat, "bob", parties="Fay", topic="Naming a handler")  # Fay may read that channel
    assert sorted((k, t) for k, t, _ in await pending(db)) == [("direct", "alice"), ("direct", "sam")]

    await clear_outbox(db)
    await set_settings(db, flag_channel={"platform": "console", "workspace": "local", "channel": "general"})
    await raise_flag(chat, "bob", topic="Public channel chosen")  # a coalition channel is never used
    assert {k for k, _, _ in await pending(db)} == {"direct"}
    assert not [r for r in await outbox(db, kind="post") if r.target == "general"]


async def test_no_handler_left_is_said_and_the_flag_kept(chat: Chat, db: Database) -> None:
    await coalition(chat)
    await clear_outbox(db)
    reply, _ = await raise_flag(chat, "bob", parties="Alice, Sam, Fay")
    assert "No facilitator or steering member outside the parties" in reply.plain()
    assert await pending(db) == []
    assert len(await flags(db)) == 1
    async with db.session() as session:
        coalitions = (await session.exec(select(Coalition))).all()
    assert len(coalitions) == 1
