"""User-facing text that is not specific to one workflow, in one place (ready for translation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.ui import Code, Context, Divider, Field, Fields, Header, Reply, Section, rich

if TYPE_CHECKING:
    from bot.core.registry import Command, Registry
    from bot.store.models import Role

ALREADY_HANDLED = "Already done: that request arrived twice, and was handled the first time."
STALE_BUTTON = "That button or form is no longer active. Run the command again to get a fresh one."

ROLE_NAMES = {
    "steering": "steering committee members",
    "facilitator": "facilitators",
    "member": "members",
    "observer": "observers",
}


def permission_denied(what: str, role: Role, allowed: frozenset[Role]) -> str:
    who = " and ".join(ROLE_NAMES[r.value] for r in sorted(allowed, key=lambda r: r.value))
    subject = f"`{what}`" if what.startswith("/") else what
    return (
        f"Only {who} can do {subject}; your role in this coalition is {role.value}. "
        "A steering committee member can change roles with `/coalition role @person <role>`."
    )


def apology(ref: str) -> str:
    return (
        "Sorry, something went wrong on our side and nothing was changed. "
        f"Please try again; if it keeps happening, tell the bot's maintainers (reference {ref})."
    )


def command_help(command: Command) -> Reply:
    blocks: list = [Header(f"/{command.name} — {command.summary}")]
    rows = []
    for sub in command.subcommands.values():
        rows.append(Field(sub.usage, rich(sub.summary)))
    for i in range(0, len(rows), 10):
        blocks.append(Fields(tuple(rows[i : i + 10])))
    blocks.append(
        Context(
            rich(
                'Arguments: key=value, "quoted text", dates as YYYY-MM-DD, times as HH:MM; add tz=Area/City to use another time zone.'
            )
        )
    )
    return Reply.private(*blocks)


def overview(registry: Registry) -> Reply:
    blocks: list = [Header("Coalition Bot")]
    for command in registry:
        blocks.append(Section(rich(Code(f"/{command.name}"), f" — {command.summary}")))
    blocks.append(Divider())
    blocks.append(Context(rich("Type /<command> help for the details of one command.")))
    return Reply.private(*blocks)


WELCOME = (
    "Welcome to Coalition Bot! This channel is not part of a coalition yet.\n"
    'Start one:  /coalition create "Clean Air Alliance" tz=Europe/Berlin\n'
    'Then add a goal:  /goal add "Calls to MPs" target=1000 unit=calls due=2026-12-31\n'
    'And check in:  /checkin 40 "first phone bank"\n'
    "Type /coalition help to see everything."
)
