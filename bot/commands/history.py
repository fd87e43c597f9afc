"""``/history`` and ``!history``: a member's own recent pictures, privately (ephemeral, or in
their DMs); ``/forget-me`` and ``!forget-me``: erase all the bot keeps of them, once confirmed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.ui.history import forget_message

if TYPE_CHECKING:
    from bot.app import StyleBot

NO_DM = (
    "I cannot send you a DM (your privacy settings for this server?); use `/history` "
    "instead: only you see its answer."
)


class History(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    @commands.hybrid_command(name="history", aliases=["mine"])  # type: ignore[arg-type]
    async def history(self, ctx: commands.Context[StyleBot], page: int = 1) -> None:
        """Your recent pictures, newest first, only to you: show, run again, larger, delete.

        Parameters
        ----------
        page:
            which page (1 is the newest)
        """
        fields = await self.bot.history.page(ctx.author.id, page - 1)
        if ctx.interaction is not None:  # /history: only its member sees the answer
            await ctx.send(**fields, ephemeral=True)
            return
        if ctx.guild is None:  # already in the member's DMs
            await ctx.send(**fields)
            return
        try:
            await ctx.author.send(**fields)
        except discord.Forbidden:
            await ctx.reply(NO_DM, mention_author=False)
            return
        await ctx.reply("I sent your history to your DMs.", mention_author=False)

    @commands.hybrid_command(name="forget-me", aliases=["forgetme"])  # type: ignore[arg-type]
    async def forget_me(self, ctx: commands.Context[StyleBot]) -> None:
        """Erase everything I keep of you: history, kept images, preferences, remembered style."""
        queued = self.bot.history.queued_for(ctx.author.id)
        await ctx.reply(**forget_message(ctx.author.id, queued=queued), ephemeral=True,
                        mention_author=False)  # fmt: skip


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(History(bot))
