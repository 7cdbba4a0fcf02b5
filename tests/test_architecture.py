"""docs/architecture.md's import rules, checked: platform libraries only inside bot/adapters/<platform>/."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
PLATFORM_LIBRARIES = {"slack_bolt": "slack", "slack_sdk": "slack", "discord": "discord"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_platform_libraries_only_in_their_adapter() -> None:
    offenders = []
    for path in BOT.rglob("*.py"):
        relative = path.relative_to(BOT)
        for name in imports(path) & PLATFORM_LIBRARIES.keys():
            if relative.parts[:2] != ("adapters", PLATFORM_LIBRARIES[name]):
                offenders.append(f"{relative} imports {name}")
    assert offenders == []


def test_core_commands_and_store_never_import_adapters() -> None:
    offenders = []
    for layer in ("core", "commands", "store"):
        for path in (BOT / layer).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot.adapters"):
                    offenders.append(str(path.relative_to(BOT)))
    assert offenders == []


def test_store_does_not_import_workflows() -> None:
    offenders = [
        str(path.relative_to(BOT))
        for path in (BOT / "store").rglob("*.py")
        if any(name == "bot" for name in imports(path)) and "bot.commands" in path.read_text()
    ]
    assert offenders == []
