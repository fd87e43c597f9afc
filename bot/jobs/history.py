"""A member's history and their right to be forgotten: the pages ``/history`` shows, what its
buttons do (show a picture, turn the page, delete an entry; "Run again" and "Larger" are the
card's re-run buttons), and ``/forget-me``'s erasing."""

from __future__ import annotations

import asyncio
import io
import logging
import math
import time
from typing import Any

import discord

from bot.job import JobState
from bot.jobs.service import JobService
from bot.ratelimit import MemberRateLimit, SlowDown
from bot.store.quota import MB
from bot.ui.history import PER_PAGE, HistoryPage, history_message
from bot.ui.pictures import thumbnail
from bot.ui.replies import InteractionReplier

log = logging.getLogger(__name__)

THUMBNAIL_PX = 160
STOPPING_PATIENCE = 120.0  # seconds /forget-me waits for its member's jobs to stop


class MemberHistory:
    def __init__(self, service: JobService, rate_limit: MemberRateLimit) -> None:
        self.service = service
        self.rate_limit = rate_limit

    @property
    def kept_days(self) -> float:
        return self.service.settings.retention_hours / 24

    async def page(self, owner_id: int, page: int, *, note: str | None = None) -> dict[str, Any]:
        """Page ``page`` (0-based) of the member's history as message fields, ``note`` above
        it; a page past either end shows the nearest one and says so."""
        history = self.service.store.history
        total = await history.count(owner_id)
        pages = max(1, math.ceil(total / PER_PAGE))
        if not 0 <= page < pages and total:
            shown = min(max(page, 0), pages - 1)
            missing = (
                f"There is no page {page + 1}: you have {pages} page{'s' if pages > 1 else ''}; "
                f"here is page {shown + 1}."
            )
            note = f"{note} {missing}" if note else missing
            page = shown
        page = max(0, min(page, pages - 1))
        entries = await history.entries(owner_id, offset=page * PER_PAGE, limit=PER_PAGE)
        pictures = {}
        for entry in entries:
            if entry.picture_kept and (kept := await history.picture(entry.job_id, owner_id)):
                pictures[entry.job_id] = kept[0]
        thumbnails = await asyncio.to_thread(_thumbnails, pictures)
        shown_page = HistoryPage(entries, page, pages, total, thumbnails, note)
        return history_message(shown_page, owner_id=owner_id, kept_days=self.kept_days)

    async def _allowed(self, owner_id: int, interaction: discord.Interaction) -> bool:
        replier = InteractionReplier(interaction)
        if interaction.user.id != owner_id:
            await replier.refuse(
                f"This is <@{owner_id}>'s history; `/history` shows yours (only to you)."
            )
            return False
        try:
            await self.rate_limit.check(owner_id)
        except SlowDown as exc:
            await replier.refuse(str(exc))
            return False
        return True

    async def show_from_button(
        self, job_id: str, owner_id: int, interaction: discord.Interaction
    ) -> None:
        """The full picture again, to its member only."""
        if not await self._allowed(owner_id, interaction):
            return
        kept = await self.service.store.history.picture(job_id, owner_id)
        if kept is None:
            await InteractionReplier(interaction).refuse(
                f"I no longer keep that picture (pictures are kept {self.kept_days:g} days, "
                "less when your storage is full; the oldest go first)."
            )
            return
        data, kind = kept
        extension = "jpg" if kind == "jpeg" else kind
        await interaction.response.send_message(
            file=discord.File(io.BytesIO(data), filename=f"stylized-{job_id}.{extension}"),
            ephemeral=True,
        )

    async def page_from_button(
        self, owner_id: int, page: int, interaction: discord.Interaction
    ) -> None:
        if not await self._allowed(owner_id, interaction):
            return
        await self._redraw(owner_id, page, interaction)

    async def delete_from_history(
        self, job_id: str, owner_id: int, page: int, interaction: discord.Interaction
    ) -> None:
        """Forget one entry (its picture and the images only it used), then redraw the page."""
        if not await self._allowed(owner_id, interaction):
            return
        deleted = await self.service.store.history.delete(job_id, owner_id)
        log.info("job %s: deleted from the history of %d (%s)", job_id, owner_id, deleted)
        note = "Deleted." if deleted else "That one was already gone."
        await self._redraw(owner_id, page, interaction, note=note)

    async def _redraw(
        self, owner_id: int, page: int, interaction: discord.Interaction, *, note: str = ""
    ) -> None:
        await interaction.response.defer()
        fields = await self.page(owner_id, page, note=note or None)
        await interaction.edit_original_response(view=fields["view"], attachments=fields["files"])

    # -- /forget-me -----------------------------------------------------------------------------

    def queued_for(self, owner_id: int) -> int:
        return sum(1 for job in self.service.jobs.values() if job.owner_id == owner_id)

    async def forget_from_button(
        self, owner_id: int, confirmed: bool, interaction: discord.Interaction
    ) -> None:
        if interaction.user.id != owner_id:
            await InteractionReplier(interaction).refuse(
                f"Only <@{owner_id}> can answer this; `/forget-me` asks about you."
            )
            return
        if not confirmed:
            await interaction.response.edit_message(content="Nothing was erased.", view=None)
            return
        await interaction.response.defer()
        said = await self.forget(owner_id, by=interaction.user.display_name)
        await interaction.edit_original_response(content=said, view=None)

    async def forget(self, owner_id: int, *, by: str) -> str:
        """Stop the member's jobs, erase all the store keeps of them; what was done, in words."""
        service = self.service
        theirs = [job for job in service.jobs.values() if job.owner_id == owner_id]
        for job in theirs:
            await service.cancel(job, by=by)
        deadline = time.monotonic() + STOPPING_PATIENCE
        while any(job.id in service.jobs for job in theirs) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # a painter stops within one iteration
        forgotten = await service.store.forget_member(owner_id)
        log.info(
            "member %d forgotten: %d job(s), %d preference(s), %d style(s), %d bytes",
            owner_id, forgotten.jobs, forgotten.preferences, forgotten.styles, forgotten.bytes,
        )  # fmt: skip
        cancelled = sum(1 for job in theirs if job.state is JobState.CANCELLED)
        finished = sum(1 for job in theirs if job.state in (JobState.DONE, JobState.FAILED))
        lines = [
            f"Erased: {forgotten.jobs} job(s) and their pictures, "
            f"{forgotten.preferences} preference(s), {forgotten.styles} remembered style "
            f"({forgotten.bytes / MB:.1f} MB). I keep nothing more of you."
        ]
        if cancelled:
            lines.append(f"{cancelled} job(s) of yours that were waiting or painting: cancelled.")
        if finished:
            lines.append(
                f"{finished} job(s) finished before they could be stopped: their answer was "
                "posted, and erased here."
            )
        stopping = len(theirs) - cancelled - finished
        if stopping:
            lines.append(
                f"{stopping} job(s) were still stopping: what they leave is erased by the next "
                "clean-up."
            )
        return "\n".join(lines)


def _thumbnails(pictures: dict[str, bytes]) -> dict[str, bytes]:
    out = {}
    for job_id, data in pictures.items():
        try:
            out[job_id] = thumbnail(data, max_px=THUMBNAIL_PX)
        except (OSError, ValueError) as exc:  # shown without one
            log.warning("job %s: no thumbnail for the history (%s)", job_id, exc)
    return out
