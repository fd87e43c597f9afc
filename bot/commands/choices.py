"""Autocomplete for slash options that name something the bot keeps: a server's presets and the
built-in styles."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands

from bot.gallery import matching
from bot.text import clip

if TYPE_CHECKING:
    from bot.app import StyleBot


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
    """Built-in styles whose name, title or painter contains what the member typed."""
    return [
        app_commands.Choice(name=clip(f"{p.name} \u2014 {p.caption}", 100), value=p.name)
        for p in matching(current)
    ][:25]
