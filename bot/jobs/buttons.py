"""What the buttons on the bot's messages do: Cancel on a status; re-run, Info and Delete on a
result; a number (paint that tile) and four more styles on a grid. The buttons themselves
(dynamic items, so they work after a restart) are in :mod:`bot.ui.views`; they find this
through the client's ``buttons``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import discord

from bot.job import JobState
from bot.jobs.flags import RequestError
from bot.jobs.grid import grid_params, more_job, pick_job
from bot.jobs.planning import timelapse_wanted
from bot.jobs.queue import QueueRefused
from bot.jobs.reruns import rerun
from bot.jobs.service import JobService
from bot.ratelimit import MemberRateLimit, SlowDown
from bot.ui.embeds import info_embed
from bot.ui.replies import InteractionReplier

log = logging.getLogger(__name__)


class Buttons:
    def __init__(
        self,
        service: JobService,
        rate_limit: MemberRateLimit,
        guild_for: Callable[[int], discord.Guild | None],
    ) -> None:
        """``guild_for``: the server the bot is in with that id, else None (a job made where
        only a member's own install reached)."""
        self.service = service
        self.rate_limit = rate_limit
        self.guild_for = guild_for

    async def _within_rate(self, interaction: discord.Interaction) -> bool:
        """Re-run and Info count against the member's command budget, as commands do."""
        try:
            await self.rate_limit.check(interaction.user.id)
        except SlowDown as exc:
            await InteractionReplier(interaction).refuse(str(exc))
            return False
        return True

    async def cancel_from_button(self, job_id: str, interaction: discord.Interaction) -> None:
        replier = InteractionReplier(interaction)
        job = self.service.jobs.get(job_id)
        if job is None:
            await replier.refuse("That job has already finished.")
            return
        member = interaction.user
        if member.id != job.owner_id and not interaction.permissions.manage_messages:
            await replier.refuse(
                "Only the member who asked for this job, or someone with Manage Messages, "
                "can cancel it."
            )
            return
        await interaction.response.defer()
        await self.service.cancel(job, by=member.display_name)

    async def cancel_waiting_from_button(
        self, channel_id: int, interaction: discord.Interaction
    ) -> None:
        """A crowded channel's board: the presser's requests still waiting there, cancelled."""
        mine = [
            job
            for job in self.service.jobs.values()
            if job.channel_id == channel_id
            and job.owner_id == interaction.user.id
            and job.state is JobState.QUEUED
        ]
        replier = InteractionReplier(interaction)
        if not mine:
            await replier.refuse("You have no request waiting here.")
            return
        for job in mine:
            await self.service.cancel(job, by=interaction.user.display_name)
        ids = ", ".join(f"`{job.id}`" for job in mine)
        await replier.refuse(f"Cancelled your waiting request{'s' * (len(mine) > 1)}: {ids}.")

    async def rerun_from_button(
        self, job_id: str, change: str, interaction: discord.Interaction
    ) -> None:
        if not await self._within_rate(interaction):
            return
        service = self.service
        replier = InteractionReplier(interaction)
        old = await service.journal_safely(service.store.journal.load(job_id))
        if old is None:
            await replier.refuse(
                "I no longer have the pictures of that job; please run `/stylize` again."
            )
            return
        if old.grid is not None:  # a grid's "Run again" (history): the same styles again
            if change != "same":
                await replier.refuse(
                    "A grid is painted at this server's grid size: press a number on it to "
                    "paint that style at your size."
                )
                return
            await self._from_grid(job_id, old.owner_id, interaction, None, again=True,
                                  counted=True)  # fmt: skip
            return
        try:
            # The settings and limits of the job's own server, wherever the button is pressed
            # (pressed in a DM, it would otherwise escape them).
            home = self.guild_for(old.guild_id) if old.guild_id is not None else None
            config = await service.planner.config_for(home)
            made = await service.journal_safely(service.store.journal.made(job_id))
            clip = bool(made and made.get("frames"))  # a painted GIF or video
            job = rerun(old, change, interaction.user, config, answered_in=interaction.guild,
                        channel_id=interaction.channel_id, clip=clip)  # fmt: skip
            await service.enqueue(job, replier, config=config)
        except (RequestError, QueueRefused) as exc:
            await replier.refuse(str(exc))

    async def info_from_button(self, job_id: str, interaction: discord.Interaction) -> None:
        """A result's Info, to whoever pressed it, privately."""
        if not await self._within_rate(interaction):
            return
        service = self.service
        job = await service.journal_safely(service.store.journal.summary(job_id))
        if job is None:
            await InteractionReplier(interaction).refuse(
                "I no longer keep the details of that job (they are kept "
                f"{service.settings.retention_hours:g} hours)."
            )
            return
        made = await service.journal_safely(service.store.journal.made(job_id))
        request = job.command_message_id or job.status_message_id
        where = job.guild_id if job.guild_id is not None else "@me"
        link = (
            f"https://discord.com/channels/{where}/{job.channel_id}/{request}" if request else None
        )
        await interaction.response.send_message(
            embed=info_embed(job, made, link=link), ephemeral=True
        )

    async def delete_from_button(
        self, job_id: str, owner_id: int, interaction: discord.Interaction
    ) -> None:
        """Delete a result card: its requester, or someone who may manage messages."""
        member = interaction.user
        if member.id != owner_id and not interaction.permissions.manage_messages:
            await InteractionReplier(interaction).refuse(
                "Only the member who asked for this picture, or someone with Manage Messages, "
                "can delete it."
            )
            return
        await interaction.response.defer()
        with contextlib.suppress(discord.NotFound):  # already gone
            await interaction.delete_original_response()  # the message the button is on
        log.info("job %s: result deleted by %s (%d)", job_id, member, member.id)

    # -- a grid of styles ---------------------------------------------------------------------

    async def pick_from_button(
        self, job_id: str, tile: int, owner_id: int, interaction: discord.Interaction
    ) -> None:
        """Paint tile ``tile`` of a grid at its member's size (flags of the grid's request over
        their preferences and the server's settings, as they are now)."""
        await self._from_grid(job_id, owner_id, interaction, tile)

    async def more_from_button(
        self, job_id: str, owner_id: int, interaction: discord.Interaction
    ) -> None:
        """A grid of the next four styles for the same photo."""
        await self._from_grid(job_id, owner_id, interaction, None)

    async def _from_grid(
        self,
        job_id: str,
        owner_id: int,
        interaction: discord.Interaction,
        tile: int | None,
        *,
        again: bool = False,
        counted: bool = False,
    ) -> None:
        """A grid's tile (``tile``), its next styles, or (``again``) the same grid anew
        (``counted``: the press was already counted against the member's rate)."""
        replier = InteractionReplier(interaction)
        member = interaction.user
        if member.id != owner_id:
            await replier.refuse(
                f"These styles are for <@{owner_id}>'s photo. Send your own photo alone with "
                "`/stylize` (or `!stylize`) to get a grid of your own."
            )
            return
        if not counted and not await self._within_rate(interaction):
            return
        service = self.service
        old = await service.journal_safely(service.store.journal.load(job_id))
        if old is None or old.grid is None or (tile or 0) > len(old.grid.styles):
            await replier.refuse(
                "I no longer have the photo of that grid (it was erased, or kept past "
                f"{service.settings.retention_hours:g} hours); send it again with `/stylize`."
            )
            return
        try:
            home = self.guild_for(old.guild_id) if old.guild_id is not None else None
            config = await service.planner.config_for(home)
            preferences = await service.store.members.preferences(member.id)
            flags = dict(old.grid.flags)
            asked = flags.pop("timelapse", None)
            params, sources = service.planner.params_for(flags, config, preferences)
            channel_id = interaction.channel_id or old.channel_id
            if tile is None:
                job = more_job(old, member, preferences, grid_params(params, config), sources,
                               channel_id=channel_id, answered_in=interaction.guild,
                               again=again)  # fmt: skip
            else:
                job = pick_job(old, tile, member, params, sources,
                               timelapse=timelapse_wanted(asked, config), channel_id=channel_id,
                               answered_in=interaction.guild)  # fmt: skip
            await service.enqueue(job, replier, config=config)
        except (RequestError, QueueRefused) as exc:
            await replier.refuse(str(exc))
