"""What every public page shares: the templates (``bot/web/templates``) with gettext in them, the
reader's language from ``Accept-Language``, and the headers of a page whose words follow it. The
pages themselves live with their workflows (``bot/commands/unity/pages.py``, ``sign_on.py``,
``bot/commands/decide/page.py``, ``bot/commands/coalition/privacy_page.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.core import i18n


def html_gettext(message: str, /, **values: Any) -> Markup:
    """``_`` in templates: the sentence in the current language, its values HTML-escaped unless they
    are markup already (a ``<time>`` element built in the template)."""
    sentence = Markup(i18n._(message))
    return sentence.format(**values) if values else sentence


def html_ngettext(singular: str, plural: str, n: int, /, **values: Any) -> Markup:
    sentence = Markup(i18n.translations(i18n.current()).ngettext(singular, plural, n))
    return sentence.format(**({"n": i18n.number(n)} | values))


TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
TEMPLATES.install_gettext_callables(html_gettext, html_ngettext, newstyle=False)  # type: ignore[attr-defined]

HEADERS = {
    "Cache-Control": "public, max-age=60",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
    "Referrer-Policy": "no-referrer",
}


def reader_language(accept_language: str | None, coalition_language: str | None) -> str:
    """The first language we speak in the ``Accept-Language`` header (by weight, then order), else the
    coalition's, else English."""
    wanted: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "").split(",")):
        tag, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and weight > 0:
            wanted.append((-weight, index, tag))
    for _weight, _index, tag in sorted(wanted):
        lang = i18n.normalize(tag)
        if lang is not None:
            return lang
    return i18n.normalize(coalition_language) or i18n.DEFAULT


def negotiated(lang: str) -> dict[str, str]:
    """Headers of a response whose words follow ``Accept-Language`` (caches keep one per language)."""
    return HEADERS | {"Content-Language": lang, "Vary": "Accept-Language"}
