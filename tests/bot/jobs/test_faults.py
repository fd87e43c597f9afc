"""Faults end to end: the engine fails or runs out of memory (simulated in its device layer),
Discord answers 429 and 500 or drops the gateway. Each time the member is told or the picture
still arrives, and the worker pool keeps its size."""

from __future__ import annotations

import io

from PIL import Image

from styleengine import StyleParams, memory
from styleengine.device import cpu_has_fast_bf16, simulated_faults
from styleengine.memory import estimate_job_bytes
from tests.bot.conftest import bot_settings, decode, edit_titles, pair, results, running


def failures(double) -> list[str]:
    return [m.text for m in double.bot_messages() if " failed: " in m.text]


async def test_out_of_memory_is_retried_once_at_a_smaller_size(bot, double, image_bytes):
    alice = double.add_user("alice")
    with simulated_faults(memory_pixels=40 * 40) as faults:  # 64 px does not fit, 48 px does
        await double.post_message(alice, "!stylize --size 64", pair(double, image_bytes))
        (result,) = await double.wait_for(lambda: results(double))
    assert faults.out_of_memory == 1
    assert max(decode(double.attachment_bytes(result.attachments[0])).size) == 48
    assert "ran out of memory at size 64, so this one is 48" in result.text
    assert bot.service.worker_count == 1


async def test_out_of_memory_twice_tells_the_member(bot, double, image_bytes):
    alice = double.add_user("alice")
    with simulated_faults(memory_pixels=100) as faults:
        message = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (text,) = await double.wait_for(lambda: failures(double))
    assert faults.out_of_memory == 2
    assert "ran out of memory at size 24 (asked: 32); try a smaller `--size`" in text
    status = double.replies_to(message.id)[0]
    await double.wait_for(lambda: edit_titles(status)[-1:] == ["Failed"] and not bot.service.jobs)
    assert bot.service.worker_count == 1


async def test_a_job_too_large_for_the_hosts_free_memory_is_painted_smaller_or_refused(
    bot, double, image_bytes, monkeypatch, tmp_path
):
    content = Image.open(io.BytesIO(image_bytes("chelsea.jpg"))).size
    precision = "bf16" if cpu_has_fast_bf16() else "fp32"

    def need(size: int) -> int:
        params = StyleParams(size=size, iterations=6)
        return estimate_job_bytes(params, content, precision=precision)

    meminfo = tmp_path / "meminfo"
    monkeypatch.setattr(memory, "MEMINFO", meminfo)
    monkeypatch.setattr(memory, "CGROUP_LIMITS", ())
    meminfo.write_text(f"MemAvailable: {(need(48) + need(64)) // 2 // 1024} kB\n")
    alice = double.add_user("alice")
    await double.post_message(alice, "!stylize --size 64", pair(double, image_bytes))
    (result,) = await double.wait_for(lambda: results(double))
    assert max(decode(double.attachment_bytes(result.attachments[0])).size) == 48
    assert "so this one is 48" in result.text

    meminfo.write_text("MemAvailable: 1024 kB\n")
    await double.post_message(alice, "!stylize", pair(double, image_bytes))
    (text,) = await double.wait_for(lambda: failures(double))
    assert "The painter has too little memory: size 24 needs about" in text
    assert "this host has 0.0 GiB free (asked: 32); try a smaller `--size`" in text
    await double.wait_for(lambda: not bot.service.jobs)
    assert bot.service.worker_count == 1


async def test_an_engine_error_is_reported_and_the_next_job_runs(bot, double, image_bytes):
    alice = double.add_user("alice")
    error = RuntimeError("CUDA error: an illegal memory access was encountered")
    with simulated_faults(errors=[error]):
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (text,) = await double.wait_for(lambda: failures(double))
        assert "The painter failed (RuntimeError); please try again." in text
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: results(double))
    assert bot.service.worker_count == 1


async def test_429_and_500_answers_are_retried_and_the_picture_arrives(
    bot, double, image_bytes, paint_gate
):
    alice = double.add_user("alice")
    posts = double.fail_next("POST", r"^/channels/\d+/messages$", 429, retry_after=0.3)
    message = await double.post_message(alice, "!stylize", pair(double, image_bytes))
    status = (await double.wait_for(lambda: double.replies_to(message.id)))[0]
    assert posts.hits == 1  # the status message itself was retried after the 429
    edits = double.fail_next("PATCH", rf"/messages/{status.id}$", 500, times=2)
    results_post = double.fail_next("POST", r"^/channels/\d+/messages$", 500)
    paint_gate.open()  # held until the faults are in place
    (result,) = await double.wait_for(lambda: results(double))
    assert results_post.hits == 1
    await double.wait_for(lambda: edit_titles(status)[-1:] == ["Done"])
    assert edits.hits == 2  # the edits went through once the two 500s were spent
    assert len(results(double)) == 1  # retried, posted once
    assert result.data["message_reference"]["message_id"] == str(message.id)


async def test_a_dropped_gateway_is_resumed_and_the_job_still_delivers(
    double, image_bytes, paint_gate
):
    async with running(bot_settings(double), double) as bot:
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held() == 1)  # painting while the gateway drops
        await double.drop_gateway()
        await double.wait_for(lambda: double.resumes == 1 and double.connected())
        paint_gate.open()
        await double.wait_for(lambda: results(double))
        # Commands after the reconnection reach the bot again.
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) == 2)
        assert len(double.identifies) == 1  # resumed, not a new session
        assert bot.service.worker_count == 1
