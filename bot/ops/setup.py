"""``coalition-bot setup``: a guided first run (SPEC §5). Each answer is checked against the
platform as it is given, the Slack app is created from its manifest when a configuration token is
given, the Discord invite link is printed, the database is migrated, and ``.env`` is written
(mode 600, never over an existing file without asking); the doctor has the last word.

Every answer has the name of its setting: ``--non-interactive`` reads the same names from the
environment (``SETUP_PLATFORMS=slack,discord``, ``SLACK_CONFIG_TOKEN``, ``SLACK_BOT_TOKEN``, …)."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import httpx

from bot.config import DEFAULT_DB, ConfigError, load_settings
from bot.core.i18n import _
from bot.core.registry import Registry
from bot.ops.prompts import Prompter, read_env, write_env
from bot.ops.setup_platforms import Failed, setup_discord, setup_slack

PLATFORMS = ("slack", "discord")


def chosen_platforms(prompter: Prompter) -> list[str]:
    env = getattr(prompter, "env", {})
    guess = [p for p in PLATFORMS if any(k.startswith(p.upper() + "_") and v for k, v in env.items())]
    answer = prompter.ask(
        "SETUP_PLATFORMS",
        _("Which platforms? slack, discord, both, or none (the local console)"),
        ",".join(guess) or "none",
    )
    words = answer.lower().replace(" ", ",").split(",")
    if "both" in words:
        return list(PLATFORMS)
    return [p for p in PLATFORMS if p in words]


async def setup(
    prompter: Prompter,
    registry: Registry,
    *,
    env_file: str = ".env",
    replace: bool = False,
    client: httpx.AsyncClient | None = None,
) -> int:
    """Returns 0 when ``.env`` is written, 1 when the person kept an existing file, 2 on a failed check."""
    path = Path(env_file)
    say = prompter.say
    say(_("Coalition Bot setup: each answer is checked as you give it; nothing is written before the end."))
    exists = await asyncio.to_thread(path.exists)
    if exists and not replace and not prompter.confirm(_("{file} exists. Replace it?", file=str(path))):
        say(_("{file} is kept as it is; nothing was written.", file=str(path)))
        return 1
    earlier = read_env(path)
    values: dict[str, str] = {}
    platforms = chosen_platforms(prompter)
    public = prompter.ask(
        "PUBLIC_URL",
        _("The bot's public https address (empty: none, or Slack over Socket Mode)"),
        earlier.get("PUBLIC_URL", ""),
    )
    if public and "://" not in public:
        public = "https://" + public
    values["PUBLIC_URL"] = public.rstrip("/")
    own = client is None
    http = client or httpx.AsyncClient()
    try:
        if "slack" in platforms:
            values.update(await setup_slack(prompter, http, registry, values["PUBLIC_URL"], path.parent))
        if "discord" in platforms:
            values.update(await setup_discord(prompter, http))
        values["DATABASE_URL"] = await setup_database(prompter, earlier.get("DATABASE_URL", ""))
    except Failed:
        say(_("Nothing was written: correct the problem above and run `coalition-bot setup` again."))
        return 2
    finally:
        if own:
            await http.aclose()
    values["TOKEN_ENCRYPTION_KEY"] = earlier.get("TOKEN_ENCRYPTION_KEY") or new_encryption_key()
    values["FORM_SECRET"] = earlier.get("FORM_SECRET") or secrets.token_urlsafe(32)
    names = ", ".join(k for k, v in values.items() if v)
    say(_("Writing {file} (readable by you only): {names}", file=str(path), names=names))
    write_env(path, values)
    say(_("Done. Start the bot with `coalition-bot serve`; here is what the doctor says now:"))
    from bot.ops.doctor import diagnose, render

    given = {k: v for k, v in values.items() if v}  # an empty value would override a default
    say(render(await diagnose(env=given, registry=registry, client=client)))
    return 0


def new_encryption_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


async def setup_database(prompter: Prompter, earlier: str) -> str:
    """The database URL, checked by connecting and migrating (the migrations named first)."""
    from bot.ops.commands import migrate
    from bot.ops.doctor import shown_url
    from bot.store.db import Database

    url = prompter.ask(
        "DATABASE_URL",
        _("The database: a PostgreSQL URL (postgresql://user:password@host/db), or empty for a SQLite file"),
        earlier or DEFAULT_DB,
    )
    try:
        load_settings(DATABASE_URL=url)
        db = Database.from_url(url)
    except ConfigError as error:
        prompter.say(str(error))
        raise Failed from None
    try:
        status = await migrate(db, url, prompter.say)
    except Exception as error:
        prompter.say(
            _(
                "Cannot use the database {url} ({error}): check the address, the password and that the server runs.",
                url=shown_url(url),
                error=type(error).__name__,
            )
        )
        raise Failed from None
    finally:
        await db.dispose()
    if status:
        raise Failed
    return url
