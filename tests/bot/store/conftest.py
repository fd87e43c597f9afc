"""A fresh store for each test, on each database the bot runs on: a SQLite file in the test's
own directory, and a new database on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.store import Store
from tests.postgres_server import PostgresServer


@pytest_asyncio.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Store]:
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres")
        s = await Store.open(await server.new_database())
    else:
        s = await Store.open(tmp_path / "stylebot.db")
    yield s
    await s.close()
