"""``/prefer`` and ``!prefer``: a member's own defaults (size, strength, colours, favourite
styles), kept wherever they use the bot, between the server's settings and their flags."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.jobs.flags import RequestError, split_flags
from bot.jobs.preferences import describe, read_preferences
from styleengine.params import ColorMode

if TYPE_CHECKING:
    from bot.app import StyleBot

_HOW = (
    "Your preferences apply to every job you ask for, here and in DMs. Precedence: the options "
    "you type > your preferences > the server's settings > the bot's defaults."
)


class Prefer(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    async def _apply(self, user: discord.abc.User, typed: dict[str, str], reset: bool) -> str:
        """Store what the member asked (or forget everything); the answer, in words."""
        members = self.bot.service.store.members
        if reset:
            await members.forget_preferences(user.id)
        values = read_preferences(self.bot.settings, typed)
        if values:
            await members.prefer(user.id, values)
        stored = await members.preferences(user.id)
        changed = "Forgot your preferences. " if reset else "Saved. " if values else ""
        return f"{changed}Your preferences: {describe(stored)}.\n{_HOW}"

    @commands.command(name="prefer", aliases=["prefs", "preferences"])
    async def prefer_text(self, ctx: commands.Context[StyleBot], *, options: str = "") -> None:
        """Show or set your own defaults: !prefer --size 512 --favourites great_wave,udnie"""
        reset = options.strip().lower() in {"reset", "--reset", "clear"}
        try:
            typed = {} if reset else split_flags(options)
            answer = await self._apply(ctx.author, typed, reset)
        except RequestError as exc:
            answer = str(exc)
        await ctx.reply(answer, mention_author=False)

    @app_commands.command(name="prefer", description="Show or set your own defaults")
    @app_commands.describe(
        size="your default long side in pixels",
        strength="your default --style-weight (how strongly the style shows)",
        preserve_color="keep your photo's colours by default",
        favourites="built-in styles you like, e.g. great_wave,udnie (offered first)",
        reset="forget all your preferences first",
    )
    async def prefer_slash(
        self,
        interaction: discord.Interaction[StyleBot],
        size: int | None = None,
        strength: float | None = None,
        preserve_color: ColorMode | None = None,
        favourites: str | None = None,
        reset: bool = False,
    ) -> None:
        typed = {
            key: str(value)
            for key, value in (
                ("size", size),
                ("style-weight", strength),
                ("preserve-color", preserve_color),
                ("favourites", favourites),
            )
            if value is not None
        }
        try:
            answer = await self._apply(interaction.user, typed, reset)
        except RequestError as exc:
            answer = str(exc)
        await interaction.response.send_message(answer, ephemeral=True)


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(Prefer(bot))
