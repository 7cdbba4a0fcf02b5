"""How flags read: labels for states and severities, the handlers' view of a flag and its log,
and the reporter's view (state, replies and their own additions; never notes or handler names).

Text people typed (topics, descriptions, replies) travels as plain pieces, so every renderer
escapes it; bot sentences come from the catalogs and only they may carry `code` marks.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import N_, _, tr
from bot.core.ui import Block, Bold, Context, Field, Fields, Header, Rich, Section, Timestamp, markup, rich
from bot.store.flag_models import ConflictFlag, FlagEvent, FlagEventKind, FlagParty
from bot.store.models import Organisation

STATES = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "in_discussion": N_("in discussion"),
    "resolved": N_("resolved"),
    "dismissed": N_("dismissed"),
}
SEVERITIES = {"low": N_("low"), "medium": N_("medium"), "high": N_("high"), "urgent": N_("urgent")}
SEVERITY_ORDER = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


def state(flag: ConflictFlag) -> str:
    return tr(STATES.get(flag.status, flag.status))


def severity(flag: ConflictFlag) -> str:
    return tr(SEVERITIES.get(flag.severity, flag.severity))


def say(message: str) -> Section:
    """A bot sentence (already translated); `backticks` become code."""
    return Section(markup(message))


def title(flag: ConflictFlag) -> Rich:
    return rich(Bold(_("Flag #{id}", id=flag.id)), " · ", flag.topic)


def member_name(member_id: int | None, names: dict[int, str]) -> str:
    if member_id is None or member_id not in names:
        return _("a former member")
    return names[member_id]


def reporter_name(flag: ConflictFlag, names: dict[int, str]) -> str:
    if flag.anonymous:
        return _("anonymous")
    return member_name(flag.reporter_id, names)


def party_names(
    parties: Sequence[FlagParty], names: dict[int, str], organisations: Sequence[Organisation]
) -> list[str]:
    orgs = {o.id: o.name for o in organisations}
    shown = []
    for party in parties:
        if party.organisation_id is not None:
            shown.append(orgs.get(party.organisation_id, _("a former organisation")))
        else:
            shown.append(member_name(party.member_id, names))
    return shown


def handler_view(
    flag: ConflictFlag,
    parties: list[str],
    names: dict[int, str],
    tz: str,
    *,
    is_overdue: bool,
) -> list[Block]:
    """A flag as its handlers see it: everything but the receipt."""
    fields = [
        Field(_("State"), rich(state(flag) + (" · " + _("overdue") if is_overdue else ""))),
        Field(_("Severity"), rich(severity(flag))),
        Field(_("Reported by"), rich(reporter_name(flag, names))),
        Field(_("Parties"), rich(", ".join(parties) if parties else _("none named"))),
        Field(_("Raised"), rich(Timestamp(flag.created_at, tz))),
    ]
    blocks: list[Block] = [Header(_("Conflict flag #{id}", id=flag.id)), Section(rich(Bold(flag.topic)))]
    blocks.append(Fields(tuple(fields)))
    blocks.append(Section(rich(flag.description)))
    return blocks


def log_line(event: FlagEvent, flag: ConflictFlag, names: dict[int, str], tz: str) -> Rich:
    """One line of the private log: when, who, what."""
    who = reporter_name(flag, names) if event.by_reporter else member_name(event.actor_id, names)
    if event.actor_id is None and not event.by_reporter and event.kind == FlagEventKind.ESCALATED.value:
        who = ""
    sentences = {
        FlagEventKind.RAISED.value: _("Raised by {who}.", who=who) if not flag.anonymous else _("Raised anonymously."),
        FlagEventKind.ACKNOWLEDGED.value: _("Acknowledged by {who}.", who=who),
        FlagEventKind.DISCUSSING.value: _("In discussion ({who}).", who=who),
        FlagEventKind.NOTE.value: _("Note by {who}:", who=who),
        FlagEventKind.REPLY.value: _("Reply to the reporter by {who}:", who=who),
        FlagEventKind.ADDED.value: _("The reporter added:"),
        FlagEventKind.RESOLVED.value: _("Resolved by {who}. Outcome:", who=who),
        FlagEventKind.DISMISSED.value: _("Dismissed by {who}. Reason:", who=who),
        FlagEventKind.ESCALATED.value: _("Not acknowledged in time: steering was reminded."),
    }
    line = rich(Timestamp(event.at, tz), " · ", sentences.get(event.kind, event.kind))
    if event.text:
        line = line + rich("\n", event.text)
    return line


REPORTER_SEES = frozenset(
    {
        FlagEventKind.RAISED.value,
        FlagEventKind.ACKNOWLEDGED.value,
        FlagEventKind.DISCUSSING.value,
        FlagEventKind.REPLY.value,
        FlagEventKind.ADDED.value,
        FlagEventKind.RESOLVED.value,
        FlagEventKind.DISMISSED.value,
    }
)


def reporter_line(event: FlagEvent, tz: str) -> Rich:
    sentences = {
        FlagEventKind.RAISED.value: _("You raised the flag."),
        FlagEventKind.ACKNOWLEDGED.value: _("The handlers acknowledged it."),
        FlagEventKind.DISCUSSING.value: _("The handlers are discussing it."),
        FlagEventKind.REPLY.value: _("The handlers replied:"),
        FlagEventKind.ADDED.value: _("You added:"),
        FlagEventKind.RESOLVED.value: _("Resolved. Outcome:"),
        FlagEventKind.DISMISSED.value: _("Dismissed. Reason:"),
    }
    line = rich(Timestamp(event.at, tz), " · ", sentences[event.kind])
    if event.text:
        line = line + rich("\n", event.text)
    return line


def reporter_view(flag: ConflictFlag, events: Sequence[FlagEvent], tz: str) -> list[Block]:
    """What the holder of the receipt sees: the state and the conversation, no handler names."""
    blocks: list[Block] = [
        Header(_("Your flag #{id}", id=flag.id)),
        Section(rich(Bold(flag.topic))),
        Fields(
            (
                Field(_("State"), rich(state(flag))),
                Field(_("Raised"), rich(Timestamp(flag.created_at, tz))),
            )
        ),
    ]
    for event in events:
        if event.kind in REPORTER_SEES:
            blocks.append(Section(reporter_line(event, tz)))
    blocks.append(
        Context(
            markup(
                _(
                    'Add information with `/flag add <receipt> "…"`; the handlers read it, and you read their replies here.'
                )
            )
        )
    )
    return blocks


def listing_line(flag: ConflictFlag, tz: str, *, is_overdue: bool) -> Rich:
    label = _("{severity}, {state}", severity=severity(flag), state=state(flag))
    if is_overdue:
        label = _("{severity}, {state}, overdue", severity=severity(flag), state=state(flag))
    return rich(Bold(f"#{flag.id}"), " ", flag.topic, " · ", label, " · ", Timestamp(flag.created_at, tz))
