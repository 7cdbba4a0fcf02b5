"""The command-line side of ``bot/ops``: the subcommands' arguments and what each one runs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from bot.config import ConfigError, load_settings
from bot.core.i18n import _, language, ngettext
from bot.core.registry import Registry
from bot.store.db import Database


def add_parsers(sub: Any, language_code: Callable[[str], str]) -> None:
    doctor = sub.add_parser("doctor", help="check the settings, database, platforms, scheduler and backups")
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON (for monitors)")
    doctor.add_argument("--lang", type=language_code, default=None, help="en, es or fr")
    backup = sub.add_parser("backup", help="copy the database (online) into BACKUP_DIR, keeping the last copies")
    backup.add_argument("--to", default=None, help="the folder for the copy (default BACKUP_DIR)")
    backup.add_argument("--lang", type=language_code, default=None, help="en, es or fr")
    restore = sub.add_parser("restore", help="replace the database with a backup, or --verify one")
    restore.add_argument("file", help="a backup made by `coalition-bot backup`")
    restore.add_argument("--yes", action="store_true", help="replace the database without asking")
    restore.add_argument("--verify", action="store_true", help="restore into a scratch database and compare")
    restore.add_argument("--lang", type=language_code, default=None, help="en, es or fr")
    setup = sub.add_parser("setup", help="a guided first run: check tokens, create the Slack app, write .env")
    setup.add_argument("--non-interactive", action="store_true", help="read the answers from the environment")
    setup.add_argument("--lang", type=language_code, default=None, help="en, es or fr")
    setup.add_argument("--env-file", default=".env", help="the file to write (default .env)")
    setup.add_argument("--yes", action="store_true", help="replace an existing file without asking")


def run_ops(args: argparse.Namespace, registry: Callable[[], Registry]) -> int:
    """``registry`` builds the command registry (the entry point hands it over: the doctor compares the
    commands Discord has, setup writes the Slack manifest)."""
    with language(args.lang):
        try:
            return asyncio.run(_run(args, registry))
        except ConfigError as error:
            print(f"coalition-bot: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            return 130


async def _run(args: argparse.Namespace, registry: Callable[[], Registry]) -> int:
    if args.mode == "doctor":
        from bot.ops.doctor import diagnose, exit_status, render, render_json

        checks = await diagnose(registry=registry())
        print(render_json(checks) if args.json else render(checks))
        return exit_status(checks)
    if args.mode == "setup":
        from bot.ops.prompts import FromEnvironment, Terminal
        from bot.ops.setup import setup

        prompter = FromEnvironment() if args.non_interactive else Terminal()
        return await setup(prompter, registry(), env_file=args.env_file, replace=args.yes)
    settings = load_settings()
    if args.mode == "backup":
        from bot.ops.backup import backup_command

        return await backup_command(settings, args.to)
    from bot.ops.restore import restore_command

    return await restore_command(settings, args.file, yes=args.yes, verify=args.verify)


async def migrate(db: Database, url: str, say: Callable[[str], object] = print) -> int:
    """Name the migrations and the database before applying them (SPEC §5); ``serve`` passes its log."""
    from bot.ops.doctor import shown_url
    from bot.store.migrate import current_revisions, is_known, pending, upgrade

    current = await current_revisions(db)
    unknown = sorted(r for r in current if not is_known(r))
    if unknown:
        say(
            _(
                "The database is at {revision}, which this version of the bot does not know: install the newer version.",
                revision=unknown[0],
            )
        )
        return 2
    todo = pending(current)
    if not todo:
        say(_("The database is up to date."))
        return 0
    say(
        ngettext("Applying {n} migration to {url}:", "Applying {n} migrations to {url}:", len(todo), url=shown_url(url))
    )
    for revision in todo:
        say(f"  {revision.revision}  {((revision.doc or '').strip().splitlines() or [''])[0]}")
    await upgrade(db)
    say(_("The database is up to date."))
    return 0
