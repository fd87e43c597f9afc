"""What the bot reports when scraped (its queue, painters, Discord connection and event loop)
and what ``/readyz`` checks (Discord connected, the store answering, the broker reachable)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from discord import app_commands
from discord.ext import commands
from prometheus_client.core import CounterMetricFamily, Metric

from bot.observe.metrics import gauge, labelled_gauge
from bot.observe.server import Check
from bot.ratelimit import SlowDown

if TYPE_CHECKING:
    from bot.app import StyleBot


REFUSALS = (commands.UserInputError, commands.CheckFailure, app_commands.CheckFailure, SlowDown)


def outcome_of(error: BaseException) -> str:
    """A failed command's outcome label: refused (the member's input, a check) or error."""
    return "refused" if isinstance(error, REFUSALS) else "error"


def shard_latencies(bot: StyleBot) -> list[tuple[int, float]]:
    """(shard id, heartbeat latency in seconds) of each shard this process runs."""
    latencies = getattr(bot, "latencies", None)  # an AutoShardedBot's
    if latencies is not None:
        return list(latencies)
    return [(bot.shard_id or 0, bot.latency)]


def discord_connected(bot: StyleBot) -> bool:
    if bot.is_closed() or not bot.is_ready():
        return False
    shards = getattr(bot, "shards", None)
    if shards is not None:
        return bool(shards) and not any(shard.is_closed() for shard in shards.values())
    return bot.ws is not None and bot.ws.open


def readings(bot: StyleBot) -> Iterator[Metric]:
    if not hasattr(bot, "service") or bot.store is None:
        return  # not set up yet
    service = bot.service
    yield gauge("stylebot_queue_depth", "Jobs waiting in the queue", len(service.queue))
    yield gauge("stylebot_jobs_running", "Jobs being painted now", service.runner.running)
    yield gauge("stylebot_requests_arriving", "Requests being checked or downloaded",
                service.arriving)  # fmt: skip
    yield gauge(
        "stylebot_workers_alive",
        "Painter processes online (1: this bot paints in process)",
        service.backend.workers if service.worker_count else 0,
    )
    yield gauge("stylebot_painter_slots", "Jobs the painters can paint at once",
                service.worker_count)  # fmt: skip
    yield gauge("stylebot_broker_up", "1 while the painters' broker answers (always 1 in process)",
                float(service.backend.available))  # fmt: skip
    yield gauge("stylebot_paused", "1 while the operator has paused painting",
                float(service.queue.paused is not None))  # fmt: skip
    yield gauge("stylebot_store_up", "1 while the store answers (painting is held while not)",
                float(not service.store_watch.out))  # fmt: skip
    yield gauge("stylebot_guilds", "Servers this process's shards are in", len(bot.guilds))
    yield labelled_gauge(
        "stylebot_gateway_latency_seconds",
        "Heartbeat latency of each Discord gateway shard",
        "shard",
        ((str(shard), latency) for shard, latency in shard_latencies(bot)),
    )
    lag = bot.loop_lag.snapshot()
    yield labelled_gauge(
        "stylebot_event_loop_lag_seconds",
        "How late the event loop wakes up (median, 99th percentile, worst of the last 2 min)",
        "quantile",
        [("0.5", lag.median_ms / 1000), ("0.99", lag.p99_ms / 1000), ("1", lag.max_ms / 1000)],
    )
    yield CounterMetricFamily(
        "stylebot_store_errors", "Store statements that failed",
        value=bot.store.database.failures,
    )  # fmt: skip
    yield CounterMetricFamily(
        "stylebot_broker_errors", "Calls to the broker (Redis) that failed",
        value=service.backend.failures,
    )  # fmt: skip


def ready_checks(bot: StyleBot) -> dict[str, Check]:
    async def discord_check() -> bool:
        return discord_connected(bot)

    async def store_check() -> bool:
        return bot.store is not None and await bot.store.database.ping()

    async def broker_check() -> bool:
        return hasattr(bot, "service") and bot.service.backend.available

    return {"discord": discord_check, "store": store_check, "broker": broker_check}
