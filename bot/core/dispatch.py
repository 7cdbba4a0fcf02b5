"""The core's front door: commands, button actions, form submissions and autocomplete.

Each call runs in one unit of work: resolve the channel's coalition and the actor's membership,
check the role, run the handler, commit. A user error rolls everything back and becomes a private
error reply. A unit of work that lost a race with a concurrent one (a unique key taken meanwhile,
a busy database) is rolled back and run again, up to ``ATTEMPTS`` times in all; any other
exception is logged with its context and answered with a short apology.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import sys
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from bot.config import Settings
from bot.core import i18n, own_place, scope, text
from bot.core.clock import Clock, SystemClock
from bot.core.context import NOT_BOUND, ActionEvent, Actor, Ctx, FormSubmission, Invocation, Place
from bot.core.errors import FormInvalid, NotAMember, NotInCoalition, PermissionDenied, UnknownCommand, UserError
from bot.core.i18n import _
from bot.core.params import Args, convert_fields, convert_options, parse_text
from bot.core.registry import Command, Registry, Subcommand
from bot.core.services import HomeBuilder, KnownPerson, Services
from bot.core.ui import Option, Reply
from bot.store.db import Database, is_conflict
from bot.store.models import Role
from bot.store.repo import CoalitionRepo, Directory

log = logging.getLogger(__name__)

ATTEMPTS = 3

R = TypeVar("R")

JOIN_OPEN, JOIN_APPROVAL = "open", "approval"  # a coalition's ``settings["join_policy"]``


HOME_COALITIONS = 10  # at most this many coalitions on a person's Home view


class Core:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        settings: Settings,
        clock: Clock | None = None,
        *,
        home: HomeBuilder | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        self.settings = settings
        self.clock = clock or SystemClock()
        self.services = Services(db)  # what adapters keep and look up, without opening the database
        self.home_builder = home
        self.after_commit: list[Callable[[], None]] = []
        scope.configure(settings.element_key)  # signs which coalition each button carries
        self.own_places = own_place.Remembered()  # choices made for confidential commands, in memory

    # commands ----------------------------------------------------------------------------------

    async def run_command(self, inv: Invocation) -> Reply:
        """Run a command in one unit of work, which also finds the person's language (SPEC §7); only
        the rare answers given without one (help, a typo, a channel not linked, an apology) look
        the language up on their own."""
        confidential = self.registry.is_confidential(command=inv.command)
        reply = await self._command(inv, confidential)
        if not reply.lang:
            reply.lang = await self.language_of(inv.actor, inv.place, confidential=confidential)
        return reply

    async def language_of(self, actor: Actor, place: Place, *, confidential: bool = False) -> str:
        """SPEC §7 for this person here: their choice, else their platform's, else the coalition's.
        ``confidential``: a failed lookup is logged without the account (as :meth:`_apology` does)."""
        try:
            async with self.db.session() as session:
                directory = Directory(session)
                binding = await directory.binding(place.platform, place.workspace, place.channel)
                if binding is None:
                    return i18n.choose(None, actor.locale, None)
                coalition = await directory.coalition(binding.coalition_id)
                member = await CoalitionRepo(session, binding.coalition_id).member_by_identity(
                    actor.platform, actor.workspace, actor.user_id
                )
        except Exception:
            if confidential:
                log.error("could not look up the language for a confidential request: %s", _error_and_stack())
            else:
                log.exception("could not look up the language of %s:%s", actor.platform, actor.user_id)
            return i18n.choose(None, actor.locale, None)
        return i18n.choose(
            member.language if member else None,
            actor.locale or (member.locale if member else None),  # what the platform says now, else last time
            coalition.language if coalition else None,
        )

    async def written_for(
        self, actor: Actor, place: Place, write: Callable[[], Reply], *, confidential: bool = False
    ) -> Reply:
        """A reply an adapter writes itself (a stale button, an apology, a kept form to open), in
        the person's language, with ``lang`` set so the adapter's own words follow it."""
        lang = await self.language_of(actor, place, confidential=confidential)
        with i18n.language(lang):
            reply = write()
        reply.lang = lang
        return reply

    async def _command(self, inv: Invocation, confidential: bool) -> Reply:
        def written(write: Callable[[], Reply]) -> Awaitable[Reply]:
            return self.written_for(inv.actor, inv.place, write, confidential=confidential)

        command = self.registry.get(inv.command)
        if command is None:
            name = inv.command[:40]
            return await written(
                lambda: Reply.error(_("Unknown command `/{command}`. Try `/coalition help`.", command=name))
            )
        try:
            resolved = self._resolve(command, inv)
        except UserError:
            return await written(lambda: self._parse_error(command, inv))  # its words, in their language
        if resolved is None:
            return await written(lambda: self.help(command))
        sub, args = resolved

        async def run(ctx: Ctx) -> Reply:
            self._check_role(ctx, sub.roles, sub.full_name)
            return await sub.handler(ctx, args)

        if inv.place.private and sub.in_channel:
            return await written(lambda: Reply.error(_(own_place.IN_CHANNEL_ONLY, command=sub.full_name)))
        unit = _Unit(
            inv.actor,
            inv.place,
            inv.request_id,
            sub.needs_coalition,
            "command",
            inv.command,
            confidential,
            strangers=sub.strangers,
            pending=inv,
            one_coalition=not sub.every_coalition,
        )
        return await self._in_unit(unit, run)

    def _resolve(self, command: Command, inv: Invocation) -> tuple[Subcommand, Args] | None:
        """The subcommand and its arguments; None for help. Raises the ``UserError`` of a mistake."""
        if inv.path is not None:
            if inv.path == ("help",):
                return None
            sub = command.subcommands.get(inv.path)
            if sub is None:
                typed = " ".join((f"/{command.name}", *inv.path))
                raise UnknownCommand(_("Unknown subcommand `{command}`.", command=typed))
            return sub, convert_options(sub, inv.options or {})
        return parse_text(command, inv.text)

    def _parse_error(self, command: Command, inv: Invocation) -> Reply:
        try:
            self._resolve(command, inv)
        except UserError as error:
            return Reply.error(error.message)
        raise AssertionError("a mistake made twice")  # parsing is pure

    @staticmethod
    def _spoken(ctx: Ctx) -> str:
        """SPEC §7 for the person of this unit of work (what :meth:`language_of` finds, without a
        transaction of its own)."""
        member, coalition = ctx.member, ctx.coalition
        return i18n.choose(
            member.language if member else None,
            ctx.actor.locale or (member.locale if member else None),
            coalition.language if coalition else None,
        )

    def help(self, command: Command) -> Reply:
        return text.command_help(command)

    # actions and forms -------------------------------------------------------------------------

    async def run_action(self, event: ActionEvent) -> Reply:
        """A button click in one unit of work, which also finds the person's language (as a command's
        does); only the rare answers given without one (a stale button, a channel not linked, an
        apology) look the language up on their own."""
        if scope.base(event.action_id) == own_place.CHOOSE:
            return await self._choose(event)
        spec = self.registry.action(event.action_id)
        if spec is None:
            return await self.written_for(event.actor, event.place, lambda: Reply.error(_(text.STALE_BUTTON)))

        async def act(ctx: Ctx) -> Reply:
            self._check_role(ctx, spec.roles, "that")
            return await spec.handler(ctx, event.value)

        unit = _Unit(
            event.actor,
            event.place,
            event.request_id,
            True,
            "action",
            scope.base(event.action_id),
            strangers=spec.strangers,
            element=event.action_id,
        )
        return await self._in_unit(unit, act)

    async def submit_form(self, submission: FormSubmission) -> Reply:
        """Returns a reply; ``reply.form_errors`` set means: show these next to the fields. One unit
        of work, which also finds the person's language (fields that do not convert are answered
        before it, with the language looked up for them, as a command's typo is)."""
        spec = self.registry.form(submission.form_id)
        confidential = self.registry.is_confidential(form_id=submission.form_id)
        if spec is None:
            return await self.written_for(
                submission.actor, submission.place, lambda: Reply.error(_(text.STALE_BUTTON)), confidential=confidential
            )

        values, errors = convert_fields(
            spec.params, submission.values
        )  # no database: a mistake is found before any unit of work…
        if errors:  # …and, like a command's typo, written in the language looked up for it
            lang = await self.language_of(submission.actor, submission.place, confidential=confidential)
            with i18n.language(lang):
                reply = Reply(form_errors=convert_fields(spec.params, submission.values)[1])
            reply.lang = lang
            return reply

        async def submit(ctx: Ctx) -> Reply:
            self._check_role(ctx, spec.roles, "that")
            return await spec.handler(ctx, Args(values), submission.state)

        unit = _Unit(
            submission.actor,
            submission.place,
            submission.request_id,
            spec.needs_coalition,
            "form",
            scope.base(submission.form_id),
            confidential,
            element=submission.form_id,
        )
        return await self._in_unit(unit, submit)

    async def _in_unit(self, unit: _Unit, work: Callable[[Ctx], Awaitable[Reply]]) -> Reply:
        """Run ``work`` (a command, a click, a form) in one unit of work for ``unit``'s person, in the
        language that unit of work finds (SPEC §7), run again if it lost a race; its mistakes become
        private error replies, a request handled before is answered "Already done"."""
        spoken: list[str] = []

        async def attempt() -> Reply | None:
            try:
                async with self._context(
                    unit.actor,
                    unit.place,
                    unit.request_id,
                    unit.needs_coalition,
                    strangers=unit.strangers,
                    element=unit.element,
                    one_coalition=unit.one_coalition,
                ) as ctx:
                    if ctx is None:
                        return None  # handled already (a retried request)
                    lang = self._spoken(ctx)
                    spoken.append(lang)
                    with i18n.language(lang):
                        reply = await work(ctx)
                        reply.lang = reply.lang or lang
                        # Whatever it offers to click names its coalition (SPEC §2, bot.core.scope).
                        return scope.stamp_reply(reply, ctx.coalition.id if ctx.coalition else None)
            except HandledMeanwhile:
                return None

        def written(write: Callable[[], Reply]) -> Awaitable[Reply]:
            return self.written_for(unit.actor, unit.place, write, confidential=unit.confidential)

        try:
            reply = await self._again_on_conflict(attempt)
        except FormInvalid as invalid:
            reply = Reply(form_errors=invalid.errors)
        except own_place.ChooseCoalition as asked:
            pending = await own_place.keep_pending(self.services.kept, unit.pending, confidential=unit.confidential)
            picker = asked.picker
            return await written(lambda: picker(pending))
        except UserError as error:
            if not spoken and isinstance(error, NotInCoalition) and not isinstance(error, NotAMember):  # unlinked
                return await written(lambda: Reply.error(_(NOT_BOUND)))
            reply = Reply.error(error.message)  # written in their language already
        except Exception:
            ref = self._logged(unit.kind, unit.name, unit.actor, unit.confidential)
            return await written(lambda: Reply.error(text.apology(ref)))
        if reply is None:
            return await written(lambda: Reply.private(_(text.ALREADY_HANDLED)))
        if not reply.lang:
            reply.lang = (
                spoken[-1] if spoken else await self.language_of(unit.actor, unit.place, confidential=unit.confidential)
            )
        return reply

    async def complete(self, kind: str, actor: Actor, place: Place, partial: str) -> list[Option]:
        completer = self.registry.completer(kind)
        if completer is None:
            return []
        try:
            async with self._context(actor, place, None, True, auto_join=False) as ctx:
                if ctx is None or ctx.coalition is None or (ctx.member is None and admits_on_approval(ctx)):
                    return []
                with i18n.language(self._spoken(ctx)):  # found by this unit of work, as for a command
                    options = await completer(ctx, partial.strip().lower())
                return options[:25]
        except UserError:
            return []

    # a person's own place --------------------------------------------------------------------

    async def _choose(self, event: ActionEvent) -> Reply:
        """The picker's choice: remember the coalition for this person's own place (after checking
        they belong to it), then run the command that asked, if it is still known. For a
        confidential command (a flag) the choice is remembered in this process's memory only and
        the click leaves no request record, so no row's time sits beside an anonymous flag's."""
        choice = own_place.parse_choice(event.value)
        if choice is None:
            return await self.written_for(event.actor, event.place, lambda: Reply.error(_(text.STALE_BUTTON)))
        coalition_id, pending_key = choice
        pending = await own_place.pending_command(self.services.kept, pending_key, event.actor, event.place)
        confidential = pending is not None and self.registry.is_confidential(command=pending.command)

        async def remember(ctx: Ctx) -> Reply:
            if ctx.member is None:
                raise NotAMember(_(own_place.LEFT, coalition=ctx.c.name))
            if confidential:
                self.own_places.remember(ctx.actor, ctx.c.id or 0, ctx.clock.now())
            else:
                await own_place.remember(ctx.session, ctx.actor, ctx.c.id or 0, ctx.clock.now())
            return Reply.private(_("From now on, what you type here is for {coalition}.", coalition=ctx.c.name))

        unit = _Unit(
            event.actor,
            event.place,
            None if confidential else event.request_id,
            True,
            "action",
            own_place.CHOOSE,
            confidential,
            element=scope.stamp(own_place.CHOOSE, coalition_id),
        )
        chosen = await self._in_unit(unit, remember)
        if chosen.is_error or pending is None:
            return chosen
        return await self.run_command(pending)

    # the Home view -----------------------------------------------------------------------------

    async def home(self, actor: Actor) -> Reply:
        """The person's Home view (Slack's App Home): what the Home builder makes of their coalitions,
        in their language; each coalition's part is asked of the core like any command."""
        seats = await self.services.places.seats(actor, limit=HOME_COALITIONS)
        lang = await self.language_of(actor, seats[0].place) if seats else i18n.choose(None, actor.locale, None)

        own = Place(actor.platform, actor.workspace, "", private=True)

        async def ask(place: Place, command: str, text_: str) -> Reply:
            """Run a command as the person in ``place`` (a private one: their own place)."""
            return await self.run_command(Invocation(command, actor, own if place.private else place, text=text_))

        with i18n.language(lang):
            reply = await self.home_builder(seats, ask) if self.home_builder else text.overview(self.registry)
        reply.lang = lang
        return reply

    # internals ---------------------------------------------------------------------------------

    @staticmethod
    async def _again_on_conflict(work: Callable[[], Awaitable[R]]) -> R:
        """Run a whole unit of work; if it lost a race (rolled back), run it again."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await work()
            except Exception as error:
                if attempt == ATTEMPTS or not is_conflict(error):
                    raise
                log.info("unit of work lost a race (%s); running it again", type(error).__name__)
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _context(
        self,
        actor: Actor,
        place: Place,
        request_id: str | None,
        needs_coalition: bool,
        *,
        auto_join: bool = True,
        strangers: bool = False,
        element: str = "",
        one_coalition: bool = True,
    ) -> AsyncIterator[Ctx | None]:
        """One unit of work for this person here. The coalition is the one the clicked element
        carries (:mod:`bot.core.scope`), else the channel's, else, in the person's own place, theirs
        (:mod:`bot.core.own_place`). A person the coalition does not know yet becomes a member on
        first use in one of its channels when its join policy is ``open`` (the default); with
        ``approval`` they reach nothing but what is open to strangers (``/coalition join``) until
        steering approves. Outside its channels nobody joins by a click: the element's coalition
        must be the person's own."""
        people: list[KnownPerson] = []
        try:
            async with self.db.unit_of_work() as session:
                people = await self.services.people.write_pending(session)  # what a platform said, here
                directory = Directory(session)
                request_key = f"{actor.platform}:{request_id}" if request_id else None
                if request_key and await directory.was_handled(request_key):
                    yield None
                    return
                ctx = Ctx(actor, place, session, directory, self.clock, self.settings, request_id=request_id)
                ctx.channels = self.services.channels
                binding = (
                    await directory.binding(place.platform, place.workspace, place.channel)
                    if place.channel and not place.private
                    else None
                )
                stamp = scope.read(element) if element else None
                coalition_id = binding.coalition_id if binding is not None else None
                if stamp is not None and stamp.coalition_id is not None:
                    coalition_id = stamp.coalition_id
                elif coalition_id is None and place.private:
                    now = self.clock.now()
                    coalition_id = await own_place.coalition_for(
                        session, directory, actor, now, needs=one_coalition, remembered=self.own_places
                    )
                in_its_channel = binding is not None and binding.coalition_id == coalition_id
                if coalition_id is not None:
                    ctx.coalition = await directory.coalition(coalition_id)
                    if ctx.coalition is None:
                        with i18n.language(i18n.choose(None, actor.locale, None)):
                            raise UserError(_(own_place.GONE))
                    repo = ctx.repo
                    ctx.member = await repo.member_by_identity(actor.platform, actor.workspace, actor.user_id)
                    if ctx.member is None and not in_its_channel:  # a DM, the Home tab, another channel
                        account = await repo.member_by_account(actor.platform, actor.user_id)
                        if account is not None:  # the person as their coalition knows them (a guild, not "@me")
                            ctx.member, workspace = account
                            ctx.actor = dataclasses.replace(actor, workspace=workspace)
                    if ctx.member is None and not in_its_channel:
                        if needs_coalition and not strangers and auto_join:
                            with i18n.language(self._spoken(ctx)):
                                raise NotAMember(_(own_place.LEFT, coalition=ctx.c.name))
                    elif ctx.member is None and auto_join and needs_coalition and admits_on_approval(ctx):
                        if not strangers:
                            with i18n.language(self._spoken(ctx)):
                                raise NotAMember(text.how_to_join(ctx.c.name))
                    elif ctx.member is None and auto_join and needs_coalition:
                        ctx.member = await repo.add_member(
                            display_name=actor.display_name,
                            role=Role.MEMBER.value,
                            platform=actor.platform,
                            workspace=actor.workspace,
                            user_id=actor.user_id,
                            tz=actor.tz,
                        )
                        await repo.audit(
                            "member.joined", member=ctx.member, subject=actor.display_name, via="first use"
                        )
                elif needs_coalition:
                    raise NotInCoalition(_(NOT_BOUND))
                yield ctx
                if ctx.member is not None and actor.locale and ctx.member.locale != actor.locale:
                    # Remembered (also for a member the handler just added): Slack tells it only on users.info.
                    ctx.member.locale = actor.locale
                if request_key and not await directory.claim_request(request_key):
                    raise HandledMeanwhile  # the same request, handled by another unit of work: undo ours
        except BaseException:
            self.services.people.restore(people)
            raise
        for hook in self.after_commit:  # e.g. wake the outbox dispatcher: something may be queued
            hook()

    @staticmethod
    def _check_role(ctx: Ctx, roles: frozenset[Role], what: str) -> None:
        if ctx.member is None:
            return
        role = Role(ctx.member.role)
        if role not in roles:
            raise PermissionDenied(text.permission_denied(what, role, roles))

    def _apology(self, kind: str, name: str, actor: Actor, confidential: bool = False) -> Reply:
        return Reply.error(text.apology(self._logged(kind, name, actor, confidential)))

    @staticmethod
    def _logged(kind: str, name: str, actor: Actor, confidential: bool = False) -> str:
        """Log the exception being handled under a new reference, and return the reference."""
        ref = secrets.token_hex(3)
        if confidential:
            log.error("unhandled error in %s %s (ref %s): %s", kind, name, ref, _error_and_stack())
            return ref
        log.exception(
            "unhandled error in %s %s for %s:%s:%s (ref %s)",
            kind,
            name,
            actor.platform,
            actor.workspace,
            actor.user_id,
            ref,
        )
        return ref


class HandledMeanwhile(Exception):
    """The request's id was claimed by another unit of work while this one ran (a retry or a double
    click that arrived at the same moment): this one is rolled back and answered "Already done"."""


@dataclass(frozen=True)
class _Unit:
    """Who asks where, for :meth:`Core._in_unit`; ``kind`` and ``name`` name it in the log."""

    actor: Actor
    place: Place
    request_id: str | None
    needs_coalition: bool
    kind: str
    name: str
    confidential: bool = False
    strangers: bool = False  # open to people the coalition has not admitted yet (approval policy)
    element: str = ""  # the clicked element's (stamped) id: it names its coalition
    pending: Invocation | None = None  # the command, kept if the person must choose a coalition
    one_coalition: bool = True  # in the person's own place, it acts for one coalition (asked if unclear)


def admits_on_approval(ctx: Ctx) -> bool:
    """Whether the coalition of this context admits new members only on steering's approval."""
    return ctx.coalition is not None and ctx.coalition.settings.get("join_policy") == JOIN_APPROVAL


def _error_and_stack() -> str:
    """The exception being handled, for a log line that must not name the person: its type and
    where it was raised, without its text (a database error quotes its parameters, an account id
    among them)."""
    error = sys.exc_info()[1]
    stack = "".join(traceback.format_tb(error.__traceback__ if error else None))
    return f"{type(error).__name__}\n{stack}"
