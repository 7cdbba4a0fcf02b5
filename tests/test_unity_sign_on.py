"""The public sign-on form (SPEC §8) as a visitor's browser uses it: the form, its CSRF token and
per-address rate limit, the request reaching steering privately with Approve / Decline, and nothing
public before approval."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from bot.commands.unity.pages import unity_routes
from bot.commands.unity.sign_on import RateLimit, Tokens, sign_on_routes
from bot.core.clock import ManualClock
from bot.core.codec import decode_reply
from bot.core.i18n import pseudo
from bot.server import Metrics, build_app
from bot.store.db import Database
from bot.store.outbox_models import OutboxMessage
from bot.store.unity_models import UnitySignRequest
from tests.support import Chat, coalition_with_two_channels
from tests.test_unity_pages import english_left

FORM = "/unity/clean-air/sign"
ASK = {
    "organisation": "Verein für saubere Luft e. V.",
    "name": "Mina Aziz",
    "title": "Vorsitzende",
    "authorised": "yes",
}


def client(chat: Chat) -> httpx.AsyncClient:
    core = chat.core
    routes = [*unity_routes(core.db, core.clock), *sign_on_routes(core.db, core.clock)]
    app = build_app(core, [], Metrics(), extra=routes)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")


def token_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


async def published(chat: Chat) -> None:
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/unity draft "We demand clean air."')
    await chat.say("alice", "/unity publish")


async def requests_in(db: Database) -> list[UnitySignRequest]:
    async with db.session() as session:
        return list((await session.exec(select(UnitySignRequest))).all())


async def ask(web: httpx.AsyncClient, values: dict[str, str], **headers: str) -> httpx.Response:
    page = await web.get(FORM, headers=headers)
    return await web.post(FORM, data=values | {"csrf": token_of(page.text)}, headers=headers)


async def test_the_form_asks_for_organisation_name_title_and_authority(chat: Chat) -> None:
    await published(chat)
    async with client(chat) as web:
        page = await web.get(FORM)
        assert page.status_code == 200
        assert "form-action 'self'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        cookie = page.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
        for field in ('name="organisation"', 'name="name"', 'name="title"', 'type="checkbox" id="authorised"'):
            assert field in page.text
        assert '<form method="post" action="sign"' in page.text
        assert "<script" not in page.text
        assert 'href="clean-air/sign"' in (await web.get("/unity/clean-air")).text  # the statement links to it
        assert (await web.get("/unity/nowhere/sign")).status_code == 404


async def test_a_request_reaches_steering_and_is_public_only_once_approved(chat: Chat, db: Database) -> None:
    await published(chat)
    async with client(chat) as web:
        sent = await ask(web, ASK)
        assert sent.status_code == 303
        assert sent.headers["location"] == f"{FORM}?sent=1"
        thanks = await web.get(sent.headers["location"])
        assert "steering group" in thanks.text
        assert "Verein für saubere Luft" not in (await web.get("/unity/clean-air")).text
        assert (await web.get("/unity/clean-air.json")).json()["signatories"] == []
    [request] = await requests_in(db)
    assert (request.organisation, request.signer_name, request.signer_title, request.state) == (
        "Verein für saubere Luft e. V.",
        "Mina Aziz",
        "Vorsitzende",
        "pending",
    )
    async with db.session() as session:
        rows = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.key).startswith("unity-request:")))
        ).all()
    assert len(rows) == 1  # alice, the only steering member
    notice = decode_reply(rows[0].payload)
    assert "Verein für saubere Luft e. V." in notice.plain()

    assert (await chat.click("bob", notice, "Approve")).is_error  # members cannot approve
    approved = await chat.click("alice", notice, "Approve")
    assert not approved.is_error, approved.plain()
    assert "public page shows it now" in approved.plain()
    again = await chat.click("alice", notice, "Approve")
    assert again.is_error
    assert "already approved" in again.plain()
    async with client(chat) as web:
        public = (await web.get("/unity/clean-air.json")).json()
        assert [s["organisation"] for s in public["signatories"]] == ["Verein für saubere Luft e. V."]
        assert "1 organisation has signed." in (await web.get("/unity/clean-air")).text


async def test_a_declined_request_stays_off_the_page(chat: Chat, db: Database) -> None:
    await published(chat)
    async with client(chat) as web:
        assert (await ask(web, ASK)).status_code == 303
    assert "1 organisation asked on the public page to sign" in (await chat.say("alice", "/coalition status")).plain()
    assert "asked on the public page" not in (await chat.say("bob", "/coalition status")).plain()  # steering only
    listed = await chat.say("alice", "/unity requests")
    assert "Verein für saubere Luft" in listed.plain()
    declined = await chat.click("alice", listed, "Decline")
    assert "Nothing was published" in declined.plain()
    assert [r.state for r in await requests_in(db)] == ["declined"]
    assert "No sign-on requests are waiting" in (await chat.say("alice", "/unity requests")).plain()
    async with client(chat) as web:
        assert (await web.get("/unity/clean-air.json")).json()["signatories"] == []


async def test_without_a_valid_token_nothing_is_stored(chat: Chat, db: Database) -> None:
    await published(chat)
    async with client(chat) as web:
        forged = await web.post(FORM, data=ASK | {"csrf": "x.1.y"})
        assert forged.status_code == 403
        assert 'value="Mina Aziz"' in forged.text  # what was typed comes back, with a fresh token
        page = await web.get(FORM)
        token = token_of(page.text)
        web.cookies.clear()
        assert (await web.post(FORM, data=ASK | {"csrf": token})).status_code == 403  # no cookie
    other = client(chat)  # another browser: its own cookie, not this token's
    async with other:
        await other.get(FORM)
        assert (await other.post(FORM, data=ASK | {"csrf": token})).status_code == 403
    assert await requests_in(db) == []


def test_tokens_expire_and_are_bound_to_the_statement() -> None:
    tokens = Tokens(b"k" * 32)
    token = tokens.issue("clean-air", "nonce", 1000.0)
    assert tokens.valid("clean-air", token, "nonce", 1000.0 + 60)
    assert not tokens.valid("clean-air", token, "nonce", 1000.0 + 3 * 3600)
    assert not tokens.valid("other", token, "nonce", 1000.0 + 60)
    assert not tokens.valid("clean-air", token, "other", 1000.0 + 60)
    assert not Tokens(b"j" * 32).valid("clean-air", token, "nonce", 1000.0 + 60)


SECRETS = (
    "FORM_SECRET",
    "SLACK_SIGNING_SECRET",
    "TOKEN_ENCRYPTION_KEY",
    "SLACK_CLIENT_SECRET",
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
)


async def post_elsewhere(chat: Chat) -> int:
    """Load the form from one process, send it to another (a load balancer may do that)."""
    async with client(chat) as first, client(chat) as second:
        page = await first.get(FORM)
        cookie = page.cookies["unity_csrf"]
        second.cookies.set("unity_csrf", cookie, domain="bot.test", path=FORM)
        answer = await second.post(FORM, data=ASK | {"csrf": token_of(page.text)})
        return answer.status_code


async def test_a_form_from_one_process_is_accepted_by_another_with_the_same_configuration(
    chat: Chat, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await published(chat)
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    assert await post_elsewhere(chat) == 403  # no secret at all (the console): a key per process
    assert await requests_in(db) == []
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "the-same-secret-everywhere")  # derived from it
    assert await post_elsewhere(chat) == 303
    assert len(await requests_in(db)) == 1


def test_the_form_key_comes_from_form_secret_else_from_a_platform_secret() -> None:
    from tests.support import settings

    assert settings().form_key is None
    derived = settings(SLACK_SIGNING_SECRET="s1").form_key
    assert derived is not None
    assert derived != b"s1"  # derived, never the platform secret itself
    assert settings(SLACK_SIGNING_SECRET="s1", DISCORD_TOKEN="d").form_key == derived
    assert settings(SLACK_SIGNING_SECRET="s1", FORM_SECRET="f").form_key != derived
    assert settings(FORM_SECRET="f").form_key == settings(FORM_SECRET="f", SLACK_SIGNING_SECRET="s2").form_key


async def test_missing_fields_are_named_and_nothing_is_stored(chat: Chat, db: Database) -> None:
    await published(chat)
    async with client(chat) as web:
        answer = await ask(web, {"organisation": " ", "name": "Mina", "title": "x" * 101})
        assert answer.status_code == 400
        assert 'role="alert"' in answer.text
        assert (
            'id="organisation" name="organisation" value="" dir="auto" maxlength="100" required autocomplete="organization" aria-invalid="true"'
            in answer.text
        )
        assert "Please confirm that you are authorised" in answer.text
        assert "At most 100 characters" in answer.text
    assert await requests_in(db) == []


async def test_one_address_is_limited(chat: Chat, db: Database) -> None:
    await published(chat)
    async with client(chat) as web:
        typos = [(await ask(web, {"organisation": "Org"})).status_code for _ in range(6)]
        codes = [(await ask(web, ASK | {"organisation": f"Org {n}"})).status_code for n in range(6)]
        assert (await web.head(FORM)).status_code == 200
    assert typos == [400] * 6  # mistakes do not use up the limit
    assert codes == [303] * 5 + [429]
    assert len(await requests_in(db)) == 5
    limit = RateLimit(most=2, window=60)
    assert [limit.allow("a", t) for t in (0, 1, 2)] == [True, True, False]
    assert limit.allow("b", 2)
    assert limit.allow("a", 61)


async def test_closed_signing_takes_no_requests(chat: Chat, clock: ManualClock, db: Database) -> None:
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/unity draft "We demand clean air."')
    deadline = (clock.now() + timedelta(days=2)).date().isoformat()
    await chat.say("alice", f"/unity publish deadline={deadline}")
    async with client(chat) as web:
        page = await web.get(FORM)
        clock.advance(timedelta(days=3))
        closed = await web.post(FORM, data=ASK | {"csrf": token_of(page.text)})
        assert closed.status_code == 410
        assert "closed" in closed.text
    assert await requests_in(db) == []


async def test_the_form_speaks_the_readers_language(chat: Chat) -> None:
    await published(chat)
    async with client(chat) as web:
        page = await web.get(FORM, headers={"Accept-Language": "qps"})
        assert '<html lang="qps">' in page.text
        assert english_left(page.text, "Clean Air") == []
        assert pseudo("Ask to sign") in page.text
        answer = await ask(web, {"organisation": "Org"}, **{"Accept-Language": "qps"})
        assert english_left(answer.text, "Clean Air", "Org") == []


async def test_steering_cannot_approve_another_coalitions_request(chat: Chat, db: Database) -> None:
    from bot.core.context import ActionEvent

    await published(chat)
    async with client(chat) as web:
        assert (await ask(web, ASK)).status_code == 303
    [theirs] = await requests_in(db)
    await chat.say("zoe", '/coalition create "Other" tz=Europe/Berlin', channel="elsewhere")
    for action in ("unity.request.approve", "unity.request.decline"):
        event = ActionEvent(action, str(theirs.id), chat.actor("zoe"), chat.place("elsewhere"))
        refused = await chat.core.run_action(event)
        assert refused.is_error
        assert "Verein" not in refused.plain()
    assert [r.state for r in await requests_in(db)] == ["pending"]


async def test_the_same_form_sent_twice_makes_one_request_and_one_notice(chat: Chat, db: Database) -> None:
    await published(chat)
    async with client(chat) as web:
        page = await web.get(FORM)
        body = ASK | {"csrf": token_of(page.text)}
        first = await web.post(FORM, data=body)
        replayed = await web.post(FORM, data=body)  # a double click, or the same POST replayed
        assert (first.status_code, replayed.status_code) == (303, 303)
        assert replayed.headers["location"] == f"{FORM}?sent=1"
        other = await ask(web, ASK | {"organisation": "River Trust"})  # a new form: a new request
        assert other.status_code == 303
    assert sorted(r.organisation for r in await requests_in(db)) == ["River Trust", "Verein für saubere Luft e. V."]
    async with db.session() as session:
        notices = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.key).startswith("unity-request:")))
        ).all()
    assert len(notices) == 2  # one to steering for each request, not one per POST
