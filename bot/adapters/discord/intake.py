"""Discord interactions a process deferred and died before answering (:mod:`bot.core.intake`), run
and answered when the bot starts again. Each is rebuilt as a discord.py ``Interaction`` from the
payload the gateway sent (kept whole, with its token and application id) and goes through the same
handler as a live one, so the request the core runs is built by the same code; the core has
claimed the interaction's id, so what was done before the crash is answered as such, not done
twice. The answer goes as a follow-up (``POST /webhooks/{application_id}/{token}``) while the
token is valid (15 minutes, and only if the interaction was acknowledged before the crash), else
in the channel for a public answer (as on Slack), and for a private one as a direct message that
says which request it answers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, cast

import discord

from bot.adapters.discord import payloads as wire
from bot.adapters.discord.custom_ids import IdBook
from bot.adapters.discord.interactions import NO_MENTIONS, Answer, InteractionHandler, send_kwargs
from bot.adapters.discord.render import OPEN_FORM_LABEL, POSTED_NOTE, render_reply, within_size_limit
from bot.adapters.discord.translate import command_call
from bot.core.dispatch import Core
from bot.core.i18n import _, language
from bot.core.replay import Late, introduced
from bot.core.ui import Reply, Visibility, discard_files

log = logging.getLogger(__name__)

TOKEN_LIFE = timedelta(minutes=14)  # Discord honours an interaction token for 15 minutes
MOST_TRIES = 3  # an interaction that failed this many replays is dropped (logged), not retried forever
UNKNOWN_WEBHOOK = 10015  # the token is not (or no longer) valid: never acknowledged, or expired
INVALID_WEBHOOK_TOKEN = 50027


class LateAnswer(Answer):
    """The answer to an interaction the process that died received: the response slot is gone
    (the dead process deferred it, or Discord gave up on it after 3 seconds), so nothing is
    deferred and no modal opens; the reply goes as follow-ups while the token is valid, else (or
    when Discord refuses the token) in the channel or by direct message (:meth:`direct`)."""

    def __init__(self, interaction: discord.Interaction[Any], core: Core, *, followup: bool) -> None:
        super().__init__(interaction, core)
        self.followup = followup
        self.late = late_of(interaction)
        self.deferred = (  # what the dead process deferred, if it got that far
            "update"
            if interaction.message is not None
            and interaction.type in (discord.InteractionType.component, discord.InteractionType.modal_submit)
            else "thinking"
        )
        self.by = ""  # how it was answered: "followup" or "direct"

    async def defer(self) -> None:
        """The process that died deferred it, if anyone could."""

    @property
    def can_open_modal(self) -> bool:
        return False

    async def tell(self, reply: Reply) -> None:
        """No word of progress: the answer is late already, and comes in one piece."""

    async def deliver(self, reply: Reply, *, form_button: str = OPEN_FORM_LABEL, hold_forms: bool = False) -> None:
        try:
            if self.followup and await self.follow_up(reply, form_button, hold_forms):
                self.by = "followup"
                return
            await self.direct(reply, form_button, hold_forms)
            self.by = "direct"
        finally:
            discard_files(reply)  # an export's files on disk, once sent or failed

    async def follow_up(self, reply: Reply, form_button: str, hold_forms: bool) -> bool:
        """Follow-ups through the interaction's token; False if Discord does not take the token."""
        interaction = self.interaction
        ids = IdBook()
        messages = render_reply(reply, ids, form_button=form_button)
        within_size_limit(messages, interaction.filesize_limit, lang=reply.lang)
        await ids.save(self.core.services.kept, hold_forms=hold_forms)
        private = reply.visibility is Visibility.PRIVATE
        first = True
        try:
            if not private and self.deferred == "thinking":
                # An ephemeral deferral's placeholder takes the first follow-up and stays ephemeral.
                with language(reply.lang):
                    posted = _(POSTED_NOTE)
                await interaction.followup.send(content=posted, ephemeral=True, allowed_mentions=NO_MENTIONS)
                first = False
            for message in messages:
                await interaction.followup.send(**send_kwargs(message), ephemeral=private)
                first = False
        except discord.HTTPException as error:
            if not first or error.code not in (UNKNOWN_WEBHOOK, INVALID_WEBHOOK_TOKEN):
                raise
            log.info("Discord interaction %s: its token is not valid (%s); answering by DM", interaction.id, error.code)
            return False
        return True

    async def direct(self, reply: Reply, form_button: str, hold_forms: bool) -> None:
        """Past the token: a reply meant for the channel goes to the channel (as everyone would have
        seen it), else (a private one, or a channel the bot cannot post in) a direct message, first
        saying which request it answers."""
        interaction = self.interaction
        if reply.visibility is not Visibility.PRIVATE and interaction.guild_id and interaction.channel_id:
            ids = IdBook()
            messages = render_reply(reply, ids, form_button=form_button)
            await ids.save(self.core.services.kept, hold_forms=hold_forms)
            target = interaction.client.get_partial_messageable(interaction.channel_id, guild_id=interaction.guild_id)
            try:
                for message in messages:
                    await target.send(**send_kwargs(message))
                return
            except discord.HTTPException as error:
                log.info("Discord interaction %s: its channel refused the late answer (%s)", interaction.id, error.code)
        if self.late is not None:
            with language(reply.lang):
                reply = introduced(reply, self.late)
        ids = IdBook()
        messages = render_reply(reply, ids, form_button=form_button)
        await ids.save(self.core.services.kept, hold_forms=hold_forms)
        channel = await interaction.client.create_dm(interaction.user)
        for message in messages:
            await channel.send(**send_kwargs(message))


def late_of(interaction: discord.Interaction[Any]) -> Late:
    """Which request: a command by its name and subcommand (never its options), a click, a form."""
    if interaction.type is discord.InteractionType.application_command:
        call = command_call(cast(wire.CommandData, interaction.data or {}))
        return Late("command", " ".join((f"/{call.command}", *call.path)))
    if interaction.type is discord.InteractionType.modal_submit:
        return Late("form")
    return Late("action")


async def answer_unanswered(handler: InteractionHandler, client: discord.Client, now: datetime) -> int:
    """Run and answer every interaction left unanswered by a process that died; returns how many."""
    answered = 0
    for request in await handler.intake.unanswered():
        if request.attempts > MOST_TRIES or request.kind not in ("command", "action", "form"):
            log.error("dropping Discord %s %s after %d replays", request.kind, request.id, request.attempts - 1)
            await handler.intake.answered(request.id)
            continue
        try:
            interaction: discord.Interaction[Any] = discord.Interaction(
                data=cast(Any, request.payload),
                state=client._connection,  # the state a gateway interaction is built with
            )
            answer = LateAnswer(interaction, handler.core, followup=now - request.received_at < TOKEN_LIFE)
            async with handler.tracked():
                await handler.answer(answer)
        except Exception:
            log.exception("could not answer Discord %s %s after a restart", request.kind, request.id)
            continue
        await handler.intake.answered(request.id)
        answered += 1
    if answered:
        log.warning("answered %d Discord interaction(s) left unanswered by a process that stopped", answered)
    return answered
