"""Languages through the Slack adapter, end to end (SPEC §7): a member's Slack locale comes from
``users.info`` (asked with ``include_locale``), reaches the core as the actor's locale, is remembered
on the member, and every word the bot says to them — replies, errors, help, button labels, select
placeholders, modal titles and buttons, the "open the form" fallback, the Home tab — goes through
the catalogs. The fake's locale is the test pseudo-locale ``qps``, which transforms every catalog
sentence, so an English word left outside a code span is a word that escaped the catalogs.

A small test workflow (``/lingo``) writes its own words with ``_()`` like every workflow, so the
check covers the whole path without depending on any one workflow's catalog.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.adapters.slack.app import SlackAdapter
from bot.commands import build_registry
from bot.core.i18n import N_, _, pseudo
from bot.core.params import Kind, Param
from bot.core.registry import Command, Registry
from bot.core.ui import Actions, Button, Form, FormField, Header, Option, Reply, Section, Select, rich
from bot.store.db import Database
from bot.store.models import Identity, Member
from tests.fakes.apps import bot_database, slack_bot, started
from tests.fakes.slack_api import JSON, FakeSlack, Running, SlackSide, block_text, number
from tests.test_slack_adapter import SECRET, Chat

PSEUDO = "qps"
KEPT = re.compile(r"`[^`]*`|<[^<>]*>|&\w+;|:[a-z_]+:|https?://\S+|\b[a-z_]+=\S*|\{[^{}]*\}")
ENGLISH = re.compile(r"[A-Za-z]{2,}")


def untranslated(text: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """ASCII words outside code spans, markup, URLs and ``key=value``: text that escaped the
    catalogs (the pseudo-locale leaves no ASCII letter in a translated sentence). ``allowed``
    names what members typed or what is a name (never translated)."""
    for word in allowed:
        text = text.replace(word, "")
    return ENGLISH.findall(KEPT.sub(" ", text))


# a test workflow whose every word goes through _() ---------------------------------------------------


def lingo_command() -> Command:
    lingo = Command("lingo", N_("Try the bot's languages"))

    on = Param("on", Kind.DATE, description=N_("The day"))

    @lingo.sub("card", summary=N_("Show a card with buttons"), usage="/lingo card", params=(on,), needs_coalition=False)
    async def card(ctx: Any, args: Any) -> Reply:
        choices = (Option(_("First choice"), "1"), Option(_("Second choice"), "2"))
        return Reply.private(
            Header(_("A card")),
            Section(rich(_("Some words for you."))),
            Actions((Button(_("Approve"), "lingo.ok", "1"), Select("lingo.pick", _("Pick one"), choices))),
        )

    @lingo.sub("form", summary=N_("Open a form"), usage="/lingo form", needs_coalition=False, opens_form=True)
    async def form(ctx: Any, args: Any) -> Reply:
        fields = (
            FormField("name", _("Your name"), hint=_("As it should be shown")),
            FormField("agreed", _("Agreed"), kind="checkbox", required=False),
        )
        return Reply.open_form(Form("lingo.form", _("A form"), fields))

    @lingo.form("lingo.form", params=(Param("name", required=True), Param("agreed")))
    async def submitted(ctx: Any, args: Any, state: str) -> Reply:
        return Reply.private(_("Thank you."))

    @lingo.action("lingo.ok")
    async def ok(ctx: Any, value: str) -> Reply:
        return Reply.private(_("Approved."))

    return lingo


def lingo_registry() -> Registry:
    registry = build_registry()
    registry.add(lingo_command())
    return registry


# the app -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeSlack]:
    async with started(FakeSlack()) as server:
        yield server


@pytest.fixture(scope="module")
async def bot_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with bot_database(sqlite_template, tmp_path_factory.mktemp("slack-languages")) as db:
        yield db


@pytest.fixture(scope="module")
async def bot(fake: FakeSlack, bot_db: Database) -> AsyncIterator[tuple[SlackAdapter, Running]]:
    async with slack_bot(fake, bot_db, lingo_registry(), SECRET) as served:
        yield served


@pytest.fixture
async def chat(fake: FakeSlack, bot: tuple[SlackAdapter, Running]) -> AsyncIterator[Chat]:
    adapter, running = bot
    side = SlackSide(fake, running.url, SECRET)
    yield Chat(fake, side, adapter, f"C{number():06d}")
    await side.aclose()


def speaker(fake: FakeSlack, name: str, locale: str) -> str:
    return fake.add_user(f"U{name.upper()}{number()}", name, locale=locale)


def modal_words(modal: JSON) -> str:
    parts = [modal["title"]["text"], modal["submit"]["text"], modal["close"]["text"], block_text(modal["blocks"])]
    parts += [b["hint"]["text"] for b in modal["blocks"] if "hint" in b]
    return "\n".join(parts)


# the tests ---------------------------------------------------------------------------------------


async def test_users_info_is_asked_for_the_locale(chat: Chat) -> None:
    lucia = speaker(chat.fake, "Lucia", "es-ES")
    await chat.say(lucia, "/lingo card")
    [call] = [c for c in chat.fake.calls_to("users.info") if c.args.get("user") == lucia]
    assert str(call.args.get("include_locale")).lower() in ("1", "true")


async def test_replies_buttons_and_selects_are_in_the_members_language(chat: Chat) -> None:
    lucia = speaker(chat.fake, "Lucia", PSEUDO)
    said = await chat.say(lucia, "/lingo card")
    [response] = said.responses
    shown = block_text(response["blocks"])
    assert "Approve" not in shown
    assert "Ȧƥƥřǿṽḗ" in shown
    assert untranslated(shown) == []
    assert untranslated(response["text"]) == [], "the notification text too"
    clicked = await chat.interact(chat.side.click_payload(lucia, said.message, "Ȧƥƥřǿṽḗ"))
    assert untranslated(clicked.text()) == []
    assert clicked.text()


async def test_modal_title_fields_and_buttons_are_in_the_members_language(chat: Chat) -> None:
    lucia = speaker(chat.fake, "Lucia", PSEUDO)
    opened = await chat.say(lucia, "/lingo form")
    modal = opened.modal
    assert modal["close"]["text"] != "Cancel"
    assert modal["submit"]["text"] != "Submit"
    assert untranslated(modal_words(modal)) == []
    english = speaker(chat.fake, "Ann", "en-GB")
    theirs = (await chat.say(english, "/lingo form")).modal
    assert (theirs["title"]["text"], theirs["submit"]["text"], theirs["close"]["text"]) == (
        "A form",
        "Submit",
        "Cancel",
    ), "each person reads their own language"


async def test_a_form_too_late_for_a_modal_is_offered_in_the_members_language(chat: Chat) -> None:
    lucia = speaker(chat.fake, "Lucia", PSEUDO)
    body = chat.side.command_body(lucia, "/lingo form", channel=chat.channel)
    body["trigger_id"] = "expired.trigger"
    late = await chat.send_command(body)
    assert "Open the form" not in late.text()
    assert untranslated(late.text()) == []
    label = late.message["blocks"][-1]["elements"][0]["text"]["text"]
    opened = await chat.interact(chat.side.click_payload(lucia, late.message, label, ephemeral=True))
    [modal] = [v for v in chat.fake.views if v["trigger_id"] == opened.body["trigger_id"]]
    assert untranslated(modal_words(modal)) == [], "the kept form reopens in the clicker's language"


async def test_help_and_errors_come_from_the_catalogs(chat: Chat) -> None:
    lucia = speaker(chat.fake, "Lucia", PSEUDO)
    for line in ("/goal help", "/goal show ²", "/goal close ³", "/checkin 5 goal=①", "/goal frobnicate"):
        said = await chat.say(lucia, line)
        text = said.text()
        assert text, line
        assert untranslated(text, allowed=("frobnicate", "/goal —")) == [], (line, text)  # a command name
        assert pseudo("went wrong") not in text, (line, "not an apology")


async def test_the_locale_is_remembered_on_the_member_and_the_home_tab_follows_it(chat: Chat, bot_db: Database) -> None:
    lucia = speaker(chat.fake, "Lucia", PSEUDO)
    await chat.say(lucia, '/coalition create "Aire Limpio"')
    async with bot_db.session() as session:
        query = select(Member).join(Identity, Identity.member_id == Member.id).where(Identity.user_id == lucia)
        member = (await session.exec(query)).one()
    assert member.locale == PSEUDO
    await chat.side.event({"type": "app_home_opened", "user": lucia, "tab": "home"})
    await chat.settle()
    blocks = chat.fake.home[lucia]["blocks"]
    assert blocks[0]["type"] == "header"
    assert untranslated(blocks[0]["text"]["text"]) == []
    role_line = block_text([b for b in blocks if b["type"] == "context"][-1:])
    assert untranslated(role_line, allowed=("chan-",)) == [], role_line
    stranger = speaker(chat.fake, "Sol", PSEUDO)
    await chat.side.event({"type": "app_home_opened", "user": stranger, "tab": "home"})
    await chat.settle()
    assert untranslated(block_text(chat.fake.home[stranger]["blocks"])) == []


async def test_a_spanish_slack_member_reads_spanish_until_choosing_english(chat: Chat) -> None:
    """The issue's "done when": locale es-ES → Spanish from the real catalog; `/coalition language en`
    switches back; someone else's language is untouched."""
    from bot.core.i18n import language

    lucia = speaker(chat.fake, "Lucia", "es-ES")
    created = (await chat.say(lucia, '/coalition create "Aire Limpio"')).text()
    with language("es"):
        spanish_help = _("Type /<command> help for the details of one command.")
    assert spanish_help != "Type /<command> help for the details of one command."
    shown = (await chat.say(lucia, "/coalition help")).text()
    assert "Coalición" in shown or "coalición" in shown, shown
    assert "Aire Limpio" in created
    switched = (await chat.say(lucia, "/coalition language en")).text()
    assert "English" in switched
    again = (await chat.say(lucia, "/goal show 99")).text()
    with language("en"):
        assert "99" in again
    assert "meta" not in again.lower(), again
