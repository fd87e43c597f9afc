"""The bot's /metrics, /healthz and /readyz, scraped over HTTP from a real bot against the
Discord double, and its JSON log lines."""

from __future__ import annotations

import io
import json
import logging
import math
import re
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.observe.logs import configure_logging
from tests.bot.conftest import bot_settings, pair, results, running
from tests.discord_double.server import custom_ids

ROOT = Path(__file__).resolve().parents[3]
WORKER_ONLY = {"stylebot_worker_slots", "stylebot_worker_painting"}  # test_worker_metrics.py


async def scrape(bot) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the bot's /metrics: (name, sorted labels) -> value."""
    assert bot.observe is not None
    url = f"http://127.0.0.1:{bot.observe.port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def names(samples) -> set[str]:
    return {name for name, _ in samples}


async def get(bot, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{bot.observe.port}{path}"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_a_painted_picture_and_a_refusal_are_counted(double, image_bytes):
    async with running(bot_settings(double, metrics_addr="127.0.0.1:0"), double) as bot:
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (delivered,) = await double.wait_for(lambda: results(double))
        await double.wait_for(lambda: not bot.service.jobs)
        refused = await double.post_message(alice, "!stylize --size nope", [])
        await double.wait_for(lambda: double.replies_to(refused.id))
        # Counted once the command has returned, a moment after its reply went out.
        await double.wait_for(lambda: bot.metrics.registry.get_sample_value(
            "stylebot_commands_total", {"command": "stylize", "outcome": "ok"}) == 2)  # fmt: skip
        info = next(c for c in custom_ids(delivered.data) if c.startswith("stylebot:info:"))
        pressed = await double.press(alice, delivered.id, info)
        await double.wait_for(lambda: pressed.response_type is not None)
        # discord.py heartbeats as soon as it connects; the latency is known once acknowledged.
        await double.wait_for(lambda: math.isfinite(bot.latency))
        samples = await scrape(bot)

    assert value(samples, "stylebot_jobs_total", kind="picture", outcome="queued") == 1
    assert value(samples, "stylebot_jobs_total", kind="picture", outcome="done") == 1
    assert value(samples, "stylebot_jobs_total", kind="request", outcome="refused") == 1
    assert value(samples, "stylebot_commands_total", command="stylize", outcome="ok") == 2
    assert value(samples, "stylebot_commands_total", command="button:info", outcome="pressed") == 1
    # Painted in this process at 32 px on the CPU: once, with its iterations.
    assert value(samples, "stylebot_paint_seconds_count", size="<=256", device="cpu") == 1
    assert value(samples, "stylebot_paint_runs_total", outcome="painted") == 1
    assert value(samples, "stylebot_iterations_total", device="cpu") == 6
    assert value(samples, "stylebot_iterations_per_second", device="cpu") > 0
    assert value(samples, "stylebot_queue_wait_seconds_count") == 1
    assert value(samples, "stylebot_job_seconds_count", size="<=256", device="cpu") == 1
    # Read when scraped.
    assert value(samples, "stylebot_queue_depth") == 0
    assert value(samples, "stylebot_jobs_running") == 0
    assert value(samples, "stylebot_workers_alive") == 1
    assert value(samples, "stylebot_painter_slots") >= 1
    assert value(samples, "stylebot_broker_up") == 1
    assert value(samples, "stylebot_guilds") == 1
    assert value(samples, "stylebot_store_errors_total") == 0
    assert value(samples, "stylebot_broker_errors_total") == 0
    for quantile in ("0.5", "0.99", "1"):
        assert ("stylebot_event_loop_lag_seconds", (("quantile", quantile),)) in samples
    assert 0 <= value(samples, "stylebot_gateway_latency_seconds", shard="0") < 60
    # Every series the Grafana dashboard asks for is one the bot or a worker serves.
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "stylebot.json").read_text())
    asked = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"stylebot_[a-z_]+", target["expr"])
    }
    served = names(samples) | WORKER_ONLY
    assert len(asked) > 15 and asked <= served, asked - served


async def test_health_and_readiness(double):
    async with running(bot_settings(double, metrics_addr="127.0.0.1:0"), double) as bot:
        assert await get(bot, "/healthz") == (200, "ok\n")
        await double.wait_for(bot.is_ready)  # discord.py's READY, after the guilds came in
        status, text = await get(bot, "/readyz")
        assert status == 200, text
        assert text.splitlines() == ["discord: ok", "store: ok", "broker: ok"]
        # The store goes away (its connection closed under the bot): not ready, and said which.
        assert bot.store is not None
        await bot.store.database._connection.close()
        status, text = await get(bot, "/readyz")
        assert status == 503
        assert "store: not ready" in text and "discord: ok" in text
        assert (await get(bot, "/healthz"))[0] == 200  # alive all the same: no restart needed


async def test_discords_429s_are_counted(double, image_bytes):
    async with running(bot_settings(double, metrics_addr="127.0.0.1:0"), double) as bot:
        double.fail_next("POST", r"/channels/\d+/messages$", 429, times=1, retry_after=0.1)
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: results(double))
        samples = await scrape(bot)
    assert value(samples, "stylebot_discord_rate_limited_total", scope="user") == 1
    assert len(double.rate_limited) == 1


async def test_json_logs_name_the_job_and_never_the_token(double, image_bytes):
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    settings = bot_settings(double, log_format="json")
    configure_logging("INFO", settings.log_format, settings.secrets(), stream=stream)
    try:
        async with running(settings, double) as bot:
            logging.getLogger("bot.test").info("the token is %s", settings.token.get_secret_value())
            alice = double.add_user("alice")
            await double.post_message(alice, "!stylize", pair(double, image_bytes))
            await double.wait_for(lambda: results(double))
            await double.wait_for(lambda: not bot.service.jobs)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert settings.token.get_secret_value() not in stream.getvalue()
    assert any(line["message"] == "the token is [secret]" for line in lines)
    queued = next(line for line in lines if " queued for Alice" in line["message"])
    job = queued["job"]
    assert any(line.get("job") == job and "done" in line["message"] for line in lines)
    assert all("job" not in line for line in lines if "published" in line["message"])
