"""A member's ``/forget-me`` as every bot process sees it: the erase leaves a marker (their id
and the time, in ``shared_state``, for an hour) so that a request of theirs still on its way
(downloading) is not journaled after the erase, and so that the processes running their other
servers' shards cancel their jobs there too (bot.jobs.forgetting)."""

from __future__ import annotations

import time

from bot.store.shared import delete_older, get_value, put_value
from bot.store.sql import Sql

PREFIX = "forgotten:"
KEPT = 3600.0  # seconds a marker is kept: far longer than a request's way in


class ForgottenMeanwhile(Exception):
    """The member asked to be forgotten after this request of theirs arrived."""


async def mark_forgotten(db: Sql, user_id: int, now: float) -> None:
    await put_value(db, f"{PREFIX}{user_id}", repr(now), now=now)


async def check_not_forgotten(db: Sql, owner_id: int, asked_at: float) -> None:
    """Raise :class:`ForgottenMeanwhile` if ``owner_id`` was forgotten at or after
    ``asked_at`` (inside the transaction that would write their job)."""
    at = await get_value(db, f"{PREFIX}{owner_id}")
    if at is not None and float(at) >= asked_at:
        raise ForgottenMeanwhile(
            "You asked me to forget you while this request was on its way, so I did not keep "
            "it; ask again if you still want it."
        )


async def sweep_markers(db: Sql, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return await delete_older(db, PREFIX, before=now - KEPT)
