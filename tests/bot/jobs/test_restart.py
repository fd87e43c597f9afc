"""The job journal end to end: a bot killed with SIGKILL while jobs are queued and running is
started again and finishes every one of them exactly once; a picture made but not delivered
before a crash is delivered without painting it again; a job that keeps being cut off is given
up with a message rather than looping."""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

from PIL import Image

from bench.load import outcome
from bot.job import InputImage, Job, Rendered
from bot.store import Store
from styleengine import EncodedImage, StyleParams
from tests import launch
from tests.bot.conftest import FAST_CHANNEL_WINDOW, bot_settings, pair, results, running, title
from tests.discord_double.server import HANG, DiscordDouble
from tests.paint_gate import PaintGate

ROOT = Path(__file__).resolve().parents[3]


def bot_env(double: DiscordDouble, database: Path, gate: PaintGate | None = None) -> dict[str, str]:
    """The environment of a bot process (tests/launch.py: the channel window of the in-process
    bot's tests; with ``gate``, its jobs obey the gate)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "STYLEBOT_"))}
    return {
        **clean,
        **launch.environment(channel_window=FAST_CHANNEL_WINDOW, gate=gate),
        "PYTHONPATH": str(ROOT),
        **double.bot_environment(),
        "STYLEBOT_DATABASE": str(database),
        "STYLEBOT_DEVICES": "cpu",
        "STYLEBOT_DEFAULT_SIZE": "32",
        "STYLEBOT_DEFAULT_ITERATIONS": "6",
        "STYLEBOT_MAX_SIZE": "128",
        "STYLEBOT_MAX_ITERATIONS": "1000",
        "STYLEBOT_PROGRESS_INTERVAL": "0.25",
    }


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """``python -m bot`` through tests/launch.py, in the environment of :func:`bot_env`."""
    with log.open("ab") as out:  # a file, not a pipe nobody reads that could fill and block
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.launch", "bot", env=env, cwd=log.parent, stdout=out,
            stderr=out,
        )  # fmt: skip


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """Stop a bot process as an orchestrator does (SIGTERM) and wait until it has exited: after
    that nothing more can reach Discord, so what the double holds is all it will ever get (no
    waiting for "enough time" before counting duplicates)."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=HANG)


def job_id(status) -> str:
    return re.search(r"job ([0-9a-f]{12})", status.data["embeds"][0]["footer"]["text"])[1]


def delivered(double: DiscordDouble) -> Counter[str]:
    """Finished pictures posted, per job id (from the file name)."""
    names = [a["filename"] for m in results(double) for a in m.attachments]
    found = (re.fullmatch(r"stylized-([0-9a-f]{12})\.\w+", name) for name in names)
    return Counter(match[1] for match in found if match)  # a card's thumbnails are not counted


async def test_a_killed_bot_finishes_every_job_exactly_once_after_a_restart(
    double, image_bytes, tmp_path
):
    alice, bob, carol = (double.add_user(n) for n in ("alice", "bob", "carol"))
    gate = PaintGate(tmp_path / "gate")
    env, log = bot_env(double, tmp_path / "stylebot.db", gate), tmp_path / "bot.log"
    process = await start_bot(env, log)
    try:
        await double.wait_for(lambda: double.commands and double.connected())
        long = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        running_status = (await double.wait_for(lambda: double.replies_to(long.id)))[0]
        queued = [
            await double.post_message(alice, "!stylize --seed 2", pair(double, image_bytes)),
            await double.post_message(bob, "!stylize --seed 3", pair(double, image_bytes)),
        ]
        content, style = pair(double, image_bytes)
        slash = await double.run_slash(
            carol, "stylize", {"seed": 4}, {"content": content, "style": style}
        )
        statuses = [running_status]
        for message in queued:
            statuses.append((await double.wait_for(lambda m=message: double.replies_to(m.id)))[0])
        await double.wait_for(lambda: slash.original_id)
        statuses.append(double.messages[slash.original_id])
        await double.wait_for(lambda: gate.held() == 1)  # the first job paints, held at the gate
        await double.wait_for(lambda: "Painting\u2026" in str(running_status.data))
        assert [title(s) for s in statuses[1:]] == ["Queued"] * 3
        assert not results(double)

        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL

        gate.open()
        process = await start_bot(env, log)
        ids = {job_id(s) for s in statuses}
        await double.wait_for(lambda: set(delivered(double)) == ids)
        # The old status messages were picked up again and end as done.
        await double.wait_for(lambda: all(title(s) == "Done" for s in statuses))
        await stop_bot(process)
        assert delivered(double) == Counter({i: 1 for i in ids})
        notice = next(m for m in double.bot_messages() if m.text.startswith("I restarted"))
        assert f"`{job_id(running_status)}` (starting over)" in notice.text
        assert notice.text.count("(back in the queue)") == 3
    finally:
        await kill(process)
    await assert_journal_empty(tmp_path / "stylebot.db")


def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 90)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_journal_entries_left_by_a_crash_are_settled_at_start_up(
    double, image_bytes, tmp_path
):
    database = tmp_path / "stylebot.db"
    store = await Store.open(database)
    photo = InputImage.of("chelsea.jpg", image_bytes("chelsea.jpg"), (451, 300))
    style = InputImage.of("starry.jpg", image_bytes("starry_night.jpg"), (400, 317))

    def job(owner: int, **fields) -> Job:
        return Job(
            owner_id=owner, owner_name=f"m{owner}", guild_id=double.guild_id,
            channel_id=double.channel_id, content=photo, styles=(style,),
            params=StyleParams(size=32, iterations=6), upload_limit=8 << 20, **fields,
        )  # fmt: skip

    painted = job(101, attempts=1)
    await store.journal.record(painted)
    await store.journal.started(painted)
    picture = tiny_png()
    await store.journal.rendered(
        painted.id, Rendered(EncodedImage(picture, "png", (24, 16)), 2.0, "cpu", "bf16")
    )
    doomed = job(102, attempts=3)
    await store.journal.record(doomed)
    await store.journal.started(doomed)
    broken = job(103)
    await store.journal.record(broken)
    async with store.database.transaction() as db:
        await db.execute("UPDATE jobs SET params = '{\"no_such_knob\": \"1\"}' WHERE id = ?",
                         (broken.id,))  # fmt: skip
    await store.close()

    async with running(bot_settings(double, database=str(database)), double) as bot:
        (result,) = await double.wait_for(lambda: results(double))
        assert painted.id in result.attachments[0]["filename"]
        assert double.attachment_bytes(result.attachments[0]) == picture  # not painted again
        gave_up = await double.wait_for(
            lambda: [m for m in double.bot_messages() if f"`{doomed.id}` failed" in m.text]
        )
        assert "cut off 3 times" in gave_up[0].text
        notice = await double.wait_for(
            lambda: [m for m in double.bot_messages() if "could not be resumed" in m.text]
        )
        assert broken.id in notice[0].text
        await double.wait_for(lambda: not bot.service.jobs)
    # Stopped: nothing more can be sent or journaled.
    await assert_journal_empty(database)
    assert len(results(double)) == 1


async def test_a_graceful_stop_leaves_queued_jobs_for_the_next_start(
    double, image_bytes, paint_gate
):
    alice = double.add_user("alice")
    settings = bot_settings(double)
    async with running(settings, double):
        held = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: "Painting\u2026" in str(double.replies_to(held.id)))
        waiting = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: double.replies_to(waiting.id))
    assert not results(double)
    paint_gate.open()
    async with running(settings, double):
        await double.wait_for(lambda: len(results(double)) == 2)


async def test_kill_9_under_load_still_answers_every_request_exactly_once(image_bytes, tmp_path):
    double = DiscordDouble(channels=10)
    await double.start()
    members = [double.add_user(f"member{n}") for n in range(10)]
    gate = PaintGate(tmp_path / "gate")
    gate.allow(4)  # four jobs are painted before the kill; the rest wait or are held
    env, log = bot_env(double, tmp_path / "stylebot.db", gate), tmp_path / "bot.log"
    process = await start_bot(env, log)
    try:
        await double.wait_for(lambda: double.commands and double.connected())
        sent = []
        for round_ in range(2):
            for member, channel in zip(members, double.channel_ids, strict=True):
                sent.append(
                    await double.post_message(
                        member, f"!stylize --seed {round_}", pair(double, image_bytes),
                        channel_id=channel,
                    )
                )  # fmt: skip
        await double.wait_for(lambda: len(results(double)) == 4 and gate.held() == 1)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        assert len(results(double)) == 4  # killed with work left: one painting, the rest queued

        gate.open()
        process = await start_bot(env, log)
        await double.wait_for(lambda: all(outcome(double, m) for m in sent))
        await stop_bot(process)
        answers = {m.id: [kind for kind, _ in outcome(double, m)] for m in sent}
        assert all(kinds == ["done"] for kinds in answers.values()), answers
        assert sum(delivered(double).values()) == len(sent) == len(delivered(double))
    finally:
        await kill(process)
        await double.close()


async def kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL a bot process still running (a test that failed midway leaves none behind)."""
    if process.returncode is None:
        process.kill()
        await process.wait()


async def assert_journal_empty(database: Path) -> None:
    """Every job in the bot's journal has been answered."""
    store = await Store.open(database)
    try:
        assert await store.journal.unfinished() == ([], [])
    finally:
        await store.close()
