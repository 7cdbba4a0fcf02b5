"""Secret ballots, proven by a scan: after a secret ranked-choice decision is voted (with platform
request ids, so request records exist), closed, announced and exported, every column of every table,
every outbox row, every audit entry and every captured log line is searched. No row that holds the
respondent's ballot holds anything of the respondent; the rows that name the respondent say nothing
of how they voted; the ballot table has no column for a person or a time; on PostgreSQL the sealed
ballots share no row version with the participation rows. A member who joins late cannot vote."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.core.clock import ManualClock
from bot.core.context import Actor, FormSubmission, Invocation
from bot.store.db import Database
from bot.store.decision_models import DecisionParticipant, SecretBallot
from bot.store.models import Identity
from tests.support import Chat, outbox
from tests.test_impact import coalition
from tests.test_impact_privacy import PERSON_COLUMNS, every_row, text_of

RESPONDENT = Actor("console", "local", "quxvoter7", "Quxley Vantablack")
NEEDLES = ("quxvoter7", "Quxley", "Vantablack")
BALLOT = {"ranking": [3, 2, 1, 0]}  # nobody else ranks the options this way
MARKER = json.dumps(BALLOT["ranking"])


def holds_ballot(row: dict[str, object]) -> bool:
    return any(isinstance(v, dict) and v.get("ranking") == BALLOT["ranking"] for v in row.values())


async def test_no_voter_identity_is_tied_to_a_secret_ballot(
    chat: Chat, db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await coalition(chat)
    place = chat.place()
    joined = await chat.core.run_command(Invocation("coalition", RESPONDENT, place, text='join org="Lone Works"'))
    assert not joined.is_error
    proposed = await chat.say(
        "alice",
        '/decide propose "Which campaign first?" method=ranked options="Rent, Transit, Parks, Zoning" secret=yes',
    )
    assert not proposed.is_error, proposed.plain()
    opened = await chat.core.run_command(Invocation("decide", RESPONDENT, place, text="vote 1", request_id="C9"))
    assert opened.form is not None
    values = {f"rank{n + 1}": str(i) for n, i in enumerate(BALLOT["ranking"])}
    cast = await chat.core.submit_form(FormSubmission("decide.ballot", values, RESPONDENT, place, "1", "V9"))
    assert "counted" in cast.plain()
    retried = await chat.core.submit_form(FormSubmission("decide.ballot", values, RESPONDENT, place, "1", "V9"))
    assert "counted" not in retried.plain()
    for n, who in enumerate(("alice", "bob", "carol", "dave", "erin")):
        form = (await chat.say(who, "/decide vote 1")).form
        assert form is not None
        await chat.submit(
            who, "decide.ballot", {"rank1": str(n % 3), "rank2": "3"}, state=form.state, request_id=f"V{n}"
        )
    closed = await chat.say("alice", '/decide close 1 "Rent first"')
    assert "Round 1" in (await chat.say("alice", "/decide show 1")).plain(), closed.plain()
    await chat.say("alice", "/coalition export")

    async with db.session() as session:
        [identity] = (await session.exec(select(Identity).where(Identity.user_id == RESPONDENT.user_id))).all()
    voter = identity.member_id
    ballots_seen = 0
    for table, row in await every_row(db):
        text = text_of(row)
        names_voter = any(row.get(c) == voter for c in PERSON_COLUMNS) or any(n in text for n in NEEDLES)
        if holds_ballot(row):
            ballots_seen += 1
            assert table == "secretballot", (table, row)
            assert not names_voter, (table, row)
        if names_voter:
            assert not holds_ballot(row), (table, row)
            assert '"ranking"' not in text, (table, text[:200])
            if table == "decisionparticipant":
                assert set(row) == {"coalition_id", "decision_id", "member_id", "org_ballot"}
    assert ballots_seen == 1
    columns = set(SecretBallot.__table__.columns.keys())  # type: ignore[attr-defined]
    assert columns == {"id", "coalition_id", "decision_id", "choice"}  # no person, no moment
    assert not {"created_at", "at", "updated_at"} & set(DecisionParticipant.__table__.columns.keys())  # type: ignore[attr-defined]
    if not db.is_sqlite:
        async with db.engine.connect() as connection:
            xmins = {
                table: {r[0] for r in await connection.exec_driver_sql(f"SELECT xmin::text FROM {table}")}
                for table in ("secretballot", "decisionparticipant")
            }
        assert not xmins["secretballot"] & xmins["decisionparticipant"]
    for record in caplog.records:
        message = record.getMessage()
        assert not (any(n in message for n in NEEDLES) and ("ranking" in message or MARKER in message)), message
    for row in await outbox(db):
        payload = json.dumps(row.payload)
        assert not (MARKER in payload and any(n in payload for n in NEEDLES))


async def test_the_electorate_is_frozen_at_proposal(chat: Chat, clock: ManualClock) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await coalition(chat)
    await chat.say("alice", '/decide propose "New name?" method=majority options="Air, Breath" secret=yes')
    await chat.say("zed", '/coalition join org="Late Group"')
    refused = await chat.refused("zed", "/decide vote 1")
    assert "fixed then" in refused
    forged = await chat.submit("zed", "decide.ballot", {"choice": "0"}, state="1")
    assert forged.is_error
    shown = (await chat.say("alice", "/decide show 1")).plain()
    assert "0 of 6 members have voted" in shown
