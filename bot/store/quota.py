"""How much a member and a server keep in the store, and making room within their quotas.

What counts: the images of their jobs (inputs, and the picture each made), a member's
remembered style, a server's presets; an image shared by several of them counts once for each
owner. Room is made by letting go of the inputs and pictures of their oldest finished jobs
(their re-run and history buttons then say the pictures are gone), never those of a job still
queued or painting, nor a preset; what cannot be made room for is refused with the reason, in
words for the member.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.blobs import sweep_blobs
from bot.store.sql import Sql

MB = 2**20


class NoRoom(Exception):
    """The quota cannot hold the new images even after letting go of what may go."""


@dataclass(frozen=True)
class Quota:
    """Bytes one member and one server may keep (the server's: None outside a server)."""

    member_bytes: int
    server_bytes: int | None


_MEMBER_KEPT = """
    SELECT COALESCE(SUM(size), 0) FROM blobs WHERE digest IN (
        SELECT i.digest FROM job_inputs i JOIN jobs j ON j.id = i.job_id WHERE j.owner_id = ?1
        UNION SELECT result_digest FROM jobs WHERE owner_id = ?1 AND result_digest IS NOT NULL
        UNION SELECT digest FROM member_styles WHERE user_id = ?1
    )
"""
_SERVER_KEPT = """
    SELECT COALESCE(SUM(size), 0) FROM blobs WHERE digest IN (
        SELECT i.digest FROM job_inputs i JOIN jobs j ON j.id = i.job_id WHERE j.guild_id = ?1
        UNION SELECT result_digest FROM jobs WHERE guild_id = ?1 AND result_digest IS NOT NULL
        UNION SELECT digest FROM presets WHERE guild_id = ?1
    )
"""


async def kept_by_member(db: Sql, owner_id: int) -> int:
    cursor = await db.execute(_MEMBER_KEPT, (owner_id,))
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def kept_by_server(db: Sql, guild_id: int) -> int:
    cursor = await db.execute(_SERVER_KEPT, (guild_id,))
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def make_room(
    db: Sql,
    *,
    owner_id: int,
    guild_id: int | None,
    need: int,
    quota: Quota,
) -> None:
    """Let go of the oldest finished jobs' inputs (the member's, then the server's) until
    ``need`` more bytes fit both quotas, inside the caller's transaction; :class:`NoRoom` if
    they cannot."""
    while await kept_by_member(db, owner_id) + need > quota.member_bytes:
        if not await _let_go_oldest(db, "owner_id", owner_id):
            kept = await kept_by_member(db, owner_id)
            raise NoRoom(
                f"Your pictures in jobs still waiting or painting take {kept / MB:.0f} MB of "
                f"the {quota.member_bytes / MB:.0f} MB I keep for each member, and these take "
                f"{need / MB:.1f} MB more; wait for a job to finish, or cancel one."
            )
    if guild_id is not None and quota.server_bytes is not None:
        await make_server_room(db, guild_id=guild_id, need=need, server_bytes=quota.server_bytes)


async def make_server_room(db: Sql, *, guild_id: int, need: int, server_bytes: int) -> None:
    """Let go of the server's oldest finished jobs' inputs until ``need`` more bytes fit its
    quota (presets are never let go); :class:`NoRoom` if they cannot."""
    while await kept_by_server(db, guild_id) + need > server_bytes:
        if not await _let_go_oldest(db, "guild_id", guild_id):
            kept = await kept_by_server(db, guild_id)
            raise NoRoom(
                f"This server's presets and waiting jobs take {kept / MB:.0f} MB of the "
                f"{server_bytes / MB:.0f} MB I keep for a server; try again when jobs "
                "have finished, or an admin can remove presets (`/styleset preset remove`)."
            )


async def _let_go_oldest(db: Sql, column: str, value: int) -> bool:
    """Drop the inputs and the kept picture of the oldest finished job (by ``column``) that
    still has some."""
    cursor = await db.execute(
        f"""
        SELECT j.id, j.result_digest FROM jobs j WHERE j.{column} = ? AND j.finished_at IS NOT NULL
            AND (j.result_digest IS NOT NULL
                 OR EXISTS (SELECT 1 FROM job_inputs i WHERE i.job_id = j.id))
        ORDER BY j.finished_at LIMIT 1
        """,
        (value,),
    )
    row = await cursor.fetchone()
    if row is None:
        return False
    cursor = await db.execute("SELECT digest FROM job_inputs WHERE job_id = ?", (row[0],))
    digests = [item[0] for item in await cursor.fetchall()]
    if row[1] is not None:
        digests.append(row[1])
    await db.execute("DELETE FROM job_inputs WHERE job_id = ?", (row[0],))
    await db.execute("UPDATE jobs SET result_digest = NULL WHERE id = ?", (row[0],))
    await sweep_blobs(db, digests)
    return True
