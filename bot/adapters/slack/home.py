"""The App Home tab: each of the person's coalitions, as its ``/coalition status`` dashboard shows it.

The dashboard is asked of the core like any command, in a channel of that coalition, so the Home
tab grows with every workflow that adds a status section, and shows only what that person's role
may see. Buttons are left out: the Home tab belongs to no channel, so it is a read-only summary.
"""

from __future__ import annotations

from bot.core.context import Actor, Invocation, Place
from bot.core.dispatch import Core
from bot.core.ui import Actions, Block, Context, Divider, Header, Section, markup, rich
from bot.store.repo import CoalitionRepo, Directory

WELCOME = (
    'You are not in a coalition yet. In a channel, type `/coalition create "Name"` to start one, '
    "or `/coalition join` in a channel that already belongs to one."
)
MAX_COALITIONS = 10


async def home_blocks(core: Core, actor: Actor) -> list[Block]:
    async with core.db.session() as session:
        directory = Directory(session)
        memberships = await directory.memberships(actor.platform, actor.workspace, actor.user_id)
        places: list[tuple[str, str, Place]] = []
        for member, coalition in memberships[:MAX_COALITIONS]:
            if coalition.id is None:
                continue
            bindings = await CoalitionRepo(session, coalition.id).bindings()
            if bindings:
                b = bindings[0]
                places.append((coalition.name, member.role, Place(b.platform, b.workspace, b.channel, b.name)))
    if not places:
        return [Header("Coalition Bot"), Section(markup(WELCOME))]
    blocks: list[Block] = [Header("Your coalitions")]
    for name, role, place in places:
        reply = await core.run_command(Invocation("coalition", actor, place, text="status"))
        blocks.append(Divider())
        if reply.is_error:
            blocks += [Header(name), *reply.blocks]
            continue
        blocks.extend(b for b in reply.blocks if not isinstance(b, Actions))
        blocks.append(Context(rich(f"Your role: {role}. Type /coalition status in {place.name or 'its channel'}.")))
    return blocks
