"""Members' images as they come in: decoded within a budget of pixels however many arrive at
once, and kept no larger than the largest picture a member may ask for."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from bot.jobs.inputs import Budget
from tests.bot.conftest import bot_settings, running


async def test_decodes_wait_for_room_in_the_pixel_budget():
    budget = Budget(100)
    first = budget.claim(60)
    await first.__aenter__()
    second = asyncio.create_task(_claim_and_release(budget, 60))
    await asyncio.sleep(0)  # let it try
    assert not second.done()  # 60 + 60 is over the budget: it waits
    await first.__aexit__(None, None, None)
    await asyncio.wait_for(second, timeout=60)
    # An image larger than the whole budget is decoded, alone.
    await asyncio.wait_for(_claim_and_release(budget, 10_000), timeout=60)


async def _claim_and_release(budget: Budget, pixels: int) -> None:
    async with budget.claim(pixels):
        pass


def _noise(size: tuple[int, int], fmt: str) -> bytes:
    image = Image.effect_noise(size, 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(("fmt", "kept_as"), [("PNG", "PNG"), ("JPEG", "JPEG")])
async def test_a_large_input_is_kept_at_the_largest_size_a_member_may_ask_for(
    double, paint_gate, fmt, kept_as
):
    async with running(bot_settings(double, max_size=128), double) as bot:
        alice = double.add_user("alice")
        photo = double.upload("noise.img", _noise((1400, 1200), fmt), f"image/{fmt.lower()}")
        style = double.upload("style.img", _noise((300, 200), fmt), f"image/{fmt.lower()}")
        await double.post_message(alice, "!stylize", [photo, style])
        await double.wait_for(lambda: paint_gate.held() == 1)
        (job,) = bot.service.jobs.values()
        assert job.content.size == (128, 110)  # 1400 x 1200 brought to 128 on its long side
        assert job.content.data is None  # a queued job's images wait in the store
        inputs = await bot.service.store.journal.inputs_of(job)
        with Image.open(io.BytesIO(inputs.content)) as kept:
            assert kept.size == (128, 110) and kept.format == kept_as
        assert len(inputs.content) < 128 * 110 * 3 + 4096  # not the megabytes sent
        assert job.styles[0].size == (128, 85)
        paint_gate.open()


async def test_requests_sent_together_cannot_all_pass_the_cap_before_downloading(
    double, image_bytes, paint_gate
):
    from tests.bot.conftest import pair

    async with running(bot_settings(double, user_limit=1), double) as bot:
        alice = double.add_user("alice")
        first, second = await asyncio.gather(
            *(double.post_message(alice, "!stylize", pair(double, image_bytes)) for _ in range(2))
        )
        answers = [
            (await double.wait_for(lambda m=m: double.replies_to(m.id)))[0] for m in (first, second)
        ]
        refused = [a for a in answers if not a.data["embeds"]]
        assert len(refused) == 1 and "the limit is 1" in refused[0].text
        assert len(double.cdn_requests) == 2  # one request's two images; none of the other's
        jobs, _ = await bot.service.store.journal.unfinished()
        assert len(jobs) == 1  # nothing written for the refused one
        paint_gate.open()
