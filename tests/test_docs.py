"""docs/commands.md matches the registry; the README keeps exactly its two set-up commands."""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.commands import build_registry
from bot.core.docs import commands_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_commands_reference_is_current() -> None:
    expected = commands_markdown(build_registry())
    path = ROOT / "docs" / "commands.md"
    if os.environ.get("UPDATE_DOCS"):
        path.write_text(expected)
    assert path.read_text() == expected, "docs/commands.md is stale: run UPDATE_DOCS=1 ./dev test tests/test_docs.py"


def test_readme_has_the_two_commands_and_ci_calls_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", readme, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["./dev start", "./dev test"]
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()
