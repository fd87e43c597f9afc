"""Writing to the job journal: a new job (every failure a reason for the member, a full disk
told apart), and the writes a member's job must not wait on: logged when they fail, and, for
what must not be lost (a picture made, a job answered), tried again in the background until the
disk takes them (a full disk may be freed) or the bot stops."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.job import Job
from bot.jobs.flags import RequestError
from bot.jobs.queue import FairQueue
from bot.settings import BotSettings
from bot.store import JobJournal
from bot.store.daily import DailyLimits, OverDaily
from bot.store.forgetting import ForgottenMeanwhile
from bot.store.open_jobs import MemberCap, TooManyOpen
from bot.store.quota import NoRoom, Quota

T = TypeVar("T")

log = logging.getLogger(__name__)

RETRY_EVERY = (1.0, 5.0, 30.0)  # seconds between tries of a write that failed, then the last
STORAGE_FAILED = "I cannot take jobs right now (my storage failed); the operator is told."
DISK_FULL = (
    "I cannot take new jobs right now: my disk is full (the operator is told). Jobs already "
    "waiting are still painted; please try again later."
)


async def record_new(
    journal: JobJournal,
    job: Job,
    quota: Quota,
    daily: DailyLimits | None = None,
    member_cap: MemberCap | None = None,
) -> None:
    """Write a new job to the journal within ``quota``, the ``daily`` pictures and the
    ``member_cap`` counted with other processes; every way that fails is a
    :class:`RequestError` in words for the member (a full disk, a full quota, a day's pictures
    used, too many jobs, a broken store), and nothing of the job is kept."""
    try:
        await journal.record(job, quota=quota, daily=daily, member_cap=member_cap)
    except (NoRoom, OverDaily, TooManyOpen, ForgottenMeanwhile) as exc:
        raise RequestError(str(exc)) from exc
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorname != "SQLITE_FULL":
            log.exception("job %s: could not write it to the journal", job.id)
            raise RequestError(STORAGE_FAILED) from exc
        log.error("job %s refused: the store's disk is full (%s)", job.id, exc)
        raise RequestError(DISK_FULL) from exc
    except Exception as exc:
        log.exception("job %s: could not write it to the journal", job.id)
        raise RequestError(STORAGE_FAILED) from exc


def member_cap(settings: BotSettings, queue: FairQueue, job: Job, limit: int) -> MemberCap | None:
    """The cap on ``job``'s member, to be counted with the jobs of other processes' servers
    (None when this process runs every shard: its queue sees all of them). ``job`` holds a
    place in ``queue``."""
    if settings.runs_every_shard:
        return None
    held_here = queue.held_by(job.owner_id) - 1  # less the place the job holds
    return MemberCap(
        min(limit, queue.per_user), held_here, lambda guild: not settings.runs_shard_of(guild)
    )


class JournalWrites:
    def __init__(self, background: Callable[[asyncio.Task[None]], None]) -> None:
        """``background``: keeps a task until the bot stops (and stops it then)."""
        self._background = background
        self._store_back = asyncio.Event()  # set (and replaced) when the store answers again

    async def safely(self, call: Awaitable[T]) -> T | None:
        """Tell the journal; a failing disk is logged, and the member's job goes on."""
        try:
            return await call
        except Exception:
            log.exception("the job journal failed")
            return None

    async def surely(self, write: Callable[[], Awaitable[None]], what: str) -> None:
        """Tell the journal something it must not lose; when the write fails, the member's job
        goes on and the write is tried again in the background (at once when the store is
        found answering again after an outage, else after a while)."""
        try:
            await write()
        except Exception:
            log.exception("the job journal failed to keep %s; trying again", what)
            retried = self._retried(write, what)
            self._background(asyncio.create_task(retried, name=f"journal: {what}"))

    def store_back(self) -> None:
        """The store answers again: the writes waiting for another try try now."""
        self._store_back.set()
        self._store_back = asyncio.Event()

    async def _retried(self, write: Callable[[], Awaitable[None]], what: str) -> None:
        for attempt in itertools.count():
            back = self._store_back
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(back.wait(), RETRY_EVERY[min(attempt, len(RETRY_EVERY) - 1)])
            try:
                await write()
            except Exception as exc:
                if attempt == 0:
                    log.warning("the job journal still cannot keep %s (%s)", what, exc)
                continue
            log.info("the job journal kept %s after %d more tries", what, attempt + 1)
            return
