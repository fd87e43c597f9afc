"""Bad requests get one clear reply each, nothing is queued, and the bot keeps working."""

from __future__ import annotations

import pytest

from tests.bot.conftest import pair, results


async def refusal(double, author, text, attachments=None, **kwargs) -> str:
    message = await double.post_message(author, text, attachments, **kwargs)
    reply = (await double.wait_for(lambda: double.replies_to(message.id)))[0]
    return reply.text


@pytest.mark.parametrize(
    ("text", "files", "fragment"),
    [
        ("!stylize", 0, "I found no image"),
        ("!stylize --size banana", 1, "not a number"),  # a photo alone: a grid, its flags read
        ("!stylize", 5, "at most 3 style images"),
        ("!stylize --size 4000", 2, "at most 128 here"),
        ("!stylize --size banana", 2, "not a number; expected from 16 to 4096"),
        ("!stylize --style-weight nan", 2, "finite"),
        ("!stylize --styel-weight 5", 2, "Did you mean `--style-weight`"),
        ("!stylize --weights /etc/passwd", 2, "not an option"),
        ("!stylize --style-blend 1,2,3", 2, "3 weights for 1 style images"),
        ("!stylize <script>alert(1)</script>", 2, "options look like"),
    ],
)
async def test_bad_requests_are_refused_with_the_reason(
    bot, double, image_bytes, text, files, fragment
):
    alice = double.add_user("alice")
    attachments = (pair(double, image_bytes) * 3)[:files]
    assert fragment in await refusal(double, alice, text, attachments)
    assert not bot.service.jobs and len(bot.service.queue) == 0


async def test_files_that_are_not_images(bot, double, image_bytes):
    alice = double.add_user("alice")
    photo, style = pair(double, image_bytes)
    html = double.upload("photo.png", b"<html><body>hi</body></html>", "image/png")
    assert "not in an image format" in await refusal(double, alice, "!stylize", [html, style])
    empty = double.upload("empty.jpg", b"", "image/jpeg")
    assert "empty" in await refusal(double, alice, "!stylize", [photo, empty])
    truncated = double.upload("cut.jpg", image_bytes("chelsea.jpg")[:2000], "image/jpeg")
    assert "damaged or truncated" in await refusal(double, alice, "!stylize", [truncated, style])


async def test_an_oversize_attachment_is_refused_before_download(bot, double, image_bytes):
    alice = double.add_user("alice")
    photo, _style = pair(double, image_bytes)
    huge = double.upload("huge.png", b"x" * 100, "image/png", size=300 * 2**20)
    reply = await refusal(double, alice, "!stylize", [photo, huge])
    assert "300.0 MB" in reply and "limit is 20.0 MB" in reply
    assert double.cdn_requests == []


async def test_reply_to_a_deleted_message(bot, double, image_bytes):
    bob, alice = double.add_user("bob"), double.add_user("alice")
    posted = await double.post_message(bob, "photo", pair(double, image_bytes)[:1])
    await double.delete_message(posted.id)
    style = pair(double, image_bytes)[1]
    reply = await refusal(double, alice, "!stylize", [style], reply_to=posted.id)
    assert "deleted" in reply


async def test_the_bot_still_works_after_bad_input(bot, double, image_bytes):
    alice = double.add_user("alice")
    await refusal(double, alice, "!stylize --size x", pair(double, image_bytes))
    await double.post_message(alice, "!stylize", pair(double, image_bytes))
    await double.wait_for(lambda: results(double))


async def test_slash_refusals_are_answered_in_the_interaction(bot, double, image_bytes):
    alice = double.add_user("alice")
    content, _ = pair(double, image_bytes)
    html = double.upload("style.png", b"not an image", "image/png")
    interaction = await double.run_slash(alice, "stylize", {}, {"content": content, "style": html})
    await double.wait_for(lambda: interaction.original_id)
    original = double.messages[interaction.original_id]
    await double.wait_for(lambda: "not in an image format" in original.text)
    bad_flag = await double.run_slash(
        alice, "stylize", {"options": "--bogus 1"}, {"content": content, "style": content}
    )
    await double.wait_for(lambda: bad_flag.original_id)
    assert bad_flag.ephemeral
    assert "not an option" in double.messages[bad_flag.original_id].text
