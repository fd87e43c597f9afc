"""``/styles`` (and ``!styles``): the gallery of built-in styles beside the server's presets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.ui.gallery import gallery_page

if TYPE_CHECKING:
    from bot.app import StyleBot


class Gallery(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    @commands.hybrid_command(  # type: ignore[arg-type]
        name="styles", description="The built-in styles and this server's presets"
    )
    async def styles(self, ctx: commands.Context[StyleBot]) -> None:
        """The built-in styles and this server's presets, a page at a time."""
        entries = await self.bot.gallery_entries(ctx.guild.id if ctx.guild else None)
        fields = await gallery_page(entries, 0)
        await ctx.reply(**fields, ephemeral=True, mention_author=False)


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(Gallery(bot))
