"""Keeping the catalogs in step with the code: extract every sentence, update each language.

``python -m bot.core.catalogs`` (or ``./dev catalogs``) extracts the template
(``bot/locale/messages.pot``) with the mappings in ``pyproject.toml`` and merges it into each
language's ``messages.po``: new sentences appear untranslated, removed ones become obsolete. The tests
(``tests/test_catalogs.py``) fail while any sentence is untranslated or a translation's placeholders
differ from the original.
"""

from __future__ import annotations

import re
import subprocess
import sys

from bot.core.i18n import LANGUAGES, LOCALE_DIR

ROOT = LOCALE_DIR.parent.parent
TEMPLATE = LOCALE_DIR / "messages.pot"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def placeholders(text: str) -> set[str]:
    """The named ``{placeholders}`` of a sentence."""
    return set(PLACEHOLDER.findall(text))


def extract() -> None:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(
        [
            *pybabel,
            "-q",
            "extract",
            "-F",
            "pyproject.toml",
            "--no-location",
            "--sort-output",
            "--project",
            "coalition-bot",
            "-o",
            str(TEMPLATE.relative_to(ROOT)),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    for lang in LANGUAGES:
        if lang == "en":
            continue
        po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
        action = "update" if po.exists() else "init"
        args = [*pybabel, "-q", action, "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-l", lang]
        if action == "update":
            args += ["--no-fuzzy-matching", "--ignore-obsolete"]
        subprocess.run(args, cwd=ROOT, check=True)


if __name__ == "__main__":
    extract()
