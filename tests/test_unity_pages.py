"""The public unity pages, as a visitor's browser, a script and a spreadsheet would fetch them."""

from __future__ import annotations

import csv
import io

import httpx

from bot.server import Metrics, build_app
from bot.web.unity_pages import unity_routes
from tests.support import Chat
from tests.test_unity import coalition_with_two_channels, org_id

HOSTILE = 'We demand <script>alert("x")</script> & clean air.\n\nSecond paragraph.'


def client(chat: Chat) -> httpx.AsyncClient:
    core = chat.core
    app = build_app(core, [], Metrics(), extra=unity_routes(core.db, core.clock))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot.test")


async def test_nothing_is_public_until_published(chat: Chat) -> None:
    async with client(chat) as web:
        assert (await web.get("/unity/clean-air")).status_code == 404
        await coalition_with_two_channels(chat)
        await chat.say("alice", '/unity draft "Secret draft wording"')
        for path in ("/unity/clean-air", "/unity/clean-air.json", "/unity/clean-air.csv"):
            response = await web.get(path)
            assert response.status_code == 404, path
            assert "Secret draft wording" not in response.text
        assert (await web.get("/unity/clean-air.xml")).status_code == 404


async def test_published_statement_and_signatories_on_every_format(chat: Chat) -> None:
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/unity draft "' + HOSTILE.replace('"', "'") + '"')
    await chat.say("alice", "/unity publish")
    await chat.submit(
        "bob",
        "unity.sign",
        {
            "org": await org_id(chat, "Acme Trust"),
            "name": "Bob <b>Ray</b>",
            "title": "=HYPERLINK(1)",
            "authorised": "yes",
        },
    )
    await chat.submit(
        "carol",
        "unity.sign",
        {"org": await org_id(chat, "Riverside Group"), "name": "Carol", "title": "Chair", "authorised": "yes"},
    )
    await chat.say("carol", "/unity withdraw")
    async with client(chat) as web:
        page = await web.get("/unity/clean-air")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in page.headers["content-security-policy"]
        html = page.text
        assert "<script>" not in html
        assert "&lt;script&gt;alert(" in html
        assert "<b>Ray</b>" not in html
        assert "Bob &lt;b&gt;Ray&lt;/b&gt;" in html
        assert '<html lang="en">' in html
        assert "<caption>" in html
        assert "Acme Trust" in html
        assert "Riverside Group" not in html  # withdrawn
        assert "Second paragraph." in html

        data = (await web.get("/unity/clean-air.json")).json()
        assert data["version"] == 1
        assert data["signing_open"] is True
        assert [s["organisation"] for s in data["signatories"]] == ["Acme Trust"]
        assert set(data["signatories"][0]) == {"organisation", "signer", "title", "signed_at"}
        assert "bob" not in str(data).replace("Bob", "")  # no platform user ids

        sheet = await web.get("/unity/clean-air.csv")
        assert sheet.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(sheet.text)))
        assert rows[0] == ["organisation", "signer", "title", "signed_at", "version"]
        assert rows[1][0] == "Acme Trust"
        assert rows[1][2] == "'=HYPERLINK(1)"
        assert len(rows) == 2


async def test_page_follows_the_newest_published_version(chat: Chat) -> None:
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/unity draft "First version"')
    await chat.say("alice", "/unity publish")
    await chat.say("alice", '/unity draft "Second version"')
    async with client(chat) as web:
        assert "First version" in (await web.get("/unity/clean-air")).text  # a draft is not public
        await chat.say("alice", "/unity publish")
        page = (await web.get("/unity/clean-air")).text
        assert "Second version" in page
        assert "Version 2" in page
