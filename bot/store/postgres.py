"""The store on PostgreSQL (asyncpg): what several bot processes share.

The same schema history as SQLite's (:mod:`bot.store.schema`), its column types spelled as
PostgreSQL's (64-bit Discord ids as ``BIGINT``, ``BYTEA`` images), its version in a table.
Every write transaction first takes one advisory lock, so that writers of all replicas take
turns as SQLite's one writer does: a count and an insert (a quota, a job's place) are never
interleaved with another process's. Readers do not wait for it. The pool reconnects by itself
after the server restarts; meanwhile a statement fails and is counted in ``failures``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.schema import MIGRATIONS, statements
from bot.store.sql import FetchedRows, Rows, numbered, returns_rows

log = logging.getLogger(__name__)

WRITE_LOCK = 0x5A7B_0_7  # the advisory lock every write transaction holds (an arbitrary key)
STORE_ERRORS = (
    asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError,
    TimeoutError,
)  # fmt: skip
# ... of which these mean the server cannot be reached (stopped, restarting, network gone).
UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,  # the connection is gone (ConnectionDoesNotExistError among them)
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.InternalClientError,  # a connection left mid-operation by the server going away
)
_TYPES = ((re.compile(r"\bINTEGER\b"), "BIGINT"), (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
          (re.compile(r"\bBLOB\b"), "BYTEA"))  # fmt: skip


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def shown(url: str) -> str:
    """The URL without its password, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def as_postgres(script: str) -> str:
    """A migration written for SQLite, in PostgreSQL's column types."""
    for pattern, name in _TYPES:
        script = pattern.sub(name, script)
    return script


class PostgresSql:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Rows:
        query = numbered(sql)
        if returns_rows(sql):
            rows = await self._connection.fetch(query, *parameters)
            return FetchedRows(rows, len(rows))
        status = await self._connection.execute(query, *parameters)
        tail = status.rsplit(" ", 1)[-1] if isinstance(status, str) else ""
        return FetchedRows((), int(tail) if tail.isdigit() else 0)


class PostgresDatabase:
    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self.path = shown(url)  # what logs and errors name
        self.failures = 0
        self.shared = True  # several bot processes may share it
        self._on_outage: list[Callable[[], object]] = []

    def on_outage(self, callback: Callable[[], object]) -> None:
        self._on_outage.append(callback)

    def unreachable(self, error: BaseException) -> bool:
        return isinstance(error, UNREACHABLE)

    def _failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.unreachable(error):
            for callback in self._on_outage:
                callback()

    @classmethod
    async def open(cls, url: str) -> PostgresDatabase:
        from bot.store.database import StoreError

        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=4, command_timeout=30)
        except (*STORE_ERRORS, ValueError) as exc:
            raise StoreError(f"cannot open the database {shown(url)!r}: {exc}") from exc
        database = cls(pool, url)
        try:
            await database._migrate()
        except BaseException:
            await pool.close()
            raise
        return database

    async def close(self) -> None:
        await self._pool.close()

    async def release_free_pages(self) -> None:
        """PostgreSQL's autovacuum hands freed pages back; nothing to do here."""

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PostgresSql]:
        try:
            async with self._pool.acquire() as connection, connection.transaction(readonly=True):
                yield PostgresSql(connection)
        except STORE_ERRORS as exc:
            self._failed(exc)
            raise

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresSql]:
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                yield PostgresSql(connection)
        except STORE_ERRORS as exc:
            self._failed(exc)
            raise

    async def ping(self) -> bool:
        async with self.reading() as db:
            await db.execute("SELECT 1")
        return True

    async def _migrate(self) -> None:
        from bot.store.database import StoreError

        async with self.transaction() as db:  # the lock: one replica migrates, the rest wait
            await db.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            row = await (await db.execute("SELECT MAX(version) FROM schema_version")).fetchone()
            version = int(row[0]) if row is not None and row[0] is not None else 0
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"the database {self.path!r} has schema version {version}, newer than this "
                    f"bot's {len(MIGRATIONS)}; run a newer bot or another database"
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in statements(as_postgres(MIGRATIONS[number])):
                    await db.execute(statement)
            if version < len(MIGRATIONS):
                await db.execute("DELETE FROM schema_version")
                await db.execute(
                    "INSERT INTO schema_version (version) VALUES (?)", (len(MIGRATIONS),)
                )
                log.info("database %s migrated from schema %d to %d", self.path, version,
                         len(MIGRATIONS))  # fmt: skip
