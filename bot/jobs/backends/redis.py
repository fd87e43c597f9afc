"""Painting on worker processes behind Redis (``STYLEBOT_BROKER_URL``), through SAQ.

The bot decides the order: a job leaves the fair queue only when a worker slot is free (the
workers announce their slots), so SAQ's own queue stays short and first come is not first
served. Each run is an SAQ job keyed by its *dispatch key*; the bot follows it by polling its
record, the worker's report and the outcome key (:mod:`bot.broker.keys`), which also works
across a Redis restart, when pub/sub messages are lost. The first outcome of a run is the one
delivered; a duplicate run (SAQ's sweep can start one) finds the job already answered. Whether
Redis is there and how many worker slots are free is :mod:`.broker_health`'s to watch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import ResponseError
from saq.job import TERMINAL_STATUSES, Status
from saq.job import Job as SaqJob

from bot.broker.keys import (
    FUNCTION,
    INPUT_TTL,
    REPORT_TTL,
    cancel_key,
    input_key,
    outcome_key,
    preview_key,
    report_key,
)
from bot.broker.outcome import read_outcome
from bot.broker.progress import WorkerReport, progress_of, read_report
from bot.broker.queue import OUTAGE, job_options, open_queue, out_of_room, stop_if_cancelled
from bot.broker.task import Task
from bot.job import Job, JobInputs, Outcome, RunResult
from bot.jobs.backends.base import ANY_WORKER, Report, Reporter, Slot
from bot.jobs.backends.broker_health import BrokerHealth
from bot.settings import BotSettings
from bot.store import JobJournal
from styleengine import __version__

log = logging.getLogger(__name__)

POLL = 0.5  # seconds between looks at a running job

UNAVAILABLE_NOTE = "The painting queue is unavailable right now; your job waits for it."
NO_WORKER_NOTE = "No painter is online right now; your job starts when one is."


class RedisBackend:
    def __init__(self, url: str, settings: BotSettings, journal: JobJournal) -> None:
        self.queue = open_queue(url)
        self.redis = self.queue.redis
        self.settings = settings
        self.journal = journal
        self.health = BrokerHealth(self.queue)
        self._inputs_in_use: Counter[str] = Counter()  # digests of the jobs running here

    @property
    def in_process(self) -> bool:
        return False

    @property
    def capacity(self) -> int:
        return self.health.capacity

    @property
    def available(self) -> bool:
        return self.health.available

    @property
    def workers(self) -> int:
        return self.health.workers

    @property
    def failures(self) -> int:
        return self.health.failures

    def status_note(self) -> str | None:
        if not self.health.available:
            return UNAVAILABLE_NOTE
        if self.health.capacity == 0:
            return NO_WORKER_NOTE
        return None

    def on_change(self, listener: Callable[[], None]) -> None:
        self.health.on_change(listener)

    async def start(self) -> None:
        await self.queue.connect()
        await self.health.start()
        log.info("painting on workers behind Redis: %d slot(s) online", self.health.capacity)

    async def stop(self) -> None:
        # The workers keep painting; the next start follows their runs again.
        await self.health.stop()
        await self.queue.disconnect()

    async def acquire(self) -> Slot:
        await self.health.take_slot()
        return ANY_WORKER

    def release(self, slot: Slot) -> None:
        self.health.give_slot_back()

    # -- runs ---------------------------------------------------------------------------------

    async def run(self, job: Job, slot: Slot, report: Reporter, inputs: JobInputs) -> RunResult:
        """Follow the job's run from before a restart if Redis still knows it, else send a new
        one; a run that Redis lost (it restarted empty) is sent again. When it ends, its
        images go from Redis too (unless another running job uses the same)."""
        digests = [image.digest for image in (job.content, *job.styles)]
        self._inputs_in_use.update(digests)
        try:
            return await self._run(job, report, inputs)
        finally:
            self._inputs_in_use.subtract(digests)
            unused = [d for d in set(digests) if self._inputs_in_use[d] <= 0]
            self._inputs_in_use = +self._inputs_in_use  # drop what reached zero
            if unused:  # DEL with no key is an error
                with contextlib.suppress(*OUTAGE):  # else they expire by themselves
                    await self.redis.delete(*(input_key(d) for d in unused))

    async def _run(self, job: Job, report: Reporter, inputs: JobInputs) -> RunResult:
        while True:
            stop_if_cancelled()
            if job.cancel.cancelled:
                return RunResult(Outcome.CANCELLED)
            try:
                key = job.dispatch_key
                if key is None or not await self._still_there(key):
                    key = await self._dispatch(job, inputs)
            except OUTAGE:
                self.health.failures += 1
                stop_if_cancelled()
                await self.health.outage_pause()
                continue
            except ResponseError as exc:
                if not out_of_room(exc):
                    raise
                log.error("job %s: Redis is out of memory (%s); refusing it", job.id, exc)
                return RunResult(Outcome.FAILED, message=_NO_ROOM)
            result = await self._follow(job, key, report)
            if result is not None:
                await self._forget(key)
                return result
            log.warning("job %s: Redis lost its run %s; sending it again", job.id, key)

    async def cancel(self, job: Job) -> None:
        job.cancel.cancel()
        key = job.dispatch_key
        if key is None:
            return
        try:
            await self.redis.set(cancel_key(key), b"1", ex=REPORT_TTL)
            record = await self.queue.job(key)
            if record is not None and record.status in (Status.QUEUED, Status.NEW):
                await self.queue.abort(record, error="cancelled")
        except OUTAGE:
            self.health.failures += 1
            stop_if_cancelled()
            log.warning("job %s: Redis is unavailable; it is cancelled when it is back", job.id)

    async def _still_there(self, key: str) -> bool:
        """Is run ``key`` still going, or is its outcome waiting? (After a restart: follow it.)"""
        if await self.redis.exists(outcome_key(key)):
            return True
        record = await self.queue.job(key)
        return record is not None and record.status not in TERMINAL_STATUSES

    async def _dispatch(self, job: Job, inputs: JobInputs) -> str:
        job.dispatches += 1
        key = f"{job.id}-{job.dispatches}"
        digests = [image.digest for image in (job.content, *job.styles)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for digest, data in zip(digests, (inputs.content, *inputs.styles), strict=True):
                pipe.set(input_key(digest), data, ex=INPUT_TTL)
            await pipe.execute()
        task = Task(
            job_id=job.id,
            params=job.params.as_strings(),
            inputs=digests,
            upload_limit=job.upload_limit,
            preview_size=self.settings.preview_size,
            max_pixels=self.settings.max_pixels,
            engine=__version__,
            grid=job.grid is not None,
        )
        run = SaqJob(FUNCTION, kwargs=task.to_kwargs(), key=key,
                     **job_options(self.settings.heartbeat))  # fmt: skip
        await self.queue.enqueue(run)
        job.dispatch_key = key
        await _quietly(self.journal.dispatched(job.id, key))
        log.info("job %s sent to the workers as %s", job.id, key)
        return key

    async def _follow(self, job: Job, key: str, report: Reporter) -> RunResult | None:
        """Watch one run until it ends (a result), or until Redis has lost it (None)."""
        seen: WorkerReport | None = None
        missing_since: float | None = None
        while True:
            stop_if_cancelled()
            try:
                # The record first: a worker stores the outcome before SAQ marks the run
                # complete, so a complete run read here has its outcome visible below.
                record = await self.queue.job(key)
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.hgetall(outcome_key(key))
                    pipe.get(report_key(key))
                    outcome, raw_report = await pipe.execute()
                if outcome:
                    return read_outcome(outcome, job_id=job.id, key=key, max_bytes=job.upload_limit)
                if record is not None and record.status is Status.COMPLETE:
                    return None  # its outcome expired before this bot came back
                if record is None or self._stale(record):
                    # Redis restarted empty (a worker still painting it writes the record again
                    # with its next heartbeat), or its worker died where no sweep sees it.
                    missing_since = missing_since or time.monotonic()
                    if time.monotonic() - missing_since > self._patience:
                        return None
                    await asyncio.sleep(POLL)
                    continue
                missing_since = None
                if record.status is Status.FAILED:
                    log.error("job %s: run %s failed on a worker: %s", job.id, key, record.error)
                    return RunResult(Outcome.FAILED, message=_FAILED)
                if record.status is Status.ABORTED:
                    if job.cancel.cancelled:
                        return RunResult(Outcome.CANCELLED)
                    log.error("job %s: run %s given up: %s", job.id, key, record.error)
                    return RunResult(Outcome.FAILED, message=_GIVEN_UP)
                latest = read_report(raw_report, job_id=job.id, key=key)
                if latest is not None and latest != seen:
                    await self._relay(job, key, latest, seen, report)
                    seen = latest
            except OUTAGE:
                self.health.failures += 1
                stop_if_cancelled()
                await self.health.outage_pause()
                continue
            await asyncio.sleep(POLL)

    @property
    def _patience(self) -> float:
        """Seconds a run may be missing before it is sent again: a worker's heartbeat and
        SAQ's own sweep (its 5 s wait for an abort included) get to act first."""
        return 3 * self.settings.heartbeat + 10

    def _stale(self, record: SaqJob) -> bool:
        return (
            record.status is Status.ACTIVE
            and bool(record.touched)
            and (time.time() - record.touched / 1000 > self._patience)
        )

    async def _relay(self, job: Job, key: str, latest: WorkerReport, seen: WorkerReport | None,
                     report: Reporter) -> None:  # fmt: skip
        preview = None
        if latest.preview and (seen is None or seen.preview != latest.preview):
            preview = await self.redis.get(preview_key(key))
        progress = progress_of(latest)
        report(job, Report(progress, preview, latest.device, restarted=latest.attempt > 1))

    async def _forget(self, key: str) -> None:
        """The run's bytes are in the journal now (or it ended without any)."""
        with contextlib.suppress(*OUTAGE):  # else they expire by themselves
            await self.redis.delete(outcome_key(key), report_key(key), preview_key(key),
                                    cancel_key(key))  # fmt: skip


_FAILED = "The painter failed; please try again."
_GIVEN_UP = (
    "the painters stopped several times while painting it, so I gave it up; a smaller "
    "`--size` may help"
)


_NO_ROOM = (
    "the painting queue has no room for it right now (its memory is full); please try again "
    "in a few minutes"
)


async def _quietly(call: Awaitable[Any]) -> None:
    try:
        await call
    except Exception:
        log.exception("the job journal failed")
