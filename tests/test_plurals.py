"""Every sentence with a count is a plural form: "1 members took on a lead" cannot be written.

The rule, read from the code: a *number placeholder* is one named ``n`` or ``count`` (the names the
code gives a bare count; :func:`bot.core.i18n.ngettext` fills ``{n}`` itself), or named after a unit
of time — ``days``, ``hours``, ``minutes`` — which always receive a count. Such a sentence must be
an ``ngettext`` entry (a msgid with a plural). Two shapes read the same for any number and are left
alone: a tally in brackets after a label, ``Members ({n})``, and the unit abbreviations ``{n} h``,
``{n} min``. Other placeholders that print numbers hold formatted quantities with their unit
(``{left}`` = "3 seats"), versions or ids, which do not inflect the sentence around them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.core.catalogs import ROOT, placeholders

COUNTS = {"n", "count", "days", "hours", "minutes"}
TALLY = re.compile(r"\(\{(?:n|count)\}[,)]")  # "Members ({n})", "({n}, against {other})"
ABBREVIATED = re.compile(r"\{(?:n|hours|minutes)\} (?:h|min)\b")  # "{n} h", "{hours} h {minutes} min"


def counts_in(text: str) -> set[str]:
    return placeholders(ABBREVIATED.sub("", TALLY.sub("", text))) & COUNTS


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    out: Path = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "pyproject.toml", "-o", str(out), "."],
        cwd=ROOT,
        check=True,
    )
    with out.open("rb") as fp:
        return read_po(fp)


def test_every_sentence_with_a_count_is_a_plural_form(template: Catalog) -> None:
    singular = [m.id for m in template if isinstance(m.id, str) and m.id and counts_in(m.id)]
    assert not singular, f"{len(singular)} sentences count without a plural form (use ngettext): {singular}"


def test_the_rule_catches_a_count_and_leaves_tallies_alone() -> None:
    assert counts_in("Leaders: {n} members took on a lead.") == {"n"}
    assert counts_in("Flags escalate after {hours} hours.") == {"hours"}
    assert counts_in("Members of {coalition} ({n})") == set()
    assert counts_in("{hours} h {minutes} min") == set()
    assert counts_in("Offer #{offer} has only {left} left.") == set()
