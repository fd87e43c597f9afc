"""What a hostile member cannot do: flood the bot with commands, make it fetch a URL of their
choosing, or get the token out of it (not in logs, replies or errors)."""

from __future__ import annotations

import logging

from styleengine.device import simulated_faults
from tests.bot.conftest import bot_settings, pair, results, running
from tests.discord_double.server import DiscordDouble


async def test_commands_are_rate_limited_per_member_text_and_slash_together(double):
    settings = bot_settings(double, command_rate=3, command_window=60)
    async with running(settings, double):
        spammer, other = double.add_user("spammer"), double.add_user("other")
        sent = [await double.post_message(spammer, "!queue") for _ in range(5)]
        await double.wait_for(lambda: all(double.replies_to(m.id) for m in sent[:4]))
        answers = [double.replies_to(m.id) for m in sent]
        assert all(a and "StyleBot queue" in str(a[0].data["embeds"]) for a in answers[:3])
        assert "Slow down: StyleBot takes 3 commands per 60 s" in answers[3][0].text
        slash = await double.run_slash(spammer, "queue")
        await double.wait_for(lambda: slash.original_id)
        told = double.messages[slash.original_id].data
        assert "Slow down" in told["content"] and slash.ephemeral
        # The fifth text command was dropped without a reply; another member is unaffected.
        mine = await double.post_message(other, "!queue")
        await double.wait_for(lambda: double.replies_to(mine.id))
        assert double.replies_to(sent[4].id) == []


async def test_urls_in_the_message_are_never_fetched(bot, double):
    alice = double.add_user("alice")
    url = double.cdn_url("attachments/1/2/secret.png")
    for text in (f"!stylize {url} {url}", f"!stylize --preset {url}", f"!stylize <{url}>"):
        message = await double.post_message(alice, text)
        await double.wait_for(lambda m=message: double.replies_to(m.id))
    assert double.cdn_requests == []


async def test_the_token_never_appears_in_logs_replies_or_errors(image_bytes, caplog, tmp_path):
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.sekrit-token-value-0123456789"
    double = DiscordDouble(token=token)
    await double.start()
    try:
        settings = bot_settings(double, database=str(tmp_path / "bot.db"), log_level="DEBUG")
        with caplog.at_level(logging.DEBUG):
            async with running(settings, double) as bot:
                alice = double.add_user("alice")
                await double.post_message(alice, "!stylize", pair(double, image_bytes))
                await double.wait_for(lambda: results(double))
                with simulated_faults(errors=[RuntimeError("engine exploded")]):
                    await double.post_message(alice, "!stylize", pair(double, image_bytes))
                    await double.wait_for(
                        lambda: any("failed" in m.text for m in double.bot_messages())
                    )
                await double.post_message(alice, "!styleset set size 64")  # refused, logged
                await double.post_message(alice, "!stylize --size nan", pair(double, image_bytes))
                await double.drop_gateway()  # the RESUME carries the token too
                await double.wait_for(lambda: double.resumes == 1)
                assert token not in repr(bot.settings) and token not in str(bot.settings)
        everything = caplog.text + "".join(repr(m.data) for m in double.messages.values())
        assert "IDENTIFY" in caplog.text or "identify" in caplog.text.lower()  # it did log a lot
        assert token not in everything
        assert token.split(".")[2] not in everything
    finally:
        await double.close()
