"""Issue 15, parts 3, 6 and 7: ``/coalition export mine`` (everything stored about the person asking,
from every workflow; nobody else's rows, never an anonymous flag or a pulse answer), ``/coalition
privacy`` and ``GET /privacy`` rendered from the workflows' declarations, and ``/coalition audit``."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

from bot.commands import WORKFLOWS
from bot.commands.coalition.privacy_page import render_page
from bot.core.i18n import language, tr
from bot.core.ui import Reply
from bot.core.workflow import routes_of
from bot.server import Metrics, build_app
from tests.support import Chat
from tests.test_forget_everywhere import MARK, WHO, touch_everything


def files(reply: Reply) -> dict[str, bytes]:
    return {a.filename: a.read() for a in reply.attachments}


async def export_of(chat: Chat, who: str) -> tuple[Reply, dict[str, Any]]:
    reply = await chat.say(who, "/coalition export mine")
    assert not reply.is_error, reply.plain()
    json_file = next(data for name, data in files(reply).items() if name.endswith("-mine.json"))
    return reply, json.loads(json_file)


async def touch_impact(chat: Chat) -> None:
    assert not (await chat.say(WHO, f'/impact win "{MARK} win"')).is_error
    started = await chat.say("alice", "/impact pulse start")
    assert not started.is_error, started.plain()
    for who, comment in ((WHO, f"{MARK} secret answer"), ("bea", "fine")):
        opened = await chat.say(who, "/impact pulse")
        assert opened.form is not None, opened.plain()
        answered = await chat.submit(who, "impact.pulse", {"score": "2", "comment": comment}, state=opened.form.state)
        assert not answered.is_error, answered.plain()


async def test_export_mine_has_their_rows_from_every_workflow_and_nobody_elses(chat: Chat) -> None:
    await touch_everything(chat)
    await touch_impact(chat)
    await chat.say("bea", '/pledge offer "Bea sandwiches" kind=food amount=3 unit=trays')
    await chat.say("bea", '/meet agenda 1 "Bea item"')

    reply, data = await export_of(chat, WHO)
    for section in (
        "member",
        "accounts",
        "group_memberships",
        "goals_created",
        "checkins",
        "pledges",
        "flags_raised",
        "meetings_proposed",
        "meeting_votes",
        "meeting_agenda_items",
        "unity_versions",
        "unity_comments",
        "unity_signatures",
        "wins_logged",
        "pulses_answered",
    ):
        assert data.get(section), (section, sorted(data))
    me = data["member"][0]
    assert me["display_name"] == "Quillon"
    assert {a["user_id"] for a in data["accounts"]} == {WHO}
    assert [c["note"] for c in data["checkins"]] == [f"{MARK} note"]
    assert {p["description"] for p in data["pledges"]} == {"Ten volunteers", "Hall for 50"}
    assert [f["topic"] for f in data["flags_raised"]] == ["Tension"]  # the named one only
    assert all(not f["anonymous"] and "receipt_hash" not in f for f in data["flags_raised"])
    assert {v["answer"] for v in data["meeting_votes"]} == {"yes", "no"}
    assert data["pulses_answered"] == [{"pulse_id": 1}]  # that they answered, never what
    for key in ("coalition_id",):
        assert all(key not in row for rows in data.values() for row in rows)
    text = json.dumps(data)
    for other in ("Other", "Once.", "secret answer", "Bea sandwiches", "Bea item", '"bea"', "alice"):
        assert other not in text, other
    assert all(m == me["id"] for m in (c["member_id"] for c in data["checkins"]))
    # CSV, one file a table, formulas guarded
    names = files(reply)
    checkins_csv = next(data for name, data in names.items() if name.endswith("-mine-checkins.csv"))
    rows = list(csv.DictReader(io.StringIO(checkins_csv.decode())))
    assert [r["note"] for r in rows] == [f"{MARK} note"]
    assert any(name.endswith("-mine-flags_raised.csv") for name in names)

    # another person's export has their rows, and none of Quillon's
    _, theirs = await export_of(chat, "bea")
    assert theirs["member"][0]["display_name"] != "Quillon"
    assert [c["amount"] for c in theirs["checkins"]] == [3]
    assert MARK not in json.dumps(theirs)
    assert WHO not in json.dumps(theirs)
    assert theirs["flags_raised"] == []


async def test_every_workflow_holding_data_says_what_it_stores() -> None:
    for flow in WORKFLOWS:
        if flow.exports:
            assert flow.privacy, f"{flow.name} exports tables but declares no privacy entry"
            assert flow.export_mine is not None, f"{flow.name} exports tables but has no export_mine"
        for use in flow.privacy:
            assert all((use.what, use.why, use.who_sees, use.kept)), (flow.name, use)


async def test_coalition_privacy_lists_every_declaration(chat: Chat) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    text = (await chat.say("bea", "/coalition privacy")).plain()
    for flow in WORKFLOWS:
        for use in flow.privacy:
            assert use.what in text, use.what
            assert use.kept in text, use.kept


async def test_privacy_page_is_served_in_the_readers_language(chat: Chat) -> None:
    core = chat.core
    app = build_app(core, [], Metrics(), extra=routes_of(WORKFLOWS, core.db, core.clock))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")
    for lang in ("en", "es", "fr"):
        page = await client.get("/privacy", headers={"Accept-Language": f"{lang};q=0.9"})
        assert page.status_code == 200
        assert page.headers["content-language"] == lang
        assert page.text == render_page(WORKFLOWS, lang)
        with language(lang):
            for flow in WORKFLOWS:
                for use in flow.privacy:
                    assert tr(use.why).replace("'", "&#x27;") in page.text
    assert "<h2>/flag</h2>" in (await client.get("/privacy")).text


def test_privacy_page_under_the_pseudo_locale_has_no_plain_english() -> None:
    page = render_page(WORKFLOWS, "qps")
    assert "Who sees it" not in page
    assert "How long" not in page
    assert "Every member of the coalition" not in page


async def test_audit_is_steering_only_newest_first_and_paged(chat: Chat) -> None:
    await chat.say("alice", '/coalition create "Clean Air"')
    await chat.say("bea", "/coalition join")
    assert (await chat.say("bea", "/coalition audit")).is_error
    for n in range(25):
        await chat.say("alice", f'/coalition group create "Group {n:02}"')
    await chat.say("alice", "/coalition role @bea facilitator")
    first = await chat.say("alice", "/coalition audit")
    assert not first.is_error, first.plain()
    text = first.plain()
    assert "/coalition audit 2" in text
    lines = [line for line in text.splitlines() if "·" in line]
    assert len(lines) == 20
    assert "Alice" in lines[0] or "alice" in lines[0]
    second = (await chat.say("alice", "/coalition audit 2")).plain()
    assert "/coalition audit 3" not in second
    assert "flag." not in second


async def test_coalition_privacy_answers_in_a_channel_not_linked_yet(chat: Chat) -> None:
    reply = await chat.say("bea", "/coalition privacy")
    assert not reply.is_error, reply.plain()
    assert "Who sees it" in reply.plain()
