"""One SQLite connection for the bot, opened in WAL mode and migrated to the current schema.

aiosqlite runs the connection in its own thread, so queries never block the event loop. All
access goes through :meth:`Database.transaction`, which holds a lock: statements of two
coroutines never interleave inside one transaction. WAL with ``synchronous=FULL`` means a
committed write survives a crash of the process or of the machine, and readers in other
processes (an operator's ``sqlite3``) never block the bot.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.store.schema import MIGRATIONS

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The database cannot be opened or is newer than this bot."""


class Database:
    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        path = str(path)
        try:
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            connection = await aiosqlite.connect(path, isolation_level=None)
        except Exception as exc:  # sqlite3.OperationalError, PermissionError, ...
            raise StoreError(f"cannot open the database {path!r}: {exc}") from exc
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            for pragma in (
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 5000",
            ):
                await connection.execute(pragma)
            await database._migrate()
        except BaseException:
            await connection.close()
            raise
        return database

    async def close(self) -> None:
        async with self._lock:
            await self._connection.close()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, inside a read (deferred) transaction: it takes no write lock, so an
        operator's writer elsewhere is not held up; keep it short, the connection is shared."""
        async with self._lock:
            await self._connection.execute("BEGIN DEFERRED")
            try:
                yield self._connection
            finally:
                await self._connection.execute("COMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error)."""
        async with self._lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                await self._connection.execute("ROLLBACK")
                raise
            await self._connection.execute("COMMIT")

    async def _migrate(self) -> None:
        async with self.transaction() as db:
            cursor = await db.execute("PRAGMA user_version")
            row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"the database {self.path!r} has schema version {version}, newer than this "
                    f"bot's {len(MIGRATIONS)}; run a newer bot or another database"
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in _statements(MIGRATIONS[number]):
                    await db.execute(statement)
            if version < len(MIGRATIONS):
                await db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
                log.info(
                    "database %s migrated from schema %d to %d", self.path, version, len(MIGRATIONS)
                )


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit our transaction)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise StoreError(f"incomplete statement in a migration: {pending.strip()[:80]!r}")
    return statements
