"""What the buttons on the bot's messages do: Cancel on a status; re-run, Info and Delete on a
result. The buttons themselves (dynamic items, so they work after a restart) are in
:mod:`bot.ui.views`; they find this through the client's ``buttons``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import discord

from bot.jobs.flags import RequestError
from bot.jobs.planning import rerun
from bot.jobs.queue import QueueRefused
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
            self.rate_limit.check(interaction.user.id)
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
        try:
            # The settings and limits of the job's own server, wherever the button is pressed
            # (pressed in a DM, it would otherwise escape them).
            home = self.guild_for(old.guild_id) if old.guild_id is not None else None
            config = await service.planner.config_for(home)
            made = await service.journal_safely(service.store.journal.made(job_id))
            clip = bool(made and made.get("frames"))  # a painted GIF or video
            job = rerun(old, change, interaction.user, config, answered_in=interaction.guild,
                        clip=clip)  # fmt: skip
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
