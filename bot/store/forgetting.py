"""A member's ``/forget-me`` as every bot process sees it: the erase leaves a marker (their id
and the time, in ``shared_state``, for an hour) so that a request of theirs still on its way
(downloading) is not journaled after the erase, and so that the processes running their other
servers' shards cancel their jobs there too (bot.jobs.forgetting)."""

from __future__ import annotations

import time

from bot.store.sql import Sql

PREFIX = "forgotten:"
KEPT = 3600.0  # seconds a marker is kept: far longer than a request's way in


class ForgottenMeanwhile(Exception):
    """The member asked to be forgotten after this request of theirs arrived."""


async def mark_forgotten(db: Sql, user_id: int, now: float) -> None:
    await db.execute(
        "INSERT INTO shared_state (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (f"{PREFIX}{user_id}", repr(now), now),
    )


async def check_not_forgotten(db: Sql, owner_id: int, asked_at: float) -> None:
    """Raise :class:`ForgottenMeanwhile` if ``owner_id`` was forgotten at or after
    ``asked_at`` (inside the transaction that would write their job)."""
    cursor = await db.execute(
        "SELECT value FROM shared_state WHERE key = ?", (f"{PREFIX}{owner_id}",)
    )
    row = await cursor.fetchone()
    if row is not None and float(row[0]) >= asked_at:
        raise ForgottenMeanwhile(
            "You asked me to forget you while this request was on its way, so I did not keep "
            "it; ask again if you still want it."
        )


async def sweep_markers(db: Sql, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    cursor = await db.execute(
        "DELETE FROM shared_state WHERE key LIKE ? AND updated_at <= ?", (PREFIX + "%", now - KEPT)
    )
    return cursor.rowcount
