"""The timelapse: previews from coarse to fine as an animated WebP that fits the room it is
given, asked for per request (``--timelapse``) or per server (``styleset set timelapse on``)."""

from __future__ import annotations

import io

from PIL import Image

from bot.ui.timelapse import timelapse
from tests.bot.conftest import bot_settings, decode, pair, results, running
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS
from tests.discord_double.server import media_urls


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def test_frames_grow_to_one_size_and_the_picture_comes_last():
    previews = [_jpeg((24 * n, 18 * n), (40 * n, 0, 0)) for n in range(1, 6)]
    final = _jpeg((400, 300), (0, 0, 255))
    data = timelapse(previews, final, max_bytes=1 << 20)
    assert data is not None
    with Image.open(io.BytesIO(data)) as animation:
        assert animation.format == "WEBP" and animation.n_frames == 6
        assert animation.size == (120, 90)
        animation.seek(5)
        assert animation.convert("RGB").getpixel((60, 45))[2] > 200  # the picture, last


def test_a_tight_room_gets_fewer_frames_or_none():
    previews = [_jpeg((192, 144), (n * 10, 255 - n * 10, n * 5)) for n in range(20)]
    final = _jpeg((192, 144), (0, 0, 0))
    roomy = timelapse(previews, final, max_bytes=1 << 20)
    assert roomy is not None
    tight = timelapse(previews, final, max_bytes=len(roomy) // 2)
    assert tight is not None and len(tight) <= len(roomy) // 2
    with Image.open(io.BytesIO(tight)) as animation:
        assert 3 <= animation.n_frames < 21
    assert timelapse(previews, final, max_bytes=100) is None
    assert timelapse([], final, max_bytes=1 << 20) is None


def _timelapse_of(double, card):
    names = [u.removeprefix("attachment://") for u in media_urls(card.data)]
    found = [n for n in names if n.startswith("timelapse-")]
    if not found:
        return None
    by_name = {a["filename"]: a for a in card.attachments}
    return Image.open(io.BytesIO(double.attachment_bytes(by_name[found[0]])))


async def test_asked_for_per_request_and_per_server(double, image_bytes):
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    async with running(bot_settings(double), double):
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize --timelapse yes", pair(double, image_bytes))
        (first,) = await double.wait_for(lambda: results(double))
        animation = _timelapse_of(double, first)
        assert animation is not None and animation.n_frames >= 3
        final = decode(double.attachment_bytes(first.attachments[0]))
        assert animation.size == final.size  # 32 px: smaller than the previews

        said = await double.post_message(admin, "!styleset set timelapse on")
        await double.wait_for(lambda: double.replies_to(said.id))
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.post_message(alice, "!stylize --timelapse no", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) == 3)
        with_it = {"--timelapse yes" in r.text: _timelapse_of(double, r) for r in results(double)}
        assert with_it[True] is not None and with_it[False] is None

        command = await double.post_message(alice, "!stylize --timelapse maybe",
                                            pair(double, image_bytes))  # fmt: skip
        (reply,) = await double.wait_for(lambda: double.replies_to(command.id))
        assert "`--timelapse` takes `yes` or `no`" in reply.text
