"""Measure the bot as members feel it: how fast a command is acknowledged, how late the event
loop runs while a job paints, and how much memory the process holds.

Runs the real bot in process against the loopback Discord double from tests/ (no network),
with real engine work. Usage: python bench/bot_latency.py [--size 256] [--iterations 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import StyleBot  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from tests.discord_double.server import DiscordDouble  # noqa: E402

IMAGES = ROOT / "tests" / "data"


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(size: int, iterations: int, acks: int, scratch: str) -> None:
    double = DiscordDouble()
    await double.start()
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        **double.bot_environment(),
        max_size=max(size, 64),
        user_limit=acks + 1,
        command_rate=1000,  # one member sends every command here; the rate limit is not measured
        database=str(Path(scratch) / "bench.db"),  # the journal's writes count in the ack
    )
    bot = StyleBot(settings)
    task = asyncio.create_task(bot.start(double.token))
    try:
        await double.wait_for(lambda: bot.get_guild(double.guild_id) and double.commands)
        idle_rss = rss_mib()
        member = double.add_user("bench")

        def upload_pair() -> list[dict]:
            return [
                double.upload("c.jpg", (IMAGES / "chelsea.jpg").read_bytes(), "image/jpeg"),
                double.upload("s.jpg", (IMAGES / "starry_night.jpg").read_bytes(), "image/jpeg"),
            ]

        # Warm up (weights load, first job) so the figures below are steady state.
        await double.post_message(member, "!stylize --size 32 --iterations 2", upload_pair())
        await double.wait_for(lambda: not bot.service.jobs and len(double.bot_messages()) >= 2)

        # 1. Ack latency: command posted -> status message created, with a job painting meanwhile.
        long = await double.post_message(
            member, f"!stylize --size {size} --iterations {iterations}", upload_pair()
        )
        await double.wait_for(lambda: bot.service.queue.running())
        bot.loop_lag.reset()
        started = time.perf_counter()
        latencies = []
        for _ in range(acks):
            sent = time.perf_counter()
            command = await double.post_message(member, "!stylize --size 32", upload_pair())
            await double.wait_for(lambda c=command: double.replies_to(c.id), timeout=60)
            latencies.append((time.perf_counter() - sent) * 1000)
            await asyncio.sleep(0.5)
        await double.wait_for(lambda: not bot.service.jobs, timeout=3600)
        elapsed = time.perf_counter() - started
        lag = bot.loop_lag.snapshot()
        busy_rss = rss_mib()
        assert double.replies_to(long.id)
    finally:  # a bench that fails still stops the bot (its heartbeat thread would hang on)
        await bot.close()
        await task
        await double.close()

    devices = getattr(bot.service.backend, "devices", ["(worker processes)"])
    print(f"job: {size} px, {iterations} iterations, device {devices[0]}")
    print(f"ack latency (command -> status message), {acks} commands while the job ran:")
    print(f"  median {statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms")
    print(f"event-loop lag over {elapsed:.0f} s of painting ({lag.samples} samples every 50 ms):")
    print(f"  median {lag.median_ms:.1f} ms, p99 {lag.p99_ms:.1f} ms, max {lag.max_ms:.1f} ms")
    print(
        f"memory: idle {idle_rss:.0f} MiB, after the jobs {busy_rss:.0f} MiB, "
        f"peak {peak_rss_mib():.0f} MiB"
    )
    print(f"429 responses from the double: {len(double.rate_limited)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--acks", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(measure(args.size, args.iterations, args.acks, scratch))


if __name__ == "__main__":
    main()
