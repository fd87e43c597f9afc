"""The bot's side of the broker stops when told, even when a Redis call swallowed the cancel
(on Python 3.11 a cancel that meets a timeout inside redis-py can come out as an error)."""

from __future__ import annotations

import asyncio

from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.jobs.backends.redis import RedisBackend
from bot.settings import BotSettings


def backend(url, monkeypatch) -> RedisBackend:
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    settings = BotSettings(_env_file=None, broker_url=url)  # type: ignore[call-arg]
    return RedisBackend(url, settings, journal=None)  # the health loop needs no journal


async def test_the_health_loop_stops_when_a_call_turns_the_cancel_into_a_timeout(
    redis_server, monkeypatch
):
    broker = backend(redis_server.url, monkeypatch)
    await broker.start()
    real_info = broker.queue.info
    calls = 0

    async def info_that_swallows_cancel(*args, **kwargs):
        nonlocal calls
        calls += 1
        try:
            await asyncio.sleep(30)  # a call that hangs until cancelled
        except asyncio.CancelledError:
            raise RedisTimeoutError("Timeout reading from socket") from None
        return await real_info(*args, **kwargs)

    monkeypatch.setattr(broker.queue, "info", info_that_swallows_cancel)
    while not calls:  # until the loop is inside the call
        await asyncio.sleep(0.05)
    await asyncio.wait_for(broker.stop(), timeout=5)


async def test_the_health_loop_stops_when_a_call_swallows_the_cancel_whole(
    redis_server, monkeypatch
):
    broker = backend(redis_server.url, monkeypatch)
    await broker.start()
    real_info = broker.queue.info
    calls = 0

    async def info_that_eats_cancel(*args, **kwargs):
        nonlocal calls
        calls += 1
        try:
            await asyncio.sleep(30)  # a call that hangs until cancelled
        except asyncio.CancelledError:
            pass  # gone without a trace
        return await real_info(*args, **kwargs)

    monkeypatch.setattr(broker.queue, "info", info_that_eats_cancel)
    while not calls:
        await asyncio.sleep(0.05)
    await asyncio.wait_for(broker.stop(), timeout=5)
