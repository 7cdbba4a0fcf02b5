"""A word to the person while long work runs (an export): once the work has taken longer than
``LONG``, a private message says how far it has got; the answer itself comes when it is done.

The adapter that runs a command says how to reach its person meanwhile (:func:`interim`: Slack's
``response_url``, Discord's deferred answer, the console's screen) for the command's whole run;
the handler only calls :meth:`Progress.at` between steps. Where nobody can be reached (a test
through the core, a job), nothing is said."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from bot.core import i18n
from bot.core.clock import Clock
from bot.core.ui import Reply

log = logging.getLogger(__name__)

LONG = timedelta(seconds=3)  # past this, the person hears how far their answer has got

Say = Callable[[Reply], Awaitable[None]]
_say: ContextVar[Say | None] = ContextVar("interim", default=None)


@contextmanager
def interim(say: Say) -> Iterator[None]:
    """While the block runs (and in the tasks it starts), :func:`tell` reaches the person through
    ``say``."""
    token = _say.set(say)
    try:
        yield
    finally:
        _say.reset(token)


async def tell(reply: Reply) -> bool:
    """Send ``reply`` to the person of the command running now, before its answer; False when
    nobody can be reached or it failed (logged: a word of progress is not worth failing for)."""
    say = _say.get()
    if say is None:
        return False
    try:
        await say(reply)
    except Exception:
        log.warning("could not say how far the work has got", exc_info=True)
        return False
    return True


class Progress:
    """Steps ``done`` of ``total``; ``write(done, total)`` is the message, said once, at the first
    step reached after ``after`` on ``clock`` (the clock is injected: tests move it)."""

    def __init__(
        self, clock: Clock, total: int, write: Callable[[int, int], Reply], *, after: timedelta = LONG
    ) -> None:
        self.clock = clock
        self.total = total
        self.write = write
        self.after = after
        self.started = clock.now()
        self.said = False

    async def at(self, done: int) -> None:
        if self.said or self.clock.now() - self.started < self.after:
            return
        self.said = True
        reply = self.write(done, self.total)
        reply.lang = reply.lang or i18n.current()  # the adapter's own words follow it
        await tell(reply)
