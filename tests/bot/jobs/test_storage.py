"""A member who sends one large picture after another cannot fill the bot's disk: what they
keep stays within their quota (their oldest finished jobs' images go first), and the next
member is served as before."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

from PIL import Image

from bot.store.quota import MB
from tests.bot.conftest import bot_settings, pair, results, running
from tests.discord_double.server import HANG


def _noise_png(seed: int) -> bytes:
    image = Image.effect_noise((512, 512), 60 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _data_bytes(database: Path) -> int:
    return sum(p.stat().st_size for p in database.parent.glob(database.name + "*"))


async def test_one_member_sending_large_pictures_stays_within_their_quota(double, image_bytes):
    settings = bot_settings(double, max_size=512, member_storage_mb=3)
    async with running(settings, double) as bot:
        alice, bob = double.add_user("alice"), double.add_user("bob")
        sent = 0
        for n in range(6):  # about 1.5 MB kept per request: twice her quota by the end
            photo, style = _noise_png(2 * n), _noise_png(2 * n + 1)
            sent += len(photo) + len(style)
            await double.post_message(
                alice, "!stylize",
                [double.upload(f"p{n}.png", photo), double.upload(f"s{n}.png", style)],
            )  # fmt: skip
            await double.wait_for(lambda n=n: len(results(double)) == n + 1)
        kept = await bot.service.store.journal.kept(owner_id=alice.id)
        assert sent > 7 * MB and kept <= 3 * MB
        # The disk too, not only the count: the quota, a job in flight, a small write-ahead log.
        on_disk = _data_bytes(Path(settings.database))
        print(f"sent {sent / MB:.1f} MB, kept {kept / MB:.1f} MB, on disk {on_disk / MB:.1f} MB")
        assert on_disk < 6 * MB
        await double.post_message(bob, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) == 7)


async def test_a_member_whose_waiting_jobs_fill_their_quota_is_told(double, paint_gate):
    settings = bot_settings(double, max_size=512, member_storage_mb=2, user_limit=3)
    async with running(settings, double) as bot:
        alice = double.add_user("alice")
        for n in range(2):
            files = [double.upload(f"p{n}.png", _noise_png(n)),
                     double.upload(f"s{n}.png", _noise_png(10 + n))]  # fmt: skip
            message = await double.post_message(alice, "!stylize", files)
            await double.wait_for(lambda m=message: double.replies_to(m.id))
        answer = double.replies_to(message.id)[0]
        assert "I keep for each member" in answer.text and "wait for a job to finish" in answer.text
        assert len(bot.service.jobs) == 1  # the first waits (held); nothing of the second kept
        paint_gate.open()


async def _pragma(store, statement: str) -> int | None:
    async with store.database.reading() as db:  # no write lock: it may be read-only now
        cursor = await db.execute(statement)
        row = await cursor.fetchone()
    return row[0] if row else None


async def test_a_full_disk_refuses_new_jobs_and_still_delivers_and_keeps_the_rest(
    double, image_bytes, paint_gate
):
    async with running(bot_settings(double), double) as bot:
        store = bot.service.store
        alice, bob = double.add_user("alice"), double.add_user("bob")
        waiting = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held() == 1)
        # The disk is full: the database cannot grow by a page.
        pages = await _pragma(store, "PRAGMA page_count")
        await _pragma(store, f"PRAGMA max_page_count = {pages}")
        refused = await double.post_message(
            bob,
            "!stylize",
            [double.upload("p.png", _noise_png(1)), double.upload("s.png", _noise_png(2))],
        )
        answer = (await double.wait_for(lambda: double.replies_to(refused.id)))[0]
        assert "my disk is full" in answer.text and len(bot.service.jobs) == 1
        # Worse: the store takes no write at all. The waiting job is still painted and
        # delivered; what the journal must keep is written once the disk takes it again.
        await _pragma(store, "PRAGMA query_only = 1")
        paint_gate.open()
        await double.wait_for(lambda: results(double))
        assert double.replies_to(waiting.id)
        await _pragma(store, "PRAGMA query_only = 0")
        await _pragma(store, "PRAGMA max_page_count = 1073741823")
        deadline = time.monotonic() + HANG
        while (await store.journal.unfinished())[0]:  # the answer, written by a retry
            assert time.monotonic() < deadline, "the journal never kept the job's answer"
            await asyncio.sleep(0.1)
