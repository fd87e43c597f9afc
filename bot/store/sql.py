"""What the store's modules write their SQL against: one small interface over SQLite and
PostgreSQL, so that every query is written once.

The SQL is the common dialect of both (``INSERT ... ON CONFLICT``, no ``rowid``, no
``INSERT OR ...``), with ``?`` placeholders (or ``?1`` for one used several times); the
PostgreSQL side numbers them as it needs (``$1``). Rows are read by position or by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import aiosqlite


class Row(Protocol):
    def __getitem__(self, key: int | str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...


class Rows(Protocol):
    """What a statement gave back: its rows (a query's) and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Sequence[Any]: ...


class Sql(Protocol):
    """A connection inside a transaction."""

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Rows: ...


class SqliteSql:
    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> Rows:
        return SqliteRows(await self._connection.execute(sql, tuple(parameters)))


class SqliteRows:
    def __init__(self, cursor: aiosqlite.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Any:
        return await self._cursor.fetchone()

    async def fetchall(self) -> Sequence[Any]:
        return list(await self._cursor.fetchall())


class FetchedRows:
    """Rows already fetched (PostgreSQL's answer), or the count a command changed."""

    def __init__(self, rows: Sequence[Any], rowcount: int) -> None:
        self._rows = rows
        self._rowcount = rowcount

    @property
    def rowcount(self) -> int:
        return self._rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> Sequence[Any]:
        return list(self._rows)


_PLACEHOLDER = re.compile(r"\?(\d*)")


def numbered(sql: str) -> str:
    """``?`` and ``?N`` placeholders as PostgreSQL's ``$N``."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1):
            return f"${match.group(1)}"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


def returns_rows(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in ("SELECT", "WITH", "VALUES") or " RETURNING " in f" {sql.upper()} "
