"""Each member's past pictures, as the journal keeps them (finished jobs with their picture and
inputs, until the retention sweep or the member's quota lets go of them), and erasing what the
bot keeps of a member."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from bot.store.blobs import get_blob, sweep_blobs
from bot.store.database import Database
from bot.store.forgetting import mark_forgotten, sweep_markers
from bot.store.sql import Sql


@dataclass(frozen=True)
class HistoryEntry:
    """One finished picture of a member's."""

    job_id: str
    finished_at: float
    guild_id: int | None
    styles: tuple[str, ...]  # the style inputs' names ("style udnie", "preset x", "starry.jpg")
    grid: bool  # a grid of styles to choose from, not one picture
    size: tuple[int, int] | None  # the picture's, if it made one
    frames: int  # a painted clip's frames; 0 for a still
    iterations: int
    picture_kept: bool  # the picture is still stored (Show)
    inputs_kept: bool  # the photo and styles are still stored (Run again, Larger)


@dataclass(frozen=True)
class Forgotten:
    """What erasing a member took away."""

    jobs: int
    preferences: int
    styles: int  # remembered style images
    bytes: int  # of images erased (an image someone else's job or a preset uses stays)


_ENTRIES = """
    SELECT j.id, j.finished_at, j.guild_id, j.result_meta, j.params, j.grid,
        j.result_digest IS NOT NULL AS picture_kept,
        EXISTS (SELECT 1 FROM job_inputs i WHERE i.job_id = j.id) AS inputs_kept
    FROM jobs j
    WHERE j.owner_id = ? AND j.state = 'done' AND j.finished_at IS NOT NULL
    ORDER BY j.finished_at DESC, j.created_at DESC, j.id DESC
"""


class History:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def count(self, owner_id: int) -> int:
        async with self._database.reading() as db:
            cursor = await db.execute(
                "SELECT COUNT(*) FROM jobs WHERE owner_id = ? AND state = 'done' "
                "AND finished_at IS NOT NULL",
                (owner_id,),
            )
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def entries(self, owner_id: int, *, offset: int, limit: int) -> list[HistoryEntry]:
        """The member's pictures, newest first, ``limit`` of them from ``offset``."""
        async with self._database.reading() as db:
            cursor = await db.execute(f"{_ENTRIES} LIMIT ? OFFSET ?", (owner_id, limit, offset))
            rows = await cursor.fetchall()
            entries = []
            for row in rows:
                cursor = await db.execute(
                    "SELECT name FROM job_inputs WHERE job_id = ? AND position > 0 "
                    "ORDER BY position",
                    (row["id"],),
                )
                styles = tuple(item[0] for item in await cursor.fetchall())
                meta = json.loads(row["result_meta"]) if row["result_meta"] else {}
                grid = json.loads(row["grid"]) if row["grid"] else None
                if grid is not None and not styles:  # its inputs are gone: its styles by name
                    styles = tuple(f"style {name}" for name in grid.get("styles", []))
                entries.append(
                    HistoryEntry(
                        job_id=row["id"],
                        finished_at=row["finished_at"],
                        guild_id=row["guild_id"],
                        styles=styles,
                        grid=grid is not None,
                        size=(meta["size"][0], meta["size"][1]) if "size" in meta else None,
                        frames=int(meta.get("frames", 0)),
                        iterations=int(json.loads(row["params"]).get("iterations", 0)),
                        picture_kept=bool(row["picture_kept"]),
                        inputs_kept=bool(row["inputs_kept"]),
                    )
                )
        return entries

    async def picture(self, job_id: str, owner_id: int) -> tuple[bytes, str] | None:
        """A member's finished picture and its format (jpeg, png, gif, webp, mp4), if kept."""
        async with self._database.reading() as db:
            cursor = await db.execute(
                "SELECT result_digest, result_meta FROM jobs WHERE id = ? AND owner_id = ? "
                "AND finished_at IS NOT NULL",
                (job_id, owner_id),
            )
            row = await cursor.fetchone()
            if row is None or row["result_digest"] is None:
                return None
            data = await get_blob(db, row["result_digest"])
        if data is None:
            return None
        return data, str(json.loads(row["result_meta"])["format"])

    async def delete(self, job_id: str, owner_id: int) -> bool:
        """Forget one finished job of the member's, with its picture and inputs (those no
        other job, preset or style uses); False if there is none."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "SELECT result_digest FROM jobs WHERE id = ? AND owner_id = ? "
                "AND finished_at IS NOT NULL",
                (job_id, owner_id),
            )
            row = await cursor.fetchone()
            if row is None:
                return False
            cursor = await db.execute("SELECT digest FROM job_inputs WHERE job_id = ?", (job_id,))
            digests = [item[0] for item in await cursor.fetchall()]
            if row[0] is not None:
                digests.append(row[0])
            await db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))  # inputs cascade
            await sweep_blobs(db, digests)
        await self._database.release_free_pages()
        return True

    async def forget_member(self, user_id: int) -> Forgotten:
        """Erase every job of the member's (finished or not: stop theirs first), their
        preferences and remembered style, and the images nothing else uses."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                """
                SELECT digest FROM job_inputs
                    WHERE job_id IN (SELECT id FROM jobs WHERE owner_id = ?1)
                UNION SELECT result_digest FROM jobs
                    WHERE owner_id = ?1 AND result_digest IS NOT NULL
                UNION SELECT digest FROM member_styles WHERE user_id = ?1
                """,
                (user_id,),
            )
            digests = [row[0] for row in await cursor.fetchall()]
            before = await _size_of(db, digests)
            jobs = (await db.execute("DELETE FROM jobs WHERE owner_id = ?", (user_id,))).rowcount
            prefs = await db.execute("DELETE FROM member_prefs WHERE user_id = ?", (user_id,))
            styles = await db.execute("DELETE FROM member_styles WHERE user_id = ?", (user_id,))
            await sweep_blobs(db, digests)
            freed = before - await _size_of(db, digests)  # what others use stays
            await mark_forgotten(db, user_id, time.time())
        await self._database.release_free_pages()
        return Forgotten(jobs, prefs.rowcount, styles.rowcount, freed)

    async def sweep_markers(self) -> int:
        """Forget the erasures older than an hour (bot.store.forgetting); returns how many."""
        async with self._database.transaction() as db:
            return await sweep_markers(db)


async def _size_of(db: Sql, digests: list[str]) -> int:
    total = 0
    for digest in set(digests):
        cursor = await db.execute("SELECT size FROM blobs WHERE digest = ?", (digest,))
        row = await cursor.fetchone()
        total += int(row[0]) if row else 0
    return total
