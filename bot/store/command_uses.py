"""Members' commands in the last window, kept in the store so that every bot process sharing
it counts one budget per member (bot.ratelimit asks here after its own in-memory count; with
one process and SQLite that count is the whole story and this is not used)."""

from __future__ import annotations

import time

from bot.store.database import Database


class CommandUses:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def take(
        self, owner_id: int, *, rate: int, per: float, now: float | None = None
    ) -> float | None:
        """Count one command of ``owner_id`` if fewer than ``rate`` were counted in the last
        ``per`` seconds (by any process) and return None; else count nothing and return the
        seconds until the oldest of them leaves the window."""
        now = time.time() if now is None else now
        since = now - per
        async with self._database.transaction() as db:
            await db.execute(
                "DELETE FROM command_uses WHERE owner_id = ? AND at <= ?", (owner_id, since)
            )
            cursor = await db.execute(
                "SELECT COUNT(*), MIN(at) FROM command_uses WHERE owner_id = ?", (owner_id,)
            )
            count, oldest = await cursor.fetchone() or (0, None)
            if int(count) >= rate and oldest is not None:
                return max(0.0, float(oldest) + per - now)
            await db.execute(
                "INSERT INTO command_uses (owner_id, at) VALUES (?, ?)", (owner_id, now)
            )
        return None

    async def sweep(self, *, per: float, now: float | None = None) -> int:
        """Forget the commands that left the window (those of members who stopped); returns
        how many."""
        now = time.time() if now is None else now
        async with self._database.transaction() as db:
            cursor = await db.execute("DELETE FROM command_uses WHERE at <= ?", (now - per,))
            return cursor.rowcount
