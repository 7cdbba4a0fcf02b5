"""docs/architecture.md's import rules, checked: platform libraries only inside bot/adapters/<platform>/,
adapters only translate (no store), the store depends on nothing above it, scheduling on no workflow."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
PLATFORM_LIBRARIES = {"slack_bolt": "slack", "slack_sdk": "slack", "discord": "discord"}


def imports(path: Path) -> set[str]:
    """Top-level package names imported (``bot``, ``discord``, ...)."""
    return {name.split(".")[0] for name in modules(path)}


def modules(path: Path) -> set[str]:
    """Every absolute module a file imports, at the top or inside functions and ``TYPE_CHECKING``."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def importers(layer: str, forbidden: str) -> list[str]:
    """Files under ``bot/<layer>`` that import ``forbidden`` or anything inside it."""
    return sorted(
        f"{path.relative_to(BOT)} imports {name}"
        for path in (BOT / layer).rglob("*.py")
        for name in modules(path)
        if name == forbidden or name.startswith(forbidden + ".")
    )


def test_platform_libraries_only_in_their_adapter() -> None:
    offenders = []
    for path in BOT.rglob("*.py"):
        relative = path.relative_to(BOT)
        for name in imports(path) & PLATFORM_LIBRARIES.keys():
            if relative.parts[:2] != ("adapters", PLATFORM_LIBRARIES[name]):
                offenders.append(f"{relative} imports {name}")
    assert offenders == []


def test_core_commands_and_store_never_import_adapters() -> None:
    assert [*importers("core", "bot.adapters"), *importers("commands", "bot.adapters")] == []
    assert importers("store", "bot.adapters") == []


def test_adapters_only_translate_they_never_reach_the_store() -> None:
    """People, kept forms and ids, the Home view: through the core's services, never bot.store."""
    assert importers("adapters", "bot.store") == []


def test_the_store_depends_on_nothing_above_it() -> None:
    assert importers("store", "bot.core") == []
    assert importers("store", "bot.commands") == []


def test_the_core_never_imports_workflows() -> None:
    """Workflows reach the core through the registry and the Home builder it is handed."""
    assert importers("core", "bot.commands") == []


def test_scheduling_never_imports_workflows() -> None:
    """Timed work comes from each workflow's declaration, not from importing workflow modules."""
    assert importers("scheduling", "bot.commands") == []


def local_imports(path: Path) -> set[str]:
    """Absolute modules a file imports inside a function (run at call time, e.g. per request)."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return names


def test_web_routes_never_import_workflows_at_request_time() -> None:
    """``serve`` hands the web routes the workflows when it builds the app: nothing in the web layer
    or the server reaches for ``bot.commands`` while answering, and no module but the entry point
    (``bot/cli.py``) looks up the workflow list (``bot.commands`` itself) inside a function."""
    web = [*(BOT / "web").rglob("*.py"), BOT / "server.py"]
    offenders = [
        f"{path.relative_to(BOT)} imports {name} inside a function"
        for path in web
        for name in local_imports(path)
        if name == "bot.commands" or name.startswith("bot.commands.")
    ]
    offenders += [
        f"{path.relative_to(BOT)} looks up the workflow list inside a function"
        for path in BOT.rglob("*.py")
        if path != BOT / "cli.py" and "bot.commands" in local_imports(path)
    ]
    assert offenders == []
