"""The SAQ queue on Redis, as both sides open it: short timeouts, and an outage met calmly.

SAQ's defaults do not suit jobs of minutes: a job would time out after 10 s, no heartbeat would
tell a dead worker from a slow one, and a worker killed mid-job would never see it run again.
The task options here (:func:`job_options`) fix that. Out of the box, a worker whose Redis went
away also spins: its dequeue fails at once, and every failure starts the next attempt. Here a
failing Redis call in the worker's loops waits a moment, logs one line per outage, and the
clients reconnect by themselves when Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from redis import asyncio as aioredis
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from saq.job import Job as SaqJob
from saq.queue.redis import RedisQueue

from bot.broker.keys import OUTCOME_TTL, QUEUE

log = logging.getLogger(__name__)

# Errors that mean "Redis cannot be reached right now".
OUTAGE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
DEQUEUE_TIMEOUT = 1.0  # seconds a worker's blocking dequeue waits before looking around
JOB_TIMEOUT = 6 * 3600  # a run that takes longer is stopped (nothing reasonable does)
RETRIES = 3  # runs of one dispatch: a worker that dies mid-job costs one
RETRY_DELAY = 1.0


def out_of_room(exc: BaseException) -> bool:
    """Redis refused a write because it is at its ``maxmemory`` (policy ``noeviction``)."""
    return isinstance(exc, OutOfMemoryError) or (
        isinstance(exc, ResponseError) and str(exc).startswith("OOM")
    )


def stop_if_cancelled() -> None:
    """Raise the cancellation this task was asked for, if a Redis call swallowed it.

    On Python 3.11 a cancel that meets a timeout inside a Redis call can come out as a timeout or
    connection error, or vanish: a loop that waits out an outage would then go on after it was
    told to stop (seen as a bot that never finished closing). Loops that catch :data:`OUTAGE`
    call this in their handler and at their top."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def connect(url: str) -> aioredis.Redis:
    """A Redis client that fails fast when Redis is down (so the bot can say so) and
    reconnects by itself: a command waits at most a few seconds."""
    return aioredis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=DEQUEUE_TIMEOUT + 4,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), 1),
    )


def open_queue(url: str) -> StyleQueue:
    return StyleQueue(connect(url), name=QUEUE)


def job_options(heartbeat: float) -> dict[str, Any]:
    """SAQ options of every run: swept to another worker after ``heartbeat`` seconds without
    a sign of life, up to :data:`RETRIES` runs, kept a week for a bot that was down."""
    return {
        "timeout": JOB_TIMEOUT,
        "heartbeat": max(1, round(heartbeat)),
        "retries": RETRIES,
        "retry_delay": RETRY_DELAY,
        "ttl": OUTCOME_TTL,  # the run's record lives as long as its outcome
    }


class StyleQueue(RedisQueue):
    """SAQ's Redis queue, with the worker-side loops made patient during an outage."""

    _outage = False

    def _down(self, what: str, exc: BaseException) -> None:
        stop_if_cancelled()
        if not self._outage:
            log.warning("Redis unavailable (%s: %s); waiting for it to come back", what, exc)
        self._outage = True

    def _up(self) -> None:
        if self._outage:
            log.info("Redis is back")
        self._outage = False

    async def dequeue(self, timeout: float = 0.0, poll_interval: float = 0.0) -> SaqJob | None:
        try:
            job = await super().dequeue(timeout, poll_interval)
        except OUTAGE as exc:
            self._down("dequeue", exc)
            await asyncio.sleep(1.0)
            return None
        self._up()
        return job

    async def sweep(self, lock: int = 60, abort: float = 5.0) -> list[str]:
        try:
            return await super().sweep(lock, abort)
        except OUTAGE as exc:
            self._down("sweep", exc)
            return []

    async def schedule(self, lock: int = 1) -> list[str]:
        try:
            return await super().schedule(lock)
        except OUTAGE as exc:
            self._down("schedule", exc)
            return []

    async def jobs(self, job_keys: Any) -> list[SaqJob | None]:
        try:
            return await super().jobs(job_keys)
        except OUTAGE as exc:
            self._down("jobs", exc)
            return []

    async def write_worker_info(self, worker_id: str, info: Any, ttl: int) -> None:
        try:
            await super().write_worker_info(worker_id, info, ttl)
        except OUTAGE as exc:
            self._down("worker info", exc)
