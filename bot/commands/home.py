"""A person's Home view (Slack's App Home tab): their inbox (``/coalition inbox``), per coalition,
with buttons that work there (each carries its coalition, :mod:`bot.core.scope`).

The inbox is asked of the core like any command, in the person's own place, so the Home view grows
with every workflow that adds an inbox section and shows only what that person's role may see.
The core calls :func:`home_view` (``Core(home=home_view)``) in the person's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.context import Place
from bot.core.i18n import N_, _
from bot.core.services import Ask, Seat
from bot.core.ui import Context, Header, Reply, Section, markup

WELCOME = N_(
    'You are not in a coalition yet. In a channel, type `/coalition create "Name"` to start one, '
    "or `/coalition join` in a channel that already belongs to one."
)
HINT = N_("Type `/coalition status` in a channel of a coalition for its whole dashboard.")


async def home_view(seats: Sequence[Seat], ask: Ask) -> Reply:
    if not seats:
        return Reply.private(Header(_("Coalition Bot")), Section(markup(_(WELCOME))))
    own = Place(seats[0].place.platform, seats[0].place.workspace, "", private=True)
    inbox = await ask(own, "coalition", "inbox")
    return Reply.private(*inbox.blocks, Context(markup(_(HINT))))
