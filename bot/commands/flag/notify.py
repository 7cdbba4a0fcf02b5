"""Where flag news goes. Everything is queued in the outbox inside the unit of work that caused it.

- A new flag, and anything its reporter adds, goes to its handlers: the private flag channel set
  in ``/coalition settings`` when there is one and no handler is recused, else a direct message to
  each handler who is not recused (on the account they used last). Never a coalition channel.
- Replies and state changes go to a named reporter by direct message; an anonymous reporter has
  no address, and reads them with ``/flag status <receipt>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.commands.flag.access import HANDLER_ROLES, handlers_for
from bot.commands.flag.render import reporter_name, say, severity, title
from bot.core.context import Place
from bot.core.i18n import _, language, ngettext, number, of_coalition, of_member
from bot.core.outbox import Outbox
from bot.core.ui import Block, Context, Field, Fields, Reply, Section, Timestamp, markup, rich
from bot.store.flag_models import ConflictFlag, FlagEvent, FlagEventKind
from bot.store.flag_repo import FlagRepo
from bot.store.models import Coalition, Member

Notice = Callable[[str], Reply]  # builds a message for a reader in this time zone, in the current language


async def private_channel(repo: FlagRepo, coalition: Coalition) -> Place | None:
    """The private flag channel from the settings, if it is usable: a complete address that is not
    a channel of any coalition (those are read by every member). Whether the platform calls it
    private is checked by ``/coalition settings`` when it is chosen."""
    chosen: Any = coalition.settings.get("flag_channel")
    if not isinstance(chosen, dict):
        return None
    platform, workspace, channel = (str(chosen.get(k) or "") for k in ("platform", "workspace", "channel"))
    if not (platform and workspace and channel) or chosen.get("private") is False:
        return None
    if await repo.is_coalition_channel(platform, workspace, channel):
        return None
    return Place(platform, workspace, channel)


async def tell_handlers(
    repo: FlagRepo,
    outbox: Outbox,
    coalition: Coalition,
    flag: ConflictFlag,
    key: str,
    build: Notice,
) -> int:
    """Send ``build()`` (a Reply, built in each reader's language) to the flag's handlers; returns
    how many people or channels it was queued for."""
    handlers = await handlers_for(repo, flag)
    everyone = [m for m in await repo.members() if m.role in HANDLER_ROLES]
    channel = await private_channel(repo, coalition)
    if channel is not None and len(handlers) == len(everyone) and handlers:
        with language(of_coalition(coalition)):
            await outbox.post(channel, build(coalition.tz), key=f"{key}:channel")
        return 1
    sent = 0
    for member in handlers:
        with language(of_member(member, coalition)):
            sent += len(await outbox.direct(member.id or 0, build(member.tz or coalition.tz), key=f"{key}:{member.id}"))
    return sent


def new_flag_notice(flag: ConflictFlag, parties: list[str], names: dict[int, str]) -> Notice:
    def build(tz: str) -> Reply:
        fields = (
            Field(_("Severity"), rich(severity(flag))),
            Field(_("Reported by"), rich(reporter_name(flag, names))),
            Field(_("Parties"), rich(", ".join(parties) if parties else _("none named"))),
            Field(_("Raised"), rich(Timestamp(flag.created_at, tz))),
        )
        blocks: list[Block] = [
            say(_("A new conflict flag was raised. It is confidential: only its handlers can read it.")),
            Section(title(flag)),
            Fields(fields),
            Section(rich(flag.description)),
            Context(
                markup(
                    _(
                        "In a coalition channel: `/flag ack {id}` to acknowledge it, `/flag show {id}` for its log, "
                        '`/flag reply {id} "…"` to write to the reporter.',
                        id=flag.id,
                    )
                )
            ),
        ]
        return Reply.private(*blocks)

    return build


def added_notice(flag: ConflictFlag, event: FlagEvent) -> Notice:
    def build(tz: str) -> Reply:
        return Reply.private(
            say(_("The reporter of flag #{id} added information:", id=flag.id)),
            Section(title(flag)),
            Section(rich(event.text)),
            Context(markup(_('Answer with `/flag reply {id} "…"` in a coalition channel.', id=flag.id))),
        )

    return build


def reporter_notice(flag: ConflictFlag, event: FlagEvent) -> Reply:
    """A named reporter's direct message about a state change or a reply (in their language)."""
    sentences = {
        FlagEventKind.ACKNOWLEDGED.value: _("The facilitators and steering acknowledged your flag."),
        FlagEventKind.DISCUSSING.value: _("The facilitators and steering are now discussing your flag."),
        FlagEventKind.REPLY.value: _("The facilitators and steering replied to your flag:"),
        FlagEventKind.RESOLVED.value: _("Your flag is resolved. Outcome:"),
        FlagEventKind.DISMISSED.value: _("Your flag was dismissed. Reason:"),
    }
    blocks: list[Block] = [Section(title(flag)), say(sentences[event.kind])]
    if event.text:
        blocks.append(Section(rich(event.text)))
    blocks.append(
        Context(
            markup(
                _(
                    'Answer or add information with `/flag add <receipt> "…"` in a coalition channel; '
                    "`/flag status <receipt>` shows the whole conversation."
                )
            )
        )
    )
    return Reply.private(*blocks)


async def tell_reporter(
    outbox: Outbox, coalition: Coalition, flag: ConflictFlag, reporter: Member | None, event: FlagEvent
) -> int:
    if flag.anonymous or reporter is None or reporter.id is None:
        return 0
    with language(of_member(reporter, coalition)):
        return len(
            await outbox.direct(reporter.id, reporter_notice(flag, event), key=f"flag:{flag.id}:reporter:{event.id}")
        )


def escalation_notice(flag: ConflictFlag, hours: float) -> Notice:
    def build(tz: str) -> Reply:
        return Reply.private(
            say(
                ngettext(
                    "Nobody has acknowledged conflict flag #{id} in {hours} hour. As a steering member, please make sure it is handled.",
                    "Nobody has acknowledged conflict flag #{id} in {hours} hours. As a steering member, please make sure it is handled.",
                    int(hours) if float(hours).is_integer() else 2,  # "1.5 hours": a fraction reads as plural
                    id=flag.id,
                    hours=number(hours),
                )
            ),
            Section(title(flag)),
            Fields(
                (Field(_("Severity"), rich(severity(flag))), Field(_("Raised"), rich(Timestamp(flag.created_at, tz))))
            ),
            Context(
                markup(
                    _(
                        "`/flag show {id}` in a coalition channel shows it; `/flag ack {id}` acknowledges it.",
                        id=flag.id,
                    )
                )
            ),
        )

    return build


async def tell_steering(repo: FlagRepo, outbox: Outbox, coalition: Coalition, flag: ConflictFlag, hours: float) -> int:
    steering = await handlers_for(repo, flag, roles=frozenset({"steering"}))
    sent = 0
    build = escalation_notice(flag, hours)
    for member in steering:
        with language(of_member(member, coalition)):
            reply = build(member.tz or coalition.tz)
            sent += len(await outbox.direct(member.id or 0, reply, key=f"flag:{flag.id}:escalated:{member.id}"))
    return sent
