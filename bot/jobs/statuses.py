"""What a member sees of their job while it waits and paints: its status message, edited in
place, or, in a crowded channel, its line on the channel's board until the job has a message of
its own (bot.ui.board); the notes on both (a pause, an outage, the DM fallback)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.job import Job, JobState
from bot.jobs.backends.base import Backend
from bot.jobs.queue import FairQueue, paused_note
from bot.store import JobJournal
from bot.ui.board import BoardRecords
from bot.ui.boards import Boards
from bot.ui.embeds import status_embed
from bot.ui.pacing import ChannelPacer
from bot.ui.replies import ChannelReplier, InteractionReplier, Replier
from bot.ui.status import StatusMessage
from bot.ui.views import cancel_view

log = logging.getLogger(__name__)

# Said on the status of a job the bot can answer only through the interaction (15 minutes).
DM_NOTE = "If this takes longer than Discord's 15 minutes here, your picture comes in your DMs."


class Statuses:
    def __init__(
        self,
        queue: FairQueue,
        backend: Backend,
        journal: JobJournal,
        *,
        interval: float,
        journal_safely: Callable[[Awaitable[Any]], Awaitable[Any]],
        background: Callable[[asyncio.Task[None]], None],
        board_records: BoardRecords | None = None,
    ) -> None:
        self.queue = queue
        self.backend = backend
        self.journal = journal
        self.interval = interval
        self.journal_safely = journal_safely
        self.background = background
        self.pacer = ChannelPacer()
        self.boards = Boards(
            self.pacer, lambda: len(queue), note=self.waiting_note, records=board_records
        )
        self.messages: dict[str, StatusMessage] = {}
        self.repliers: dict[str, Replier] = {}
        self._promoting: set[str] = set()  # jobs leaving their board for a status of their own

    def new(self, job: Job, replier: Replier) -> StatusMessage:
        """The job's status message, not yet posted."""
        self.repliers[job.id] = replier
        status = StatusMessage(job, draw=self.draw, interval=self.interval, pacer=self.pacer)
        self.messages[job.id] = status
        status.when_closed(lambda: self.messages.pop(job.id, None))
        return status

    async def acknowledge(self, job: Job, replier: Replier) -> bool:
        """A new job's first answer: its status message, or in a crowded channel its line on
        the board (its own message comes when it paints and the channel has room). False for
        the board; raises what posting raised."""
        status = self.new(job, replier)
        if isinstance(replier, ChannelReplier) and replier.crowded():
            self.boards.wait_here(job, replier.channel)
            return False
        try:
            await status.post(replier)
        except discord.HTTPException:
            self.messages.pop(job.id, None)
            raise
        await self._posted(job, status)
        return True

    async def _posted(self, job: Job, status: StatusMessage) -> None:
        if status.message is not None:
            job.status_message_id = status.message.id
            await self.journal_safely(self.journal.status_posted(job.id, status.message.id))

    def draw(self, job: Job) -> dict[str, Any]:
        view = None if job.state.finished else cancel_view(job.id)
        notes = [self.waiting_note() if job.state is JobState.QUEUED else None]
        replier = self.repliers.get(job.id)
        if isinstance(replier, InteractionReplier) and not replier.in_bot_channel:
            notes.append(DM_NOTE)
        note = "\n".join(n for n in notes if n) or None
        embed = status_embed(job, queue_length=len(self.queue), note=note)
        return {"embed": embed, "view": view}

    def waiting_note(self) -> str | None:
        """Why the waiting jobs are not moving, if they are not."""
        return paused_note(self.queue.paused, self.queue.held) or self.backend.status_note()

    def redraw_waiting(self) -> None:
        self.boards.redraw()
        for status in self.messages.values():
            if status.job.state is JobState.QUEUED:
                status.touch()

    def touch(self, job: Job) -> None:
        """The job changed: its status (or its board) redraws when its interval allows."""
        if self.boards.waiting(job):
            self.boards.progressed(job)
            running = job.state is JobState.RUNNING and job.id not in self._promoting
            if running and not self.pacer.crowded(job.channel_id):  # room again here
                self._promoting.add(job.id)
                self.background(asyncio.create_task(self._own_status(job)))
        status = self.messages.get(job.id)
        if status is not None:
            status.touch()

    async def _own_status(self, job: Job) -> None:
        """A job on its channel's board paints while the channel has room again: its own
        status message, and off the board (where it stays if the message cannot be posted)."""
        status, replier = self.messages.get(job.id), self.repliers.get(job.id)
        if status is None or replier is None:
            return
        try:
            await status.post(replier)
        except discord.HTTPException as exc:
            log.warning("job %s: could not post its status message (%s)", job.id, exc)
            return
        finally:
            self._promoting.discard(job.id)
        self.boards.leave(job)
        await self._posted(job, status)

    def retire(self, job: Job) -> None:
        """The job is over: its status draws the final state and lets go of it."""
        if self.boards.waiting(job):  # over before it had a message of its own
            self.boards.leave(job)
            if job.id not in self._promoting:  # else that message draws the end, then goes
                self.messages.pop(job.id, None)
        self.repliers.pop(job.id, None)
        status = self.messages.get(job.id)
        if status is not None:
            status.touch()

    def stop(self) -> None:
        self.boards.stop()
        for status in self.messages.values():
            status.stop()
