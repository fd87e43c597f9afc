"""The operator's commands (``STYLEBOT_OPERATOR_IDS``): ``!pause [reason]`` stops new jobs from
starting, in every bot process (the queue is kept, waiting members are told, new requests still
queue, running jobs finish), ``!resume`` starts them again; no restart."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from discord.ext import commands

if TYPE_CHECKING:
    from bot.app import StyleBot

log = logging.getLogger(__name__)

NOT_OPERATOR = "Only the bot's operator can pause or resume painting."
REASON_LENGTH = 200


class Operator(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context[StyleBot]) -> bool:  # type: ignore[override]
        if ctx.author.id not in self.bot.settings.operator_ids:
            raise commands.CheckFailure(NOT_OPERATOR)
        return True

    @commands.command(name="pause")
    async def pause(self, ctx: commands.Context[StyleBot], *, reason: str = "") -> None:
        """Pause painting: waiting jobs keep their places until ``!resume``."""
        reason = " ".join(reason.split())[:REASON_LENGTH]
        queue = self.bot.service.queue
        await self.bot.service.pause.pause(reason)
        log.warning("painting paused by %s (%d): %s", ctx.author, ctx.author.id, reason or "-")
        await ctx.reply(
            f"Painting is paused; {len(queue)} waiting job(s) keep their places and their "
            f"members are told. {len(queue.running())} running job(s) finish. `"
            f"{ctx.clean_prefix}resume` starts painting again.",
            mention_author=False,
        )

    @commands.command(name="resume")
    async def resume(self, ctx: commands.Context[StyleBot]) -> None:
        """Resume painting after ``!pause``."""
        queue = self.bot.service.queue
        if queue.paused is None:
            await ctx.reply("Painting is not paused.", mention_author=False)
            return
        await self.bot.service.pause.resume()
        log.warning("painting resumed by %s (%d)", ctx.author, ctx.author.id)
        await ctx.reply(f"Painting resumed; {len(queue)} waiting job(s) start in turn.",
                        mention_author=False)  # fmt: skip


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(Operator(bot))
