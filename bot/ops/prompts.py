"""How ``setup`` asks and writes: a terminal prompter, one that reads the same answers from the
environment (``--non-interactive``), and the ``.env`` file written readable by its owner only."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from bot.core.i18n import _

YES = {"y", "yes", "s", "si", "sí", "o", "oui"}


class Prompter(Protocol):
    interactive: bool

    def ask(self, key: str, question: str, default: str = "", *, secret: bool = False) -> str: ...

    def confirm(self, question: str) -> bool: ...

    def say(self, line: str) -> None: ...


class Terminal:
    """Asks on the terminal; a secret is typed without echo."""

    interactive = True

    def __init__(
        self,
        read: Callable[[str], str] = input,
        read_secret: Callable[[str], str] = getpass.getpass,
        write: Callable[[str], None] = print,
    ) -> None:
        self.read, self.read_secret, self.write = read, read_secret, write

    def ask(self, key: str, question: str, default: str = "", *, secret: bool = False) -> str:
        shown = f" [{default}]" if default and not secret else ""
        answer = (self.read_secret if secret else self.read)(f"{question}{shown}: ").strip()
        return answer or default

    def confirm(self, question: str) -> bool:
        return self.read(f"{question} [y/N] ").strip().lower() in YES

    def say(self, line: str) -> None:
        self.write(line)


class FromEnvironment:
    """``--non-interactive``: each answer is the environment variable of the same name; a question
    that needs a yes is answered no (``--yes`` is the only way to replace a file)."""

    interactive = False

    def __init__(self, env: Mapping[str, str] | None = None, write: Callable[[str], None] = print) -> None:
        self.env = dict(os.environ if env is None else env)
        self.write = write

    def ask(self, key: str, question: str, default: str = "", *, secret: bool = False) -> str:
        return self.env.get(key, "").strip() or default

    def confirm(self, question: str) -> bool:
        self.write(question + " " + _("(no: not asked with --non-interactive)"))
        return False

    def say(self, line: str) -> None:
        self.write(line)


def env_line(key: str, value: str) -> str:
    plain = value and all(c.isalnum() or c in "-_.:/@+=,%~" for c in value)
    if plain:
        return f"{key}={value}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'{key}="{escaped}"'


def write_env(path: Path, values: Mapping[str, str]) -> None:
    """Write ``path`` with mode 600 from the first byte (never readable by others, even briefly)."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write("# Written by `coalition-bot setup`; keep it secret.\n")
        out.writelines(env_line(k, v) + "\n" for k, v in values.items() if v)
    partial.replace(path)


def read_env(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}
