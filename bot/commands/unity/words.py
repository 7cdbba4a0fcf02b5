"""Translated sentences with formatting inside them.

A sentence is translated whole, then its placeholders are filled: user text stays plain text, and a
:class:`~bot.core.ui.Bold` version number, a :class:`~bot.core.ui.Timestamp` or a
:class:`~bot.core.ui.Link` stays what it is, wherever the translation puts it::

    fill(_("Saved draft {version}."), version=Bold("v2"))
    fill(ngettext("…{n} channel…", "…{n} channels…", count, **later("version")), version=Bold("v2"))

``_`` without values returns the translated sentence with its placeholders untouched;
``ngettext`` always fills, so :func:`later` hands the inline placeholders through for :func:`fill`.
"""

from __future__ import annotations

import re

from bot.core.i18n import ngettext
from bot.core.ui import Inline, Rich, markup, rich

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(sentence: str, /, **values: str | Inline | Rich) -> Rich:
    """``sentence`` (already translated) as rich text; `backticks` in it mark code, as in markup()."""
    parts: list[str | Inline | Rich] = []
    last = 0
    for match in _PLACEHOLDER.finditer(sentence):
        name = match.group(1)
        if name not in values:
            continue
        parts.append(markup(sentence[last : match.start()]))
        parts.append(values[name])  # text as typed: never read as markup
        last = match.end()
    parts.append(markup(sentence[last:]))
    return rich(*parts)


def later(*names: str) -> dict[str, str]:
    """Placeholders ``ngettext`` should leave for :func:`fill`."""
    return {name: "{" + name + "}" for name in names}


def names_list(names: list[str], limit: int) -> str:
    """``Acme, Riverside`` or ``Acme, Riverside and 3 more`` (names as their organisations typed them)."""
    shown = ", ".join(names[:limit])
    if len(names) <= limit:
        return shown
    return ngettext("{names} and {n} more", "{names} and {n} more", len(names) - limit, names=shown)
