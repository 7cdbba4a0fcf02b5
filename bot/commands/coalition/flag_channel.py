"""The private flag channel of ``/coalition settings`` (SPEC §3, §4 "Flags").

Steering chooses it with ``flag_channel=<#channel>`` or ``flag_channel=none`` (back to direct
messages); ``here`` is understood but always refused, since settings run in a linked channel. It is kept as ``settings["flag_channel"]`` = {platform, workspace,
channel, name, private}, which ``bot.commands.flag.notify.private_channel`` reads. A channel is
accepted only when its platform calls it private (asked through ``ctx.channels``: Slack
``conversations.info``, Discord's permission overwrites, the console's ``private-`` names) and
it is linked to no coalition (a linked channel is read by every member there). The chosen channel
is on the platform and workspace the command is typed in.
"""

from __future__ import annotations

from typing import Any

from bot.core.context import Ctx, Place
from bot.core.delivery import DeliveryError
from bot.core.errors import BadArgument, UserError
from bot.core.i18n import N_, _
from bot.core.params import ChannelRef, Kind, Param

SETTING = "flag_channel"

FLAG_CHANNEL = Param(
    "flag_channel",
    Kind.CHANNEL,
    max_length=120,
    description=N_("Private channel for new flags: #channel, or none for direct messages"),
)


def chosen(settings: dict[str, Any]) -> dict[str, Any] | None:
    """The flag channel in a coalition's settings, if one is set."""
    value = settings.get(SETTING)
    return value if isinstance(value, dict) and value.get("channel") else None


def describe(settings: dict[str, Any]) -> str:
    """Where new flags go, for the settings summary."""
    value = chosen(settings)
    if value is None:
        return _("New flags go to each handler by direct message (`flag_channel=#channel` sets a private channel).")
    name = str(value.get("name") or value.get("channel"))
    return _(
        "New flags go to the private channel {channel} on {platform} (`flag_channel=none` for direct messages).",
        channel=name if name.startswith("#") else f"#{name}",
        platform=str(value.get("platform")).capitalize(),
    )


async def flag_channel_setting(ctx: Ctx, ref: ChannelRef) -> dict[str, Any] | None:
    """The new value of ``settings["flag_channel"]`` (None: direct messages), once the platform
    said the channel is private and no coalition reads it. Raises a private error otherwise."""
    if ref.none:
        return None
    here = ctx.place
    place = here if ref.here else Place(here.platform, here.workspace, ref.channel)
    shown = f"#{ref.name or ref.channel}" if not ref.here else (here.name or _("this channel"))
    by_name = ref.by_name and not ref.here
    if not by_name:
        await refuse_if_linked(ctx, place, shown)
    channels = ctx.channels
    if channels is None or not channels.knows(place.platform):
        raise BadArgument(_("The bot cannot check channels on this platform yet; nothing changed."))
    try:
        info = await channels.info(place, by_name=by_name)
    except DeliveryError:
        raise UserError(
            _("Could not ask the platform about {channel} just now; nothing changed. Please try again.", channel=shown)
        ) from None
    if info is None:
        raise BadArgument(
            _(
                "The bot cannot see {channel}. Invite the bot to that private channel first, then name it again; "
                "nothing changed.",
                channel=shown,
            )
        )
    name = f"#{info.name}" if info.name else shown
    await refuse_if_linked(ctx, Place(place.platform, place.workspace, info.channel), name)
    if not info.private:
        raise BadArgument(
            _(
                "{channel} is not a private channel, so flags cannot go there. Name a channel that only the "
                "handlers can read; nothing changed.",
                channel=name,
            )
        )
    return {
        "platform": place.platform,
        "workspace": place.workspace,
        "channel": info.channel,
        "name": info.name,
        "private": True,
    }


async def refuse_if_linked(ctx: Ctx, place: Place, shown: str) -> None:
    """A channel linked to any coalition is read by every member there: never the flag channel."""
    if await ctx.directory.binding(place.platform, place.workspace, place.channel) is not None:
        raise BadArgument(
            _(
                "{channel} is linked to a coalition, so every member there reads it: flags cannot go there. "
                "Name a private channel of the handlers that is not linked, like `flag_channel=#flag-handlers`; "
                "nothing changed.",
                channel=shown,
            )
        )
