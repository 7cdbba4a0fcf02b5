"""Every word the bot says, in the reader's language (SPEC §7).

Sentences live in gettext catalogs (``bot/locale/<lang>/LC_MESSAGES/messages.po``), extracted with
Babel (``pybabel extract``, configured in ``pyproject.toml``) and compiled in memory the first time a
language is used, so no compiled binary is committed and none can drift from its source.

The language is not global: each invocation, scheduled job and outbox message runs inside
:func:`language`, which sets a context variable, so two people on one event loop each read their
own. Write sentences whole, with named placeholders filled after translation::

    _("Logged {amount} for {goal}.", amount=number(40), goal=goal.title)
    ngettext("{n} member", "{n} members", count, n=number(count))

Text fixed at import time (summaries, usages, role names) is marked with :func:`N_` and translated
where it is shown, with :func:`_` (or :func:`tr` for text that may or may not be a catalog id).
Numbers, dates and times go through :func:`number`, :func:`percent`, :func:`date` and
:func:`datetime_`, which follow Babel's CLDR rules for the current language.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date as _date
from datetime import datetime as _datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates as _dates
from babel import lists as _lists
from babel import numbers as _numbers

LANGUAGES = ("en", "es", "fr")
DEFAULT = "en"
PSEUDO = "qps"  # a test-only pseudo-locale: every catalog sentence comes out visibly transformed
LANGUAGE_NAMES = {"en": "English", "es": "Español", "fr": "Français"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("coalition_bot_language", default=DEFAULT)


def normalize(locale: str | None) -> str | None:
    """``es-ES``, ``es_419``, ``fr``, ``en-GB`` → a language we speak, else None."""
    if not locale:
        return None
    base = re.split(r"[-_]", locale.strip().lower(), maxsplit=1)[0]
    if base in LANGUAGES or base == PSEUDO:
        return base
    return None


def choose(chosen: str | None, platform_locale: str | None, coalition: str | None) -> str:
    """SPEC §7: the member's choice, else their platform's locale, else the coalition's, else English."""
    for candidate in (chosen, platform_locale, coalition):
        lang = normalize(candidate)
        if lang is not None:
            return lang
    return DEFAULT


def current() -> str:
    return _current.get()


@contextmanager
def language(lang: str | None) -> Iterator[str]:
    """Run the block in ``lang`` (normalised; unknown → English)."""
    chosen = normalize(lang) or DEFAULT
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


# translation ---------------------------------------------------------------------------------


class _Pseudo(_gettext.NullTranslations):
    """Transforms every sentence so a test can tell catalog text from English that escaped it."""

    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)


_PSEUDO_MAP = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ȧƀƈḓḗƒɠħīĵķŀḿƞǿƥɋřşŧŭṽẇẋẏẑȦƁƇḒḖƑƓĦĪĴĶĿḾȠǾƤɊŘŞŦŬṼẆẊẎẐ",
)
# Kept as they are: {placeholders}, `code spans`, <markup and links>, URLs and key=value words.
_PSEUDO_KEEP = re.compile(r"\{[^{}]*\}|`[^`]*`|<[^<>]*>|https?://\S+|\b[a-z_]+=\S*")


def pseudo(message: str) -> str:
    out: list[str] = []
    last = 0
    for match in _PSEUDO_KEEP.finditer(message):
        out.append(message[last : match.start()].translate(_PSEUDO_MAP))
        out.append(match.group(0))
        last = match.end()
    out.append(message[last:].translate(_PSEUDO_MAP))
    return "".join(out)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog for ``lang`` (English and unknown languages: the source text)."""
    if lang == PSEUDO:
        return _Pseudo()
    path = catalog_path(lang)
    if lang == DEFAULT or not path.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _fill(message: str, values: dict[str, object]) -> str:
    return message.format(**values) if values else message


def _(message: str, /, **values: object) -> str:
    """Translate ``message`` into the current language, then fill its ``{placeholders}``."""
    return _fill(translations(current()).gettext(message), values)


def ngettext(singular: str, plural: str, n: int, /, **values: object) -> str:
    """A sentence with a count, by the language's plural rules; ``{n}`` is filled with the count."""
    values.setdefault("n", number(n))
    return _fill(translations(current()).ngettext(singular, plural, n), values)


def N_(message: str) -> str:
    """Mark text for the catalogs without translating it now (translate it where it is shown)."""
    return message


def tr(message: str) -> str:
    """Translate text that was marked with :func:`N_` (placeholders left as they are)."""
    return translations(current()).gettext(message) if message else message


# formatting ----------------------------------------------------------------------------------


def _locale() -> str:
    # The pseudo-locale formats like Greek, so a date or number that skipped Babel (English month
    # names from strftime) stands out in the tests as plainly as a sentence that skipped a catalog.
    lang = current()
    return "el" if lang == PSEUDO else lang


def number(value: float | int, *, digits: int = 2) -> str:
    """``12000`` → ``12,000`` (en), ``12.000`` (es), ``12 000`` (fr); whole numbers without decimals."""
    if float(value).is_integer():
        return _numbers.format_decimal(int(value), locale=_locale())
    return _numbers.format_decimal(round(float(value), digits), format=f"#,##0.{'#' * digits}", locale=_locale())


def percent(fraction: float) -> str:
    """``0.24`` → ``24%`` (en), ``24 %`` (es, fr)."""
    return _numbers.format_percent(fraction, locale=_locale())


def date(value: _date, *, format: str = "medium") -> str:
    return _dates.format_date(value, format=format, locale=_locale())


def date_skeleton(value: _date, skeleton: str) -> str:
    """A date from a CLDR skeleton, ordered and spelled for the language: ``MMMd`` gives ``Nov 3``
    (en), ``3 nov`` (es); ``yMMM`` gives ``Nov 2026`` / ``nov 2026``. Chart ticks use it."""
    return _dates.format_skeleton(skeleton, value, locale=_locale())


def datetime_(value: _datetime, tz: str | None = None, *, format: str = "medium") -> str:
    """A moment in ``tz`` (the reader's zone), e.g. ``Dec 1, 2026, 9:00 AM`` / ``1 dic 2026, 9:00``."""
    zone = ZoneInfo(tz) if tz else None
    moment = value.astimezone(zone) if zone is not None else value
    return _dates.format_datetime(moment, format=format, tzinfo=zone, locale=_locale())


def time(value: _datetime, tz: str | None = None, *, format: str = "short") -> str:
    zone = ZoneInfo(tz) if tz else None
    moment = value.astimezone(zone) if zone is not None else value
    return _dates.format_time(moment, format=format, tzinfo=zone, locale=_locale())


def weekday(index: int) -> str:
    """Monday = 0, in the current language (``lunes``, ``lundi``)."""
    return _dates.get_day_names("wide", locale=_locale())[index]


def and_list(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (en ``a, b, and c``; es ``a, b y c``; fr ``a, b et c``)."""
    return _lists.format_list(items, locale=_locale()) if items else ""


def of_member(member: object | None, coalition: object | None) -> str:
    """The language to write to ``member`` in (private notifications), by SPEC §7."""
    return choose(
        getattr(member, "language", None), getattr(member, "locale", None), getattr(coalition, "language", None)
    )


def of_coalition(coalition: object | None) -> str:
    """The language of channel posts: prompts, digests, announcements, polls."""
    return choose(None, None, getattr(coalition, "language", None))
