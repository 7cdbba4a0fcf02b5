"""User-facing text that is not specific to one workflow, in one place, in the reader's language.

Constants are marked with :func:`~bot.core.i18n.N_` and translated where they are shown (``_(…)``);
functions translate as they build.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.i18n import N_, _, and_list, tr
from bot.core.ui import Block, Code, Context, Divider, Field, Fields, Header, Reply, Section, rich

if TYPE_CHECKING:
    from bot.core.registry import Command, Registry
    from bot.store.models import Role

ALREADY_HANDLED = N_("Already done: that request arrived twice, and was handled the first time.")
STALE_BUTTON = N_("That button or form is no longer active. Run the command again to get a fresh one.")

ROLE_NAMES = {
    "steering": N_("steering committee members"),
    "facilitator": N_("facilitators"),
    "member": N_("members"),
    "observer": N_("observers"),
}


def permission_denied(what: str, role: Role, allowed: frozenset[Role]) -> str:
    who = and_list([tr(ROLE_NAMES[r.value]) for r in sorted(allowed, key=lambda r: r.value)])
    if what.startswith("/"):
        sentence = _(
            "Only {who} can do `{command}`; your role in this coalition is `{role}`.",
            who=who,
            command=what,
            role=role.value,
        )
    else:
        sentence = _("Only {who} can do that; your role in this coalition is `{role}`.", who=who, role=role.value)
    return sentence + " " + _("A steering committee member can change roles with `/coalition role @person <role>`.")


def how_to_join(coalition: str) -> str:
    """What a person who is not a member sees of a coalition that admits members on approval."""
    return _(
        "{coalition} admits new members on approval by its steering committee. "
        'Ask to join with `/coalition join`, or `/coalition join org="Your organisation"`.',
        coalition=coalition,
    )


def apology(ref: str) -> str:
    return _(
        "Sorry, something went wrong on our side and nothing was changed. "
        "Please try again; if it keeps happening, tell the bot's maintainers (reference {ref}).",
        ref=ref,
    )


def command_help(command: Command) -> Reply:
    blocks: list[Block] = [Header(f"/{command.name} — {tr(command.summary)}")]
    rows = [Field(tr(sub.summary), rich(Code(tr(sub.usage)))) for sub in command.subcommands.values()]
    for i in range(0, len(rows), 10):
        blocks.append(Fields(tuple(rows[i : i + 10])))
    blocks.append(
        Context(
            rich(
                _(
                    'Arguments: key=value, "quoted text", dates as YYYY-MM-DD, times as HH:MM; '
                    "add tz=Area/City to use another time zone."
                )
            )
        )
    )
    return Reply.private(*blocks)


def overview(registry: Registry) -> Reply:
    blocks: list[Block] = [Header(_("Coalition Bot"))]
    for command in registry:
        blocks.append(Section(rich(Code(f"/{command.name}"), f" — {tr(command.summary)}")))
    blocks.append(Divider())
    blocks.append(Context(rich(_("Type /<command> help for the details of one command."))))
    return Reply.private(*blocks)


WELCOME = N_(
    "Welcome to Coalition Bot! This channel is not part of a coalition yet.\n"
    'Start one:  /coalition create "Clean Air Alliance" tz=Europe/Berlin\n'
    'Then add a goal:  /goal add "Calls to MPs" target=1000 unit=calls due=2026-12-31\n'
    'And check in:  /checkin 40 "first phone bank"\n'
    "Type /coalition help to see everything."
)
