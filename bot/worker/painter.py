"""One run of a job on a worker: check it is ours to paint, fetch its inputs, paint it on a free
device while keeping SAQ's heartbeat and the bot's report current, store the outcome.

A run that asks for another engine version or other weights is refused (another worker may
take it; when none does, the member is told why). A run whose outcome is already stored (a
duplicate that SAQ's sweep started) is not painted again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from redis import asyncio as aioredis
from saq.job import Job as SaqJob

from bot.broker.keys import (
    OUTCOME_TTL,
    REPORT_TTL,
    cancel_key,
    input_key,
    outcome_key,
    preview_key,
    report_key,
)
from bot.broker.outcome import outcome_fields
from bot.broker.progress import LiveReport, WorkerReport
from bot.broker.queue import OUTAGE, stop_if_cancelled
from bot.broker.task import Task, TaskError
from bot.job import Outcome, RunResult
from bot.observe.logs import current_job
from bot.observe.metrics import PaintMetrics
from bot.painting.batcher import Batcher
from bot.painting.render import Order, Work, paint
from bot.painting.slots import DeviceSlots
from styleengine import CancelToken, ParamError, Progress, StyleParams, __version__

log = logging.getLogger(__name__)

TICK = 0.5  # seconds between looks at the cancel key and report updates
STORE_PATIENCE = 15 * 60  # seconds an outcome waits for Redis to come back


class Refused(Exception):
    """This worker may not paint the run; SAQ gives it to another worker."""


class Painter:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        weights: str,
        heartbeat: float,
        slots: DeviceSlots,
        batchers: dict[str, Batcher] | None = None,
        largest: int | None = None,
        metrics: PaintMetrics | None = None,
    ) -> None:
        self.redis = redis
        self.weights = weights
        self.heartbeat = heartbeat
        self.slots = slots
        self.batchers = batchers or {}  # by device, where jobs are painted in batches
        self.largest = largest  # the largest size the devices' memory takes, if they limit it
        self.metrics = metrics
        self.painting = 0  # runs being painted now

    async def run(self, job: SaqJob, kwargs: dict[str, Any]) -> dict[str, str]:
        key = job.key
        if await self.redis.exists(outcome_key(key)):
            log.info("run %s already has its outcome; not painting it twice", key)
            return {"outcome": "duplicate"}
        try:
            task = Task.from_kwargs(kwargs)
        except TaskError as exc:
            return await self._refuse(job, str(exc))
        current_job.set(task.job_id)  # this run's log lines name the job
        if reason := self._mismatch(task):
            return await self._refuse(job, reason, task)
        try:
            params = StyleParams().with_strings(task.params)
        except ParamError as exc:
            return await self._refuse(job, f"its options do not apply here ({exc})", task)
        if self.largest is not None and params.size > self.largest:
            reason = f"size {params.size} is more than this GPU's memory takes ({self.largest})"
            return await self._refuse(job, reason, task)
        inputs = await self.redis.mget([input_key(digest) for digest in task.inputs])
        if any(data is None for data in inputs):
            result = RunResult(Outcome.FAILED, message=_EXPIRED)
        else:
            work = Work(
                job_id=task.job_id,
                content=inputs[0],
                styles=tuple(inputs[1:]),
                params=params,
                upload_limit=task.upload_limit,
                preview_size=task.preview_size,
                max_pixels=task.max_pixels,
                grid=task.grid,
            )
            if self.batchers:  # the least busy device's next batch
                device = min(self.batchers, key=lambda d: self.batchers[d].load)
            else:
                device = await self.slots.take()
            self.painting += 1
            try:
                log.info("job %s (run %s, attempt %d) on %s: size %d, %d iterations",
                         task.job_id, key, job.attempts, device, params.size,
                         params.iterations)  # fmt: skip
                result = await self._paint(job, work, device)
            finally:
                self.painting -= 1
                if not self.batchers:
                    self.slots.give_back(device)
            self._count(result, params, device)
        await self._store(key, result)
        log.info("job %s (run %s): %s", task.job_id, key, result.outcome)
        return {"outcome": str(result.outcome)}

    def _count(self, result: RunResult, params: StyleParams, device: str) -> None:
        if self.metrics is None:
            return
        rendered = result.rendered
        self.metrics.painted_one(
            size=params.size,
            device=rendered.device if rendered is not None else device,
            seconds=rendered.elapsed if rendered is not None else 0.0,
            iterations=params.iterations * max(1, rendered.frames if rendered else 0),
            outcome=str(result.outcome),
        )

    def _mismatch(self, task: Task) -> str | None:
        if task.engine != __version__:
            return f"it asks for engine {task.engine}, this worker runs {__version__}"
        asked = task.params.get("weights", "caffe")
        if asked != self.weights:
            return f"it asks for the weights {asked!r}, this worker has {self.weights!r}"
        return None

    async def _refuse(self, job: SaqJob, reason: str, task: Task | None = None) -> dict[str, str]:
        what = f"job {task.job_id}" if task else "a job"
        log.error("refusing %s (run %s, attempt %d of %d): %s",
                  what, job.key, job.attempts, job.retries, reason)  # fmt: skip
        if job.attempts < job.retries:
            raise Refused(reason)  # SAQ queues it again, for another worker
        message = f"no painter here can run it ({reason}); the operator is told"
        await self._store(job.key, RunResult(Outcome.FAILED, message=message))
        return {"outcome": "refused"}

    async def _paint(self, job: SaqJob, work: Work, device: str) -> RunResult:
        cancel = CancelToken()
        live = LiveReport(WorkerReport(attempt=job.attempts, device=device))
        loop = asyncio.get_running_loop()

        def on_progress(progress: Progress, preview: bytes | None) -> None:  # engine thread
            loop.call_soon_threadsafe(live.update, progress, preview)

        painting: asyncio.Future[RunResult]
        if device in self.batchers:
            # In line at once: a job logged as taken is in the device's next batch.
            painting = self.batchers[device].submit(Order(work, on_progress, cancel))
        else:
            paint_it = functools.partial(
                paint, work, device=device, on_progress=on_progress, cancel=cancel
            )
            painting = loop.run_in_executor(None, paint_it)
        keeper = asyncio.create_task(self._keep_alive(job, live, cancel))
        try:
            return await asyncio.shield(painting)
        except asyncio.CancelledError:
            cancel.cancel()  # SAQ aborts or stops us: the engine stops within an iteration
            await asyncio.wait([painting])
            raise
        finally:
            keeper.cancel()
            await asyncio.gather(keeper, return_exceptions=True)

    async def _keep_alive(self, job: SaqJob, live: LiveReport, cancel: CancelToken) -> None:
        """Until the run ends: stop if the bot asks, tell it how far we are, and beat SAQ's
        heartbeat so that a worker that dies is noticed and its run given to another."""
        beat_every = max(0.5, self.heartbeat / 3)
        last_beat = 0.0
        sent: tuple[int, int] | None = None
        outage = False
        while True:
            stop_if_cancelled()
            try:
                if await self.redis.exists(cancel_key(job.key)):
                    cancel.cancel()
                if (live.updates, live.report.preview) != sent:
                    async with self.redis.pipeline(transaction=False) as pipe:
                        if live.preview is not None and (
                            sent is None or sent[1] != live.report.preview
                        ):
                            pipe.set(preview_key(job.key), live.preview, ex=REPORT_TTL)
                        pipe.set(report_key(job.key), live.report.to_json(), ex=REPORT_TTL)
                        await pipe.execute()
                    sent = (live.updates, live.report.preview)
                if time.monotonic() - last_beat >= beat_every:
                    await job.update()
                    last_beat = time.monotonic()
                if outage:
                    log.info("run %s: Redis is back", job.key)
                outage = False
            except OUTAGE as exc:
                stop_if_cancelled()
                if not outage:
                    log.warning("run %s: Redis unavailable (%s); painting on", job.key, exc)
                outage = True
            await asyncio.sleep(TICK)

    async def _store(self, key: str, result: RunResult) -> None:
        """Keep the outcome (and the picture) for the bot, waiting out a Redis outage."""
        fields = outcome_fields(result)
        deadline = time.monotonic() + STORE_PATIENCE
        while True:
            try:
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.hset(outcome_key(key), mapping=fields)
                    pipe.expire(outcome_key(key), OUTCOME_TTL)
                    await pipe.execute()
                return
            except OUTAGE as exc:
                stop_if_cancelled()
                if time.monotonic() > deadline:
                    log.error("run %s: could not store its outcome (%s); giving up", key, exc)
                    return
                await asyncio.sleep(1.0)


_EXPIRED = "its pictures expired before a painter was free; please ask again"
