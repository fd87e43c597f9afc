"""Autocomplete for slash options that name something the bot keeps: a server's presets and the
built-in styles."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.gallery import Painting, matching
from bot.jobs.preferences import favourites
from bot.text import clip

if TYPE_CHECKING:
    from bot.app import StyleBot

_STAR = "\u2605 "  # a favourite, in the autocomplete list


async def preset_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """This server's preset names containing what the member typed so far."""
    if interaction.guild is None:
        return []
    bot = cast("StyleBot", interaction.client)
    presets = await bot.service.store.presets.list(interaction.guild.id)
    current = current.strip().lower()
    return [
        app_commands.Choice(name=info.name, value=info.name)
        for info in presets
        if current in info.name
    ][:25]


async def style_choices(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Built-in styles whose name, title or painter contains what the member typed, the
    member's favourites (``/prefer``) first."""
    bot = cast("StyleBot", interaction.client)
    liked = favourites(await bot.service.store.members.preferences(interaction.user.id))

    def order(painting: Painting) -> tuple[bool, int]:
        favourite = painting.name in liked
        return (not favourite, liked.index(painting.name) if favourite else 0)

    choices = []
    for painting in sorted(matching(current), key=order):
        star = _STAR if painting.name in liked else ""
        label = clip(f"{star}{painting.name} \u2014 {painting.caption}", 100)
        choices.append(app_commands.Choice(name=label, value=painting.name))
    return choices[:25]
