"""The job journal: every job from before it is acknowledged until it has been answered.

A job is written with its inputs when it is queued, marked running when a worker takes it,
gets its encoded result when the engine finishes, and is marked finished (done, failed or
cancelled) only after the member has been answered. So after a crash the unfinished jobs are
exactly the ones a member still waits for: queued ones run, running ones run again, and ones
whose picture was made but not delivered are delivered without painting them again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from bot.job import Job, JobInputs, JobState, Rendered
from bot.store.blobs import get_blob, has_blob, put_blob, sweep_blobs
from bot.store.daily import (
    DailyLimits,
    DailyUse,
    daily_use,
    give_back_daily,
    sweep_daily,
    take_daily,
)
from bot.store.database import Database
from bot.store.forgetting import check_not_forgotten
from bot.store.job_rows import Unreadable, job_of
from bot.store.open_jobs import MemberCap, check_member_cap
from bot.store.quota import Quota, kept_by_member, kept_by_server, make_room


@dataclass(frozen=True)
class Swept:
    jobs: int
    blobs: int


class JobJournal:
    def __init__(self, database: Database) -> None:
        self._database = database

    def unreachable(self, error: BaseException) -> bool:
        """Whether ``error`` means the store cannot be reached (see :class:`Database`)."""
        return self._database.unreachable(error)

    async def record(
        self,
        job: Job,
        *,
        quota: Quota | None = None,
        daily: DailyLimits | None = None,
        member_cap: MemberCap | None = None,
    ) -> None:
        """Write a new job with its inputs (before the member hears it was queued), within
        ``quota``: room is made by letting go of old finished jobs' images, else
        :class:`~bot.store.quota.NoRoom` and nothing is written; within the ``daily``
        pictures of its member and server, else :class:`~bot.store.daily.OverDaily`; within
        the member's cap on jobs counted with other processes', else
        :class:`~bot.store.open_jobs.TooManyOpen`; and not for a member forgotten since the job
        was asked for (:class:`~bot.store.forgetting.ForgottenMeanwhile`)."""
        now = time.time()
        async with self._database.transaction() as db:
            await check_not_forgotten(db, job.owner_id, job.created_at)
            if member_cap is not None:
                await check_member_cap(db, job.owner_id, member_cap)
            if daily is not None:
                await take_daily(db, job.id, job.owner_id, job.guild_id, daily, now=now)
            if quota is not None:
                need = 0
                for image in (job.content, *job.styles):
                    if image.data is not None and not await has_blob(db, image.digest):
                        need += len(image.data)
                await make_room(
                    db, owner_id=job.owner_id, guild_id=job.guild_id, need=need, quota=quota
                )
            await db.execute(
                """
                INSERT INTO jobs (id, state, owner_id, owner_name, guild_id, channel_id,
                    command_message_id, status_message_id, params, sources, preset,
                    gallery, timelapse, upload_limit, attempts, created_at, updated_at, grid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    job.id,
                    str(job.state),
                    job.owner_id,
                    job.owner_name,
                    job.guild_id,
                    job.channel_id,
                    job.command_message_id,
                    job.status_message_id,
                    json.dumps(job.params.as_strings()),
                    json.dumps(job.sources),
                    job.preset,
                    job.gallery,
                    int(job.timelapse),
                    job.upload_limit,
                    job.attempts,
                    job.created_at,
                    now,
                    json.dumps(job.grid.as_json()) if job.grid is not None else None,
                ),
            )
            for position, image in enumerate((job.content, *job.styles)):
                if image.data is not None:
                    digest = await put_blob(db, image.data)
                elif await has_blob(db, image.digest):  # a re-run of a job the store has
                    digest = image.digest
                else:
                    raise LookupError(f"{image.name} is no longer stored")
                await db.execute(
                    """
                    INSERT INTO job_inputs (job_id, position, name, digest, width, height)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    (job.id, position, image.name, digest, image.size[0], image.size[1]),
                )
        await self._database.release_free_pages()  # what room was made for

    async def status_posted(self, job_id: str, message_id: int) -> None:
        await self._update(job_id, "status_message_id = ?", message_id)

    async def started(self, job: Job) -> None:
        """A worker took the job: count the attempt before the engine runs."""
        await self._update(job.id, "state = ?, attempts = ?", str(JobState.RUNNING), job.attempts)

    async def dispatched(self, job_id: str, key: str) -> None:
        """The job was sent to the workers as run ``key`` (followed again after a restart)."""
        await self._update(job_id, "dispatch_key = ?", key)

    async def rendered(self, job_id: str, result: Rendered) -> None:
        """Keep the finished picture until it has been delivered."""
        meta = {
            "format": result.image.format,
            "size": list(result.image.size),
            "elapsed": result.elapsed,
            "device": result.device,
            "precision": result.precision,
            "frames": result.frames,
        }
        async with self._database.transaction() as db:
            digest = await put_blob(db, result.image.data)
            await db.execute(  # not once it is answered (a late retry)
                "UPDATE jobs SET result_digest = ?, result_meta = ?, updated_at = ? "
                "WHERE id = ? AND finished_at IS NULL",
                (digest, json.dumps(meta), time.time(), job_id),
            )

    async def finished(self, job: Job) -> None:
        """The member has been answered (or the job was cancelled): it is out of the queue.

        A painted job keeps its picture and its inputs until the sweep (the member's history
        shows the one and runs the other again; quotas may let go of them sooner); a job that
        made no picture lets go of what it was painting, and a cancelled job of its inputs
        too (nothing can run it again)."""
        assert job.state.finished
        now = time.time()
        async with self._database.transaction() as db:
            cursor = await db.execute("SELECT result_digest FROM jobs WHERE id = ?", (job.id,))
            row = await cursor.fetchone()
            let_go = []
            keep_result = job.state is JobState.DONE
            if not keep_result and row is not None and row[0] is not None:
                let_go.append(row[0])
            if job.state is JobState.FAILED or (
                job.state is JobState.CANCELLED and job.attempts == 0
            ):  # it painted nothing: the member's daily count is given back
                await give_back_daily(db, job.id)
            if job.state is JobState.CANCELLED:
                cursor = await db.execute(
                    "SELECT digest FROM job_inputs WHERE job_id = ?", (job.id,)
                )
                let_go += [item[0] for item in await cursor.fetchall()]
                await db.execute("DELETE FROM job_inputs WHERE job_id = ?", (job.id,))
            await db.execute(
                f"""
                UPDATE jobs SET state = ?, error = ?, updated_at = ?, finished_at = ?
                    {"" if keep_result else ", result_digest = NULL"}
                WHERE id = ?
                """,
                (str(job.state), job.error, now, now, job.id),
            )
            await sweep_blobs(db, let_go)
        await self._database.release_free_pages()

    async def abandon(self, job_id: str) -> None:
        """Close an entry that cannot become a job again (see :class:`Unreadable`)."""
        now = time.time()
        await self._update(
            job_id,
            "state = ?, error = ?, finished_at = ?",
            str(JobState.FAILED),
            "could not be resumed",
            now,
        )

    async def unfinished(self) -> tuple[list[Job], list[Unreadable]]:
        """Jobs a member still waits for, oldest first, as queued (with any stored result)."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "SELECT * FROM jobs WHERE finished_at IS NULL ORDER BY created_at, id"
            )
            rows = await cursor.fetchall()
            jobs, unreadable = [], []
            for row in rows:
                job = await job_of(db, row)
                if isinstance(job, Unreadable):
                    unreadable.append(job)
                else:
                    jobs.append(job)
        return jobs, unreadable

    async def load(self, job_id: str) -> Job | None:
        """A job with its inputs, finished or not (None if unknown or swept)."""
        async with self._database.transaction() as db:
            cursor = await db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,))
            row = await cursor.fetchone()
            job = await job_of(db, row) if row is not None else None
        return job if isinstance(job, Job) else None

    async def summary(self, job_id: str) -> Job | None:
        """A job as its Info shows it, read without a write lock and without checking that its
        images are still stored."""
        async with self._database.reading() as db:
            cursor = await db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,))
            row = await cursor.fetchone()
            job = await job_of(db, row, check_images=False) if row is not None else None
        return job if isinstance(job, Job) else None

    async def inputs_of(self, job: Job) -> JobInputs | None:
        """The bytes of a job's images (for a run or a delivery), None if any is gone."""
        async with self._database.reading() as db:
            found = [await get_blob(db, image.digest) for image in (job.content, *job.styles)]
        if any(data is None for data in found):
            return None
        content, *styles = (data for data in found if data is not None)
        return JobInputs(content, tuple(styles))

    async def kept(self, *, guild_id: int | None = None, owner_id: int | None = None) -> int:
        """Bytes of pictures a server (or a member) keeps in the store now."""
        async with self._database.reading() as db:
            if guild_id is not None:
                return await kept_by_server(db, guild_id)
            assert owner_id is not None
            return await kept_by_member(db, owner_id)

    async def made(self, job_id: str) -> dict[str, Any] | None:
        """How a finished job's picture was made (format, size, elapsed, device, precision,
        finished_at), or None if it made none or is forgotten."""
        async with self._database.reading() as db:
            cursor = await db.execute(
                "SELECT result_meta, finished_at FROM jobs WHERE id = ?", (job_id,)
            )
            row = await cursor.fetchone()
        if row is None or row["result_meta"] is None:
            return None
        meta: dict[str, Any] = json.loads(row["result_meta"])
        meta["finished_at"] = row["finished_at"]
        return meta

    async def sweep(self, *, older_than: float) -> Swept:
        """Forget jobs finished before ``older_than`` (a time.time()) and unused images."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?",
                (older_than,),
            )
            jobs = cursor.rowcount
            blobs = await sweep_blobs(db)
            await sweep_daily(db)
        await self._database.release_free_pages()
        return Swept(jobs, blobs)

    async def daily_use(self, owner_id: int, guild_id: int | None) -> DailyUse:
        """The member's pictures (and their server's) in the last 24 hours."""
        async with self._database.reading() as db:
            return await daily_use(db, owner_id, guild_id)

    async def _update(self, job_id: str, assignments: str, *values: object) -> None:
        async with self._database.transaction() as db:
            await db.execute(
                f"UPDATE jobs SET {assignments}, updated_at = ? WHERE id = ?",
                (*values, time.time(), job_id),
            )
