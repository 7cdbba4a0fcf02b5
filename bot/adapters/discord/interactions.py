"""Every interaction, answered inside Discord's 3 seconds: commands, autocomplete, components, modals.

The rule: defer first, then follow up, except where a modal may have to open, because a modal can
only be the first answer (after a deferral it becomes a button that opens it). Where a modal may
open (help, a subcommand whose options are all empty and which opens its form, any button) the
core gets a short budget: answered directly when it is quick, deferred when it is not. One
catch-all handler reads every ``custom_id``, so buttons keep working after a restart without
views held in memory. Each command, click and modal submit is written down (its gateway payload)
before any answer goes to Discord, and forgotten once answered (:mod:`bot.core.intake`); a
process that dies in between leaves it to :mod:`bot.adapters.discord.intake`.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal, cast

import discord

from bot.adapters.discord import payloads as wire
from bot.adapters.discord.commands import CommandSet, option_type
from bot.adapters.discord.custom_ids import (
    ActionTarget,
    FormTarget,
    IdBook,
    OpenFormTarget,
    load_form,
    parse,
    prefilled,
    resolve,
)
from bot.adapters.discord.modals import FIX_FORM_LABEL, form_errors_reply, render_modal
from bot.adapters.discord.render import (
    OPEN_FORM_LABEL,
    POSTED_NOTE,
    OutgoingMessage,
    choices,
    render_reply,
    within_size_limit,
)
from bot.adapters.discord.translate import (
    PLATFORM,
    action_event,
    actor_of,
    command_call,
    form_submission,
    invocation,
    place_of,
)
from bot.core import text
from bot.core.i18n import _, language
from bot.core.intake import Intake, arrived
from bot.core.progress import interim
from bot.core.replay import Late, late_form_errors
from bot.core.services import Kept
from bot.core.ui import Reply, Visibility, discard_files

if TYPE_CHECKING:
    from bot.core.dispatch import Core

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
Deferral = Literal["thinking", "update"]
ALREADY_ACKNOWLEDGED = 40060
UNKNOWN_INTERACTION = 10062
# An interaction waits for its row at most this long after it arrived: what is left of the core's
# 1.5 s then still lets a reply that opens a modal answer first (Discord gives 3 s in all).
INTAKE_BUDGET = 1.0
KEPT = {  # what is written down before it is answered (an autocomplete is not: nobody waits for it later)
    discord.InteractionType.application_command: "command",
    discord.InteractionType.component: "action",
    discord.InteractionType.modal_submit: "form",
}


class Answer:
    """The answer to one interaction: direct, or deferred and followed up; remembers which."""

    def __init__(self, interaction: discord.Interaction[Any], core: Core) -> None:
        self.interaction = interaction
        self.core = core
        self.arrived = asyncio.get_running_loop().time()
        self.deferred: Deferral | None = None
        self.gone = False  # Discord no longer accepts an answer (answered already, or expired)
        # For a confidential command (flags): failures are logged by exception type only, and what
        # the person typed is never kept in the database.
        self.confidential = False
        # Run again after a restart (bot.adapters.discord.intake): which request it answers late.
        self.late: Late | None = None
        self._deferring = asyncio.Lock()  # a word of progress and the deferral may race: defer once

    async def run(self, work: Awaitable[Reply], budget: float) -> Reply:
        """Await the core; defer first when ``budget`` is 0, else once the budget (counted from the
        interaction's arrival, which includes writing it down) runs out."""
        task = asyncio.ensure_future(work)
        left = budget - (asyncio.get_running_loop().time() - self.arrived)
        if budget > 0 and left > 0:
            await asyncio.wait({task}, timeout=left)
        if not task.done():
            await self.defer()
        return await task

    async def defer(self) -> None:
        async with self._deferring:
            if not self.interaction.response.is_done() and not self.gone:
                await self._defer()

    async def _defer(self) -> None:
        interaction = self.interaction
        try:
            if interaction.message is not None and interaction.type in (
                discord.InteractionType.component,
                discord.InteractionType.modal_submit,
            ):
                await interaction.response.defer()  # type 6: nothing shows; the message can be edited
                self.deferred = "update"
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)  # type 5
                self.deferred = "thinking"
        except discord.HTTPException as error:
            self.gone = error.code in (ALREADY_ACKNOWLEDGED, UNKNOWN_INTERACTION)
            if self.gone:
                log.warning("Discord interaction %s cannot be answered: %s", interaction.id, error.text)
            else:
                log.exception("could not defer Discord interaction %s", interaction.id)

    @property
    def can_open_modal(self) -> bool:
        return (
            not self.interaction.response.is_done()
            and self.interaction.type is not discord.InteractionType.modal_submit
        )

    async def modal(self, form_reply: Reply) -> None:
        assert form_reply.form is not None
        ids = IdBook()
        modal = render_modal(form_reply.form, ids, lang=form_reply.lang)
        await ids.save(self.core.services.kept)
        await self.interaction.response.send_modal(modal)

    async def deliver(self, reply: Reply, *, form_button: str = OPEN_FORM_LABEL, hold_forms: bool = False) -> None:
        """Answer with the reply; ``hold_forms``: forms behind its buttons stay in memory only. Its
        files on disk (an export) are removed once sent or failed."""
        try:
            await self._deliver(reply, form_button=form_button, hold_forms=hold_forms)
        finally:
            discard_files(reply)

    async def tell(self, reply: Reply) -> None:
        """A private word before the answer (how far a long export has got): it takes the place of
        "thinking…", and the answer then takes its place."""
        await self.defer()
        if self.gone:
            return
        ids = IdBook()
        messages = render_reply(reply, ids)
        await ids.save(self.core.services.kept)
        if self.deferred == "thinking":
            await self.interaction.edit_original_response(**_edit(messages[0]))
        else:
            await self.interaction.followup.send(**send_kwargs(messages[0]), ephemeral=True)

    async def _deliver(self, reply: Reply, *, form_button: str, hold_forms: bool) -> None:
        if self.gone:
            return
        if reply.form is not None and self.can_open_modal:
            await self.modal(reply)
            return
        ids = IdBook()
        messages = render_reply(reply, ids, form_button=form_button)
        within_size_limit(messages, self.interaction.filesize_limit, lang=reply.lang)
        await ids.save(self.core.services.kept, hold_forms=hold_forms)
        private = reply.visibility is Visibility.PRIVATE
        first, rest = messages[0], messages[1:]
        interaction = self.interaction
        edits_message = reply.replace_original and interaction.message is not None
        if not interaction.response.is_done():
            if edits_message:
                await interaction.response.edit_message(**_edit(first))
            else:
                await interaction.response.send_message(**send_kwargs(first), ephemeral=private)
        elif self.deferred == "thinking":
            if private:
                await interaction.edit_original_response(**_edit(first))
            else:
                # The placeholder of an ephemeral deferral stays ephemeral; resolve it, then post.
                with language(reply.lang):
                    posted = _(POSTED_NOTE)
                await interaction.edit_original_response(
                    content=posted, embeds=[], attachments=[], view=None, allowed_mentions=NO_MENTIONS
                )
                await interaction.followup.send(**send_kwargs(first), ephemeral=False)
        elif edits_message:
            await interaction.edit_original_response(**_edit(first))
        else:
            await interaction.followup.send(**send_kwargs(first), ephemeral=private)
        for message in rest:
            await interaction.followup.send(**send_kwargs(message), ephemeral=private)

    async def written(self, write: Callable[[], Reply]) -> Reply:
        """A reply the adapter writes itself, in the person's language."""
        interaction = self.interaction
        return await self.core.written_for(
            actor_of(interaction), place_of(interaction), write, confidential=self.confidential
        )

    def failed(self, what: str) -> str:
        """Log the exception being handled under a new reference, and return the reference. For a
        confidential command only the exception's type: its text may quote what the person typed."""
        ref = secrets.token_hex(3)
        interaction = self.interaction
        if self.confidential:
            log.error("%s %s failed (ref %s): %s", what, interaction.id, ref, type(sys.exc_info()[1]).__name__)
        else:
            log.exception("%s %s (type %s) failed (ref %s)", what, interaction.id, interaction.type, ref)
        return ref

    async def apologise(self, ref: str) -> None:
        """A short private apology with the reference of the log line: ephemeral, and nothing of what
        the person typed (the reply is the core's apology sentence alone)."""
        try:
            await self.deliver(await self.written(lambda: Reply.error(text.apology(ref))))
        except Exception:
            self.failed("could not answer Discord interaction")


def send_kwargs(message: OutgoingMessage) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embeds": message.embeds, "allowed_mentions": NO_MENTIONS}
    if message.content is not None:
        kwargs["content"] = message.content
    view = message.view()
    if view is not None:
        kwargs["view"] = view
    files = message.files()
    if files:
        kwargs["files"] = files
    return kwargs


def _edit(message: OutgoingMessage) -> dict[str, Any]:
    return {
        "content": message.content,
        "embeds": message.embeds,
        "attachments": message.files(),
        "view": message.view(),
        "allowed_mentions": NO_MENTIONS,
    }


class InteractionHandler:
    """Routes each interaction to the core and answers it; counts work in flight for shutdown."""

    def __init__(self, core: Core, commands: CommandSet, *, modal_budget: float = 1.5) -> None:
        self.core = core
        self.kept = core.services.kept
        self.commands = commands
        self.modal_budget = modal_budget  # seconds the core may take where a modal may have to open
        self.intake = Intake(core.db, core.clock, PLATFORM)  # interactions kept until answered (a crash)
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @asynccontextmanager
    async def tracked(self) -> AsyncIterator[None]:
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def handle(self, interaction: discord.Interaction[Any], payload: dict[str, Any] | None = None) -> None:
        """Answer an interaction; ``payload`` (what the gateway sent) is written down first, before
        any answer goes to Discord, and forgotten once the answer went out (bot.core.intake)."""
        async with self.tracked():
            answer = Answer(interaction, self.core)  # its budget counts from here
            entry = None
            kind = KEPT.get(interaction.type)
            if payload is not None and kind is not None:
                arrived(answer.arrived)
                entry = await self.intake.receive(
                    kind, str(interaction.id), payload, keep=await self.keeps(interaction), budget=INTAKE_BUDGET
                )
            await self.answer(answer)
            await self.intake.answered(entry)  # not reached when the process dies

    async def keeps(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether the interaction may be written down: never a confidential command's (what a flag's
        reporter typed, or clicked on its way). A stored long id or a button opening a stored form
        is looked up to know; if that fails (the database is down) it is not written down, and is
        answered all the same."""
        if not self.confidential(interaction):
            return True
        if interaction.type not in (discord.InteractionType.component, discord.InteractionType.modal_submit):
            return False
        try:
            target = await resolve(_custom_id(interaction), self.kept)
            if isinstance(target, FormTarget):
                return not self.core.registry.is_confidential(form_id=target.form_id)
            return target is not None and not await self.component_is_confidential(target)
        except Exception as error:
            log.warning("could not tell whether Discord interaction %s may be kept: %r", interaction.id, error)
            return False

    async def answer(self, answer: Answer) -> None:
        """Route the interaction to the core and answer it (live, or run again after a restart)."""
        interaction = answer.interaction
        answer.confidential = self.confidential(interaction)
        try:
            kind = interaction.type
            if kind is discord.InteractionType.application_command:
                await self.command(answer)
            elif kind is discord.InteractionType.autocomplete:
                await self.autocomplete(interaction)
            elif kind is discord.InteractionType.component:
                await self.component(answer)
            elif kind is discord.InteractionType.modal_submit:
                await self.modal_submit(answer)
        except Exception:
            ref = answer.failed("Discord interaction")
            if interaction.type is not discord.InteractionType.autocomplete:
                await answer.apologise(ref)

    def confidential(self, interaction: discord.Interaction[Any]) -> bool:
        """Whether the interaction belongs to a confidential command, as far as its payload says
        (a command's name, a modal's form id, a button's action id); a stored long id counts as
        confidential until it is resolved, so a failure before that logs no more than the type."""
        data: dict[str, Any] = dict(interaction.data or {})
        registry = self.core.registry
        if interaction.type in (discord.InteractionType.application_command, discord.InteractionType.autocomplete):
            return registry.is_confidential(command=str(data.get("name", "")))
        target = parse(str(data.get("custom_id", "")))
        if isinstance(target, FormTarget):
            return registry.is_confidential(form_id=target.form_id)
        if isinstance(target, ActionTarget):
            return registry.is_confidential(action_id=target.action_id)
        return True

    async def component_is_confidential(self, target: object) -> bool:
        """A button of a confidential command, or one that opens a confidential form."""
        if isinstance(target, ActionTarget):
            return self.core.registry.is_confidential(action_id=target.action_id)
        form_id = await _form_of(target, self.kept)
        return form_id is not None and self.core.registry.is_confidential(form_id=form_id)

    async def drain(self) -> None:
        """Wait until every interaction that arrived has been answered."""
        await self._idle.wait()

    async def command(self, answer: Answer) -> None:
        interaction = answer.interaction
        call = command_call(cast(wire.CommandData, interaction.data or {}))
        inv = invocation(interaction, call, self.commands)
        sub = self.commands.route(call.command, call.path)
        empty = not any(v not in (None, "") for v in call.options.values())
        instant = self.commands.is_help(call.command, call.path) or (sub is not None and sub.opens_form and empty)
        with interim(answer.tell):  # a long export says how far it has got
            reply = await answer.run(self.core.run_command(inv), budget=self.modal_budget if instant else 0)
        await answer.deliver(reply)

    async def autocomplete(self, interaction: discord.Interaction[Any]) -> None:
        call = command_call(cast(wire.CommandData, interaction.data or {}))
        sub = self.commands.route(call.command, call.path)
        param = next((p for p in sub.params if p.name == call.focused), None) if sub else None
        if param is None or not param.autocomplete:
            await interaction.response.autocomplete([])
            return
        partial = str(call.options.get(param.name) or "")
        options = await self.core.complete(param.autocomplete, actor_of(interaction), place_of(interaction), partial)
        await interaction.response.autocomplete(choices(options, option_type(param)))

    async def component(self, answer: Answer) -> None:
        interaction = answer.interaction
        target = await resolve(_custom_id(interaction), self.kept)
        answer.confidential = await self.component_is_confidential(target)
        if isinstance(target, ActionTarget):
            event = action_event(interaction, target.action_id, target.value)
            reply = await answer.run(self.core.run_action(event), budget=self.modal_budget)
            await answer.deliver(reply)
            return
        form = await load_form(target.form_key, self.kept) if isinstance(target, OpenFormTarget) else None
        await answer.deliver(
            await answer.written(lambda: Reply.open_form(form) if form else Reply.error(_(text.STALE_BUTTON)))
        )

    async def modal_submit(self, answer: Answer) -> None:
        interaction = answer.interaction
        target = await resolve(_custom_id(interaction), self.kept)
        if not isinstance(target, FormTarget):
            await answer.deliver(await answer.written(lambda: Reply.error(_(text.STALE_BUTTON))))
            return
        answer.confidential = self.core.registry.is_confidential(form_id=target.form_id)
        submission = form_submission(interaction, target.form_id, target.state)
        reply = await answer.run(self.core.submit_form(submission), budget=0)
        if reply.form_errors:
            form = await load_form(target.form_key, self.kept)
            again = prefilled(form, submission.values) if form is not None else None
            errors = form_errors_reply(reply.form_errors, again, lang=reply.lang)
            if answer.late is not None:  # the modal closed before a restart: say that nothing was saved
                mistakes = reply.form_errors
                labels = {f.name: f.label for f in again.fields} if again is not None else {}
                errors = await answer.written(lambda: late_form_errors(mistakes, labels, again))
                answer.late = None  # it says which form it answers
            # A confidential form, prefilled with what the person typed, stays out of the database.
            await answer.deliver(errors, form_button=FIX_FORM_LABEL, hold_forms=answer.confidential)
            return
        await answer.deliver(reply)


async def _form_of(target: object, kept: Kept) -> str | None:
    if isinstance(target, FormTarget):
        return target.form_id
    if isinstance(target, OpenFormTarget):
        form = await load_form(target.form_key, kept)
        return form.form_id if form is not None else None
    return None


def _custom_id(interaction: discord.Interaction[Any]) -> str:
    data: dict[str, Any] = dict(interaction.data or {})
    return str(data.get("custom_id", ""))
