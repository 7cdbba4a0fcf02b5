"""The command registry: every command, subcommand, button action, form and autocomplete source.

It is built from the workflows (:mod:`bot.core.workflow`); adapters read it to build platform
commands (Discord application commands, the Slack manifest) and route payloads back into the core.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core import scope
from bot.core import workflow as _workflow
from bot.core.params import Args, Param
from bot.core.ui import Option, Reply
from bot.store.models import Role

if TYPE_CHECKING:
    from bot.core.workflow import Workflow

Handler = Callable[[Any, Args], Awaitable[Reply]]
ActionHandler = Callable[[Any, str], Awaitable[Reply]]
FormHandler = Callable[[Any, Args, str], Awaitable[Reply]]
Completer = Callable[[Any, str], Awaitable[list[Option]]]

EVERYONE = frozenset(Role)
CONTRIBUTORS = frozenset({Role.STEERING, Role.FACILITATOR, Role.MEMBER})
STEERING = frozenset({Role.STEERING})
CARETAKERS = frozenset({Role.STEERING, Role.FACILITATOR})


@dataclass(frozen=True)
class Subcommand:
    command: str
    path: tuple[str, ...]
    handler: Handler
    summary: str
    usage: str
    params: tuple[Param, ...] = ()
    roles: frozenset[Role] = EVERYONE
    needs_coalition: bool = True
    opens_form: bool = False
    # Open to a stranger in a coalition that admits members on approval (``/coalition join``).
    strangers: bool = False
    # Works in a channel only, never in a person's own place (``/coalition create``: a DM never
    # becomes a coalition's channel).
    in_channel: bool = False
    # Acts across all the person's coalitions (``/coalition inbox``): in their own place it asks
    # for none. Every other command there acts for one coalition, asked for when unclear.
    every_coalition: bool = False

    @property
    def full_name(self) -> str:
        return " ".join((f"/{self.command}", *self.path))


@dataclass(frozen=True)
class FormSpec:
    form_id: str
    handler: FormHandler
    params: tuple[Param, ...]
    roles: frozenset[Role] = CONTRIBUTORS
    needs_coalition: bool = True


@dataclass(frozen=True)
class ActionSpec:
    action_id: str
    handler: ActionHandler
    roles: frozenset[Role] = EVERYONE
    strangers: bool = False  # also for a person the coalition does not know yet (join policy approval)


@dataclass
class Command:
    name: str
    summary: str
    subcommands: dict[tuple[str, ...], Subcommand] = field(default_factory=dict)
    default: tuple[str, ...] | None = None
    bare: tuple[str, ...] | None = None
    forms: dict[str, FormSpec] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    completers: dict[str, Completer] = field(default_factory=dict)
    # Confidential: the core and the adapters keep no record of who used it beyond what its
    # handlers store (no cached profile, no account named in an error log line).
    confidential: bool = False

    def sub(
        self,
        path: str,
        *,
        summary: str,
        usage: str,
        params: tuple[Param, ...] = (),
        roles: frozenset[Role] = EVERYONE,
        needs_coalition: bool = True,
        opens_form: bool = False,
        strangers: bool = False,
        in_channel: bool = False,
        every_coalition: bool = False,
    ) -> Callable[[Handler], Handler]:
        key = tuple(path.split())

        def register(handler: Handler) -> Handler:
            self.subcommands[key] = Subcommand(
                self.name,
                key,
                handler,
                summary,
                usage,
                params,
                roles,
                needs_coalition,
                opens_form,
                strangers,
                in_channel,
            )
            return handler

        return register

    def form(
        self, form_id: str, *, params: tuple[Param, ...], roles: frozenset[Role] = CONTRIBUTORS
    ) -> Callable[[FormHandler], FormHandler]:
        def register(handler: FormHandler) -> FormHandler:
            self.forms[form_id] = FormSpec(form_id, handler, params, roles)
            return handler

        return register

    def action(
        self, action_id: str, *, roles: frozenset[Role] = EVERYONE, strangers: bool = False
    ) -> Callable[[ActionHandler], ActionHandler]:
        def register(handler: ActionHandler) -> ActionHandler:
            self.actions[action_id] = ActionSpec(action_id, handler, roles, strangers)
            return handler

        return register

    def completer(self, kind: str) -> Callable[[Completer], Completer]:
        def register(handler: Completer) -> Completer:
            self.completers[kind] = handler
            return handler

        return register

    def resolve(self, words: list[str]) -> tuple[Subcommand, int] | None:
        """The longest subcommand path matching the leading words; (sub, words consumed)."""
        lowered = [w.lower() for w in words[:3]]
        for length in range(min(3, len(lowered)), 0, -1):
            sub = self.subcommands.get(tuple(lowered[:length]))
            if sub is not None:
                return sub, length
        return None


class Registry:
    """The commands of some workflows.

    Handing out a handler (:meth:`get`, :meth:`form`, :meth:`action`, :meth:`completer`) makes this
    registry's workflows the active ones for the rest of that call (a context variable, like the
    language), so ``/coalition status``, export and forget-me reach every workflow of *this*
    registry — a workflow registered only in a test included — without a list of their own.
    """

    def __init__(self, workflows: Sequence[Workflow] = ()) -> None:
        self.commands: dict[str, Command] = {}
        self.workflows: tuple[Workflow, ...] = tuple(workflows)
        for workflow in self.workflows:
            if workflow.command is not None:
                self.add(workflow.command)

    def add(self, command: Command) -> Command:
        self.commands[command.name] = command
        return command

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands.values())

    def _activate(self) -> None:
        _workflow.activate(self.workflows)

    def get(self, name: str) -> Command | None:
        self._activate()
        return self.commands.get(name.lstrip("/").lower())

    def form(self, form_id: str) -> FormSpec | None:
        """The form a (possibly coalition-stamped, :mod:`bot.core.scope`) form id names."""
        self._activate()
        form_id = scope.base(form_id)
        for command in self.commands.values():
            if form_id in command.forms:
                return command.forms[form_id]
        return None

    def action(self, action_id: str) -> ActionSpec | None:
        """The action a (possibly coalition-stamped) action id names."""
        self._activate()
        action_id = scope.base(action_id)
        for command in self.commands.values():
            if action_id in command.actions:
                return command.actions[action_id]
        return None

    def is_confidential(
        self, *, command: str | None = None, form_id: str | None = None, action_id: str | None = None
    ) -> bool:
        """Whether a command (by name), a form (by id) or a button (by action id) belongs to a
        confidential command."""
        if command is not None:
            found = self.get(command)
            return found is not None and found.confidential
        if action_id is not None:
            action_id = scope.base(action_id)
            return any(action_id in c.actions for c in self.commands.values() if c.confidential)
        form_id = scope.base(form_id or "")
        return any(form_id in c.forms for c in self.commands.values() if c.confidential)

    def completer(self, kind: str) -> Completer | None:
        self._activate()
        for command in self.commands.values():
            if kind in command.completers:
                return command.completers[kind]
        return None

    def fingerprint(self) -> str:
        """A stable hash of the command surface, so adapters re-sync commands only when it changes."""
        import hashlib
        import json

        surface = [
            [
                c.name,
                c.summary,
                [
                    [
                        list(s.path),
                        s.summary,
                        [
                            [p.name, p.kind.value, p.required, list(p.choices), p.autocomplete, p.description]
                            for p in s.params
                        ],
                    ]
                    for s in c.subcommands.values()
                ],
            ]
            for c in self.commands.values()
        ]
        return hashlib.sha256(json.dumps(surface, sort_keys=True).encode()).hexdigest()[:16]
