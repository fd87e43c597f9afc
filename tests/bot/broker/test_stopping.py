"""The bot's side of the broker stops when told, even when a Redis call swallowed the cancel
(on Python 3.11 a cancel that meets a timeout inside redis-py can come out as an error, or not
at all)."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.jobs.backends.redis import RedisBackend
from bot.settings import BotSettings
from tests.discord_double.server import HANG


def as_a_timeout() -> None:
    raise RedisTimeoutError("Timeout reading from socket")


def without_a_trace() -> None:
    pass


@pytest.mark.parametrize("swallow", [as_a_timeout, without_a_trace])
async def test_the_health_loop_stops_when_a_redis_call_swallows_its_cancel(
    redis_server, monkeypatch, swallow
):
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    settings = BotSettings(_env_file=None, broker_url=redis_server.url)  # type: ignore[call-arg]
    broker = RedisBackend(redis_server.url, settings, journal=None)  # no journal needed here
    await broker.start()
    real_info = broker.queue.info
    calls = 0

    async def info(*args, **kwargs):
        nonlocal calls
        calls += 1
        try:
            await asyncio.sleep(30)  # a call that hangs until cancelled
        except asyncio.CancelledError:
            swallow()
        return await real_info(*args, **kwargs)

    monkeypatch.setattr(broker.queue, "info", info)
    while not calls:  # until the health loop is inside the call
        await asyncio.sleep(0.05)
    await asyncio.wait_for(broker.stop(), timeout=HANG)
