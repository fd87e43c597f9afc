"""Load: many members send ``!stylize`` at once; every request must get exactly one final
outcome (the picture, a refusal with its reason, a failure, or a cancellation), the per-member
cap and the queue bound must hold throughout, and the event loop must stay responsive.

Runs the real bot in process against the loopback Discord double from tests/, with tiny real
engine jobs (the bot's machinery is under test, not the painter). Prints the figures.
Usage: python bench/load.py [--requests 200] [--users 50] [--seconds 60] [--channels 25]
A burst in one channel (how long until every member sees a first answer):
python bench/load.py --requests 40 --users 10 --seconds 2 --channels 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.app import StyleBot  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from tests.discord_double.server import DiscordDouble, StoredMessage  # noqa: E402

IMAGES = ROOT / "tests" / "data"
_PROBE = 0.05  # seconds between checks of the caps


@dataclass
class LoadReport:
    requests: int
    users: int
    seconds: float  # from the first request to the last outcome
    outcomes: Counter[str] = field(default_factory=Counter)  # outcome -> requests
    answers_per_request: Counter[int] = field(default_factory=Counter)  # finals -> requests
    reasons: Counter[str] = field(default_factory=Counter)  # refusal -> requests
    most_held: int = 0  # the most jobs one member held at once
    longest_queue: int = 0
    user_limit: int = 0
    queue_limit: int = 0
    lag_p99_ms: float = 0.0
    lag_max_ms: float = 0.0
    rss_start_mib: float = 0.0
    rss_end_mib: float = 0.0
    rss_peak_mib: float = 0.0
    rate_limited: int = 0  # 429s the double answered
    first_answers: list[float] = field(default_factory=list)  # seconds, one per request
    bot_posts: int = 0  # messages the bot posted during the load (edits not counted)

    def lines(self) -> list[str]:
        exact = self.answers_per_request.get(1, 0)
        return [
            f"{self.requests} requests from {self.users} members; all answered "
            f"{self.seconds:.1f} s after the first",
            "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())),
            f"exactly one final answer: {exact} of {self.requests}",
            "refusals: " + "; ".join(f"{v}x {k}" for k, v in self.reasons.most_common()),
            f"most jobs one member held: {self.most_held} (cap {self.user_limit}); "
            f"longest queue: {self.longest_queue} (bound {self.queue_limit})",
            f"event-loop lag: p99 {self.lag_p99_ms:.1f} ms, max {self.lag_max_ms:.1f} ms",
            f"memory (RSS): {self.rss_start_mib:.0f} MiB after a warm-up job, "
            f"{self.rss_end_mib:.0f} MiB after the load, peak {self.rss_peak_mib:.0f} MiB",
            f"429s from the double: {self.rate_limited}",
            f"first visible answer (a reply, or a line on the channel's board): median "
            f"{_median(self.first_answers):.1f} s, slowest {max(self.first_answers, default=0):.1f}"
            f" s after the request; the bot posted {self.bot_posts} messages",
        ]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


class Hold(Protocol):
    """Holds the painters (tests/paint_gate.py): a test closes it for the burst, so that the
    caps are reached however fast this CPU paints."""

    def open(self) -> None: ...

    def close(self) -> None: ...


def rss_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _boards(double: DiscordDouble) -> list[str]:
    """The text of the crowded channels' boards (bot.ui.board) now shown."""
    return [
        "\n".join(e.get("description") or "" for e in m.data["embeds"])
        for m in double.bot_messages()
        if not m.deleted and m.data["embeds"]
        and (m.data["embeds"][0].get("title") or "").startswith(("Busy here", "Requests here"))
    ]  # fmt: skip


def answered(double: DiscordDouble, command: StoredMessage) -> bool:
    """Whether the member sees an answer to ``command``: a reply, or a line on a board."""
    link = f"/{command.id})"
    return bool(double.replies_to(command.id)) or any(link in b for b in _boards(double))


def outcome(double: DiscordDouble, command: StoredMessage) -> list[tuple[str, str]]:
    """The final answers the bot gave to one command: (kind, detail) for each."""
    finals = []
    link = f"/{command.id})"
    for board in _boards(double):  # a refusal in a crowded channel: on its board
        reason = ""
        for line in board.splitlines():
            if line.startswith("**Not taken:** "):
                reason = line.removeprefix("**Not taken:** ")
            elif reason and link in line:
                finals.append(("refused", reason[:60]))
    for reply in double.replies_to(command.id):
        text = reply.text
        if reply.attachments and ("here is your picture" in text or "here is your clip" in text):
            finals.append(("done", ""))
        elif " failed: " in text:
            finals.append(("failed", text.split(" failed: ", 1)[1][:60]))
        elif not reply.data["embeds"]:
            finals.append(("refused", text[:60]))
        elif reply.data["embeds"][0].get("title") == "Cancelled":
            finals.append(("cancelled", ""))
    return finals


async def run_load(
    *,
    requests: int,
    users: int,
    seconds: float,
    scratch: str,
    channels: int = 25,
    queue_limit: int = 50,
    user_limit: int = 2,
    iterations: int = 4,
    hold: Hold | None = None,
) -> LoadReport:
    double = DiscordDouble(channels=channels)
    await double.start()
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None,
        **double.bot_environment(),
        database=str(Path(scratch) / "load.db"),
        devices="cpu",
        workers_per_device=2,
        default_size=32,
        default_iterations=iterations,
        progress_interval=2.0,
        queue_limit=queue_limit,
        server_limit=10_000,  # every member is in the double's one server: no share to keep
        user_limit=user_limit,
    )
    members = [double.add_user(f"member{n}") for n in range(users)]
    bot = StyleBot(settings)
    task = asyncio.create_task(bot.start(double.token))
    report = LoadReport(
        requests, users, 0.0, user_limit=settings.user_limit, queue_limit=settings.queue_limit
    )
    try:
        await double.wait_for(lambda: bot.get_guild(double.guild_id) and double.commands)
        content = (IMAGES / "chelsea.jpg").read_bytes()
        style = (IMAGES / "starry_night.jpg").read_bytes()
        # One job first, so the engine's one-time costs (weights, kernels) are not counted
        # as growth under load.
        warm = await double.post_message(
            members[0],
            "!stylize",
            [
                double.upload("photo.jpg", content, "image/jpeg"),
                double.upload("style.jpg", style, "image/jpeg"),
            ],
        )
        await double.wait_for(lambda: outcome(double, warm) and not bot.service.jobs, 120)
        report.rss_start_mib = rss_mib()
        rng = random.Random(1508)
        at = sorted(rng.uniform(0, seconds) for _ in range(requests))
        who = [members[n % users] for n in range(requests)]
        rng.shuffle(who)
        sent: list[StoredMessage] = []
        posted: dict[int, float] = {}  # command -> when it was sent
        done = asyncio.Event()
        posts_before = len(double.bot_messages())

        async def watch() -> None:  # the caps and first answers, as often as the loop allows
            while not done.is_set():
                now = time.perf_counter()
                for message in [m for m in sent if m.id in posted]:
                    if answered(double, message):
                        report.first_answers.append(now - posted.pop(message.id))
                queue = bot.service.queue
                report.longest_queue = max(report.longest_queue, len(queue))
                for member in members:
                    report.most_held = max(report.most_held, queue.held_by(member.id))
                await asyncio.sleep(_PROBE)

        watcher = asyncio.create_task(watch())
        if hold is not None:
            hold.close()
        bot.loop_lag.reset()
        start = time.perf_counter()
        for when, member in zip(at, who, strict=True):
            await asyncio.sleep(max(0.0, start + when - time.perf_counter()))
            channel = double.channel_ids[members.index(member) % channels]
            files = [
                double.upload("photo.jpg", content, "image/jpeg"),
                double.upload("style.jpg", style, "image/jpeg"),
            ]
            command = await double.post_message(member, "!stylize", files, channel_id=channel)
            posted[command.id] = time.perf_counter()
            sent.append(command)
        if hold is not None:
            hold.open()
        await double.wait_for(
            lambda: all(outcome(double, m) for m in sent) and not bot.service.jobs,
            timeout=max(120.0, seconds * 5),
        )
        await double.wait_for(lambda: not posted)  # the watcher has seen every answer
        report.seconds = time.perf_counter() - start
        done.set()
        await watcher
        lag = bot.loop_lag.snapshot()
        report.lag_p99_ms, report.lag_max_ms = lag.p99_ms, lag.max_ms
        report.rss_end_mib = rss_mib()
        await bot.close()  # after this nothing more reaches the double: count what it holds
        for message in sent:
            finals = outcome(double, message)
            report.answers_per_request[len(finals)] += 1
            kind, detail = finals[0]
            report.outcomes[kind] += 1
            if kind == "refused":
                report.reasons[_reason(detail)] += 1
        report.rss_peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report.rate_limited = len(double.rate_limited)
        report.bot_posts = len(double.bot_messages()) - posts_before
    finally:
        await bot.close()
        await task
        await double.close()
    return report


def _reason(text: str) -> str:
    if "already have" in text:
        return "member's cap"
    if "queue is full" in text:
        return "queue full"
    if "its share of the queue" in text:
        return "server's share"
    if "Slow down" in text:
        return "rate limit"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--queue-limit", type=int, default=50)
    parser.add_argument("--user-limit", type=int, default=2)
    parser.add_argument("--channels", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        report = asyncio.run(
            run_load(
                requests=args.requests,
                users=args.users,
                seconds=args.seconds,
                scratch=scratch,
                channels=args.channels,
                queue_limit=args.queue_limit,
                user_limit=args.user_limit,
            )
        )
    print("\n".join(report.lines()))


if __name__ == "__main__":
    main()
