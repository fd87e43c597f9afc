"""The job service: takes requests, journals and queues them, keeps their status messages current,
and answers the members; commands and buttons call into it. Where the painting happens is its
backend's business (see :mod:`bot.jobs.backends`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord

from bot.job import Job, JobState
from bot.jobs.backends.base import Backend
from bot.jobs.delivery import announce
from bot.jobs.flags import RequestError
from bot.jobs.grid import requested_grid
from bot.jobs.guild_config import GuildConfig
from bot.jobs.inputs import ImageIntake
from bot.jobs.journaling import STORAGE_FAILED, JournalWrites, record_new
from bot.jobs.pausing import SharedPause
from bot.jobs.planning import JobRequest, Planner, new_job
from bot.jobs.queue import FairQueue, Place, QueueRefused, paused_note
from bot.jobs.resume import resume_jobs
from bot.jobs.runner import Runner
from bot.jobs.store_watch import StoreWatch
from bot.jobs.sweeper import clean_up_forever
from bot.looplag import LagSnapshot
from bot.observe.logs import current_job
from bot.observe.metrics import BotMetrics
from bot.settings import BotSettings
from bot.store import Store
from bot.ui.board import Boards
from bot.ui.embeds import status_embed
from bot.ui.pacing import ChannelPacer
from bot.ui.replies import ChannelReplier, InteractionReplier, Replier
from bot.ui.status import StatusMessage
from bot.ui.views import cancel_view
from styleengine.allocator import release_free_memory

log = logging.getLogger(__name__)

# Said on the status of a job the bot can answer only through the interaction (15 minutes).
DM_NOTE = "If this takes longer than Discord's 15 minutes here, your picture comes in your DMs."
UNAVAILABLE = (
    "The painting queue is unavailable right now (the operator is told); please try again in "
    "a few minutes."
)


class JobService:
    def __init__(
        self,
        settings: BotSettings,
        session: aiohttp.ClientSession,
        store: Store,
        backend: Backend,
        channel_for: Callable[[int], discord.abc.Messageable],
        loop_lag: Callable[[], LagSnapshot],
        dm_for: Callable[[int], Awaitable[discord.abc.Messageable]] | None = None,
        metrics: BotMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or BotMetrics()
        self.session = session
        self.writes = JournalWrites(self.background)
        self.journal_safely = self.writes.safely
        self.journal_surely = self.writes.surely
        self.intake = ImageIntake(
            session,
            max_bytes=settings.max_download_bytes,
            max_pixels=settings.max_pixels,
            keep_side=settings.max_size,
            decode_pixels=settings.decode_pixels,
            download_bytes=settings.download_bytes,
        )
        self.store = store
        self.backend = backend
        self.channel_for = channel_for
        self.dm_for = dm_for
        self.queue = FairQueue(settings.queue_limit, settings.user_limit, settings.server_limit)
        self.queue.on_change(self._queue_moved)
        self.planner = Planner(settings, store, self.queue)
        self.store_watch = StoreWatch(store, self.queue)
        self.pause = SharedPause(store, self.queue)
        self.jobs: dict[str, Job] = {}  # queued or running
        self.pacer = ChannelPacer()
        self.boards = Boards(self.pacer, lambda: len(self.queue), note=self._waiting_note)
        self.runner = Runner(
            self.queue,
            backend,
            store.journal,
            journal_safely=self.journal_safely,
            journal_surely=self.journal_surely,
            touch=self._touch,
            done=self._done,
            loop_lag=loop_lag,
            metrics=self.metrics,
            may_start=self.pause.may_start,
        )
        self._status: dict[str, StatusMessage] = {}
        self._repliers: dict[str, Replier] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._promoting: set[str] = set()  # jobs leaving their board for a status of their own
        self._arriving = 0  # requests between their check and their queueing
        backend.on_change(self._redraw_waiting)

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Pick up the journal's unfinished jobs, then start painting and the clean-up."""
        await self.backend.start()
        await resume_jobs(self, in_process=self.backend.in_process)
        self.background(asyncio.create_task(self.runner.run(), name="job-runner"))
        self.background(asyncio.create_task(self.pause.follow(), name="shared-pause"))
        self.background(
            asyncio.create_task(clean_up_forever(self.store, self.settings), name="clean-up")
        )

    async def stop(self) -> None:
        """Stop working; unfinished jobs stay in the journal for the next start."""
        await self.backend.stop()
        self.boards.stop()
        self.store_watch.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for status in self._status.values():
            status.stop()

    @property
    def arriving(self) -> int:
        """Requests between their check and their queueing (downloading, being journaled)."""
        return self._arriving

    @property
    def worker_count(self) -> int:
        """Jobs that can be painted at once, if the runner is alive."""
        alive = any(t.get_name() == "job-runner" and not t.done() for t in self._tasks)
        return self.backend.capacity if alive else 0

    # -- taking requests ----------------------------------------------------------------------

    async def submit(
        self,
        request: JobRequest,
        replier: Replier,
        *,
        before_download: Callable[[], Awaitable[object]] | None = None,
    ) -> Job | None:
        """Validate, download and queue a request; every refusal is a reply, never an error.

        ``before_download`` runs once the request is known to be valid (a slash command defers
        there: the refusals before it stay private and instant)."""
        plan = None
        self._arriving += 1
        try:
            try:
                plan = await self.planner.plan(request)
            except Exception as exc:  # reading the server's settings, the member's choices
                if not self.store.database.unreachable(exc):
                    raise
                raise RequestError(STORAGE_FAILED) from exc
            if before_download is not None:
                await before_download()
            images = await self.intake.fetch(plan.attachments, clip=plan.clip_limits)
            if plan.grid is not None:
                job = requested_grid(request, images[0], plan)
            else:
                if images and images[0].clip is not None:
                    plan = plan.for_clip(images[0])
                job = new_job(request, plan.images(images), plan)
            await self.enqueue(job, replier, config=plan.config, place=plan.place)
        except (RequestError, QueueRefused) as exc:
            self.metrics.jobs.labels("request", "refused").inc()
            await replier.refuse(str(exc))
            return None
        finally:
            if plan is not None and plan.place is not None:
                self.queue.release(plan.place)  # given back unless the job took it
            if self._arriving == 1:  # the last of a burst is in: its buffers back to the system
                await asyncio.to_thread(release_free_memory)
            self._arriving -= 1
        return job

    async def enqueue(
        self, job: Job, replier: Replier, *, config: GuildConfig, place: Place | None = None
    ) -> None:
        """Journal the job within the storage quotas of ``config``, queue it in its held
        ``place`` (else one held now, within the caps), then acknowledge it with its status
        message. Nothing is written for a job the caps or the quotas refuse."""
        if not self.backend.available:
            log.warning("job refused for %s: the painting queue is unavailable", job.owner_name)
            raise RequestError(UNAVAILABLE)
        if place is None:
            place = self.queue.hold_place(
                job.owner_id, per_user=config.user_limit, server_id=job.guild_id
            )
        try:
            # Before the member hears of it.
            in_server = job.guild_id is not None
            await record_new(
                self.store.journal, job, config.quota(in_server), config.daily(in_server)
            )
            # From here the images wait in the store, not in memory (read again to paint).
            job.content = job.content.shelved()
            job.styles = tuple(s.shelved() for s in job.styles)
            self.queue.put(job, place=place)
        finally:
            self.queue.release(place)  # nothing if the job took it
        self.jobs[job.id] = job
        self._repliers[job.id] = replier
        current_job.set(job.id)  # the lines logged from here on name it
        status = self._status_message(job)
        if isinstance(replier, ChannelReplier) and replier.crowded():
            # A burst here: the first answer is a line on the channel's board; the job's own
            # message comes when its painting starts (_touch).
            self.boards.wait_here(job, replier.channel)
            self.metrics.jobs.labels(job.kind, "queued").inc()
            log.info("job %s queued for %s (%d) on the board of channel %d", job.id,
                     job.owner_name, job.owner_id, job.channel_id)  # fmt: skip
            return
        try:
            await status.post(replier)
        except discord.HTTPException:
            log.exception("job %s: could not post its status message; dropping it", job.id)
            self.queue.remove(job)
            job.cancel.cancel()
            job.state = JobState.CANCELLED
            self._status.pop(job.id, None)
            await self._retire(job)
            raise
        self.metrics.jobs.labels(job.kind, "queued").inc()
        if status.message is not None:
            job.status_message_id = status.message.id
            await self.journal_safely(self.store.journal.status_posted(job.id, status.message.id))
        log.info(
            "job %s queued for %s (%d): size %d, %d iterations",
            job.id,
            job.owner_name,
            job.owner_id,
            job.params.size,
            job.params.iterations,
        )

    def _status_message(self, job: Job) -> StatusMessage:
        status = StatusMessage(
            job, draw=self._draw, interval=self.settings.progress_interval, pacer=self.pacer
        )
        self._status[job.id] = status
        status.when_closed(lambda: self._status.pop(job.id, None))
        return status

    def restore(self, job: Job, replier: Replier) -> StatusMessage:
        """Queue a job taken before a restart (it was admitted then); returns its status."""
        self.queue.put(job, admitted=True)
        self.jobs[job.id] = job
        self._repliers[job.id] = replier
        return self._status_message(job)

    def replier_for(self, job: Job) -> Replier | None:
        return self._repliers.get(job.id)

    def background(self, task: asyncio.Task[None]) -> None:
        """Keep ``task`` until it ends or the service stops (and stop it then)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _draw(self, job: Job) -> dict[str, Any]:
        view = None if job.state.finished else cancel_view(job.id)
        notes = [self._waiting_note() if job.state is JobState.QUEUED else None]
        replier = self._repliers.get(job.id)
        if isinstance(replier, InteractionReplier) and not replier.in_bot_channel:
            notes.append(DM_NOTE)
        note = "\n".join(n for n in notes if n) or None
        embed = status_embed(job, queue_length=len(self.queue), note=note)
        return {"embed": embed, "view": view}

    def _waiting_note(self) -> str | None:
        """Why the waiting jobs are not moving, if they are not."""
        return paused_note(self.queue.paused, self.queue.held) or self.backend.status_note()

    def _queue_moved(self) -> None:
        """Queue positions changed (the queue has set them): redraw the waiting jobs."""
        self._redraw_waiting()

    def _redraw_waiting(self) -> None:
        self.boards.redraw()
        for status in self._status.values():
            if status.job.state is JobState.QUEUED:
                status.touch()

    def _touch(self, job: Job) -> None:
        if self.boards.waiting(job):
            self.boards.progressed(job)
            running = job.state is JobState.RUNNING and job.id not in self._promoting
            if running and not self.pacer.crowded(job.channel_id):  # room again here
                self._promoting.add(job.id)
                self.background(asyncio.create_task(self._own_status(job)))
        status = self._status.get(job.id)
        if status is not None:
            status.touch()

    async def _own_status(self, job: Job) -> None:
        """A job on its channel's board paints while the channel has room again: its own
        status message, and off the board (where it stays if the message cannot be posted)."""
        status, replier = self._status.get(job.id), self._repliers.get(job.id)
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
        if status.message is not None:
            job.status_message_id = status.message.id
            await self.journal_safely(self.store.journal.status_posted(job.id, status.message.id))

    async def cancel(self, job: Job, *, by: str) -> None:
        job.cancelled_by = by
        log.info("job %s cancelled by %s", job.id, by)
        if job.state is JobState.QUEUED and self.queue.remove(job):
            job.state = JobState.CANCELLED
            await self._retire(job)
        elif job.state is JobState.RUNNING:
            await self.backend.cancel(job)  # the painter stops; its run ends as cancelled

    # -- the end of a job ---------------------------------------------------------------------

    async def _done(self, job: Job) -> None:
        """The painter is done with ``job``: answer the member, then retire it."""
        replier = self._repliers.get(job.id)
        inputs = None
        if job.result is not None:  # the card shows the inputs beside the picture
            inputs = await self.journal_safely(self.store.journal.inputs_of(job))
        delivered = await announce(
            job,
            replier,
            inputs=inputs,
            pacer=self.pacer,
            channel_for=self.channel_for,
            dm_for=self.dm_for,
        )
        if not delivered:
            job.undelivered = True
        await self._retire(job)

    async def _retire(self, job: Job) -> None:
        """The job is over: the journal told, its status drawn final, out of the service.

        The journal first: a job that has left the service is closed in the journal too, so a
        stop right after it (the runner's task cancelled) cannot leave it to be sent again."""
        if not job.undelivered:  # else the next start delivers it
            await self.journal_surely(
                lambda: self.store.journal.finished(job), f"job {job.id} answered"
            )
        self.metrics.job_ended(job)
        if self.boards.waiting(job):  # over before it had a message of its own
            self.boards.leave(job)
            if job.id not in self._promoting:  # else that message draws the end, then goes
                self._status.pop(job.id, None)
        self.jobs.pop(job.id, None)
        self._repliers.pop(job.id, None)
        status = self._status.get(job.id)
        if status is not None:
            status.touch()  # draws the final state, then its task ends and lets go of it
