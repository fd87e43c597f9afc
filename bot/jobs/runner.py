"""Runs the queue: whenever a painter is free, the next job in fair order goes to the backend;
an out-of-memory run is tried once more smaller; the finished job goes on to be delivered.

The same for both backends: only where the painting happens differs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.job import TIMELAPSE_FRAMES, Job, JobState, Outcome, RunResult
from bot.jobs.backends.base import Backend, Report, Slot
from bot.jobs.queue import FairQueue
from bot.jobs.reruns import smaller
from bot.looplag import LagSnapshot
from bot.observe.logs import current_job
from bot.observe.metrics import BotMetrics
from bot.store import JobJournal

log = logging.getLogger(__name__)

JournalCall = Callable[[Awaitable[None]], Awaitable[None]]


async def _always() -> bool:
    return True


class StoreUnreachable(Exception):
    """A job's pictures could not be read because the store cannot be reached."""


class Runner:
    def __init__(
        self,
        queue: FairQueue,
        backend: Backend,
        journal: JobJournal,
        *,
        journal_safely: JournalCall,
        journal_surely: Callable[[Callable[[], Awaitable[None]], str], Awaitable[None]],
        touch: Callable[[Job], None],
        done: Callable[[Job], Awaitable[None]],
        loop_lag: Callable[[], LagSnapshot],
        metrics: BotMetrics,
        may_start: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """``may_start``: asked before each job starts (a pause another process recorded)."""
        self.queue = queue
        self.backend = backend
        self.journal = journal
        self.journal_safely = journal_safely
        self.journal_surely = journal_surely
        self.touch = touch
        self.done = done
        self.loop_lag = loop_lag
        self.metrics = metrics
        self.may_start = may_start or _always
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        return len(self._tasks)

    async def run(self) -> None:
        """Forever: wait for a free painter, then give it the next job."""
        try:
            while True:
                slot = await self.backend.acquire()
                try:
                    job = await self.queue.get()
                    may_start = await self.may_start()
                except BaseException:
                    self.backend.release(slot)
                    raise
                if job.cancel.cancelled:  # cancelled while the shared pause was read
                    self.backend.release(slot)
                    self.queue.finish(job)
                    job.state = JobState.CANCELLED
                    self._keep(asyncio.create_task(self._answer(job), name=f"job-{job.id}"))
                elif not may_start:  # paused by another process meanwhile
                    self.queue.requeue(job)
                    self.backend.release(slot)
                else:
                    self._keep(asyncio.create_task(self._one(job, slot), name=f"job-{job.id}"))
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _answer(self, job: Job) -> None:
        await self.done(job)

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, job: Job, slot: Slot) -> None:
        current_job.set(job.id)  # this task's log lines name the job
        requeued = False
        try:
            await self._paint(job, slot)
        except StoreUnreachable:
            # Its pictures could not be read: back to the head of the queue, which the store's
            # watch holds until the store answers again (bot.jobs.store_watch).
            job.state, job.device = JobState.QUEUED, None
            job.attempts -= 1
            self.queue.requeue(job)
            requeued = True
            self.touch(job)
            return
        except Exception:
            log.exception("job %s: unexpected error while painting", job.id)
        finally:
            self.backend.release(slot)
            if not requeued:
                self.queue.finish(job)
        # Not reached when the runner stops: a job cut off by shutdown stays unfinished in the
        # journal and runs again (or, on a worker, goes on) at the next start.
        if not job.state.finished:
            job.state = JobState.FAILED
            job.error = job.error or "Something went wrong; please try again."
        await self.done(job)

    async def _paint(self, job: Job, slot: Slot) -> None:
        job.state = JobState.RUNNING
        job.device = slot.device
        job.attempts += 1
        self.metrics.job_started(job)
        await self.journal_safely(self.journal.started(job))
        self.touch(job)
        if job.result is not None:  # painted before a restart, not yet delivered
            job.state = JobState.DONE
            return
        # The images wait in the store while the job is queued; they are read for the run.
        try:
            inputs = await self.journal.inputs_of(job)
        except Exception as exc:
            if self.journal.unreachable(exc):
                log.warning("job %s: the store cannot be reached; back in the queue", job.id)
                raise StoreUnreachable from exc
            log.exception("job %s: could not read its pictures from the store", job.id)
            inputs = None
        if inputs is None:
            job.state = JobState.FAILED
            job.error = "its pictures are no longer stored; please send them again"
            return
        result = await self.backend.run(job, slot, self._report, inputs)
        while result.outcome is Outcome.OUT_OF_MEMORY and job.shrunk_from is None:
            size = smaller(job.params.size)
            if size is None:
                break
            log.warning("job %s: out of memory at %d px; once more at %d px",
                        job.id, job.params.size, size)  # fmt: skip
            job.shrunk_from = job.params.size
            job.params = job.params.replace(size=size)
            job.progress, job.preview, job.frames = None, None, []
            result = await self.backend.run(job, slot, self._report, inputs)
        self._settle(job, result)
        if self.backend.in_process:  # a worker process counts its own
            self.metrics.job_painted(job, str(result.outcome))
        self.touch(job)
        lag = self.loop_lag()
        log.info("job %s %s; event-loop lag p99 %.1f ms", job.id, job.state, lag.p99_ms)
        if result.rendered is not None:  # kept until it is delivered
            rendered = result.rendered
            await self.journal_surely(
                lambda: self.journal.rendered(job.id, rendered), f"job {job.id}'s picture"
            )

    def _settle(self, job: Job, result: RunResult) -> None:
        if result.outcome is Outcome.PAINTED and result.rendered is not None:
            job.state, job.result = JobState.DONE, result.rendered
        elif result.outcome is Outcome.CANCELLED:
            job.state = JobState.CANCELLED
        else:
            job.state = JobState.FAILED
            job.error = result.message or "Something went wrong; please try again."
            if result.outcome is Outcome.OUT_OF_MEMORY:
                asked = f" (asked: {job.shrunk_from})" if job.shrunk_from else ""
                job.error += f"{asked}; try a smaller `--size`."

    def _report(self, job: Job, report: Report) -> None:
        if job.state is not JobState.RUNNING:
            return
        if report.progress is not None:
            job.progress = report.progress
        if report.preview is not None:
            job.preview = report.preview
            if job.timelapse:
                job.frames.append(report.preview)
                if len(job.frames) > TIMELAPSE_FRAMES:
                    job.frames = job.frames[::2]
        if report.device is not None:
            job.device = report.device
        job.restarted = job.restarted or report.restarted
        self.touch(job)
