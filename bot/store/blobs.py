"""Images kept by the store (job inputs, results, presets), addressed by their sha256.

Equal images are kept once: a member who runs ten jobs on one photo stores it once, and a
preset used by every job costs nothing more. Blobs nobody refers to are swept by the cleanup.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence

from bot.store.sql import Sql


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def put_blob(db: Sql, data: bytes) -> str:
    """Store ``data`` (inside the caller's transaction); returns its digest."""
    digest = digest_of(data)
    await db.execute(
        "INSERT INTO blobs (digest, data, size, created_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (digest) DO NOTHING",
        (digest, data, len(data), time.time()),
    )
    return digest


async def get_blob(db: Sql, digest: str) -> bytes | None:
    cursor = await db.execute("SELECT data FROM blobs WHERE digest = ?", (digest,))
    row = await cursor.fetchone()
    return bytes(row[0]) if row else None


async def has_blob(db: Sql, digest: str) -> bool:
    cursor = await db.execute("SELECT 1 FROM blobs WHERE digest = ?", (digest,))
    return await cursor.fetchone() is not None


_UNUSED = """
    digest NOT IN (
        SELECT digest FROM job_inputs
        UNION SELECT digest FROM presets
        UNION SELECT digest FROM member_styles
        UNION SELECT result_digest FROM jobs WHERE result_digest IS NOT NULL
    )
"""


async def sweep_blobs(db: Sql, only: Sequence[str] | None = None) -> int:
    """Delete the blobs no job input, result, preset or member's remembered style refers to
    (of ``only`` these digests, when given); returns how many."""
    if only is None:
        cursor = await db.execute(f"DELETE FROM blobs WHERE {_UNUSED}")
        return cursor.rowcount
    deleted = 0
    for digest in set(only):
        cursor = await db.execute(f"DELETE FROM blobs WHERE digest = ? AND {_UNUSED}", (digest,))
        deleted += cursor.rowcount
    return deleted
