"""The catalogs are complete and faithful: every sentence the code can say is translated into every
language, with the same placeholders, and the languages follow SPEC §7."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

from bot.core import i18n
from bot.core.catalogs import ROOT, placeholders
from bot.core.codec import decode_reply, encode_reply
from bot.core.ui import Reply

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The sentences in the code today, extracted as the maintainers' command does."""
    out: Path = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "pyproject.toml",
            "-o",
            str(out),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with out.open("rb") as fp:
        return read_po(fp)


def load(lang: str) -> Catalog:
    with i18n.catalog_path(lang).open("rb") as fp:
        return read_po(fp, locale=lang)


def test_the_code_has_sentences_to_translate(template: Catalog) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    assert len(ids) > 100


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_sentence_is_translated_with_the_same_placeholders(template: Catalog, lang: str) -> None:
    catalog = load(lang)
    missing, fuzzy, mismatched = [], [], []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        if found is None or not found.string or (isinstance(found.string, tuple) and not all(found.string)):
            missing.append(message.id)
            continue
        if found.fuzzy:
            fuzzy.append(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(placeholders(i) for i in ids))
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        for string in strings:
            got = placeholders(string)
            # A plural form may leave out {n} (e.g. "un membre"), never add or rename a placeholder.
            if not got <= wanted or (wanted - got) - {"n"}:
                mismatched.append((message.id, string))
    assert not missing, f"{len(missing)} untranslated in {lang}, e.g. {missing[:5]}"
    assert not fuzzy, f"fuzzy in {lang}: {fuzzy[:5]}"
    assert not mismatched, f"placeholders differ in {lang}: {mismatched[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_compiles_with_its_plural_rules(lang: str) -> None:
    catalog = load(lang)
    assert catalog.num_plurals == 2
    with i18n.language(lang):
        one = i18n.ngettext("{n} member", "{n} members", 1)
        many = i18n.ngettext("{n} member", "{n} members", 3)
    assert one != many
    assert "3" in many


def test_language_follows_choice_then_platform_then_coalition() -> None:
    assert i18n.choose("fr", "es-ES", "en") == "fr"
    assert i18n.choose(None, "es-ES", "fr") == "es"
    assert i18n.choose(None, "de-DE", "fr") == "fr"
    assert i18n.choose(None, None, None) == "en"
    assert i18n.normalize("es_419") == "es"
    assert i18n.normalize("pt-BR") is None


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_numbers_are_formatted_by_babel_for_the_language(lang: str) -> None:
    with i18n.language(lang):
        assert i18n.number(12000) == format_decimal(12000, locale=lang)
        assert i18n.number(2.5) == format_decimal(2.5, locale=lang)
        assert i18n.percent(0.24) == format_percent(0.24, locale=lang)


def test_spanish_progress_reads_as_babel_writes_it() -> None:
    with i18n.language("es"):
        assert i18n.number(12000) == "12.000"
        assert i18n.percent(0.24) == "24\xa0%"
    with i18n.language("fr"):
        assert i18n.number(50000) == "50\u202f000"


def test_a_queued_message_keeps_its_language_across_a_restart() -> None:
    reply = Reply.channel("hola")
    reply.lang = "es"
    assert decode_reply(encode_reply(reply)).lang == "es"


def test_languages_do_not_leak_between_invocations() -> None:
    with i18n.language("fr"):
        assert i18n.current() == "fr"
        with i18n.language("es"):
            assert i18n.current() == "es"
        assert i18n.current() == "fr"
    assert i18n.current() == "en"
    with i18n.language("xx"):
        assert i18n.current() == "en"


def test_pseudo_locale_keeps_placeholders_code_and_keys() -> None:
    out = i18n.pseudo("Logged {amount} for `/goal list` with target=100 at https://x.test/a")
    assert "{amount}" in out
    assert "`/goal list`" in out
    assert "target=100" in out
    assert "https://x.test/a" in out
    assert "Logged" not in out
