"""``!queue`` / ``/queue``: the jobs running and waiting, and the member's pictures of the last
24 hours against the daily quotas."""

from __future__ import annotations

from typing import TYPE_CHECKING

from discord.ext import commands

from bot.job import Job
from bot.jobs.queue import paused_note
from bot.ui.embeds import daily_line, queue_embed

if TYPE_CHECKING:
    from bot.app import StyleBot


class Queue(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    @commands.hybrid_command(name="queue", description="The jobs running and waiting")  # type: ignore[arg-type]
    async def queue_command(self, ctx: commands.Context[StyleBot]) -> None:
        """The jobs running and waiting: this server's, or in a DM the member's own."""
        service = self.bot.service
        queue = service.queue
        server_id = ctx.guild.id if ctx.guild is not None else None

        def shown(job: Job) -> bool:
            return (
                job.guild_id == server_id
                if server_id is not None
                else job.owner_id == ctx.author.id
            )

        running, waiting = queue.running(), queue.waiting()
        here = [j for j in running if shown(j)], [j for j in waiting if shown(j)]
        elsewhere = len(running) + len(waiting) - len(here[0]) - len(here[1])
        embed = queue_embed(
            *here,
            elsewhere=elsewhere,
            own=server_id is None,
            note=paused_note(queue.paused, queue.held),
        )
        config = await service.planner.config_for(ctx.guild)
        journal = service.store.journal
        used = await service.journal_safely(journal.daily_use(ctx.author.id, server_id))
        if used is not None:
            limits = config.daily(server_id is not None)
            embed.add_field(name="Last 24 hours", value=daily_line(used, limits), inline=False)
        await ctx.reply(embed=embed, ephemeral=True, mention_author=False)


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(Queue(bot))
