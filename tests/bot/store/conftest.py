"""A fresh store in each test's own directory."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.store import Store


@pytest_asyncio.fixture
async def store(tmp_path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "stylebot.db")
    yield s
    await s.close()
