"""What a hostile member (or a raid) can make the bot keep: disk and memory.

1. Disk: one member sends ``--requests`` ``!stylize --size 64 --iterations 2`` one after the
   other, each with two different 1400x1200 noise PNGs (about 5 MB each, incompressible); the
   data directory (the database and its write-ahead log) is measured afterwards, and another
   member's job must still get its picture.
2. Memory: while one job paints (held at the paint gate, so it stays running), ``--members``
   members each send one such request at once; the bot's resident memory is measured before,
   at its peak and once every request has its answer.

Runs the real bot in process against the loopback Discord double from tests/ with the bot's
default limits (``--server-limit`` changes one server's share of the queue).
Usage: python bench/abuse.py [--requests 30] [--members 30] [--server-limit N] [--only disk|memory]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bench.load import outcome, rss_mib  # noqa: E402
from bot.app import StyleBot  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from styleengine.allocator import release_free_memory  # noqa: E402
from tests.discord_double.server import DiscordDouble, StoredMessage  # noqa: E402
from tests.paint_gate import PaintGate  # noqa: E402

MIB = 2**20
NOISE_SIZE = (1400, 1200)


def noise_png() -> bytes:
    """A PNG of random pixels: as large as a picture of that size gets."""
    width, height = NOISE_SIZE
    image = Image.frombytes("RGB", NOISE_SIZE, os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def data_bytes(database: Path) -> int:
    return sum(p.stat().st_size for p in database.parent.glob(database.name + "*"))


async def started(
    scratch: Path, **overrides: Any
) -> tuple[DiscordDouble, StyleBot, asyncio.Task[None], Path]:
    double = DiscordDouble()
    await double.start()
    scratch.mkdir(parents=True, exist_ok=True)
    database = scratch / "stylebot.db"
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        **double.bot_environment(),
        database=str(database),
        devices="cpu",
        **overrides,
    )
    bot = StyleBot(settings)
    task = asyncio.create_task(bot.start(double.token))
    await double.wait_for(lambda: bot.get_guild(double.guild_id) and double.commands)
    return double, bot, task, database


async def disk(requests: int, scratch: Path) -> list[str]:
    double, bot, task, database = await started(scratch)
    try:
        member, other = double.add_user("flooder"), double.add_user("bystander")
        sent = 0
        for n in range(requests):
            photo, style = noise_png(), noise_png()
            sent += len(photo) + len(style)
            files = [double.upload(f"p{n}.png", photo), double.upload(f"s{n}.png", style)]
            command = await double.post_message(member, "!stylize --size 64 --iterations 2", files)
            await double.wait_for(lambda c=command: outcome(double, c), timeout=600)
        await double.wait_for(lambda: not bot.service.jobs, timeout=600)
        kept = await bot.service.store.journal.kept(owner_id=member.id)
        on_disk = data_bytes(database)
        files = [double.upload("cat.png", noise_png()), double.upload("style.png", noise_png())]
        command = await double.post_message(other, "!stylize --size 64 --iterations 2", files)
        answer = await double.wait_for(lambda: outcome(double, command), timeout=600)
    finally:
        await bot.close()
        await task
        await double.close()
    return [
        f"{requests} requests from one member, two {NOISE_SIZE[0]}x{NOISE_SIZE[1]} noise PNGs "
        f"each: {sent / MIB:.0f} MiB sent",
        f"  kept for the member: {kept / MIB:.0f} MiB; the data directory: {on_disk / MIB:.0f} MiB",
        f"  another member's job afterwards: {answer[0][0]}",
    ]


async def memory(members: int, scratch: Path, **overrides: Any) -> list[str]:
    gate = PaintGate(scratch / "gate")
    with gate.installed():
        double, bot, task, _ = await started(scratch, **overrides)
        try:
            holder = double.add_user("holder")
            uploads: list[list[dict[str, Any]]] = []
            for n in range(members):  # the double keeps these: made before measuring
                uploads.append([double.upload(f"p{n}.png", noise_png()),
                                double.upload(f"s{n}.png", noise_png())])  # fmt: skip
            files = [double.upload("c.png", noise_png()), double.upload("s.png", noise_png())]
            await double.post_message(holder, "!stylize --size 64 --iterations 2", files)
            await double.wait_for(lambda: gate.held() == 1, timeout=600)
            raiders = [double.add_user(f"raider{n}") for n in range(members)]
            gc.collect()
            before = rss_mib()
            peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            sent: list[StoredMessage] = await asyncio.gather(
                *(double.post_message(r, "!stylize --size 64 --iterations 2", u)
                  for r, u in zip(raiders, uploads, strict=True))
            )  # fmt: skip
            await double.wait_for(lambda: all(double.replies_to(m.id) for m in sent), timeout=600)
            await double.wait_for(lambda: bot.service.arriving == 0, timeout=600)
            gc.collect()
            after = rss_mib()
            release_free_memory()  # what the allocator keeps for reuse, handed back
            held = rss_mib()
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            queued = sum(bool(double.replies_to(m.id)[0].data["embeds"]) for m in sent)
            gate.open()
            await double.wait_for(lambda: all(outcome(double, m) for m in sent), timeout=600)
        finally:
            await bot.close()
            await task
            await double.close()
    return [
        f"{members} members' requests at once (two noise PNGs each) while one job paints:",
        f"  {queued} queued, {members - queued} refused (the server's share of the queue)",
        f"  resident memory: {before:.0f} MiB before, {after:.0f} MiB once all were answered "
        f"({after - before:+.0f} MiB), {held:.0f} MiB with the allocator's free memory handed "
        f"back ({held - before:+.0f} MiB); peak {max(peak, peak_before):.0f} MiB "
        f"(before: {peak_before:.0f} MiB)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--server-limit", type=int, default=None)
    parser.add_argument("--only", choices=("disk", "memory"), default=None)
    args = parser.parse_args()
    overrides = {} if args.server_limit is None else {"server_limit": args.server_limit}
    with tempfile.TemporaryDirectory() as scratch:
        # The memory first: what the disk part leaves with the allocator would count in it.
        if args.only in (None, "memory"):
            lines = asyncio.run(memory(args.members, Path(scratch) / "memory", **overrides))
            print("\n".join(lines), flush=True)
        if args.only in (None, "disk"):
            lines = asyncio.run(disk(args.requests, Path(scratch) / "disk"))
            print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
