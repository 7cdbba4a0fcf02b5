"""Unity statement sign-on through the core, on SQLite and PostgreSQL: drafting, comments,
publishing to every channel, signing by form and button, the live list, withdrawals, new versions
and deadlines. What reaches channels is checked as the outbox rows the workflow queues."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.commands.unity import run_deadlines
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.i18n import PSEUDO, date, language, number, pseudo
from bot.core.ui import (
    Actions,
    Bold,
    Button,
    Context,
    Fields,
    Header,
    Italic,
    Link,
    Plain,
    Reply,
    Rich,
    Section,
    Visibility,
)
from bot.store.db import Database
from bot.store.models import Coalition, Member
from bot.store.unity_models import UnitySignature
from bot.store.unity_repo import UnityRepo
from tests.support import Chat, coalition_with_two_channels, mark_sent, outbox

STATEMENT = "We, the undersigned organisations, call for clean air in every city.\n\nWe commit to act together."


async def publish_v1(chat: Chat) -> Reply:
    assert not (await chat.say("alice", f'/unity draft "{STATEMENT}"')).is_error
    published = await chat.say("alice", "/unity publish")
    assert not published.is_error, published.plain()
    return published


def sign_button(reply: Reply) -> Button:
    for block in reply.blocks:
        if isinstance(block, Actions):
            for element in block.elements:
                if isinstance(element, Button) and element.label == "Sign for my organisation":
                    return element
    raise AssertionError(f"no sign button in {reply.plain()!r}")


async def org_id(chat: Chat, name: str) -> str:
    form = (await chat.say("alice", "/unity sign")).form
    assert form is not None
    options = {o.label: o.value for o in form.fields[0].options}
    return options[name]


async def sign_as(chat: Chat, who: str, org: str, name: str) -> Reply:
    """``who`` signs for ``org`` through the form, as ``name`` (title Lead), confirming authority."""
    fields = {"org": await org_id(chat, org), "name": name, "title": "Lead", "authorised": "yes"}
    return await chat.submit(who, "unity.sign", fields)


async def test_member_cannot_draft_or_publish(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    denied = await chat.say("bob", '/unity draft "Our text"')
    assert denied.is_error
    assert "steering" in denied.plain().lower()
    assert (await chat.say("alice", '/unity draft "Our text"')).is_error is False
    assert (await chat.say("bob", "/unity publish")).is_error
    assert await outbox(db) == []


async def test_drafts_are_versions_with_changes_and_comments(chat: Chat) -> None:
    await coalition_with_two_channels(chat)
    first = await chat.say("alice", '/unity draft "We call for clean air."')
    assert "Saved draft v1" in first.plain()
    form_reply = await chat.say("alice", "/unity draft")
    assert form_reply.form is not None
    assert form_reply.form.fields[0].initial == "We call for clean air."
    second = await chat.submit("alice", "unity.draft", {"text": "We call for clean air and safe streets."})
    assert "Saved draft v2" in second.plain()
    assert "~ changed: “air.” → “air and safe streets.”" in second.plain()
    shown = await chat.say("bob", "/unity show")
    assert "unity statement v2" in shown.plain().lower()
    assert "Draft" in shown.plain()
    assert "Changes since v1" in shown.plain()
    old = await chat.say("bob", "/unity show 1")
    assert "We call for clean air." in old.plain()
    assert "Changes since" not in old.plain()

    commented = await chat.say("bob", '/unity comment "Mention schools, please"')
    assert "added to v2" in commented.plain()
    listed = await chat.say("carol", "/unity comments")
    assert "Mention schools, please" in listed.plain()
    assert "Bob" in listed.plain()
    assert "No comments on v1" in (await chat.say("carol", "/unity comments 1")).plain()


async def test_bad_input_is_explained_and_changes_nothing(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    assert "nothing to publish" in (await chat.say("alice", "/unity publish")).plain()
    assert "no draft to comment on" in (await chat.say("bob", '/unity comment "hi"')).plain()
    assert "nothing to sign" in (await chat.say("bob", "/unity sign")).plain()
    too_long = await chat.say("alice", f'/unity draft "{"x" * 3001}"')
    assert too_long.is_error
    await chat.say("alice", '/unity draft "Text"')
    assert (await chat.say("alice", '/unity draft "Text"')).is_error  # same text again
    assert "no version 7" in await chat.refused("bob", "/unity show 7")
    assert "has passed" in await chat.refused("alice", "/unity publish deadline=2020-01-01")
    assert await outbox(db) == []
    assert "Draft" in (await chat.say("bob", "/unity show")).plain()


async def test_publish_posts_everywhere_and_signatures_update_every_copy(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    published = await publish_v1(chat)
    assert published.visibility is Visibility.PRIVATE
    assert "2 channels" in published.plain()
    assert "http://bot.test/unity/clean-air" in published.plain()
    posts = await outbox(db, kind="post")
    assert sorted(p.target for p in posts) == ["actions", "general"]
    statement = decode_reply(posts[0].payload)
    assert statement.visibility is Visibility.CHANNEL
    assert "call for clean air" in statement.plain()
    assert "No organisation has signed yet" in statement.plain()
    await mark_sent(db)

    # Bob signs through the button on the posted statement.
    form_reply = await chat.core.run_action(
        __import__("bot.core.context", fromlist=["ActionEvent"]).ActionEvent(
            sign_button(statement).action_id, sign_button(statement).value, chat.actor("bob"), chat.place()
        )
    )
    assert form_reply.form is not None
    form = form_reply.form
    assert [f.name for f in form.fields] == ["org", "new_org", "name", "title", "authorised"]
    acme = next(f for f in form.fields if f.name == "org").initial
    assert acme  # Bob's organisation is preselected
    signed = await chat.submit(
        "bob",
        "unity.sign",
        {"org": acme, "name": "Bob Ray", "title": "Director", "authorised": "yes"},
        state=form.state,
    )
    assert "Signed v1 for Acme Trust" in signed.plain()

    # Carol signs with the command, for a new organisation typed in the form.
    opened = await chat.say("carol", '/unity sign org="Harbour Alliance" title=Chair')
    assert opened.form is not None
    fields = {f.name: f.initial for f in opened.form.fields}
    assert fields["org"] == "new"
    assert fields["new_org"] == "Harbour Alliance"
    assert fields["title"] == "Chair"
    await chat.submit(
        "carol",
        "unity.sign",
        {"org": "new", "new_org": "Harbour Alliance", "name": "Carol Sun", "title": "Chair", "authorised": "yes"},
        state=opened.form.state,
    )

    updates = await outbox(db, kind="update", status="pending")
    assert sorted(u.target for u in updates) == ["actions", "general"]  # one pending update per copy
    latest = decode_reply(updates[0].payload)
    assert "Signed by 2 organisations: Acme Trust, Harbour Alliance." in latest.plain()

    listing = await chat.say("alice", "/unity signatories")
    assert "Bob Ray, Director" in listing.plain()
    assert "Carol Sun, Chair" in listing.plain()


async def test_one_signature_per_organisation_and_authority_confirmed(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    acme = await org_id(chat, "Acme Trust")
    unconfirmed = await chat.submit("bob", "unity.sign", {"org": acme, "name": "Bob", "title": "Director"})
    assert unconfirmed.form_errors is not None
    assert "authorised" in unconfirmed.form_errors
    signed = await chat.submit(
        "bob", "unity.sign", {"org": acme, "name": "Bob", "title": "Director", "authorised": "yes"}
    )
    assert not signed.is_error
    second = await chat.submit("dave", "unity.sign", {"org": acme, "name": "Dave", "title": "CEO", "authorised": "yes"})
    assert second.form_errors is not None
    assert "Acme Trust already signed" in second.form_errors["org"]
    assert "by Bob (Director)" in second.form_errors["org"]
    retried = await chat.submit(
        "carol",
        "unity.sign",
        {"org": await org_id(chat, "Riverside Group"), "name": "Carol", "title": "Chair", "authorised": "yes"},
        request_id="slack:view:1",
    )
    assert not retried.is_error
    again = await chat.submit(
        "carol",
        "unity.sign",
        {"org": await org_id(chat, "Riverside Group"), "name": "Carol", "title": "Chair", "authorised": "yes"},
        request_id="slack:view:1",
    )
    assert not again.is_error
    async with db.session() as session:
        assert len((await session.exec(select(UnitySignature))).all()) == 2


async def test_two_signers_at_the_same_moment_leave_one_signature(chat: Chat, db: Database) -> None:
    """The race the form cannot see: the second signature of an organisation, added after the form
    checked, is refused by the database and leaves the first in place."""
    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    acme = int(await org_id(chat, "Acme Trust"))
    async with db.unit_of_work() as session:
        [coalition] = (await session.exec(select(Coalition))).all()
        repo = UnityRepo(session, coalition.id or 0)
        version = await repo.published()
        assert version is not None
        assert version.id is not None

        def signature(name: str) -> UnitySignature:
            return UnitySignature(
                coalition_id=repo.coalition_id,
                version_id=version.id or 0,
                organisation_id=acme,
                signer_name=name,
                signed_at=datetime(2026, 11, 23, tzinfo=UTC),
            )

        assert await repo.sign(signature("Bob"))
        assert not await repo.sign(signature("Dave"))
        assert [s.signer_name for s in await repo.signatures(version.id)] == ["Bob"]
        with pytest.raises(ValueError, match="another coalition"):
            await UnityRepo(session, repo.coalition_id + 1).save(version)


async def test_withdraw_keeps_history_and_new_version_asks_to_resign(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    await mark_sent(db)
    for who, org in (("bob", "Acme Trust"), ("carol", "Riverside Group")):
        reply = await sign_as(chat, who, org, who.title())
        assert not reply.is_error
    withdrawn = await chat.say("carol", "/unity withdraw")
    assert "Withdrew Riverside Group" in withdrawn.plain()
    assert "Riverside" not in (await chat.say("alice", "/unity signatories")).plain()
    assert (await chat.say("carol", "/unity withdraw")).is_error
    async with db.session() as session:
        rows = (await session.exec(select(UnitySignature).order_by(col(UnitySignature.id)))).all()
        assert [(r.active, r.withdrawn_at is not None) for r in rows] == [(True, False), (None, True)]
    await mark_sent(db)

    await chat.say("alice", f'/unity draft "{STATEMENT} Updated."')
    republished = await chat.say("alice", "/unity publish")
    assert "1 earlier signatory" in republished.plain()
    notices = await outbox(db, kind="direct")
    assert [n.target for n in notices] == ["bob"]
    assert "needs a new signature" in decode_reply(notices[0].payload).plain()
    superseded = await outbox(db, kind="update", status="pending")
    assert superseded
    old_copy = decode_reply(superseded[0].payload)
    assert "Superseded by v2" in old_copy.plain()
    assert not any(isinstance(b, Actions) for b in old_copy.blocks)  # no sign button on the old copy
    new_posts = [p for p in await outbox(db, kind="post") if p.status == "pending"]
    assert len(new_posts) == 2
    assert "No organisation has signed yet" in decode_reply(new_posts[0].payload).plain()
    # Bob's old signature stays with v1; v2 starts empty.
    assert "No organisation has signed v2" in (await chat.say("alice", "/unity signatories")).plain()


async def test_old_button_points_to_the_new_version(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    first = decode_reply((await outbox(db, kind="post"))[0].payload)
    await chat.say("alice", '/unity draft "Second text"')
    await chat.say("alice", "/unity publish")
    button = sign_button(first)
    from bot.core.context import ActionEvent

    stale = await chat.core.run_action(ActionEvent(button.action_id, button.value, chat.actor("bob"), chat.place()))
    assert stale.is_error
    assert "statement in force is v2" in stale.plain()


async def test_deadline_reminds_unsigned_organisations_once_then_closes(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await coalition_with_two_channels(chat)
    await chat.say("alice", f'/unity draft "{STATEMENT}"')
    published = await chat.say("alice", "/unity publish deadline=2026-11-30")
    assert "Signing closes" in published.plain()
    await sign_as(chat, "bob", "Acme Trust", "Bob")
    await mark_sent(db)
    deadline = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)  # 23:59 in Berlin

    async def tick(at: datetime) -> int:
        async with db.unit_of_work() as session:
            return await run_deadlines(session, at, "http://bot.test")

    assert await tick(deadline - timedelta(hours=49)) == 0
    assert await tick(deadline - timedelta(hours=47)) == 1  # only Carol's organisation has not signed
    assert await tick(deadline - timedelta(hours=46)) == 0
    reminders = await outbox(db, kind="direct")
    assert [r.target for r in reminders] == ["carol"]
    assert "has not signed v1" in decode_reply(reminders[0].payload).plain()

    assert await tick(deadline + timedelta(minutes=1)) == 1
    finals = [p for p in await outbox(db, kind="post") if p.key.startswith("unity:final")]
    assert len(finals) == 2
    assert "1 organisation signed: Acme Trust." in decode_reply(finals[0].payload).plain()
    closed_copy = decode_reply((await outbox(db, kind="update", status="pending"))[0].payload)
    assert "Signing closed" in closed_copy.plain()
    assert not any(isinstance(b, Actions) for b in closed_copy.blocks)
    clock.set(deadline + timedelta(minutes=2))
    assert "closed" in await chat.refused("carol", "/unity sign")
    assert await tick(deadline + timedelta(hours=1)) == 0


async def test_forget_me_erases_the_signers_name_but_not_the_signature(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    await sign_as(chat, "bob", "Acme Trust", "Bob Ray")
    forget = await chat.say("bob", "/coalition forget-me")
    await chat.click("bob", forget, next(e.label for b in forget.blocks if isinstance(b, Actions) for e in b.elements))
    listing = (await chat.say("alice", "/unity signatories")).plain()
    assert "Acme Trust" in listing
    assert "Bob Ray" not in listing


async def test_status_shows_signature_progress(chat: Chat) -> None:
    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    await sign_as(chat, "bob", "Acme Trust", "Bob")
    status = await chat.say("alice", "/coalition status")
    assert "Unity statement v1: 1 of 2 organisations signed" in status.plain()


async def test_export_includes_the_statement_history(chat: Chat) -> None:
    import json

    await coalition_with_two_channels(chat)
    await publish_v1(chat)
    await chat.say("bob", '/unity comment "Looks good"')
    await sign_as(chat, "bob", "Acme Trust", "Bob")
    await chat.say("bob", "/unity withdraw")
    export = await chat.say("alice", "/coalition export")
    data = json.loads(next(a for a in export.attachments if a.filename.endswith(".json")).read())
    [version] = data["unity_statement"]
    assert version["number"] == 1
    assert [c["text"] for c in version["comments"]] == ["Looks good"]
    assert [(s["signer_name"], s["active"]) for s in version["signatures"]] == [("Bob", None)]


# languages -------------------------------------------------------------------------------------


async def set_language(db: Database, *, coalition: str | None = None, **members: str) -> None:
    """The coalition's language (channel posts) and members' own choices, as settings would set them."""
    async with db.unit_of_work() as session:
        if coalition is not None:
            row = (await session.exec(select(Coalition))).one()
            row.language = coalition
            session.add(row)
        for name, lang in members.items():
            member = (await session.exec(select(Member).where(Member.display_name == name.capitalize()))).one()
            member.language = lang
            session.add(member)


def english_left(reply: Reply, *typed: str) -> list[str]:
    """Words of English in a reply written in the pseudo-locale: every word the bot says must come
    through the catalog. Text people typed (``typed``), `code`, link targets and times are skipped."""
    texts: list[str] = []

    def run(text: Rich) -> None:
        texts.extend(p.text for p in text.parts if isinstance(p, Plain | Bold | Italic))
        texts.extend(p.label for p in text.parts if isinstance(p, Link) and p.label != p.url)

    for block in reply.blocks:
        if isinstance(block, Header):
            texts.append(block.text)
        elif isinstance(block, Section | Context):
            run(block.text)
        elif isinstance(block, Fields):
            for field in block.fields:
                texts.append(field.label)
                run(field.value)
        elif isinstance(block, Actions):
            texts.extend(e.label for e in block.elements if isinstance(e, Button))
    if reply.form is not None:
        texts += [reply.form.title, reply.form.submit_label]
        for form_field in reply.form.fields:
            texts += [form_field.label, form_field.hint, *(o.label for o in form_field.options)]
    allowed = {word for words in typed for word in re.findall(r"[A-Za-z]+", words)}
    return [word for text in texts for word in re.findall(r"[A-Za-z]+", text) if word not in allowed]


TYPED = ("Clean Air", "Acme Trust", "Riverside Group", "Harbour Alliance", "Alice", "Bob", "Carol", "Dave", "Lead")
LOREM = "Lorem ipsum dolor amet.\n\nConsectetur adipiscing elit."  # typed words no sentence of ours has


async def test_every_word_of_the_workflow_goes_through_the_catalog(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await coalition_with_two_channels(chat)
    await set_language(db, coalition=PSEUDO)  # nobody chose a language: replies, posts and notes are qps
    typed = (*TYPED, LOREM, "Zut")
    replies = [
        await chat.say("alice", "/unity draft"),
        await chat.say("alice", '/unity draft "Lorem ipsum."'),
        await chat.say("alice", f'/unity draft "{LOREM}"'),
        await chat.say("alice", "/unity show"),
        await chat.say("alice", "/unity show 7"),
        await chat.say("bob", '/unity comment "Zut"'),
        await chat.say("bob", "/unity comments"),
        await chat.say("bob", "/unity comments 1"),
        await chat.say("bob", "/unity signatories"),
        await chat.say("alice", "/unity publish deadline=2026-11-30"),
        await chat.say("bob", '/unity sign org="Harbour Alliance" title=Lead'),
        await chat.say("bob", "/unity sign"),
        await chat.submit("bob", "unity.sign", {"org": "", "name": "Bob", "title": "Lead"}),
        await chat.submit(
            "bob",
            "unity.sign",
            {"org": await org_id(chat, "Acme Trust"), "name": "Bob", "title": "Lead", "authorised": "yes"},
        ),
        await chat.say("alice", "/unity signatories"),
        await chat.say("carol", "/unity withdraw"),
    ]
    for reply in replies:
        assert reply.lang == PSEUDO
        assert english_left(reply, *typed) == [], reply.plain()
    invalid = replies[12].form_errors
    assert invalid is not None
    assert set(invalid) == {"org", "authorised"}
    assert all(english_left(Reply.private(message), *typed) == [] for message in invalid.values())
    status = (await chat.say("alice", "/coalition status")).plain()
    line = pseudo("Unity statement v{version}: {signed} of {n} organisations signed; signing closes {deadline}.")
    assert line.partition("{deadline}")[0].format(version=2, signed=1, n=2) in status
    await mark_sent(db)
    await chat.say("alice", f'/unity draft "{LOREM} Sed."')
    assert english_left(await chat.say("alice", "/unity publish deadline=2026-11-30"), *typed) == []
    deadline = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)
    async with db.unit_of_work() as session:
        await run_deadlines(session, deadline - timedelta(hours=47), "http://bot.test")
    async with db.unit_of_work() as session:
        await run_deadlines(session, deadline + timedelta(minutes=1), "http://bot.test")
    rows = await outbox(db)
    assert {row.kind for row in rows} == {"post", "update", "direct"}
    assert {row.key.split(":")[1] for row in rows if row.key.startswith("unity:")} == {
        "publish",
        "resign",
        "remind",
        "final",
    }
    for row in rows:
        message = decode_reply(row.payload)
        assert message.lang == PSEUDO
        assert english_left(message, *typed, "Sed") == [], message.plain()


async def test_posts_in_the_coalitions_language_notes_in_the_recipients(chat: Chat, db: Database) -> None:
    await coalition_with_two_channels(chat)
    await set_language(db, bob=PSEUDO, carol="es")
    await publish_v1(chat)
    signed = await chat.submit(
        "bob",
        "unity.sign",
        {"org": await org_id(chat, "Acme Trust"), "name": "Bob", "title": "Lead", "authorised": "yes"},
    )
    assert signed.lang == PSEUDO
    assert pseudo("Thank you!") in signed.plain()
    assert (await chat.say("carol", "/unity show")).lang == "es"
    await mark_sent(db)
    await chat.say("alice", f'/unity draft "{STATEMENT} Updated."')
    republished = await chat.say("alice", "/unity publish")
    assert republished.lang == "en"
    assert "1 earlier signatory" in republished.plain()
    [note] = await outbox(db, kind="direct")
    assert note.target == "bob"
    assert decode_reply(note.payload).lang == PSEUDO
    assert pseudo("needs a new signature") in decode_reply(note.payload).plain()
    for row in await outbox(db, kind="post"):
        post = decode_reply(row.payload)
        assert post.lang == "en"
        assert "unity statement" in post.plain().lower()
    for row in await outbox(db, kind="update"):
        assert "Superseded by v2" in decode_reply(row.payload).plain()


async def test_numbers_and_dates_follow_the_readers_language(chat: Chat, db: Database, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await coalition_with_two_channels(chat)
    await set_language(db, alice="es", bob="fr")
    long_text = "x" * 1200
    with language("es"):
        expected = number(1200)
    assert expected in (await chat.say("alice", f'/unity draft "{long_text}"')).plain()
    await chat.say("alice", "/unity publish deadline=2026-11-30")
    await chat.submit(
        "carol",
        "unity.sign",
        {"org": await org_id(chat, "Acme Trust"), "name": "Carol", "title": "Lead", "authorised": "yes"},
    )
    clash = await chat.submit(
        "bob",
        "unity.sign",
        {"org": await org_id(chat, "Acme Trust"), "name": "Bob", "title": "Lead", "authorised": "yes"},
    )
    assert clash.form_errors is not None
    with language("fr"):
        day = date(datetime(2026, 11, 23, tzinfo=UTC).date())
    assert day in clash.form_errors["org"]  # 23 nov. 2026


# the workflow declaration ----------------------------------------------------------------------


async def test_the_workflow_declares_everything_the_bot_reaches_into(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    from sqlmodel import SQLModel

    from bot.commands.unity import unity, workflow
    from bot.core.workflow import JobEnv

    assert workflow.name == "unity"
    assert workflow.command is unity
    assert set(workflow.exports) <= set(SQLModel.metadata.tables)
    assert workflow.status
    [job] = workflow.jobs
    assert job.name == "unity-deadlines"

    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await coalition_with_two_channels(chat)
    await chat.say("alice", f'/unity draft "{STATEMENT}"')
    await chat.say("alice", "/unity publish deadline=2026-11-30")
    await mark_sent(db)
    deadline = datetime(2026, 11, 30, 22, 59, tzinfo=UTC)
    env = JobEnv(public_url="http://bot.test")

    async def due(at: datetime) -> list[int]:
        async with db.session() as session:
            return list(await job.due(session, at))

    async def run(item: int, at: datetime) -> int:
        async with db.unit_of_work() as session:
            return await job.run(session, item, at, env)

    assert await due(deadline - timedelta(hours=49)) == []
    [version_id] = await due(deadline - timedelta(hours=47))
    assert await run(version_id, deadline - timedelta(hours=47)) == 3  # Bob, Carol and Dave: nobody signed
    assert await run(version_id, deadline - timedelta(hours=47)) == 0  # a doubled tick does nothing
    assert await due(deadline - timedelta(hours=46)) == []
    assert await due(deadline + timedelta(minutes=1)) == [version_id]
    assert await run(version_id, deadline + timedelta(minutes=1)) == 4  # two copies updated, two final posts
    assert await due(deadline + timedelta(hours=1)) == []
    finals = [p for p in await outbox(db, kind="post") if p.key.startswith("unity:final")]
    assert len(finals) == 2
    assert "http://bot.test/unity/clean-air" in decode_reply(finals[0].payload).plain()

    routes = workflow.routes(db) if workflow.routes else []
    assert [getattr(r, "path", None) for r in routes] == ["/unity/{name}", "/unity/{slug}/sign"]
