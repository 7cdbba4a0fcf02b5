"""Languages through the Discord adapter (SPEC §7): ``interaction.locale`` is the actor's locale and
is remembered on the member; replies, embeds, buttons, select placeholders and modals are written in
the member's language; command and option descriptions are localised for ``es-ES``, ``es-419`` and
``fr`` by a ``discord.app_commands.Translator``, and a changed translation is synced again.

The fake sends the pseudo-locale ``qps`` as a client locale (discord.py keeps an unknown locale's
value), so every catalog sentence comes out visibly transformed; Spanish and French descriptions
are checked with the pseudo transformation standing in for their catalogs.
"""

from __future__ import annotations

import gettext
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str
from sqlmodel import select

from bot.adapters.discord.app import DiscordAdapter
from bot.adapters.discord.commands import CatalogTranslator, build_command_set, localise, sync_commands
from bot.core import i18n
from bot.core.services import Kept
from bot.store.db import Database
from bot.store.models import Identity, Member
from tests.fakes import discord_rules as rules
from tests.fakes.apps import bot_database, started
from tests.fakes.discord_fake import FakeDiscord
from tests.test_discord_adapter import APPLICATION_COMMAND, Chat, adapter_for, connect, visible
from tests.test_slack_languages import PSEUDO, lingo_registry, untranslated

TRANSLATED = {"es-ES", "es-419", "fr"}


@contextmanager
def pseudo_catalogs() -> Iterator[None]:
    """Spanish and French "catalogs" that translate everything (with the pseudo transformation)."""
    real = i18n.translations

    def translations(lang: str) -> gettext.NullTranslations:
        return real(PSEUDO if lang in ("es", "fr") else lang)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(i18n, "translations", translations)
        yield


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeDiscord]:
    async with started(FakeDiscord()) as server:
        yield server


@pytest.fixture(scope="module")
async def bot_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Database]:
    async with bot_database(sqlite_template, tmp_path_factory.mktemp("discord-languages")) as db:
        yield db


@pytest.fixture(scope="module")
async def bot(fake: FakeDiscord, bot_db: Database) -> AsyncIterator[DiscordAdapter]:
    adapter = adapter_for(fake, bot_db, registry=lingo_registry())
    with pseudo_catalogs():
        await connect(fake, adapter)
    yield adapter
    await adapter.stop()


@pytest.fixture
def chat(fake: FakeDiscord, bot: DiscordAdapter) -> Chat:
    return Chat(fake, bot)


def speak(chat: Chat, name: str, locale: str) -> None:
    chat.people[name] = chat.fake.add_user(name, locale=locale)


# the interaction locale ------------------------------------------------------------------------------


async def test_the_interaction_locale_is_remembered_on_the_member(chat: Chat, bot_db: Database) -> None:
    speak(chat, "Amelie", "fr")
    await chat.slash("Amelie", "coalition", "create", name="Air Pur")
    async with bot_db.session() as session:
        user_id = chat.people["Amelie"]["id"]
        query = select(Member).join(Identity, Identity.member_id == Member.id).where(Identity.user_id == user_id)
        member = (await session.exec(query)).one()
    assert member.locale == "fr"


async def test_replies_buttons_selects_and_modals_are_in_the_members_language(chat: Chat) -> None:
    speak(chat, "Lucia", PSEUDO)
    card = await chat.slash("Lucia", "lingo", "card")
    [message] = card.messages
    shown = visible(message)
    assert "Approve" not in shown
    assert untranslated(shown) == [], shown
    placeholders = [c["placeholder"] for row in message["components"] for c in row["components"] if "placeholder" in c]
    assert placeholders
    assert untranslated(" ".join(placeholders)) == []
    opened = await chat.slash("Lucia", "lingo", "form")
    modal = opened.modal
    labels = [row["label"] for row in modal["components"]] + [
        row.get("description") or "" for row in modal["components"]
    ]
    assert untranslated(" ".join([modal["title"], *labels])) == [], modal
    helped = await chat.slash("Lucia", "goal", "help")
    assert untranslated(helped.text(), allowed=("/goal —",)) == [], helped.text()


async def test_an_english_client_keeps_english(chat: Chat) -> None:
    speak(chat, "Ann", "en-US")
    card = await chat.slash("Ann", "lingo", "card")
    assert "Approve" in card.text()


# command descriptions --------------------------------------------------------------------------------


async def test_the_translator_localises_only_the_bots_languages() -> None:
    translator = CatalogTranslator()
    context = TranslationContext(TranslationContextLocation.other, None)
    with pseudo_catalogs():
        french = await translator.translate(locale_str("Show a goal"), discord.Locale.french, context)
        spanish = await translator.translate(locale_str("Show a goal"), discord.Locale.spain_spanish, context)
        latin = await translator.translate(locale_str("Show a goal"), discord.Locale.latin_american_spanish, context)
        german = await translator.translate(locale_str("Show a goal"), discord.Locale.german, context)
    assert french == spanish == latin == i18n.pseudo("Show a goal")
    assert german is None
    untranslatable = locale_str("A sentence that no catalog holds")
    assert await translator.translate(untranslatable, discord.Locale.french, context) is None


async def test_every_description_is_localised_within_discords_limits() -> None:
    commands = build_command_set(lingo_registry())
    with pseudo_catalogs():
        await localise(commands, CatalogTranslator())
    assert rules.command_problems([dict(c) for c in commands.payload]) == []
    lingo = next(c for c in commands.payload if c["name"] == "lingo")
    assert set(lingo["description_localizations"]) == TRANSLATED
    assert lingo["description_localizations"]["fr"] == i18n.pseudo("Try the bot's languages")
    card = next(o for o in lingo["options"] if o["name"] == "card")
    assert card["description_localizations"]["es-419"] == i18n.pseudo("Show a card with buttons")
    on = next(o for o in card["options"] if o["name"] == "on")
    assert on["description"] == "The day (YYYY-MM-DD)", "the format is added to the description"
    assert on["description_localizations"]["fr"] == i18n.pseudo("{description} ({format})").format(
        description=i18n.pseudo("The day"), format="YYYY-MM-DD"
    )


class RecordingSyncer:
    def __init__(self) -> None:
        self.calls: list[int | None] = []

    async def bulk_upsert_global_commands(self, application_id: int, payload: list[Any]) -> Any:
        self.calls.append(None)

    async def bulk_upsert_guild_commands(self, application_id: int, guild_id: int, payload: list[Any]) -> Any:
        self.calls.append(guild_id)


async def test_a_changed_translation_is_synced_again_and_an_unchanged_one_is_not(sqlite_db: Database) -> None:
    registry = lingo_registry()
    http, kept = RecordingSyncer(), Kept(sqlite_db)

    async def sync(translated: bool) -> list[int | None]:
        commands = build_command_set(registry)
        if translated:
            with pseudo_catalogs():
                await localise(commands, CatalogTranslator())
        else:
            await localise(commands, CatalogTranslator())
        return await sync_commands(http, kept, 7, commands, registry.fingerprint(), [1])

    assert await sync(translated=False) == [1]
    assert await sync(translated=False) == [], "the same words: nothing to upload"
    assert await sync(translated=True) == [1], "new translations: uploaded"
    assert await sync(translated=True) == []


async def test_the_synced_commands_carry_their_localisations(fake: FakeDiscord, bot: DiscordAdapter) -> None:
    synced = {c["name"]: c for c in fake.synced[str(fake.guild_id)]}
    assert set(synced["lingo"]["description_localizations"]) == TRANSLATED
    assert all(set(o.get("description_localizations", {})) == TRANSLATED for o in synced["lingo"]["options"]), (
        "every subcommand"
    )
    speak_to = fake.add_user("Pat", locale="fr")
    iid = await fake.interact(APPLICATION_COMMAND, speak_to, fake.command_data("lingo", ("card",), {}))
    await fake.until(lambda: bool(fake.callbacks(iid)))
    assert fake.messages_of(iid)
