"""Who did what where: the platform-neutral inputs to the core, and the context handlers receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.errors import NotInCoalition
from bot.core.i18n import N_, _

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.config import Settings
    from bot.core.clock import Clock
    from bot.core.outbox import Outbox
    from bot.core.services import Channels
    from bot.store.models import Coalition, Member
    from bot.store.repo import CoalitionRepo, Directory


@dataclass(frozen=True)
class Actor:
    """A person on a platform: platform + workspace (Slack team / Discord guild) + user id."""

    platform: str
    workspace: str
    user_id: str
    display_name: str
    tz: str | None = None
    locale: str | None = None  # the platform's: Discord interaction locale, Slack users.info locale


@dataclass(frozen=True)
class Place:
    """A channel on a platform, or a person's own place: a direct message with the bot, the Slack
    Home tab (``private``; SPEC §2). A private place belongs to no coalition: what is clicked or
    typed there finds its coalition from the element or the person (:mod:`bot.core.scope`)."""

    platform: str
    workspace: str
    channel: str
    name: str = ""
    private: bool = False


@dataclass(frozen=True)
class Invocation:
    """A slash command. Text platforms fill ``text``; Discord fills ``path`` and ``options``."""

    command: str
    actor: Actor
    place: Place
    text: str = ""
    path: tuple[str, ...] | None = None
    options: dict[str, Any] | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class ActionEvent:
    """A button click or select choice on a message the bot posted."""

    action_id: str
    value: str
    actor: Actor
    place: Place
    request_id: str | None = None


@dataclass(frozen=True)
class FormSubmission:
    form_id: str
    values: dict[str, str]
    actor: Actor
    place: Place
    state: str = ""
    request_id: str | None = None


@dataclass
class Ctx:
    """What a handler gets: the actor, the place, the coalition and member (if any), the session."""

    actor: Actor
    place: Place
    session: AsyncSession
    directory: Directory
    clock: Clock
    settings: Settings
    coalition: Coalition | None = None
    member: Member | None = None
    request_id: str | None = None
    notes: list[str] = field(default_factory=list)
    channels: Channels | None = None  # what the platforms say about their channels (core.services.channels)

    @property
    def repo(self) -> CoalitionRepo:
        from bot.store.repo import CoalitionRepo

        if self.coalition is None or self.coalition.id is None:
            raise NotInCoalition(_(NOT_BOUND))
        return CoalitionRepo(self.session, self.coalition.id)

    @property
    def outbox(self) -> Outbox:
        """Proactive messages, committed with this unit of work and delivered after it."""
        from bot.core.outbox import Outbox

        if self.coalition is None or self.coalition.id is None:
            raise NotInCoalition(_(NOT_BOUND))
        return Outbox(self.session, self.coalition.id, now=self.clock.now())

    @property
    def me(self) -> Member:
        if self.member is None:
            raise NotInCoalition(_(NOT_BOUND))
        return self.member

    @property
    def c(self) -> Coalition:
        if self.coalition is None:
            raise NotInCoalition(_(NOT_BOUND))
        return self.coalition

    @property
    def tz(self) -> str:
        """The actor's time zone: their own if known, else the coalition's, else UTC."""
        if self.member is not None and self.member.tz:
            return self.member.tz
        if self.actor.tz:
            return self.actor.tz
        return self.coalition.tz if self.coalition is not None else "UTC"


NOT_BOUND = N_(
    'This channel is not part of a coalition yet. Start one with `/coalition create "Name"`, '
    "or run `/coalition link` in a channel of an existing coalition and then `/coalition link <code>` here."
)
