"""Pledges and needs through the core, on SQLite and PostgreSQL: posting in every channel, ranked
offers, "I can help", partial quantities, states and history, notifications, safety, the map, and
the status, export, forget-me and weekly digest hooks. What reaches channels is checked as the
outbox rows the workflow queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.commands.pledge import hooks
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.context import ActionEvent
from bot.core.ui import Actions, Button, Image, Reply, Visibility
from bot.core.workflow import JobEnv, read_tables
from bot.store.db import Database
from bot.store.models import Member, Organisation
from bot.store.pledge_models import PledgeItem, PledgeMatch
from bot.store.pledge_repo import PledgeRepo
from tests.support import Chat, coalition_with_two_channels, mark_sent, outbox

PLEDGERS = (("bob", "Acme Trust"), ("carol", "River Group"), ("dave", "Harbour Aid"), ("erin", "Acme Trust"))


async def rows(db: Database, model: type) -> list:  # type: ignore[type-arg]
    async with db.session() as session:
        return list((await session.exec(select(model).order_by(col(model.id)))).all())


async def two_channels(chat: Chat) -> None:
    """Alice (steering) in #general and #actions; Bob and Erin of Acme Trust, Carol of River Group,
    Dave of Harbour Aid."""
    await coalition_with_two_channels(chat, PLEDGERS)


def button(reply: Reply, label: str) -> Button:
    for block in reply.blocks:
        if isinstance(block, Actions):
            for element in block.elements:
                if isinstance(element, Button) and element.label == label:
                    return element
    raise AssertionError(f"no button {label!r} in {reply.plain()!r}")


async def click(chat: Chat, who: str, element: Button, channel: str | None = None) -> Reply:
    return await chat.core.run_action(
        ActionEvent(element.action_id, element.value, chat.actor(who), chat.place(channel))
    )


async def test_a_need_is_posted_everywhere_with_the_best_offers_and_an_i_can_help_button(
    chat: Chat, db: Database
) -> None:
    await two_channels(chat)
    first = await chat.say("bob", '/pledge offer "A box of FFP2 masks" amount=50 unit=masks')
    assert "Offer #1 is posted for Acme Trust" in first.plain()
    assert "No open need fits it yet" in first.plain()
    await chat.say("dave", '/pledge offer "Hand sanitiser" kind=other amount=30 unit=bottles')
    await chat.say("dave", '/pledge "Meeting room for 40 people" kind=space')  # plain /pledge is an offer

    posted = await chat.say("carol", '/pledge need "200 FFP2 masks for the clinic" amount=200 unit=masks')
    assert posted.visibility is Visibility.PRIVATE
    assert "Need #4 is posted for River Group in 2 channels." in posted.plain()
    posts = await outbox(db, kind="post")
    assert sorted(p.target for p in posts) == ["actions", "general"]
    assert {p.topic for p in posts} == {"pledge:need:4"}
    need_post = decode_reply(posts[0].payload)
    text = need_post.plain()
    assert "200 FFP2 masks for the clinic" in text
    assert "0 promised, 200 masks still missing" in text
    assert text.index("#1 Acme Trust") < text.index("#2 Harbour Aid")  # same unit ranks first
    assert "Meeting room" not in text  # another kind, and not close
    assert button(need_post, "I can help").value == "4"

    # A later offer lists the need it could meet, with a match button, and the posts re-rank.
    await mark_sent(db)
    offered = await chat.say("erin", '/pledge offer "Masks, 100 of them" amount=100 unit=mask')
    assert "Open needs it could meet" in offered.plain()
    assert "#4 River Group" in offered.plain()
    assert button(offered, "Match need #4").value == "5:4"
    updates = await outbox(db, kind="update")
    assert len(updates) == 2
    assert "#5 Acme Trust" in decode_reply(updates[0].payload).plain()

    listed = await chat.say("alice", "/pledge list")
    assert "4 open offers" in listed.plain().lower()
    assert all(f"#{i}" in listed.plain() for i in (1, 2, 3, 5))
    assert "#4" in (await chat.say("alice", "/pledge needs masks".replace(" masks", ""))).plain()
    assert "No open needs" in (await chat.say("alice", "/pledge needs funding")).plain()


async def test_partial_quantities_states_history_and_every_copy_updated(chat: Chat, db: Database) -> None:
    await two_channels(chat)
    await chat.say("carol", '/pledge need "Masks for the clinic" amount=200 unit=masks')
    await chat.say("bob", '/pledge offer "Masks" amount=50 unit=masks')
    await chat.say("dave", '/pledge offer "More masks" amount=150 unit=masks')
    await mark_sent(db)

    matched = await chat.say("bob", "/pledge match 2 1")
    assert "matched to need #1 (River Group): 50 masks" in matched.plain()
    assert "150 masks still missing" in matched.plain()
    updates = await outbox(db, kind="update")
    assert sorted(u.target for u in updates) == ["actions", "general"]
    assert "50 promised, 150 masks still missing" in decode_reply(updates[0].payload).plain()
    await mark_sent(db)

    # Dave clicks "I can help" on the posted copy; the form is already for need #1.
    post = decode_reply((await outbox(db, kind="post"))[0].payload)
    opened = await click(chat, "dave", button(post, "I can help"), channel="actions")
    assert opened.form is not None
    assert opened.form.state == "1"
    fields = {f.name: f.initial for f in opened.form.fields}
    assert fields["quantity"] == "150 masks"
    assert "org" not in fields  # Dave acts for his organisation
    helped = await chat.submit(
        "dave",
        "pledge.offer",
        {"description": "Masks from our stock", "kind": "other", "quantity": "100 masks"},
        state="1",
    )
    assert "Offer #4 (Harbour Aid) is matched to need #1 (River Group): 100 masks." in helped.plain()
    assert "50 masks still missing" in helped.plain()
    assert "150 promised, 50 masks still missing" in decode_reply((await outbox(db, kind="update"))[-1].payload).plain()

    assert "missing only 50 masks" in await chat.refused("dave", "/pledge match 3 1 amount=60")
    await chat.say("dave", "/pledge match 3 1")
    shown = await chat.say("carol", "/pledge show 1")
    assert "200 masks: 200 promised, 0 masks still missing · matched (fully)" in shown.plain()

    half = await chat.say("carol", "/pledge fulfill 1 amount=120")
    assert "120 masks handed over for #1" in half.plain()
    assert "matched" in half.plain()
    done = await chat.say("carol", "/pledge fulfill 1")
    assert "80 masks handed over for #1" in done.plain()
    assert "0 masks still missing · fulfilled" in done.plain()
    items = {i.id: i for i in await rows(db, PledgeItem)}
    assert items[1].state == "fulfilled"
    assert items[1].active is None
    assert items[2].state == "fulfilled"  # Acme's 50 all given
    assert items[3].state == "matched"  # Harbour's offer of 150: 50 given, 100 still unpromised
    assert items[4].state == "fulfilled"
    final = decode_reply((await outbox(db, kind="update"))[-1].payload)
    assert "Fulfilled" in final.plain()
    assert not any(isinstance(b, Actions) for b in final.blocks)  # no "I can help" once fulfilled

    history = (await chat.say("carol", "/pledge show 1")).plain()
    assert history.count("matched with #") == 3
    assert "50 masks handed over (#2)" in history
    assert "70 masks handed over (#4)" in history
    assert "posted by Carol" in history
    assert (await chat.say("carol", "/pledge fulfill 1")).is_error


async def test_matches_fulfilment_and_withdrawals_notify_both_posters_in_their_language(
    chat: Chat, db: Database
) -> None:
    await two_channels(chat)
    async with db.unit_of_work() as session:
        bob = (await session.exec(select(Member).where(Member.display_name == "Bob"))).one()
        bob.language = "es"
        session.add(bob)
    await chat.say("carol", '/pledge need "Chairs" amount=40 unit=chairs')
    await chat.say("bob", '/pledge offer "Folding chairs" amount=40 unit=chairs')
    await chat.say("alice", "/pledge match 2 1")  # steering matches: both posters are told
    directs = await outbox(db, kind="direct")
    assert sorted(d.target for d in directs) == ["bob", "carol"]
    by_target = {d.target: decode_reply(d.payload) for d in directs}
    assert by_target["bob"].lang == "es"
    assert by_target["carol"].lang == "en"
    assert "Alice matched offer #2 of Acme Trust to need #1 of River Group: 40 chairs." in by_target["carol"].plain()

    await chat.say("carol", "/pledge fulfill 1 amount=10")
    assert [d.target for d in await outbox(db, kind="direct")][2:] == ["bob"]  # Carol did it herself
    await chat.say("bob", "/pledge withdraw 2")
    directs = await outbox(db, kind="direct")
    assert directs[-1].target == "carol"
    assert "withdrew #2" in decode_reply(directs[-1].payload).plain()
    items = {i.id: i for i in await rows(db, PledgeItem)}
    assert items[1].state == "matched"  # the 10 chairs handed over stay
    assert "30 chairs still missing" in (await chat.say("carol", "/pledge show 1")).plain()
    [kept] = await rows(db, PledgeMatch)
    assert (kept.amount, kept.delivered, kept.state) == (10, 10, "fulfilled")


async def test_retries_and_double_clicks_create_nothing_twice(chat: Chat, db: Database) -> None:
    await two_channels(chat)
    first = await chat.say("carol", '/pledge need "Leaflet printing" kind=funding amount=300 unit=EUR', request_id="r1")
    again = await chat.say("carol", '/pledge need "Leaflet printing" kind=funding amount=300 unit=EUR', request_id="r1")
    assert "Already done" in again.plain()
    double = await chat.say("carol", '/pledge need "Leaflet  printing" kind=funding amount=300 unit=EUR')
    assert "posted already as #1" in double.plain()
    assert "posted for" in first.plain()
    values = {"description": "Printing money", "kind": "funding", "quantity": "100 EUR"}
    for _ in range(2):
        helped = await chat.submit("bob", "pledge.offer", values, state="1")
        assert not helped.is_error, helped.plain()
    assert "done already" in helped.plain()
    assert len(await rows(db, PledgeItem)) == 2
    assert len(await rows(db, PledgeMatch)) == 1
    assert len(await outbox(db, kind="post")) == 2
    assert "already matched" in await chat.refused("bob", "/pledge match 2 1")
    assert len(await rows(db, PledgeMatch)) == 1


async def test_bad_input_wrong_people_and_other_coalitions_change_nothing(chat: Chat, db: Database) -> None:
    await two_channels(chat)
    await chat.say("carol", '/pledge need "Volunteers for Saturday" amount=10 unit=people')
    await chat.say("bob", '/pledge offer "Two volunteers" amount=2 unit=people')
    cases = {
        '/pledge offer "x" amount=lots': "must be a number",
        '/pledge offer "x" unit=masks': "unit needs an amount",
        '/pledge offer "x" kind=money': "must be one of",
        '/pledge offer "x" amount=0': "more than 0",
        "/pledge show 99": "no offer or need #99",
        "/pledge show abc": "abc is not an id",
        "/pledge match 1 2": "is a need, not an offer",
        "/pledge match 2 1 amount=5": "has only 2 people left",
        "/pledge fulfill 2": "nothing matched",
    }
    for line, expected in cases.items():
        reply = await chat.say("bob", line)
        assert reply.is_error, line
        assert expected in reply.plain(), (line, reply.plain())
    denied = await chat.say("dave", "/pledge match 2 1")  # Harbour Aid is neither side
    assert denied.is_error
    assert "Only members of the two organisations" in denied.plain()
    assert (await chat.say("dave", "/pledge withdraw 1")).is_error
    own = await chat.say("carol", '/pledge offer "Us" amount=1 unit=people')
    assert not own.is_error
    suggested = await chat.core.complete("pledgeitem", chat.actor("bob"), chat.place(), "")
    assert [(o.label, o.value) for o in suggested] == [
        ("Offer #3: Us", "3"),
        ("Offer #2: Two volunteers", "2"),
        ("Need #1: Volunteers for Saturday", "1"),
    ]
    assert [o.value for o in await chat.core.complete("pledgeitem", chat.actor("bob"), chat.place(), "need")] == ["1"]
    assert [o.value for o in await chat.core.complete("pledgeitem", chat.actor("bob"), chat.place(), "#2")] == ["2"]
    assert "same organisation" in (await chat.say("carol", "/pledge match 3 1")).plain()
    assert "your own organisation" in (await click(chat, "carol", Button("", "pledge.help", "1"))).plain()

    # Another coalition, in another channel, sees none of these ids.
    await chat.say("zoe", '/coalition create "Elsewhere"', channel="other")
    await chat.say("zoe", '/coalition join org="Zed"', channel="other")
    for line in ("/pledge show 1", "/pledge match 2 1", "/pledge fulfill 1", "/pledge withdraw 2"):
        assert "no offer or need" in await chat.refused("zoe", line, channel="other")
    assert "no need #1" in (await click(chat, "zoe", Button("", "pledge.help", "1"), channel="other")).plain()
    assert "No open needs" in (await chat.say("zoe", "/pledge needs", channel="other")).plain()
    assert await chat.core.complete("pledgeitem", chat.actor("zoe"), chat.place("other"), "") == []
    assert len(await rows(db, PledgeMatch)) == 0
    assert len(await rows(db, PledgeItem)) == 3


async def test_the_repository_reads_and_writes_only_its_own_coalitions_rows(chat: Chat, db: Database) -> None:
    await two_channels(chat)
    await chat.say("carol", '/pledge need "Printing" kind=funding amount=300 unit=EUR')
    async with db.session() as session:
        [need] = (await session.exec(select(PledgeItem))).all()
        elsewhere = PledgeRepo(session, need.coalition_id + 1)
        assert await elsewhere.item(need.id or 0) is None
        assert await elsewhere.items() == []
        need.description = "Changed"
        with pytest.raises(ValueError, match="another coalition"):
            await elsewhere.save(need)
        with pytest.raises(ValueError, match="another coalition"):
            await elsewhere.add(
                PledgeMatch(coalition_id=need.coalition_id, offer_id=need.id or 0, need_id=need.id or 0)
            )
        await session.rollback()
    assert [i.description for i in await rows(db, PledgeItem)] == ["Printing"]


async def test_a_member_without_an_organisation_picks_or_creates_it_in_the_form(chat: Chat, db: Database) -> None:
    await two_channels(chat)
    typed = await chat.say("frank", '/pledge need "Legal advice on tenancy" kind=expertise')
    assert typed.form is not None
    fields = {f.name: f for f in typed.form.fields}
    assert fields["description"].initial == "Legal advice on tenancy"
    assert fields["kind"].initial == "expertise"
    assert "Another organisation (type its name below)" in [o.label for o in fields["org"].options]
    missing = await chat.submit("frank", "pledge.need", {"description": "Legal advice", "kind": "expertise"})
    assert missing.form_errors is not None
    assert "org" in missing.form_errors
    bad = await chat.submit(
        "frank",
        "pledge.need",
        {"description": "Advice", "kind": "expertise", "quantity": "many", "org": "new", "new_org": "Tenants United"},
    )
    assert bad.form_errors is not None
    assert "quantity" in bad.form_errors
    assert len(await rows(db, PledgeItem)) == 0
    made = await chat.submit(
        "frank",
        "pledge.need",
        {"description": "Legal advice", "kind": "expertise", "org": "new", "new_org": "Tenants United"},
    )
    assert "Need #1 is posted for Tenants United" in made.plain()
    orgs = [o.name for o in await rows(db, Organisation)]
    assert "Tenants United" in orgs


async def test_map_status_export_forget_and_profiles(chat: Chat, db: Database) -> None:
    await two_channels(chat)
    await chat.say("carol", '/pledge need "Printing" kind=funding amount=300 unit=EUR')
    await chat.say("bob", '/pledge offer "Printing money" kind=funding amount=500 unit=EUR')
    await chat.say("bob", "/pledge match 2 1 amount=100")
    await chat.say("carol", "/pledge fulfill 1")
    mapped = await chat.say("alice", "/pledge map")
    text = mapped.plain()
    assert "Acme Trust" in text
    assert "River Group" in text
    assert "Offered: Funding 500 EUR (1)" in text
    assert "Received: Funding 100 EUR (1)" in text
    assert "Totals per kind (steering)" in text
    [image] = [b for b in mapped.blocks if isinstance(b, Image)]
    assert image.attachment.content.startswith(b"\x89PNG")
    assert "Acme Trust" in image.alt
    assert "Totals per kind" not in (await chat.say("bob", "/pledge map")).plain()

    async with db.unit_of_work() as session:
        from bot.core.context import Ctx
        from bot.store.models import Coalition
        from bot.store.repo import Directory

        coalition = (await session.exec(select(Coalition))).one()
        carol = (await session.exec(select(Member).where(Member.display_name == "Carol"))).one()
        ctx = Ctx(
            chat.actor("carol"),
            chat.place(),
            session,
            Directory(session),
            chat.core.clock,
            chat.core.settings,
            coalition,
            carol,
        )
        status = Reply.private(*await hooks.status(ctx)).plain()
        assert "1 open need" in status
        assert "200 EUR still missing" in status
        exported = await read_tables(await hooks.export(ctx))
        assert set(exported) == set(hooks.EXPORTS)
        assert [r["id"] for r in exported["pledgeitem"]] == [1, 2]
        assert len(exported["pledgeevent"]) >= 5
        await hooks.forget(ctx, carol.id or 0)
    items = await rows(db, PledgeItem)
    assert [i.member_id for i in items] == [None, items[1].member_id]
    assert items[0].amount == 300  # River Group's need and totals stay

    # Profiles: the join offer, the two-page form, the line for /coalition orgs.
    joined = await chat.say("frank", '/coalition join org="Tenants United"')
    assert "a new organisation" in joined.plain()
    assert "Tell the coalition who Tenants United is" in joined.plain()
    opened = await click(chat, "frank", button(joined, "Fill in our profile"))
    assert opened.form is not None
    wrong = await chat.submit(
        "frank", "pledge.profile", {"about": "Tenants", "kinds": "money"}, state=opened.form.state
    )
    assert wrong.form_errors is not None
    saved = await chat.submit(
        "frank",
        "pledge.profile",
        {
            "about": "A housing charity for 3,000 tenants",
            "kinds": "Funding, space",
            "brings": "A hall",
            "can_decide": "yes",
        },
        state=opened.form.state,
    )
    limits = await click(chat, "frank", button(saved, "Our limits"))
    assert limits.form is not None
    await chat.submit(
        "frank",
        "pledge.profile.limits",
        {"cannot": "No staff time", "sensitive": "Party politics"},
        state=limits.form.state,
    )
    shown = (await chat.say("carol", '/coalition profile "Tenants United"')).plain()
    for expected in ("A housing charity", "Funding, Space", "A hall", "No staff time", "Party politics", "Yes"):
        assert expected in shown
    assert "denied" not in shown
    tenants = next(o for o in await rows(db, Organisation) if o.name == "Tenants United")
    assert (await click(chat, "carol", Button("", "pledge.profile", str(tenants.id)))).is_error  # not Carol's

    listed = (await chat.say("carol", "/coalition orgs")).plain()
    assert "Tenants United — 1 member\n    A housing charity for 3,000 tenants · brings: Funding, Space" in listed
    assert "representative can decide" in listed
    assert "Acme Trust — 2 members\n    " not in listed  # no profile, no line
    for line in ('/coalition join org="Tenants United"', '/coalition join org="River Group"'):
        again = await chat.say("gina", line)  # an organisation already in: no offer
        assert not again.is_error
        assert "Fill in our profile" not in again.plain()


async def test_the_weekly_digest_lists_needs_waiting_a_week_on_the_settings_day(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))  # a Monday
    await two_channels(chat)
    await chat.say("carol", '/pledge need "Printing" kind=funding amount=300 unit=EUR')
    await chat.say("dave", '/pledge need "A van" kind=other')
    await chat.say("bob", '/pledge offer "Van" kind=other')
    await chat.say("bob", "/pledge match 3 2")  # the van need is met: not in the digest
    async with db.session() as session:
        assert await hooks.digest_due(session, clock.now() + timedelta(days=6)) == []  # not a week yet
        assert await hooks.digest_due(session, datetime(2026, 1, 12, 7, 0, tzinfo=UTC)) == []  # 08:00 Berlin
        monday = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
        assert await hooks.digest_due(session, datetime(2026, 1, 13, 9, 30, tzinfo=UTC)) == []  # Tuesday
        due = await hooks.digest_due(session, monday)
        assert len(due) == 1
    async with db.unit_of_work() as session:
        assert await hooks.digest_run(session, due[0], monday, JobEnv()) == 2
    async with db.unit_of_work() as session:
        assert await hooks.digest_run(session, due[0], monday, JobEnv()) == 0  # a doubled tick
        assert await hooks.digest_due(session, monday + timedelta(hours=1)) == []
    digests = [r for r in await outbox(db, kind="post") if r.key.startswith("pledge:stalled")]
    assert len(digests) == 2
    text = decode_reply(digests[0].payload).plain()
    assert "#1" in text
    assert "Printing" in text
    assert "A van" not in text
