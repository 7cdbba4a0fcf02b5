"""A person's Home view (Slack's App Home tab): each of their coalitions, as ``/coalition status``
shows it to them.

The dashboard is asked of the core like any command, in a channel of that coalition, so the Home
view grows with every workflow that adds a status section and shows only what that person's role
may see. Buttons are left out: the Home view belongs to no channel, so it is a read-only summary.
The core calls :func:`home_view` (``Core(home=home_view)``) in the person's language.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import N_, _
from bot.core.services import Ask, Seat
from bot.core.ui import Actions, Block, Context, Divider, Header, Reply, Section, markup

WELCOME = N_(
    'You are not in a coalition yet. In a channel, type `/coalition create "Name"` to start one, '
    "or `/coalition join` in a channel that already belongs to one."
)


async def home_view(seats: Sequence[Seat], ask: Ask) -> Reply:
    if not seats:
        return Reply.private(Header(_("Coalition Bot")), Section(markup(_(WELCOME))))
    blocks: list[Block] = [Header(_("Your coalitions"))]
    for seat in seats:
        status = await ask(seat.place, "coalition", "status")
        blocks.append(Divider())
        if status.is_error:
            blocks += [Header(seat.coalition), *status.blocks]
            continue
        blocks.extend(b for b in status.blocks if not isinstance(b, Actions))
        if seat.place.name:
            where = _(
                "Your role: `{role}`. Type `/coalition status` in {channel}.", role=seat.role, channel=seat.place.name
            )
        else:
            where = _("Your role: `{role}`. Type `/coalition status` in its channel.", role=seat.role)
        blocks.append(Context(markup(where)))
    return Reply.private(*blocks)
