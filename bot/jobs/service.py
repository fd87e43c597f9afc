"""The job service: takes requests, journals and queues them, keeps their status messages current,
and answers the members; commands and buttons call into it. Where the painting happens is its
backend's business (see :mod:`bot.jobs.backends`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.job import Job, JobState
from bot.jobs.backends.base import Backend
from bot.jobs.board_memory import BoardMemory
from bot.jobs.delivery import announce
from bot.jobs.flags import RequestError
from bot.jobs.forgetting import ForgettingFollower
from bot.jobs.grid import requested_grid
from bot.jobs.guild_config import GuildConfig
from bot.jobs.inputs import ImageIntake
from bot.jobs.journaling import STORAGE_FAILED, JournalWrites, member_cap, record_new
from bot.jobs.pausing import SharedPause
from bot.jobs.planning import JobRequest, Planner, new_job
from bot.jobs.queue import FairQueue, Place, QueueRefused
from bot.jobs.resume import resume_jobs
from bot.jobs.runner import Runner
from bot.jobs.statuses import Statuses
from bot.jobs.store_watch import StoreWatch
from bot.jobs.sweeper import clean_up_forever
from bot.looplag import LagSnapshot
from bot.observe.logs import current_job
from bot.observe.metrics import BotMetrics
from bot.settings import BotSettings
from bot.store import Store
from bot.ui.replies import Replier
from bot.ui.status import StatusMessage
from styleengine.allocator import release_free_memory

log = logging.getLogger(__name__)

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
        self.intake = ImageIntake.of(session, settings)
        self.store = store
        self.backend = backend
        self.channel_for = channel_for
        self.dm_for = dm_for
        self.queue = FairQueue(settings.queue_limit, settings.user_limit, settings.server_limit)
        self.queue.on_change(self._queue_moved)
        self.planner = Planner(settings, store, self.queue)
        self.store_watch = StoreWatch(store, self.queue, on_back=self.writes.store_back)
        self.pause = SharedPause(store, self.queue)
        self.jobs: dict[str, Job] = {}  # queued or running
        self.forgetting = ForgettingFollower(store.shared, self)
        self._tasks: set[asyncio.Task[None]] = set()
        self.board_memory = BoardMemory(store.shared, self.background)
        self.statuses = Statuses(
            self.queue,
            backend,
            store.journal,
            interval=settings.progress_interval,
            journal_safely=self.journal_safely,
            background=self.background,
            board_records=self.board_memory,
        )
        self.pacer = self.statuses.pacer
        self.boards = self.statuses.boards
        self.runner = Runner(
            self.queue,
            backend,
            store.journal,
            journal_safely=self.journal_safely,
            journal_surely=self.journal_surely,
            touch=self.statuses.touch,
            done=self._done,
            loop_lag=loop_lag,
            metrics=self.metrics,
            may_start=self.pause.may_start,
        )
        self._arriving = 0  # requests between their check and their queueing
        backend.on_change(self.statuses.redraw_waiting)

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Pick up the journal's unfinished jobs, then start painting and the clean-up."""
        await self.backend.start()
        await resume_jobs(self, in_process=self.backend.in_process)
        old_boards = self.board_memory.settle(
            self.pacer, self.channel_for, self.settings.runs_shard_of
        )
        self.background(asyncio.create_task(old_boards, name="old-boards"))
        self.background(asyncio.create_task(self.runner.run(), name="job-runner"))
        self.background(asyncio.create_task(self.pause.follow(), name="shared-pause"))
        self.background(asyncio.create_task(self.forgetting.follow(), name="forgetting"))
        self.background(
            asyncio.create_task(clean_up_forever(self.store, self.settings), name="clean-up")
        )

    async def stop(self) -> None:
        """Stop working; unfinished jobs stay in the journal for the next start."""
        await self.backend.stop()
        self.store_watch.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.statuses.stop()

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
            job.created_at = request.asked_at  # not after its download (a /forget-me meanwhile)
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
                self.store.journal,
                job,
                config.quota(in_server),
                config.daily(in_server),
                member_cap(self.settings, self.queue, job, config.user_limit),
            )
            # From here the images wait in the store, not in memory (read again to paint).
            job.content = job.content.shelved()
            job.styles = tuple(s.shelved() for s in job.styles)
            self.queue.put(job, place=place)
        finally:
            self.queue.release(place)  # nothing if the job took it
        self.jobs[job.id] = job
        current_job.set(job.id)  # the lines logged from here on name it
        try:
            own = await self.statuses.acknowledge(job, replier)
        except discord.HTTPException:
            log.exception("job %s: could not post its status message; dropping it", job.id)
            self.queue.remove(job)
            job.cancel.cancel()
            job.state = JobState.CANCELLED
            await self._retire(job)
            raise
        self.metrics.jobs.labels(job.kind, "queued").inc()
        board = "" if own else " (on the channel's board: a burst there)"
        log.info("job %s queued for %s (%d): size %d, %d iterations%s", job.id, job.owner_name,
                 job.owner_id, job.params.size, job.params.iterations, board)  # fmt: skip

    def restore(self, job: Job, replier: Replier) -> StatusMessage:
        """Queue a job taken before a restart (it was admitted then); returns its status."""
        self.queue.put(job, admitted=True)
        self.jobs[job.id] = job
        return self.statuses.new(job, replier)

    def replier_for(self, job: Job) -> Replier | None:
        return self.statuses.repliers.get(job.id)

    def background(self, task: asyncio.Task[None]) -> None:
        """Keep ``task`` until it ends or the service stops (and stop it then)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _queue_moved(self) -> None:
        """Queue positions changed (the queue has set them): redraw the waiting jobs."""
        self.statuses.redraw_waiting()

    async def cancel(self, job: Job, *, by: str) -> None:
        job.cancelled_by = by
        log.info("job %s cancelled by %s", job.id, by)
        if job.state is JobState.QUEUED and self.queue.remove(job):
            job.state = JobState.CANCELLED
            await self._retire(job)
        elif job.state is JobState.RUNNING:
            await self.backend.cancel(job)  # the painter stops; its run ends as cancelled
        elif job.state is JobState.QUEUED:  # taken from the queue, about to start
            job.cancel.cancel()  # the runner ends it as cancelled instead

    # -- the end of a job ---------------------------------------------------------------------

    async def _done(self, job: Job) -> None:
        """The painter is done with ``job``: answer the member, then retire it."""
        replier = self.statuses.repliers.get(job.id)
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
        self.jobs.pop(job.id, None)
        self.statuses.retire(job)
