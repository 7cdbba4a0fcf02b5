"""The console adapter: reads lines, turns them into invocations, prints neutral replies.

``/command ...`` runs a command; a number clicks a button of the last reply; ``:as NAME`` acts as
someone else; ``:channel NAME`` moves to another channel; ``:dm`` to the person's direct messages
with the bot (their own place, SPEC §2: private messages to them can be clicked there); ``:lang es`` changes the language the
console reports as the person's own (``--lang`` at start, as a platform locale would); ``:help``
and ``:quit``. Forms become one prompt per field. A channel whose name starts with ``private-``
(``:channel private-handlers``) is what the console calls private (the private flag channel of
``/coalition settings`` must be one); every other channel is public. When standard input is not a terminal, lines
are read as a script. Replies and the prompts of their forms are in the reply's language; the
console's own lines in the console's language.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.adapters.console.messenger import ConsoleMessenger
from bot.adapters.console.render import Choice, render
from bot.core import text
from bot.core.context import ActionEvent, Actor, FormSubmission, Invocation, Place
from bot.core.delivery import ChannelInfo
from bot.core.dispatch import Core
from bot.core.i18n import N_, _, language, normalize
from bot.core.progress import interim
from bot.core.ui import Form, FormField, Image, Reply, discard_files

PLATFORM = "console"
WORKSPACE = "local"
NAME_RE = re.compile(r"^[\w.\-]{1,40}$")
PRIVATE_PREFIX = "private-"  # console channels named so are private ones


class ConsoleChannels:
    """The console's channels, for ``core.services.channels``: any valid name is a channel (it
    exists once someone moves there), private when it starts with ``private-``."""

    async def channel_info(self, workspace: str, channel: str, *, by_name: bool = False) -> ChannelInfo | None:
        name = channel.lstrip("#")
        if workspace != WORKSPACE or not NAME_RE.match(name):
            return None
        return ChannelInfo(name, name, name.lower().startswith(PRIVATE_PREFIX))


CONSOLE_HELP = N_(
    """Console commands:
  /coalition help, /goal help, /checkin help   the bot's commands (as in Slack)
  1, 2, ...                                     click a numbered button of the last reply
  :as NAME                                      act as another person (e.g. :as bob)
  :channel NAME                                 move to another channel (e.g. :channel outreach)
  :dm                                           your direct messages with the bot
  :lang CODE                                    your language: en, es or fr (e.g. :lang es)
  :whoami   :help   :quit"""
)


class Console:
    def __init__(
        self,
        core: Core,
        *,
        user: str = "you",
        channel: str = "general",
        out: TextIO | None = None,
        files_dir: Path | None = None,
        read_line: Callable[[str], str | None] | None = None,
        locale: str | None = None,
    ) -> None:
        self.core = core
        core.services.channels.register(PLATFORM, ConsoleChannels())
        self.user = user
        self.channel = channel
        self.direct = False  # in the person's direct messages with the bot, not a channel
        self.locale = normalize(locale)  # the console's "platform locale", as --lang or :lang set it
        self.out = out or sys.stdout
        self.files_dir = files_dir or Path.cwd() / "coalition-bot-files"
        self.read_line = read_line or _stdin_line
        self.choices: list[Choice] = []
        self.after: Callable[[], Awaitable[object]] | None = None  # e.g. deliver the outbox
        self.lines_written = 0
        self.busy = asyncio.Lock()  # a line (with its forms) and the due work never interleave

    @property
    def prompt(self) -> str:
        return f"{self.user}@dm> " if self.direct else f"{self.user}@#{self.channel}> "

    @property
    def actor(self) -> Actor:
        return Actor(PLATFORM, WORKSPACE, self.user.lower(), self.user, locale=self.locale)

    @property
    def place(self) -> Place:
        if self.direct:
            return Place(PLATFORM, WORKSPACE, f"@{self.user.lower()}", "", private=True)
        return Place(PLATFORM, WORKSPACE, self.channel, f"#{self.channel}")

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
        self.lines_written += 1

    def tell(self, message: str, /, **values: object) -> None:
        """One of the console's own lines, in the console's language."""
        with language(self.locale):
            self.say(_(message, **values))

    async def greet(self) -> None:
        self.tell(
            N_("Coalition Bot console — you are {user} in #{channel}. Type :help for console commands."),
            user=self.user,
            channel=self.channel,
        )
        if not await self.core.services.places.is_bound(self.place):
            self.tell(text.WELCOME)

    async def handle(self, line: str) -> bool:
        """Handle one input line; False means quit."""
        line = line.strip()
        if not line or line.startswith("#"):
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line.startswith(":"):
            self.meta(line)
            return True
        if line.isascii() and line.isdigit():
            await self.click(int(line))
            return True
        if not line.startswith("/"):
            self.tell(N_("Commands start with /, like /coalition help. Type :help for console commands."))
            return True
        name, _, rest = line[1:].partition(" ")
        with interim(self.show):  # a long export says how far it has got
            reply = await self.core.run_command(Invocation(name.lower(), self.actor, self.place, text=rest))
        await self.show(reply)
        return True

    def meta(self, line: str) -> None:
        word, _sep, arg = line.partition(" ")
        arg = arg.strip().lstrip("@#")
        if word == ":as" and NAME_RE.match(arg):
            self.user = arg
            self.tell(N_("You are now {user}."), user=arg)
        elif word == ":channel" and NAME_RE.match(arg):
            self.channel, self.direct = arg, False
            self.tell(N_("You are now in #{channel}."), channel=arg)
        elif word == ":dm":
            self.direct = True
            self.tell(N_("You are now in your direct messages with the bot."))
        elif word == ":lang" and normalize(arg):
            self.locale = normalize(arg)
            self.tell(N_("Your language is now {language}."), language=self.locale)
        elif word == ":whoami":
            self.tell(N_("You are {user} in #{channel}."), user=self.user, channel=self.channel)
        elif word == ":help":
            self.tell(CONSOLE_HELP)
        else:
            with language(self.locale):
                self.say(_("Unknown console command {word}.", word=repr(word[:20])) + " " + _(CONSOLE_HELP))

    async def click(self, number: int) -> None:
        choice = next((c for c in self.choices if c.number == number), None)
        if choice is None:
            self.tell(N_("There is no choice {number} here."), number=number)
            return
        reply = await self.core.run_action(ActionEvent(choice.action_id, choice.value, self.actor, self.place))
        await self.show(reply)

    async def show(self, reply: Reply) -> None:
        if reply.blocks:
            rendered = render(reply)
            self.choices = rendered.choices
            if rendered.text:
                self.say(rendered.text)
        self.save_files(reply)
        if reply.form is not None:
            await self.fill(reply.form, reply.lang)

    def save_files(self, reply: Reply) -> None:
        """Attachments and images go to files; their paths are printed. A file on disk (an export)
        is moved there, never read into memory."""
        files = list(reply.attachments) + [b.attachment for b in reply.blocks if isinstance(b, Image)]
        try:
            for attachment in files:
                self.files_dir.mkdir(parents=True, exist_ok=True)
                path = self.files_dir / attachment.filename
                if attachment.path is not None:
                    shutil.move(attachment.path, path)
                else:
                    path.write_bytes(attachment.content)
                with language(reply.lang):
                    self.say("  " + _("[file saved: {path}]", path=path))
        finally:
            discard_files(reply)

    async def fill(self, form: Form, lang: str | None) -> None:
        """One prompt per field, in ``lang`` (the language of the reply that opened the form)."""
        with language(lang):
            await self._fill(form)

    async def _fill(self, form: Form) -> None:
        self.say(_("── {title} ── (empty line keeps the default; '.' cancels)", title=form.title))
        values: dict[str, str] = {}
        for field in form.fields:
            answer = await self.ask(field)
            if answer is None:
                self.say(_("Cancelled."))
                return
            values[field.name] = answer
        while True:
            reply = await self.core.submit_form(
                FormSubmission(form.form_id, values, self.actor, self.place, form.state)
            )
            if not reply.form_errors:
                await self.show(reply)
                return
            for name, message in reply.form_errors.items():
                self.say(f"⚠ {name}: {message}")
                wrong = next((f for f in form.fields if f.name == name), None)
                if wrong is None:
                    return
                answer = await self.ask(wrong)
                if answer is None:
                    self.say(_("Cancelled."))
                    return
                values[name] = answer

    async def ask(self, field: FormField) -> str | None:
        """One field's answer, checked here where the console can: a choice must be on the list
        and a checkbox yes or no, or the question is asked again. ``None`` means cancelled."""
        if field.kind == "select":
            for i, option in enumerate(field.options, 1):
                self.say(f"    [{i}] {option.label}")
        shown = field.initial
        if field.kind == "select":
            shown = next((o.label for o in field.options if o.value == field.initial), field.initial)
        default = f" [{shown}]" if shown else ""
        optional = "" if field.required else " " + _("(optional)")
        prompt = f"  {field.label}{optional}{default}: "
        while True:
            answer = await asyncio.to_thread(self.read_line, prompt)
            if answer is None or answer.strip() == ".":
                return None
            if not answer.strip():
                return field.initial  # the default is a value already, never a choice number
            answer = answer.strip()
            if field.kind == "select":
                chosen = choose(field, answer)
                if chosen is not None:
                    return chosen
                self.say("  " + _("Type the number of a choice (1–{last}), or '.' to cancel.", last=len(field.options)))
            elif field.kind == "checkbox":
                if answer.lower() in YES or answer.lower() == _("yes").lower():
                    return "yes"
                if answer.lower() in NO or answer.lower() == _("no").lower():
                    return ""
                self.say("  " + _("Answer yes or no, or '.' to cancel."))
            else:
                return answer


YES = frozenset({"y", "yes", "true", "1", "x"})
NO = frozenset({"n", "no", "false", "0"})


def choose(field: FormField, answer: str) -> str | None:
    """A select's value from a choice number, or from an option's exact label or value."""
    if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= len(field.options):
        return field.options[int(answer) - 1].value
    for option in field.options:
        if answer.casefold() in (option.label.casefold(), option.value.casefold()):
            return option.value
    return None


def _stdin_line(prompt: str) -> str | None:
    if sys.stdin.isatty():
        try:
            return input(prompt)
        except EOFError:
            return None
    sys.stdout.write(prompt)
    line = sys.stdin.readline()
    if not line:
        return None
    sys.stdout.write(line if line.endswith("\n") else line + "\n")
    return line.rstrip("\n")


async def run(
    core: Core,
    *,
    user: str,
    channel: str = "general",
    deliver: Callable[[ConsoleMessenger], Callable[[], Awaitable[object]]] | None = None,
    locale: str | None = None,
) -> int:
    """Run the console; ``deliver`` turns its messenger into "send what the outbox holds".

    Due work (scheduled prompts, reminders, digests) runs after every line; at a terminal it also
    runs every ``TICK`` seconds while the console waits for input, so a prompt scheduled for
    09:00 shows up at 09:00 and not only when someone types."""
    console = Console(core, user=user, channel=channel, locale=locale)
    if deliver is not None:
        console.after = deliver(ConsoleMessenger(console))
    interactive = sys.stdin.isatty()
    ticking: asyncio.Task[None] | None = None
    if interactive:
        await console.greet()
        if console.after is not None:
            ticking = asyncio.create_task(keep_time(console, asyncio.sleep), name="console-clock")
    try:
        while True:
            prompt = console.prompt
            line = await asyncio.to_thread(_read_command, prompt, interactive)
            if line is None:
                return 0
            async with console.busy:
                if not interactive:
                    console.say(prompt + line)
                if not await console.handle(line):
                    return 0
                if console.after is not None:
                    await console.after()
    finally:
        if ticking is not None:
            ticking.cancel()


TICK = 30.0


async def keep_time(console: Console, sleep: Callable[[float], Awaitable[None]]) -> None:
    """While the console waits for input: do the due work every ``TICK`` seconds, and if that
    printed anything, show the prompt again below it."""
    assert console.after is not None
    while True:
        await sleep(TICK)
        async with console.busy:
            before = console.lines_written
            try:
                await console.after()
            except Exception as error:  # the console stays usable; the next tick tries again
                console.tell(N_("(could not run scheduled work: {error})"), error=error)
            if console.lines_written != before:
                console.out.write(console.prompt)
                console.out.flush()


def _read_command(prompt: str, interactive: bool) -> str | None:
    if interactive:
        try:
            return input(prompt)
        except EOFError:
            return None
    line = sys.stdin.readline()
    return None if not line else line.rstrip("\n")
