"""The store's database: the :class:`Database` interface, and its embedded default, one SQLite
file (PostgreSQL, for several bot processes: :mod:`bot.store.postgres`).

One SQLite connection for the bot, opened in WAL mode and migrated to the current schema.

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
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

import aiosqlite

from bot.store.schema import MIGRATIONS, statements
from bot.store.sql import Sql, SqliteSql

log = logging.getLogger(__name__)

INCREMENTAL = 2  # PRAGMA auto_vacuum's value for incremental vacuum
WAL_LIMIT = 2**20  # bytes the write-ahead log is cut back to after a checkpoint


class StoreError(RuntimeError):
    """The database cannot be opened or is newer than this bot."""


class Database(Protocol):
    """What the store's modules use of a database, SQLite or PostgreSQL."""

    path: str  # what logs and errors name (a URL without its password)
    failures: int  # statements the database refused since the start (a metric)
    shared: bool  # other bot processes may use it too (PostgreSQL; a SQLite file: one process)

    def reading(self) -> AbstractAsyncContextManager[Sql]: ...

    def transaction(self) -> AbstractAsyncContextManager[Sql]: ...

    async def ping(self) -> bool: ...

    async def release_free_pages(self) -> None: ...

    async def close(self) -> None: ...

    def on_outage(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` when a statement fails because the database cannot be reached
        (a server stopped or unreachable; an embedded file has no such outage)."""

    def unreachable(self, error: BaseException) -> bool:
        """Whether ``error`` means the database cannot be reached (it may come back)."""


async def open_database(target: str | Path) -> Database:
    """A ``postgresql://`` URL opens PostgreSQL, anything else is a SQLite file's path."""
    from bot.store.postgres import PostgresDatabase, is_postgres

    if is_postgres(str(target)):
        return await PostgresDatabase.open(str(target))
    return await SqliteDatabase.open(target)


class SqliteDatabase:
    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._connection = connection
        self._lock = asyncio.Lock()
        self.path = path
        self.failures = 0  # statements SQLite refused since the start (a metric)
        self.shared = False  # one bot process per file

    @classmethod
    async def open(cls, path: str | Path) -> SqliteDatabase:
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
            await database._keep_small()
            for pragma in (
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = FULL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 5000",
                # The write-ahead log is folded into the file every megabyte or so and cut
                # back to that size, rather than growing to what the busiest minute wrote.
                "PRAGMA wal_autocheckpoint = 256",
                f"PRAGMA journal_size_limit = {WAL_LIMIT}",
            ):
                await connection.execute(pragma)
            await database._migrate()
        except BaseException:
            await connection.close()
            raise
        return database

    async def _keep_small(self) -> None:
        """Pages freed by deleting images can be handed back to the filesystem (incremental
        auto-vacuum); a database made before this is rebuilt once to allow it."""
        cursor = await self._connection.execute("PRAGMA auto_vacuum")
        row = await cursor.fetchone()
        if row is not None and row[0] != INCREMENTAL:
            await self._connection.execute(f"PRAGMA auto_vacuum = {INCREMENTAL}")
            await self._connection.execute("VACUUM")

    async def release_free_pages(self) -> None:
        """Hand the pages of deleted images back to the filesystem, so that the file shrinks
        with what is kept (outside any transaction)."""
        async with self._lock:
            await self._connection.executescript("PRAGMA incremental_vacuum;")

    async def close(self) -> None:
        async with self._lock:
            await self._connection.close()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Sql]:
        """The connection, inside a read (deferred) transaction: it takes no write lock, so an
        operator's writer elsewhere is not held up; keep it short, the connection is shared."""
        async with self._lock:
            try:
                await self._connection.execute("BEGIN DEFERRED")
                try:
                    yield SqliteSql(self._connection)
                finally:
                    await self._connection.execute("COMMIT")
            except (sqlite3.Error, OSError):
                self.failures += 1
                raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Sql]:
        """The connection, inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error)."""
        async with self._lock:
            try:
                await self._connection.execute("BEGIN IMMEDIATE")
                try:
                    yield SqliteSql(self._connection)
                except BaseException:
                    if self._connection.in_transaction:  # SQLite ends some itself (disk full)
                        await self._connection.execute("ROLLBACK")
                    raise
                await self._connection.execute("COMMIT")
            except (sqlite3.Error, OSError):
                self.failures += 1
                raise

    def on_outage(self, callback: Callable[[], object]) -> None:
        """A file has no outage: nothing to call."""

    def unreachable(self, error: BaseException) -> bool:
        return False

    async def ping(self) -> bool:
        """True when the database answers a query (``/readyz``)."""
        async with self.reading() as db:
            await db.execute("SELECT 1")
        return True

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
                for statement in statements(MIGRATIONS[number]):
                    await db.execute(statement)
            if version < len(MIGRATIONS):
                await db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
                log.info(
                    "database %s migrated from schema %d to %d", self.path, version, len(MIGRATIONS)
                )
