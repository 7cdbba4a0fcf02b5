"""The decisions part of a person's inbox (``/coalition inbox``, the Slack Home tab): decisions
waiting for their ballot (``by=org``: when they vote for their organisation, or it has nobody who
does), each with the same Vote button as the posted copy, which works from a DM or the Home tab."""

from __future__ import annotations

from bot.commands.decide import post
from bot.commands.decide.hooks import waiting_for
from bot.core.context import Ctx
from bot.core.i18n import _, ngettext, number
from bot.core.ui import Actions, Block, Bold, Button, ButtonStyle, Context, Section, markup, rich

SHOWN = 3


async def decisions_inbox(ctx: Ctx) -> list[Block]:
    waiting = await waiting_for(ctx)
    if not waiting:
        return []
    blocks: list[Block] = [
        Section(
            rich(
                Bold(
                    ngettext(
                        "{n} decision awaits your vote:",
                        "{n} decisions await your vote:",
                        len(waiting),
                        n=number(len(waiting)),
                    )
                )
            )
        )
    ]
    for d in waiting[:SHOWN]:
        blocks.append(Section(rich(f"#{d.id} ", Bold(d.question))))
        blocks.append(Actions((Button(_("Vote"), post.BALLOT_ACTION, str(d.id), ButtonStyle.PRIMARY),)))
    if len(waiting) > SHOWN:
        blocks.append(Context(markup(_("The others: `/decide list`."))))
    return blocks
