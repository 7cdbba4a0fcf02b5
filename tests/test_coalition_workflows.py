"""The foundation workflows end to end through the core, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.core.clock import ManualClock
from bot.core.scope import base
from bot.core.ui import Visibility
from bot.store.db import Database
from bot.store.models import ProcessedRequest
from tests.support import Chat


async def row_counts(db: Database) -> dict[str, int]:
    counts = {}
    async with db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            counts[table.name] = (await session.exec(select(func.count()).select_from(table))).one()[0]
    return counts


async def setup_coalition(chat: Chat) -> None:
    reply = await chat.say("alice", '/coalition create "Clean Air" tz=Europe/Berlin')
    assert not reply.is_error, reply.plain()
    await chat.say("alice", '/goal add "Calls" target=1000 unit=calls')


async def test_console_demo_shows_four_percent(chat: Chat) -> None:
    await setup_coalition(chat)
    checkin = await chat.say("alice", "/checkin 40")
    assert "40 / 1,000 calls (4%)" in checkin.plain()
    status = await chat.say("alice", "/coalition status")
    assert status.visibility is Visibility.PRIVATE
    assert "40 / 1,000 calls (4%)" in status.plain()


async def test_create_makes_creator_steering_and_binds_channel(chat: Chat) -> None:
    created = await chat.say("alice", '/coalition create "Clean Air"')
    assert created.visibility is Visibility.CHANNEL
    assert "Clean Air" in created.plain()
    members = await chat.say("alice", "/coalition members")
    assert "Alice — steering" in members.plain()
    assert "already belongs to Clean Air" in await chat.refused("bob", '/coalition create "Other"')


async def test_unbound_channel_explains_how_to_start(chat: Chat) -> None:
    reply = await chat.say("alice", "/goal list")
    assert reply.is_error
    assert "/coalition create" in reply.plain()
    assert "/coalition link" in reply.plain()


async def test_join_creates_organisation_and_lists_it(chat: Chat) -> None:
    await setup_coalition(chat)
    joined = await chat.say("bob", '/coalition join org="Friends of the Earth"')
    assert "Friends of the Earth" in joined.plain()
    assert "new organisation" in joined.plain()
    await chat.say("carol", "/coalition join org=friends of the earth")  # positional words are not allowed
    await chat.say("carol", '/coalition join "FRIENDS OF THE EARTH"')
    orgs = await chat.say("alice", "/coalition orgs")
    assert "Friends of the Earth — 2 members" in orgs.plain()
    members = await chat.say("alice", "/coalition members")
    assert "Bob — member, Friends of the Earth" in members.plain()


async def test_people_joining_with_the_same_new_organisation_at_once_both_get_in(chat: Chat) -> None:
    await setup_coalition(chat)
    names = [f"person{n}" for n in range(8)]
    replies = await asyncio.gather(*(chat.say(name, '/coalition join org="Sunrise"') for name in names))
    assert [r.is_error for r in replies] == [False] * len(names), [r.plain() for r in replies]
    orgs = await chat.say("alice", "/coalition orgs")
    assert "Sunrise — 8 members" in orgs.plain()


async def test_a_unit_of_work_that_lost_a_race_runs_again(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first attempt meets a unique key taken by a concurrent transaction: rolled back, run again."""
    await setup_coalition(chat)
    from sqlalchemy.exc import IntegrityError

    from bot.store.repo import CoalitionRepo

    real = CoalitionRepo.add_organisation
    lost: list[str] = []

    async def first_loses(self, name: str):  # type: ignore[no-untyped-def]
        if not lost:
            lost.append(name)
            raise IntegrityError("INSERT INTO organisation", {}, Exception("UNIQUE constraint failed"))
        return await real(self, name)

    monkeypatch.setattr(CoalitionRepo, "add_organisation", first_loses)
    joined = await chat.say("bob", '/coalition join org="Sunrise"')
    assert lost == ["Sunrise"]
    assert not joined.is_error, joined.plain()
    assert "Sunrise" in joined.plain()
    assert "Sunrise — 1 member" in (await chat.say("alice", "/coalition orgs")).plain()


async def test_org_add_refuses_duplicates(chat: Chat) -> None:
    await setup_coalition(chat)
    assert not (await chat.say("alice", '/coalition org add "Greenpeace"')).is_error
    assert "already" in await chat.refused("alice", '/coalition org add "greenpeace"')


async def test_roles_are_changed_by_steering_only(chat: Chat) -> None:
    await setup_coalition(chat)
    await chat.say("bob", "/coalition join")
    assert "Only steering committee members" in await chat.refused("bob", "/coalition role @alice observer")
    granted = await chat.say("alice", "/coalition role @bob facilitator")
    assert "Bob is now facilitator" in granted.plain()
    assert "without a steering committee member" in await chat.refused("alice", "/coalition role @alice member")
    assert "has not joined" in await chat.refused("alice", "/coalition role @zed member")


async def test_working_groups(chat: Chat) -> None:
    await setup_coalition(chat)
    await chat.say("alice", '/coalition group create "Outreach"')
    await chat.say("bob", '/coalition group join "outreach"')
    again = await chat.say("bob", '/coalition group join "Outreach"')
    assert "already in" in again.plain()
    groups = await chat.say("carol", "/coalition groups")
    assert "Outreach (2): Alice, Bob" in groups.plain()
    assert "Outreach" in await chat.refused("bob", '/coalition group join "Nope"')


async def test_goal_lifecycle(chat: Chat, clock: ManualClock) -> None:
    await setup_coalition(chat)
    await chat.say("alice", '/coalition join org="Greenpeace"')
    added = await chat.say("alice", '/goal add "Petition" target=5000 unit=signatures due=2026-03-01 owner=Greenpeace')
    assert "#2 Petition" in added.plain()
    assert "owned by Greenpeace" in added.plain()
    await chat.say("bob", '/checkin 1200 goal=2 "street stall"')
    await chat.say("carol", '/checkin 300 goal=2 blockers="rain"')
    listing = await chat.say("bob", "/goal list")
    assert "#1 Calls" in listing.plain()
    assert "1,500 / 5,000 signatures (30%)" in listing.plain()
    shown = await chat.say("bob", "/goal show 2")
    text = shown.plain()
    assert "street stall" in text
    assert "blockers: rain" in text
    assert "Bob: 1,200 signatures" in text
    denied = await chat.say("bob", "/goal close 2")
    assert denied.is_error
    closed = await chat.say("alice", "/goal close 2")
    assert "Closed #2 Petition at 1,500 / 5,000 signatures (30%)" in closed.plain()
    listed = (await chat.say("bob", "/goal list")).plain()
    assert listed.index("#1 Calls") < listed.index("#2 Petition")
    assert "due Sun 01 Mar 2026, closed" in listed
    assert "closed" in await chat.refused("bob", "/checkin 5 goal=2")


async def test_checkin_with_several_goals_asks_which(chat: Chat) -> None:
    await setup_coalition(chat)
    await chat.say("alice", '/goal add "Letters" target=50')
    reply = await chat.say("bob", '/checkin 3 "wrote letters"')
    assert reply.form is not None
    assert base(reply.form.form_id) == "checkin.log"
    assert "#1 Calls" in reply.plain()
    assert "#2 Letters" in reply.plain()
    goal_field = reply.form.fields[0]
    assert [o.value for o in goal_field.options] == ["1", "2"]
    done = await chat.submit("bob", "checkin.log", {"goal": "2", "amount": "3", "note": "wrote letters"})
    assert "3 / 50 (6%)" in done.plain()


async def test_bare_checkin_opens_a_form_and_validates_fields(chat: Chat) -> None:
    await setup_coalition(chat)
    reply = await chat.say("bob", "/checkin")
    assert reply.form is not None
    assert [f.name for f in reply.form.fields] == ["goal", "amount", "note", "blockers"]
    bad = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": "lots"})
    assert bad.form_errors is not None
    assert "amount" in bad.form_errors
    missing = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": ""})
    assert missing.form_errors == {"amount": "Please fill this in."}
    ok = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": "12", "blockers": "no phones"})
    assert "12 / 1,000 calls (1%)" in ok.plain()


async def test_double_submitted_request_records_once(chat: Chat, db: Database) -> None:
    await setup_coalition(chat)
    first = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": "7"}, request_id="view-1")
    second = await chat.submit("bob", "checkin.log", {"goal": "1", "amount": "7"}, request_id="view-1")
    assert "7 / 1,000" in first.plain()
    assert "Already done" in second.plain()
    assert (await row_counts(db))["checkin"] == 1
    third = await chat.say("bob", "/checkin 1", request_id="trigger-9")
    fourth = await chat.say("bob", "/checkin 1", request_id="trigger-9")
    assert "8 / 1,000" in third.plain()
    assert "Already done" in fourth.plain()


async def test_the_same_request_twice_at_once_is_done_once(chat: Chat, db: Database) -> None:
    """A retry arriving while the first delivery is still being handled: both run, the one that
    claims the request id second is rolled back and answered "Already done"."""
    await setup_coalition(chat)
    line = '/goal add "Posters" target=50'
    first, second = await asyncio.gather(
        chat.say("alice", line, request_id="trigger-20"), chat.say("alice", line, request_id="trigger-20")
    )
    answers = sorted(["Already done" in first.plain(), "Already done" in second.plain()])
    assert answers == [False, True]
    assert (await row_counts(db))["goal"] == 2  # Calls, and Posters once


async def test_a_refused_request_is_not_marked_handled(chat: Chat, db: Database) -> None:
    """The request id is claimed inside the command's own transaction: a command that fails rolls
    the claim back with everything else, so the platform's retry of it runs again (on SQLite the
    claim used to be committed on its own by a savepoint's release)."""
    await setup_coalition(chat)
    refused = await chat.say("bob", "/checkin 1 goal=99", request_id="trigger-10")
    assert refused.is_error
    assert "Already done" not in refused.plain()
    async with db.session() as session:
        assert (await session.get(ProcessedRequest, "console:trigger-10")) is None
    again = await chat.say("bob", "/checkin 1 goal=99", request_id="trigger-10")
    assert again.is_error
    assert "Already done" not in again.plain()
    done = await chat.say("bob", "/checkin 1", request_id="trigger-11")
    assert "1 / 1,000" in done.plain()
    async with db.session() as session:
        assert (await session.get(ProcessedRequest, "console:trigger-11")) is not None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/goal frobnicate", "has no subcommand frobnicate"),
        ('/goal ad "X" target=3', "Did you mean /goal add?"),
        ('/goal add "Calls" target=abc', "target must be a number"),
        ('/goal add "Calls" target=5 due=2026-13-45', "must be a real date"),
        ('/goal add "' + "x" * 10_000 + '" target=5', "too long"),
        ('/goal add "Calls" target=5 due=2020-01-01', "in the past"),
        ('/goal add "Calls" target=-5', "at least"),
        ("/goal show 999", "no goal #999"),
        ("/checkin abc", "amount must be a number"),
        ("/coalition role @bob king", "must be one of"),
        ('/goal add "Calls" target=5 owner=Nobody', "No organisation or working group"),
        ("/unknowncommand", "Unknown command"),
    ],
)
async def test_bad_input_is_a_private_error_and_changes_nothing(
    chat: Chat, db: Database, line: str, expected: str
) -> None:
    await setup_coalition(chat)
    before = await row_counts(db)
    reply = await chat.say("alice", line)
    assert reply.is_error
    assert reply.visibility is Visibility.PRIVATE
    assert expected in reply.plain()
    assert await row_counts(db) == before


async def test_another_coalitions_goal_is_invisible(chat: Chat, db: Database) -> None:
    await setup_coalition(chat)  # goal #1 belongs to Clean Air
    await chat.say("zoe", '/coalition create "Other Cause"', channel="other")
    await chat.say("zoe", '/goal add "Theirs" target=10', channel="other")  # goal #2
    before = await row_counts(db)
    for line in ("/goal show 1", "/goal close 1", "/checkin 5 goal=1"):
        reply = await chat.say("zoe", line, channel="other")
        assert reply.is_error, line
        assert "no goal #1 in Other Cause" in reply.plain()
    assert await row_counts(db) == before
    assert "Theirs" not in (await chat.say("alice", "/goal list")).plain()
    assert "Calls" not in (await chat.say("zoe", "/coalition status", channel="other")).plain()


async def test_link_binds_another_channel_once(chat: Chat, clock: ManualClock) -> None:
    await setup_coalition(chat)
    denied = await chat.say("bob", "/coalition link")
    assert denied.is_error
    code_reply = await chat.say("alice", "/coalition link")
    code = next(
        part.text
        for block in code_reply.blocks
        for part in getattr(getattr(block, "text", None), "parts", ())
        if type(part).__name__ == "Code"
    )
    linked = await chat.say("dan", f"/coalition link {code}", channel="discord-ish")
    assert linked.visibility is Visibility.CHANNEL
    assert "now part of Clean Air" in linked.plain()
    assert "#1 Calls" in (await chat.say("dan", "/goal list", channel="discord-ish")).plain()
    assert "not valid" in await chat.refused("erin", f"/coalition link {code}", channel="third")
    fresh = await chat.say("alice", "/coalition link")
    code2 = fresh.plain().split(": ", 1)[1].split()[0]
    clock.advance(timedelta(hours=25))
    expired = await chat.say("erin", f"/coalition link {code2}", channel="third")
    assert expired.is_error
    status = await chat.say("alice", "/coalition status")
    assert "2 linked channels" in status.plain()
    unlinked = await chat.say("alice", "/coalition unlink", channel="discord-ish")
    assert "no longer part" in unlinked.plain()
    only = await chat.say("alice", "/coalition unlink")
    assert only.is_error


async def test_export_is_steering_only_and_complete(chat: Chat) -> None:
    await setup_coalition(chat)
    await chat.say("bob", '/checkin 40 "=cmd|calc"')
    denied = await chat.say("bob", "/coalition export")
    assert denied.is_error
    assert not denied.attachments
    export = await chat.say("alice", "/coalition export")
    names = [a.filename for a in export.attachments]
    assert names == ["clean-air.json", "clean-air-checkins.csv"]
    data = json.loads(export.attachments[0].read())
    assert data["goals"][0]["title"] == "Calls"
    assert data["checkins"][0]["amount"] == 40
    rows = list(csv.reader(io.StringIO(export.attachments[1].read().decode())))
    assert rows[1][3:6] == ["Bob", "40", "'=cmd|calc"]  # a spreadsheet shows the note, never runs it


async def test_forget_me_erases_identity_and_keeps_totals(chat: Chat) -> None:
    await setup_coalition(chat)
    await chat.say("bob", "/checkin 40")
    prompt = await chat.say("bob", "/coalition forget-me")
    done = await chat.click("bob", prompt, "Erase my data")
    assert done.replace_original
    assert "erased" in done.plain()
    members = await chat.say("alice", "/coalition members")
    assert "Bob" not in members.plain()
    shown = await chat.say("alice", "/goal show 1")
    assert "40 / 1,000 calls" in shown.plain()
    assert "former member" in shown.plain()


async def test_help_lists_every_subcommand(chat: Chat) -> None:
    reply = await chat.say("nobody", "/coalition help")
    text = reply.plain()
    for usage in (
        "/coalition create",
        "/coalition join",
        "/coalition org add",
        "/coalition role",
        "/coalition link",
        "/coalition status",
    ):
        assert usage in text
    assert "/goal add" in (await chat.say("nobody", "/goal help")).plain()
    assert "/checkin log" in (await chat.say("nobody", "/checkin help")).plain()
    assert "/goal add" in (await chat.say("nobody", "/goal")).plain()


async def test_observer_cannot_check_in(chat: Chat) -> None:
    await setup_coalition(chat)
    await chat.say("bob", "/coalition join")
    await chat.say("alice", "/coalition role @bob observer")
    assert "your role in this coalition is observer" in await chat.refused("bob", "/checkin 3")
    assert not (await chat.say("bob", "/goal list")).is_error


async def test_member_cannot_do_steering_things(chat: Chat) -> None:
    await setup_coalition(chat)
    for line in (
        '/goal add "Mine" target=3',
        "/goal close 1",
        "/coalition export",
        "/coalition unlink",
        "/coalition role @alice member",
    ):
        assert "Only steering" in await chat.refused("bob", line), line


async def test_status_shows_each_goal_state_in_words_and_a_chart_of_all_goals(chat: Chat) -> None:
    from bot.core.ui import Image

    await setup_coalition(chat)
    await chat.say("alice", "/checkin 40")
    reply = await chat.say("alice", "/coalition status")
    [chart] = [b for b in reply.blocks if isinstance(b, Image)]
    assert chart.attachment.content.startswith(b"\x89PNG")
    assert "Calls" in chart.alt
    assert "no due date" in chart.alt
    assert "no due date" in reply.plain()


async def test_an_unknown_word_in_a_subcommand_group_lists_the_group(chat: Chat) -> None:
    await setup_coalition(chat)
    reply = await chat.say("alice", "/checkin schedule hourly 09:00")
    assert reply.is_error
    assert "/checkin schedule hourly is not a command" in reply.plain()
    assert "/checkin schedule weekly" in reply.plain()
    assert "/checkin schedule daily" in reply.plain()


async def test_status_says_on_track_then_at_risk_then_overdue(chat: Chat, clock: ManualClock) -> None:
    await chat.say("alice", '/coalition create "Clean Air" tz=Europe/Berlin')
    due = (clock.now() + timedelta(days=10)).date().isoformat()
    await chat.say("alice", f'/goal add "Calls" target=100 unit=calls due={due}')
    assert "on track" in (await chat.say("alice", "/coalition status")).plain()  # its first day
    clock.advance(timedelta(days=5))
    await chat.say("alice", "/checkin 10")
    status = (await chat.say("alice", "/coalition status")).plain()
    assert "at risk" in status
    assert "a day from now reaches the target" in status
    await chat.say("alice", "/checkin 50")
    assert "on track" in (await chat.say("alice", "/coalition status")).plain()
    clock.advance(timedelta(days=7))
    assert "overdue" in (await chat.say("alice", "/coalition status")).plain()
    await chat.say("alice", "/checkin 40")
    shown = await chat.say("alice", "/goal show 1")
    assert "done" in shown.plain()
