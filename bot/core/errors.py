"""One error tree. User errors become private replies; anything else is a bug, logged and answered
with a short apology by the dispatcher."""

from __future__ import annotations

from bot.config import ConfigError  # a wrong or missing setting; lives with the settings

__all__ = [
    "BadArgument",
    "CoalitionBotError",
    "ConfigError",
    "FormInvalid",
    "NotAMember",
    "NotFound",
    "NotInCoalition",
    "PermissionDenied",
    "UnknownCommand",
    "UserError",
]


class CoalitionBotError(Exception):
    """Base of every error the bot raises on purpose."""


class UserError(CoalitionBotError):
    """Something the person can fix: the message says what and how."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadArgument(UserError):
    """A value in the command text is malformed or out of range."""


class UnknownCommand(UserError):
    """No such command or subcommand."""


class NotFound(UserError):
    """An id that names nothing in this coalition (ids of other coalitions look exactly the same)."""


class PermissionDenied(UserError):
    """The actor's role does not allow this."""


class NotInCoalition(UserError):
    """The channel is bound to no coalition, or the actor has not joined it."""


class NotAMember(NotInCoalition):
    """The coalition admits members on approval and the actor is not (yet) one of them."""


class FormInvalid(CoalitionBotError):
    """A form submission with per-field errors; adapters show each next to its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
