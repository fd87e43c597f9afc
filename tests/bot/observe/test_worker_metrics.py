"""A worker process's /metrics and /readyz, and the bot's view of the workers, with a real
Redis that stops and comes back."""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.bot.broker.processes import HEARTBEAT
from tests.bot.conftest import bot_settings, pair, results, running
from tests.bot.observe.test_bot_metrics import scrape, value
from tests.discord_double.server import HANG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def fetch(url: str) -> tuple[int, str]:
    try:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientError:
        return 0, ""  # not listening (yet)


async def until(url: str, status: int) -> str:
    """Ask ``url`` until it answers ``status``; bounded only against a hang."""

    async def ask() -> str:
        while True:
            got, text = await fetch(url)
            if got == status:
                return text
            await asyncio.sleep(0.1)

    return await asyncio.wait_for(ask(), HANG)


def samples_of(text: str) -> dict:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_a_worker_counts_what_it_paints_and_says_when_redis_is_gone(
    double, redis_server, workers, image_bytes
):
    port = free_port()
    worker_url = f"http://127.0.0.1:{port}"
    await workers.start(STYLEBOT_METRICS_ADDR=f"127.0.0.1:{port}", STYLEBOT_LOG_FORMAT="json")
    await workers.online(1)
    settings = bot_settings(double, broker_url=redis_server.url, heartbeat=HEARTBEAT,
                            metrics_addr="127.0.0.1:0")  # fmt: skip
    async with running(settings, double) as bot:
        bot_url = f"http://127.0.0.1:{bot.observe.port}"
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: results(double))
        await double.wait_for(lambda: not bot.service.jobs)
        worker = samples_of(await until(f"{worker_url}/metrics", 200))
        seen = await scrape(bot)
        assert await until(f"{worker_url}/readyz", 200) == "broker: ok\n"

        await double.wait_for(bot.is_ready)  # discord.py's READY, after the guilds came in
        redis_server.stop()
        assert "broker: not ready" in await until(f"{worker_url}/readyz", 503)
        said = await until(f"{bot_url}/readyz", 503)
        assert "broker: not ready" in said and "discord: ok" in said
        assert (await fetch(f"{bot_url}/healthz"))[0] == 200
        down = await scrape(bot)
        redis_server.start()
        await until(f"{worker_url}/readyz", 200)
        await until(f"{bot_url}/readyz", 200)

    # The worker painted it: counted there once, not in the bot.
    assert value(worker, "stylebot_paint_runs_total", outcome="painted") == 1
    assert value(worker, "stylebot_paint_seconds_count", size="<=256", device="cpu") == 1
    assert value(worker, "stylebot_iterations_total", device="cpu") == 6
    assert value(worker, "stylebot_worker_slots") == 1
    assert value(worker, "stylebot_worker_painting") == 0
    assert value(seen, "stylebot_paint_runs_total", outcome="painted") == 0
    assert value(seen, "stylebot_jobs_total", kind="picture", outcome="done") == 1
    assert value(seen, "stylebot_workers_alive") == 1
    assert value(seen, "stylebot_broker_up") == 1
    assert value(down, "stylebot_broker_up") == 0
    assert value(down, "stylebot_broker_errors_total") >= 1
    # Its log: JSON lines, the job's named, the broker's URL never.
    lines = [json.loads(line) for line in workers.log(0).splitlines() if line.startswith("{")]
    assert any(line.get("job") and "painted" in line["message"] for line in lines)
    assert redis_server.url not in workers.log(0)
