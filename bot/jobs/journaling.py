"""Writing to the job journal: a new job (every failure a reason for the member, a full disk
told apart), and the writes a member's job must not wait on: logged when they fail, and, for
what must not be lost (a picture made, a job answered), tried again in the background until the
disk takes them (a full disk may be freed) or the bot stops."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.job import Job
from bot.jobs.flags import RequestError
from bot.store import JobJournal
from bot.store.daily import DailyLimits, OverDaily
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
    journal: JobJournal, job: Job, quota: Quota, daily: DailyLimits | None = None
) -> None:
    """Write a new job to the journal within ``quota`` and the ``daily`` pictures; every way
    that fails is a :class:`RequestError` in words for the member (a full disk, a full quota,
    a day's pictures used, a broken store), and nothing of the job is kept."""
    try:
        await journal.record(job, quota=quota, daily=daily)
    except (NoRoom, OverDaily) as exc:
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


class JournalWrites:
    def __init__(self, background: Callable[[asyncio.Task[None]], None]) -> None:
        """``background``: keeps a task until the bot stops (and stops it then)."""
        self._background = background

    async def safely(self, call: Awaitable[T]) -> T | None:
        """Tell the journal; a failing disk is logged, and the member's job goes on."""
        try:
            return await call
        except Exception:
            log.exception("the job journal failed")
            return None

    async def surely(self, write: Callable[[], Awaitable[None]], what: str) -> None:
        """Tell the journal something it must not lose; when the write fails, the member's job
        goes on and the write is tried again in the background."""
        try:
            await write()
        except Exception:
            log.exception("the job journal failed to keep %s; trying again", what)
            self._background(asyncio.create_task(_retried(write, what), name=f"journal: {what}"))


async def _retried(write: Callable[[], Awaitable[None]], what: str) -> None:
    for attempt in itertools.count():
        await asyncio.sleep(RETRY_EVERY[min(attempt, len(RETRY_EVERY) - 1)])
        try:
            await write()
        except Exception as exc:
            if attempt == 0:
                log.warning("the job journal still cannot keep %s (%s)", what, exc)
            continue
        log.info("the job journal kept %s after %d more tries", what, attempt + 1)
        return
