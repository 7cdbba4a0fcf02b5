"""``coalition-bot``: the console when no platform tokens are set, ``serve`` for Slack/Discord."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable

from bot.config import ConfigError, Settings, load_settings
from bot.core.delivery import Messenger

OPS = {"doctor", "backup", "restore", "setup"}  # bot/ops: they read the settings themselves


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="coalition-bot", description="Coalition workflows for Slack, Discord and a local console."
    )
    sub = p.add_subparsers(dest="mode")
    console = sub.add_parser("console", help="the local console (default when no platform tokens are set)")
    console.add_argument("--as", dest="user", default=None, help="act as this person (switch later with :as NAME)")
    console.add_argument("--channel", default="general", help="the channel to start in")
    console.add_argument(
        "--lang",
        type=language_code,
        default=None,
        help="your language, as a platform would report it: en, es or fr (switch later with :lang CODE)",
    )
    sub.add_parser("serve", help="run the configured platforms, scheduler and web server")
    sub.add_parser("migrate", help="apply database migrations and exit")
    sub.add_parser("keygen", help="print a new TOKEN_ENCRYPTION_KEY")
    from bot.ops.commands import add_parsers

    add_parsers(sub, language_code)
    p.add_argument("--as", dest="top_user", default=None, help=argparse.SUPPRESS)
    return p


def language_code(value: str) -> str:
    from bot.core.i18n import LANGUAGES, normalize

    if normalize(value) is None:
        raise argparse.ArgumentTypeError(f"unknown language {value!r}; use one of {', '.join(LANGUAGES)}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.mode in OPS:
        from bot.commands import build_registry
        from bot.ops.commands import run_ops

        return run_ops(args, build_registry)
    try:
        settings = load_settings()
        settings.check_platforms()
        mode = args.mode or ("serve" if settings.slack_enabled or settings.discord_enabled else "console")
        logging.basicConfig(
            level=settings.log_level if mode == "serve" else "WARNING",
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if mode == "keygen":
            from cryptography.fernet import Fernet

            print(Fernet.generate_key().decode())
            return 0
        return asyncio.run(run(mode, args, settings))
    except ConfigError as error:
        print(f"coalition-bot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def run(mode: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot.commands import build_registry
    from bot.commands.home import home_view
    from bot.core.dispatch import Core
    from bot.store.db import Database
    from bot.store.migrate import upgrade

    db = Database.from_url(settings.database_url)
    try:
        if mode in ("migrate", "serve"):
            from bot.ops.commands import migrate

            say = print if mode == "migrate" else logging.getLogger("bot.migrate").info
            status = await migrate(db, settings.database_url, say)
            if mode == "migrate" or status:
                return status
        else:
            await upgrade(db)
        core = Core(db, build_registry(), settings, home=home_view)
        if mode == "console":
            from bot.adapters.console.app import run as run_console

            user = getattr(args, "user", None) or args.top_user or _default_user()
            from bot.core.workflow import jobs_of
            from bot.delivery.dispatcher import Dispatcher
            from bot.scheduling.runner import Scheduler

            def deliver(messenger: Messenger) -> Callable[[], Awaitable[int]]:
                """After each line: do what is due (prompts, reminders, digests), then show what was sent."""
                dispatcher = Dispatcher(db, {messenger.platform: messenger}, clock=core.clock)
                scheduler = Scheduler(
                    db, jobs=jobs_of(core.registry.workflows), clock=core.clock, public_url=settings.public_url
                )

                async def run() -> int:
                    await scheduler.tick()
                    return await dispatcher.drain()

                return run

            return await run_console(
                core,
                user=user,
                channel=getattr(args, "channel", "general"),
                deliver=deliver,
                locale=getattr(args, "lang", None),
            )
        from bot.server import serve

        return await serve(core, settings)
    finally:
        await db.dispose()


def _default_user() -> str:
    try:
        name = getpass.getuser()
    except Exception:
        name = "you"
    return name if name and name != "root" else "you"


if __name__ == "__main__":
    sys.exit(main())
