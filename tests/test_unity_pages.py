"""The public unity pages, as a visitor's browser, a script and a spreadsheet would fetch them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import httpx
from sqlmodel import select

from bot.commands.unity.pages import reader_language, unity_routes
from bot.core.clock import ManualClock
from bot.core.i18n import date, language, pseudo
from bot.server import Metrics, build_app
from bot.store.db import Database
from bot.store.models import Coalition
from tests.support import Chat, coalition_with_two_channels
from tests.test_unity import org_id

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


class VisibleText(HTMLParser):
    """The words a reader sees (dates in ``<time>`` aside: Babel writes those), and the page title."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("time", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("time", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words += re.findall(r"[A-Za-z]+", data)


def english_left(html: str, *typed: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    allowed = {word for words in typed for word in re.findall(r"[A-Za-z]+", words)}
    return [word for word in parser.words if word not in allowed]


async def published_with_a_deadline(chat: Chat, clock: ManualClock) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/unity draft "Lorem ipsum.\n\nDolor amet."')
    await chat.say("alice", "/unity publish deadline=2026-11-30")
    await chat.submit(
        "bob",
        "unity.sign",
        {"org": await org_id(chat, "Acme Trust"), "name": "Bob Ray", "title": "Chair", "authorised": "yes"},
    )


async def test_the_page_is_in_the_readers_language(chat: Chat, clock: ManualClock) -> None:
    await published_with_a_deadline(chat, clock)
    async with client(chat) as web:
        spanish = await web.get("/unity/clean-air", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.8"})
        assert '<html lang="es">' in spanish.text
        assert spanish.headers["content-language"] == "es"
        assert spanish.headers["vary"] == "Accept-Language"
        with language("es"):
            published = date(datetime(2026, 11, 23, tzinfo=UTC).date(), format="long")
        assert published == "23 de noviembre de 2026"
        assert f">{published}</time>" in spanish.text

        pseudo_page = (await web.get("/unity/clean-air", headers={"Accept-Language": "qps"})).text
        assert '<html lang="qps">' in pseudo_page
        typed = ("Clean Air", "Lorem ipsum. Dolor amet.", "Acme Trust", "Bob Ray", "Chair")
        assert english_left(pseudo_page, *typed) == []
        assert pseudo("Signatories ({count})").format(count=1) in pseudo_page
        assert pseudo("{coalition}: unity statement").format(coalition="Clean Air") in pseudo_page  # title, h1
        assert 'href="clean-air.csv"' in pseudo_page

        english = (await web.get("/unity/clean-air")).text
        assert '<html lang="en">' in english
        assert "Version 1, published <time" in english
        assert "Signing closes <time" in english
        assert ">November 30, 2026, 11:59\u202fPM CET</time>" in english

        data = (await web.get("/unity/clean-air.json", headers={"Accept-Language": "qps"})).json()
        assert set(data["signatories"][0]) == {"organisation", "signer", "title", "signed_at"}
        sheet = (await web.get("/unity/clean-air.csv", headers={"Accept-Language": "es"})).text
        assert sheet.splitlines()[0] == "organisation,signer,title,signed_at,version"


async def test_without_a_language_we_speak_the_page_is_in_the_coalitions(
    chat: Chat, db: Database, clock: ManualClock
) -> None:
    await published_with_a_deadline(chat, clock)
    async with db.unit_of_work() as session:
        coalition = (await session.exec(select(Coalition))).one()
        coalition.language = "fr"
        session.add(coalition)
    async with client(chat) as web:
        assert '<html lang="fr">' in (await web.get("/unity/clean-air")).text
        assert '<html lang="fr">' in (await web.get("/unity/clean-air", headers={"Accept-Language": "de-DE"})).text
        wanted = {"Accept-Language": "de;q=1.0, en;q=0.2, es;q=0.5"}
        assert '<html lang="es">' in (await web.get("/unity/clean-air", headers=wanted)).text


async def test_the_not_published_page_speaks_the_readers_language_too(chat: Chat) -> None:
    async with client(chat) as web:
        missing = await web.get("/unity/nowhere", headers={"Accept-Language": "qps"})
        assert missing.status_code == 404
        assert '<html lang="qps">' in missing.text
        assert english_left(missing.text) == []
        plain = await web.get("/unity/nowhere.csv", headers={"Accept-Language": "qps"})
        assert plain.status_code == 404
        assert re.findall(r"[A-Za-z]+", plain.text) == []


def test_reader_language_from_accept_language() -> None:
    assert reader_language("fr-CA,fr;q=0.9", None) == "fr"
    assert reader_language("de, es;q=0.1, fr;q=0.7", "en") == "fr"
    assert reader_language("*", "es") == "es"
    assert reader_language("en;q=0, es", None) == "es"
    assert reader_language("es;q=oops, fr", None) == "fr"
    assert reader_language(None, None) == "en"


LONG_NAME = "Landesarbeitsgemeinschaftsverbandsvorsitzendenkonferenzgeschäftsstelle e. V."
ARABIC = "جمعية الهواء النقي"


async def test_the_page_reads_on_a_phone_and_previews_when_shared(chat: Chat) -> None:
    await coalition_with_two_channels(chat)
    await chat.say("alice", '/unity draft "Wir fordern saubere Luft für alle."')
    await chat.say("alice", "/unity publish")
    await chat.submit(
        "bob",
        "unity.sign",
        {"org": await org_id(chat, "Acme Trust"), "name": ARABIC, "title": LONG_NAME, "authorised": "yes"},
    )
    async with client(chat) as web:
        html = (await web.get("/unity/clean-air")).text
    assert '<meta property="og:title" content="Clean Air: unity statement">' in html
    assert '<meta property="og:description" content="1 organisation has signed. Wir fordern saubere Luft' in html
    assert '<meta property="og:url" content="http://bot.test/unity/clean-air">' in html
    assert '<meta name="description"' in html
    assert html.index("1 organisation has signed.") < html.index("<blockquote>")  # the count near the top
    assert "/unity sign" in html  # how an organisation signs
    assert '<p dir="auto">Wir fordern' in html
    assert f'<span dir="auto">{ARABIC}</span>, <span dir="auto">{LONG_NAME}</span>' in html
    assert '<bdi dir="auto">Clean Air</bdi>' in html
    assert "overflow-wrap: anywhere" in html
    assert "@media (max-width: 36rem)" in html  # the table turns into stacked rows
    assert "time { white-space: nowrap; }" in html
