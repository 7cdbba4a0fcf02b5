"""Every Slack request, acknowledged inside Slack's 3 seconds: commands, clicks, forms, the Home tab.

Commands and clicks are acknowledged first (an empty 200), then the core runs and the answer goes
out through the ``response_url`` (ephemeral or in the channel), ``chat.update`` for a clicked
channel message that the answer replaces, or ``views.open`` for a form (the ``trigger_id`` lives
3 seconds). A form submission is different: Slack reads the answer from the acknowledgement itself
(``response_action: errors`` shows messages next to the fields), so the core gets up to
``form_budget`` seconds before the modal is closed and the answer is posted instead.

Bolt runs each listener as a task of the server's event loop and returns the HTTP response as soon
as ``ack()`` is called (``process_before_response=False``); ``drain`` waits for listeners in flight.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.errors import error_code
from bot.adapters.slack.files import upload
from bot.adapters.slack.home import HomeTab
from bot.adapters.slack.ids import (
    FORM_CALLBACK,
    OPEN_FORM,
    ModalMeta,
    Stash,
    load_form,
    modal_meta,
    neutral_action_id,
    unstash,
)
from bot.adapters.slack.messenger import open_dm, post_message
from bot.adapters.slack.people import People, Person
from bot.adapters.slack.render import (
    SlackMessage,
    form_errors,
    render_modal,
    render_reply,
    submitted_values,
)
from bot.adapters.slack.translate import (
    PLATFORM,
    Origin,
    Payload,
    action_event,
    actor_of,
    clicked,
    command_origin,
    form_submission,
    interaction_origin,
    invocation,
    place_of,
)
from bot.adapters.slack.web import retry_handlers
from bot.core import text
from bot.core.dispatch import Core
from bot.core.i18n import N_, _, language
from bot.core.intake import Intake
from bot.core.progress import interim
from bot.core.replay import late_form_errors
from bot.core.ui import Form, Reply, Visibility, discard_files

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[None]]
FORM_BUDGET = 2.5
FORM_INTAKE_BUDGET = 0.5  # a form's row waited for before its FORM_BUDGET: its ack within Slack's 3 s
WORKERS = 4
FORM_GONE = N_("This form is no longer active. Run the command again to get a fresh one.")


class SlackInteractions:
    def __init__(
        self,
        core: Core,
        people: People,
        *,
        form_budget: float = FORM_BUDGET,
        workers: int = WORKERS,
        home_delay: float | None = None,
    ) -> None:
        self.core = core
        self.people = people
        self.home = HomeTab(core) if home_delay is None else HomeTab(core, delay=home_delay)
        self.kept = core.services.kept
        self.form_budget = form_budget
        self.intake = Intake(core.db, core.clock, PLATFORM)  # requests kept until answered (a crash)
        # Work after the ack takes turns, so a burst of requests still gets every ack out at once
        # (Slack's 3 seconds) instead of every request sharing the event loop with all the others.
        self._turns = asyncio.Semaphore(workers)
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def register(self, app: AsyncApp) -> None:
        app.middleware(skip_retried_events)
        for command in self.core.registry:
            app.command(f"/{command.name}")(self.command)
        app.action(re.compile(r".+"))(self.action)
        app.view_submission(FORM_CALLBACK)(
            self.intake.kept(
                "form", form_key, self.view_submission, keep=self.form_not_confidential, budget=FORM_INTAKE_BUDGET
            )
        )
        app.view_closed(FORM_CALLBACK)(acknowledge)
        app.event("app_home_opened")(self.home_opened)

    async def form_not_confidential(self, body: Payload) -> bool:
        """Whether a submitted form may be written to the intake (not a confidential command's)."""
        meta = await modal_meta(str((body.get("view") or {}).get("private_metadata") or ""), self.kept)
        return meta is not None and not self.core.registry.is_confidential(form_id=meta.form_id)

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

    async def drain(self) -> None:
        """Wait until every request that arrived has been answered (and Home tabs refreshed)."""
        await self._idle.wait()
        await self.home.drain()

    def refresh_home(self, client: AsyncWebClient, workspace: str, user: str) -> None:
        """Something changed for this person (a private message to them): their Home tab soon."""

        async def publish() -> None:
            origin = Origin(team=workspace, channel="", user=user, user_name="", user_team=workspace)
            await self.home.publish(client, actor_of(origin, await self.person(client, origin)))

        self.home.soon((workspace, user), publish)

    # listeners -------------------------------------------------------------------------------

    async def command(self, ack: Ack, body: Payload, client: AsyncWebClient) -> None:
        async with self.tracked():
            secret = self.core.registry.is_confidential(command=str(body.get("command", "")))
            entry = await self.intake.receive("command", str(body.get("trigger_id") or ""), body, keep=not secret)
            await ack()
            origin = command_origin(body)
            confidential = self.core.registry.is_confidential(command=str(body.get("command", "")))
            person: Person | None = None
            async with self._turns:
                try:
                    person = await self.person(client, origin, remember=not confidential)
                    with interim(lambda word: self.tell(client, origin, word)):  # a long export's progress
                        reply = await self.core.run_command(invocation(body, origin, person))
                    await self.deliver(client, origin, reply)
                except Exception:
                    await self.apologise(
                        client, origin, person, f"command {body.get('command')}", confidential=confidential
                    )
            await self.intake.answered(entry)

    async def action(self, ack: Ack, body: Payload, client: AsyncWebClient) -> None:
        async with self.tracked():
            entry = await self.intake.receive("action", str(body.get("trigger_id") or ""), body)
            await ack()
            origin = interaction_origin(body)
            action: Payload = (body.get("actions") or [{}])[0]
            person: Person | None = None
            await self._turns.acquire()
            try:
                person = await self.person(client, origin)
                action_id = await unstash(neutral_action_id(str(action.get("action_id", ""))), self.kept)
                value = await unstash(clicked(action), self.kept)
                if action_id is not None and value is not None and action_id != OPEN_FORM:
                    reply = await self.core.run_action(action_event(origin, person, action, action_id, value))
                else:
                    form = await load_form(value, self.kept) if action_id == OPEN_FORM and value else None
                    reply = await self.core.written_for(
                        actor_of(origin, person),
                        place_of(origin),
                        lambda: Reply.open_form(form) if form is not None else Reply.error(_(text.STALE_BUTTON)),
                    )
                await self.deliver(client, origin, reply)
                if (body.get("view") or {}).get("type") == "home":  # clicked on the Home tab: show what is left
                    await self.home.publish(client, actor_of(origin, person))
            except Exception:
                await self.apologise(client, origin, person, f"action {action.get('action_id')}")
            finally:
                self._turns.release()
            await self.intake.answered(entry)

    async def view_submission(
        self, ack: Ack, body: Payload, client: AsyncWebClient, *, late: bool = False, expired: bool = False
    ) -> None:
        """``late``: run again after a restart (:mod:`bot.adapters.slack.intake`): the modal closed
        long ago, so what would be shown in it (mistakes next to the fields, a next form) is sent
        to the person instead, by ``response_url`` (unless ``expired``) or direct message."""
        async with self.tracked():
            view: Payload = body.get("view") or {}
            state: Payload = view.get("state") or {}
            fields = list((state.get("values") or {}).keys())
            meta = await modal_meta(str(view.get("private_metadata") or ""), self.kept)
            if meta is None:
                origin = interaction_origin(body)
                person = await self.person(client, origin)
                with language(await self.core.language_of(actor_of(origin, person), place_of(origin))):
                    gone = _(FORM_GONE)
                if late:
                    await self.deliver(client, privately(origin), Reply.error(gone))
                    return
                await ack(response_action="errors", errors=form_errors({"_": gone}, fields))
                return
            origin = interaction_origin(body, channel=meta.channel)
            origin = dataclasses.replace(origin, team=meta.team, response_url="" if expired else meta.response_url)
            confidential = self.core.registry.is_confidential(form_id=meta.form_id)
            person = await self.person(client, origin, remember=not confidential)
            acked = False

            async def answer(**kwargs: Any) -> None:
                nonlocal acked
                acked = True
                await ack(**kwargs)

            try:
                values = await self.unstash_selects(submitted_values(state), state)
                work = asyncio.ensure_future(
                    self.core.submit_form(form_submission(view, origin, person, meta.form_id, meta.state, values))
                )
                if late:  # nobody waits for the modal any more
                    await self.deliver_late_form(client, origin, person, await work, view, confidential=confidential)
                    return
                done, _pending = await asyncio.wait({work}, timeout=self.form_budget)
                if not done:
                    await answer()
                    await self.deliver(client, origin, await work)
                    return
                reply = work.result()
                if reply.form_errors:
                    await answer(response_action="errors", errors=form_errors(reply.form_errors, fields))
                elif reply.form is not None:
                    stash = Stash()
                    again = render_modal(reply.form, self.meta(reply.form, origin), stash, lang=reply.lang)
                    await stash.save(self.kept)
                    await answer(response_action="update", view=again)
                else:
                    await answer()
                    await self.deliver(client, origin, reply)
            except Exception:  # logged (for a confidential form by type only) and apologised for
                if not acked:
                    await ack()
                await self.apologise(client, origin, person, f"form {meta.form_id}", confidential=confidential)

    async def home_opened(self, event: Payload, body: Payload, client: AsyncWebClient) -> None:
        if event.get("tab") != "home":
            return
        async with self.tracked(), self._turns:
            user = str(event.get("user", ""))
            team = str(body.get("team_id", ""))
            origin = Origin(team=team, channel="", user=user, user_name="", user_team=team)
            person = await self.person(client, origin)
            await self.home.publish(client, actor_of(origin, person))

    # helpers ---------------------------------------------------------------------------------

    async def deliver_late_form(
        self, client: AsyncWebClient, origin: Origin, person: Person, reply: Reply, view: Payload, *, confidential: bool
    ) -> None:
        """A form's answer after a restart: its mistakes (nothing was saved) reach the person
        through the ``response_url`` or a direct message, a next form as a button that opens it."""
        errors = reply.form_errors
        if not errors:
            await self.deliver(client, dataclasses.replace(origin, trigger_id=""), reply)
            return
        labels = {
            str(block.get("block_id")): str((block.get("label") or {}).get("text") or "")
            for block in view.get("blocks") or []
            if block.get("type") == "input"
        }
        mistakes = await self.core.written_for(
            actor_of(origin, person),
            place_of(origin),
            lambda: late_form_errors(errors, labels),
            confidential=confidential,
        )
        await self.deliver(client, privately(origin), mistakes)

    async def person(self, client: AsyncWebClient, origin: Origin, *, remember: bool = True) -> Person:
        return await self.people.lookup(
            client, origin.user, name=origin.user_name, team=origin.user_team, remember=remember
        )

    async def unstash_selects(self, values: dict[str, str], state: Payload) -> dict[str, str]:
        for block_id, actions in (state.get("values") or {}).items():
            item: Payload = next(iter(actions.values()), {}) if isinstance(actions, dict) else {}
            if item.get("type") == "static_select" and values.get(block_id):
                values[block_id] = await unstash(values[block_id], self.kept) or ""
        return values

    @staticmethod
    def meta(form: Form, origin: Origin) -> ModalMeta:
        return ModalMeta(form.form_id, form.state, origin.team, origin.channel, origin.response_url)

    async def deliver(self, client: AsyncWebClient, origin: Origin, reply: Reply) -> None:
        """Send the reply; its files on disk (an export) are removed once sent or failed."""
        try:
            if reply.form is not None and origin.trigger_id and await self.open_modal(client, origin, reply):
                return
            stash = Stash()
            messages = render_reply(reply, stash)
            await stash.save(self.kept)
            public = reply.visibility is Visibility.CHANNEL
            for index, message in enumerate(messages):
                await self.send(client, origin, message, public=public, replace=index == 0 and reply.replace_original)
                if message.files:
                    await self.send_files(client, origin, message, public=public)
        finally:
            discard_files(reply)

    async def tell(self, client: AsyncWebClient, origin: Origin, reply: Reply) -> None:
        """A private word before the answer (how far a long export has got)."""
        stash = Stash()
        messages = render_reply(reply, stash)
        await stash.save(self.kept)
        for message in messages:
            await self.send(client, origin, message, public=False, replace=False)

    async def open_modal(self, client: AsyncWebClient, origin: Origin, reply: Reply) -> bool:
        assert reply.form is not None
        stash = Stash()
        view = render_modal(reply.form, self.meta(reply.form, origin), stash, lang=reply.lang)
        await stash.save(self.kept)
        try:
            await client.views_open(trigger_id=origin.trigger_id, view=view)
        except SlackApiError as error:
            # e.g. expired_trigger_id: the answer came too late; offer a button that opens it.
            log.warning("views.open failed (%s); sending a button instead", error_code(error) or "unreadable answer")
            return False
        return True

    async def send(
        self, client: AsyncWebClient, origin: Origin, message: SlackMessage, *, public: bool, replace: bool
    ) -> None:
        if replace and origin.message_ts and origin.channel and not origin.ephemeral:
            await client.chat_update(
                channel=origin.channel, ts=origin.message_ts, blocks=message.blocks, text=message.text
            )
            return
        if origin.response_url:
            body: dict[str, Any] = {
                "blocks": message.blocks,
                "text": message.text,
                "response_type": "in_channel" if public else "ephemeral",
                "replace_original": replace and bool(origin.message_ts),
            }
            if await respond(origin.response_url, body):
                return
        if public and origin.channel:
            await post_message(client, origin.channel, message)
            return
        if origin.channel:
            try:
                await client.chat_postEphemeral(
                    channel=origin.channel, user=origin.user, blocks=message.blocks, text=message.text
                )
                return
            except SlackApiError as error:
                log.info(
                    "chat.postEphemeral failed (%s); sending a direct message", error_code(error) or "unreadable answer"
                )
        await post_message(client, await open_dm(client, origin.user), message)

    async def send_files(self, client: AsyncWebClient, origin: Origin, message: SlackMessage, *, public: bool) -> None:
        """Files for the channel go to the channel; files for one person to a direct message."""
        try:
            channel = origin.channel if public and origin.channel else await open_dm(client, origin.user)
            await upload(client, channel, message.files)
        except SlackApiError as error:
            log.warning("file upload failed: %s", error_code(error) or "unreadable answer")

    async def apologise(
        self, client: AsyncWebClient, origin: Origin, person: Person | None, what: str, *, confidential: bool = False
    ) -> None:
        """Say sorry, in the person's language when they are known (else the workspace default)."""
        ref = secrets.token_hex(3)
        if confidential:  # who asked stays out of the log; the reference ties it to their apology
            log.error("Slack %s failed (ref %s): %s", what, ref, type(sys.exc_info()[1]).__name__)
        else:
            log.exception("Slack %s from %s:%s failed (ref %s)", what, origin.team, origin.user, ref)
        try:
            person = person or Person(origin.user, origin.user_team, origin.user_name or origin.user)
            reply = await self.core.written_for(
                actor_of(origin, person),
                place_of(origin),
                lambda: Reply.error(text.apology(ref)),
                confidential=confidential,
            )
            await self.deliver(client, origin, reply)
        except Exception as error:
            if confidential:  # its text may quote what the person typed (a flag): the type only
                log.error("could not answer Slack %s (ref %s): %s", what, ref, type(error).__name__)
            else:
                log.exception("could not answer Slack %s (ref %s)", what, ref)


async def respond(response_url: str, body: dict[str, Any]) -> bool:
    """Answer through a ``response_url`` (valid 30 minutes, 5 times); False if Slack refused."""
    try:
        response = await AsyncWebhookClient(response_url, retry_handlers=retry_handlers()).send_dict(body)
    except Exception:
        log.warning("response_url unreachable", exc_info=True)
        return False
    if response.status_code != 200:
        log.warning("response_url answered %s: %s", response.status_code, response.body)
        return False
    return True


async def skip_retried_events(
    req: AsyncBoltRequest, resp: BoltResponse, body: Payload, next: Callable[[], Awaitable[None]]
) -> BoltResponse:
    """Slack retries an event it thinks was not received; the first delivery was handled."""
    if body.get("type") == "event_callback" and req.headers.get("x-slack-retry-num"):
        return BoltResponse(status=200, body="")
    await next()
    return resp


def privately(origin: Origin) -> Origin:
    """Where a late form's answer goes: its ``response_url`` if any, else a direct message (not an
    ephemeral message in a channel the person may not be looking at, nor a modal long closed)."""
    return dataclasses.replace(origin, channel="", trigger_id="")


def form_key(body: Payload) -> str:
    return f"view:{(body.get('view') or {}).get('id', '')}"


async def acknowledge(ack: Ack) -> None:
    await ack()


__all__ = ["PLATFORM", "SlackInteractions"]
