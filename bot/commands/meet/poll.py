"""A meeting's poll: its state (slots, votes, who may vote and where they live) and the message every
linked channel shows, which is refreshed in place on every platform when a vote comes in."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.commands.meet import rules
from bot.core.i18n import N_, _, datetime_, ngettext, number, time, tr
from bot.core.ui import (
    Actions,
    Block,
    Bold,
    Button,
    ButtonStyle,
    Context,
    Header,
    Inline,
    Reply,
    Rich,
    Section,
    Timestamp,
    markup,
    rich,
)
from bot.store.meeting_models import Answer, Meeting, MeetingSlot, MeetingStatus, MeetingVote
from bot.store.meeting_repo import MeetingRepo
from bot.store.models import Coalition, Member, Role

VOTE_ACTION = "meet.vote"
VOTERS = (Role.STEERING.value, Role.FACILITATOR.value, Role.MEMBER.value)
ANSWER_LABELS = {Answer.YES.value: N_("Yes"), Answer.MAYBE.value: N_("If need be"), Answer.NO.value: N_("No")}
REPEATS = {
    "weekly": N_("It repeats every week."),
    "biweekly": N_("It repeats every two weeks."),
    "monthly": N_("It repeats every month."),
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sentence(translated: str, **parts: str | Inline | Rich) -> Rich:
    """A translated sentence whose ``{placeholders}`` are rich pieces (a moment shown in each
    viewer's zone, a bold title): ``sentence(_("Please answer by {deadline}."), deadline=Timestamp(…))``."""
    pieces: list[str | Inline | Rich] = []
    for index, piece in enumerate(PLACEHOLDER.split(translated)):
        pieces.append(parts.get(piece, "{" + piece + "}") if index % 2 else piece)
    return rich(*pieces)


def topic_of(meeting: Meeting) -> str:
    return f"meet:{meeting.id}"


def zone_of(member: Member, coalition: Coalition) -> str:
    return member.tz or coalition.tz or "UTC"


@dataclass
class PollState:
    coalition: Coalition
    meeting: Meeting
    slots: Sequence[MeetingSlot]
    votes: Sequence[MeetingVote]
    voters: Sequence[Member]

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.meeting.duration)

    def zones(self) -> dict[str, int]:
        """Each time zone the members live in, with how many of them."""
        return dict(Counter(zone_of(m, self.coalition) for m in self.voters))

    def answers_of(self, member_id: int | None) -> dict[int, str]:
        return {v.slot_id: v.answer for v in self.votes if v.member_id == member_id}

    def tallies(self) -> list[rules.Tally]:
        zones = self.zones()
        voter_ids = {m.id for m in self.voters}
        out = []
        for slot in self.slots:
            counts = Counter(v.answer for v in self.votes if v.slot_id == slot.id and v.member_id in voter_ids)
            out.append(
                rules.Tally(
                    slot_id=slot.id or 0,
                    start=slot.start,
                    yes=counts[Answer.YES.value],
                    maybe=counts[Answer.MAYBE.value],
                    no=counts[Answer.NO.value],
                    inconvenienced=rules.inconvenienced(slot.start, self.duration, zones),
                )
            )
        return out

    def unanswered(self) -> list[Member]:
        """Members who have not answered for every slot."""
        slot_ids = {s.id for s in self.slots}
        answered: Counter[int] = Counter(v.member_id for v in self.votes if v.slot_id in slot_ids)
        return [m for m in self.voters if answered[m.id or 0] < len(slot_ids)]

    def slot(self, slot_id: int | None) -> MeetingSlot | None:
        return next((s for s in self.slots if s.id == slot_id), None)


async def load(repo: MeetingRepo, coalition: Coalition, meeting: Meeting) -> PollState:
    """The poll as it stands, read through the meeting's coalition's repository."""
    members = await repo.members()
    return PollState(
        coalition=coalition,
        meeting=meeting,
        slots=await repo.slots(meeting.id or 0),
        votes=await repo.votes(meeting.id or 0),
        voters=[m for m in members if m.role in VOTERS],
    )


def counts_line(tally: rules.Tally) -> str:
    return _(
        "{yes} yes · {maybe} if need be · {no} no",
        yes=number(tally.yes),
        maybe=number(tally.maybe),
        no=number(tally.no),
    )


def fairness_lines(state: PollState, slot: MeetingSlot) -> list[str]:
    lines = []
    for item in rules.inconvenient(slot.start, state.duration, state.zones()):
        lines.append(
            ngettext(
                "Outside 08:00–21:00 for {n} member in {zone} (starts at {time} there)",
                "Outside 08:00–21:00 for {n} members in {zone} (starts at {time} there)",
                item.members,
                zone=item.zone,
                time=time(item.local, item.zone),
            )
        )
    return lines


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("{hours} h {minutes} min", hours=number(hours), minutes=number(rest))
    if hours:
        return ngettext("{n} hour", "{n} hours", hours)
    return ngettext("{n} minute", "{n} minutes", rest)


def poll_reply(state: PollState) -> Reply:
    """The poll as posted in every linked channel (in the coalition's language): each slot in the
    viewer's own zone, its counts and fairness notes, and Yes / If need be / No buttons while open."""
    meeting, tz = state.meeting, state.coalition.tz
    blocks: list[Block] = [Header(_("Meeting poll #{id}: {title}", id=meeting.id, title=meeting.title))]
    intro = rich(_("Length: {duration}.", duration=duration_text(meeting.duration)))
    if meeting.deadline is not None and meeting.status == MeetingStatus.OPEN.value:
        intro = (
            intro + rich(" ") + sentence(_("Please answer by {deadline}."), deadline=Timestamp(meeting.deadline, tz))
        )
    blocks.append(Section(intro))
    tallies = {t.slot_id: t for t in state.tallies()}
    for slot in state.slots:
        line = rich(Bold(f"{slot.position}. "), Timestamp(slot.start, tz), " — ", counts_line(tallies[slot.id or 0]))
        if meeting.chosen_slot_id == slot.id:
            line = line + rich(" ", Bold(_("(chosen)")))
        blocks.append(Section(line))
        warnings = fairness_lines(state, slot)
        if warnings:
            blocks.append(Context(rich("⚠ " + "\n⚠ ".join(warnings))))
    blocks.extend(footer(state))
    return Reply.channel(*blocks)


def footer(state: PollState) -> list[Block]:
    meeting = state.meeting
    if meeting.status == MeetingStatus.CANCELLED.value:
        return [Context(rich(_("This meeting was cancelled.")))]
    if meeting.status == MeetingStatus.CLOSED.value and meeting.starts_at is not None:
        text = sentence(
            _("The poll is closed. The meeting is on {when}."), when=Timestamp(meeting.starts_at, state.coalition.tz)
        )
        if meeting.repeat:
            text = text + rich(" ", tr(REPEATS[meeting.repeat]))
        return [Section(text)]
    answered = len(state.voters) - len(state.unanswered())
    rows: list[Block] = [
        Context(
            rich(
                ngettext(
                    "{n} of {total} member has answered.",
                    "{n} of {total} members have answered.",
                    len(state.voters),
                    n=number(answered),
                    total=number(len(state.voters)),
                ),
                " ",
                markup(_("Vote with the buttons or `/meet vote {id}`; you can change your answer.", id=meeting.id)),
            )
        )
    ]
    rows.extend(vote_buttons(meeting, slot) for slot in state.slots)
    return rows


def vote_buttons(meeting: Meeting, slot: MeetingSlot) -> Actions:
    """Yes / If need be / No for one slot: the poll's own buttons (the inbox shows them too)."""
    return Actions(
        tuple(
            Button(
                _("{slot}: {answer}", slot=slot.position, answer=tr(label)),
                VOTE_ACTION,
                f"{meeting.id}:{slot.id}:{answer}",
                ButtonStyle.PRIMARY if answer == Answer.YES.value else ButtonStyle.DEFAULT,
            )
            for answer, label in ANSWER_LABELS.items()
        )
    )


def answer_label(answer: str) -> str:
    return tr(ANSWER_LABELS[answer])


def slot_label(slot: MeetingSlot, tz: str) -> str:
    """A slot as plain text in ``tz`` (form labels cannot show each viewer's zone)."""
    return f"{slot.position}. {datetime_(slot.start, tz, format='short')}"


def slot_rich(slot: MeetingSlot, tz: str) -> Rich:
    return rich(Bold(f"{slot.position}. "), Timestamp(slot.start, tz))
