"""A GIF or a video as the photo, end to end: attached, replied to, or picked from Discord's GIF
picker; painted frame after frame with progress per frame; answered with a clip that plays
inline; and every kind of bad clip refused with its reason, nothing queued."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from styleengine.clips import read_clip
from tests.bot.commands.test_bad_input import refusal
from tests.bot.conftest import bot_settings, edit_titles, results, running, title
from tests.paint_gate import PaintGate
from tests.styleengine.clip_samples import empty_mp4, gif_bytes, mp4_bytes, pan


def _gif(data_dir, frames=4, ms=100):
    return gif_bytes(pan(data_dir, frames, size=(60, 40)), [ms] * frames, loop=0)


def _style(double, image_bytes):
    return double.upload("starry.jpg", image_bytes("starry_night.jpg"), "image/jpeg")


async def test_a_gif_comes_back_painted_as_a_gif_with_progress_per_frame(
    double, image_bytes, data_dir, tmp_path
):
    settings = bot_settings(double, progress_interval=0.2)
    # Held at its first preview (the first frame, finished) until the member has seen it.
    with PaintGate(tmp_path / "gate", at_preview=True).installed() as gate:
        async with running(settings, double) as bot:
            alice = double.add_user("alice")
            gif = double.upload("cat.gif", _gif(data_dir), "image/gif")
            command = await double.post_message(
                alice, "!stylize", [gif, _style(double, image_bytes)]
            )
            status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
            assert "Animated picture: 4 frames, 0.4 s" in status.data["embeds"][0]["description"]
            await double.wait_for(
                lambda: any(data["attachments"] for _, data in status.edits) and gate.held()
            )
            gate.open()
            (delivered,) = await double.wait_for(lambda: results(double))
            await double.wait_for(lambda: edit_titles(status)[-1:] == ["Done"])
            await double.wait_for(lambda: not bot.service.jobs)
    painting = [data for _, data in status.edits if title(data) == "Painting\u2026"]
    described = " ".join(data["embeds"][0]["description"] for data in painting)
    assert "Frame 1 of 4" in described
    assert "here is your clip of 4 frames" in delivered.text
    names = [a["filename"] for a in delivered.attachments]
    result = next(a for a in delivered.attachments if a["filename"].startswith("stylized-"))
    assert result["filename"].endswith(".gif"), names
    clip = read_clip(double.attachment_bytes(result))
    assert len(clip.frames) == 4 and clip.durations == [100] * 4 and clip.loop == 0
    assert clip.size == (32, 21)


async def test_a_video_comes_back_as_a_video(bot, double, image_bytes, data_dir):
    alice = double.add_user("alice")
    video = double.upload("walk.mp4", mp4_bytes(pan(data_dir, 3, size=(64, 48))), "video/mp4")
    await double.post_message(alice, "!stylize", [video, _style(double, image_bytes)])
    (delivered,) = await double.wait_for(lambda: results(double))
    result = next(a for a in delivered.attachments if a["filename"].startswith("stylized-"))
    assert result["filename"].endswith(".mp4")
    clip = read_clip(double.attachment_bytes(result))
    assert (clip.kind, len(clip.frames), clip.size) == ("video", 3, (32, 24))


async def test_a_gif_from_the_gif_picker_is_painted_when_replied_to(
    bot, double, image_bytes, data_dir
):
    alice = double.add_user("alice")
    video = mp4_bytes(pan(data_dir, 3, size=(64, 48)))
    picked = await double.post_message(
        alice, "https://tenor.com/view/cat-12345", embeds=[double.gif_picker_embed(video)]
    )
    await double.post_message(alice, "!stylize --style great_wave", reply_to=picked.id)
    (delivered,) = await double.wait_for(lambda: results(double))
    assert "here is your clip of 3 frames" in delivered.text
    assert any(key.startswith("external/") for key in double.cdn_requests)


async def test_a_gif_link_on_another_host_is_not_fetched(bot, double, image_bytes, data_dir):
    alice = double.add_user("alice")
    embed = double.gif_picker_embed(b"not fetched", host="evil.example")
    picked = await double.post_message(alice, "https://evil.example/x.gif", embeds=[embed])
    text = await refusal(double, alice, "!stylize --style great_wave", reply_to=picked.id)
    assert "`evil.example`, not on Discord's servers" in text
    assert not any(key.startswith("external/") for key in double.cdn_requests)
    assert not bot.service.jobs


async def test_a_long_clip_is_cut_and_thinned_to_the_servers_limits_and_the_member_told(
    double, image_bytes, data_dir, tmp_path
):
    settings = bot_settings(double, clip_frames=3, clip_seconds=1, clip_size=24)
    # Held at its first report while the member reads what was taken (said until it is done).
    with PaintGate(tmp_path / "gate").installed() as gate:
        async with running(settings, double):
            alice = double.add_user("alice")
            gif = double.upload("long.gif", _gif(data_dir, frames=20, ms=100), "image/gif")
            command = await double.post_message(
                alice, "!stylize --size 64", [gif, _style(double, image_bytes)]
            )
            status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
            await double.wait_for(lambda: gate.held())
            said = status.data["embeds"][0]["description"]
            gate.open()
            (delivered,) = await double.wait_for(lambda: results(double))
    assert "3 frames, 1.0 s" in said
    assert "cut to the first 1 s" in said and "frame rate lowered to fit 3 frames" in said
    assert "painted at 24 px, the largest for clips here" in said
    result = next(a for a in delivered.attachments if a["filename"].startswith("stylized-"))
    clip = read_clip(double.attachment_bytes(result))
    assert len(clip.frames) == 3 and max(clip.size) == 24
    assert "--size 24" in delivered.text


async def test_a_timelapse_asked_for_a_clip_is_refused(bot, double, image_bytes, data_dir):
    alice = double.add_user("alice")
    gif = double.upload("cat.gif", _gif(data_dir), "image/gif")
    text = await refusal(
        double, alice, "!stylize --timelapse yes", [gif, _style(double, image_bytes)]
    )
    assert "`--timelapse` is for still pictures" in text
    assert not bot.service.jobs and len(bot.service.queue) == 0


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("clip.mp4", b"\x00" * 64)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content_type", "make", "fragment"),
    [
        ("broken.gif", "image/gif", lambda d: _gif(d, 6)[:16000], "damaged or truncated"),
        ("dot.gif", "image/gif",
         lambda d: gif_bytes([Image.new("RGB", (1, 1), c) for c in ("red", "blue")], [100] * 2),
         "too small to paint"),
        ("clip.mp4", "video/mp4", lambda d: _zip(), "not in an image format"),
        ("page.mp4", "video/mp4", lambda d: b"<!doctype html><html>hi</html>",
         "not in an image format"),
        ("empty.mp4", "video/mp4", lambda d: empty_mp4(), "has no video"),
        ("cut.mp4", "video/mp4",
         lambda d: mp4_bytes(pan(d, 6))[:400], "cannot be read"),
    ],
)  # fmt: skip
async def test_bad_clips_are_refused_with_the_reason_and_the_bot_goes_on(
    bot, double, image_bytes, data_dir, name, content_type, make, fragment
):
    alice = double.add_user("alice")
    bad = double.upload(name, make(data_dir), content_type)
    text = await refusal(double, alice, "!stylize", [bad, _style(double, image_bytes)])
    assert fragment in text
    assert name in text
    assert not bot.service.jobs and len(bot.service.queue) == 0
    gif = double.upload("cat.gif", _gif(data_dir, frames=2), "image/gif")
    await double.post_message(alice, "!stylize", [gif, _style(double, image_bytes)])
    await double.wait_for(lambda: results(double))
