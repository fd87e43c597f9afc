"""Fixtures: a real Redis server and real worker processes for each broker test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.bot.broker.processes import RedisServer, Workers, workers_of


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest_asyncio.fixture
async def workers(redis_server: RedisServer, tmp_path: Path) -> AsyncIterator[Workers]:
    async with workers_of(redis_server.url, tmp_path) as w:
        yield w
