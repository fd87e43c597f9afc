"""Without the privileged message-content intent the bot still serves slash commands and
mentions, and says so in its log; when Discord refuses the intent it reconnects without it."""

from __future__ import annotations

import asyncio
import logging

from bot.__main__ import run
from tests.bot.conftest import bot_settings, pair, results, running
from tests.discord_double.server import MESSAGE_CONTENT_INTENT, DiscordDouble


async def test_without_the_intent_mentions_and_slash_commands_work(image_bytes, caplog, tmp_path):
    double = DiscordDouble(grant_message_content=False)
    await double.start()
    try:
        settings = bot_settings(double, message_content=False, database=str(tmp_path / "bot.db"))
        with caplog.at_level(logging.WARNING):
            async with running(settings, double):
                assert not double.identifies[-1]["intents"] & MESSAGE_CONTENT_INTENT
                alice = double.add_user("alice")
                ignored = await double.post_message(alice, "!stylize", pair(double, image_bytes))
                mention = f"<@{double.bot_user.id}> stylize --seed 1"
                await double.post_message(alice, mention, pair(double, image_bytes))
                await double.wait_for(lambda: results(double))
                content, style = pair(double, image_bytes)
                await double.run_slash(alice, "stylize", {}, {"content": content, "style": style})
                await double.wait_for(lambda: len(results(double)) == 2)
                assert double.replies_to(ignored.id) == []  # Discord blanked it: nothing to read
        assert "without the message-content intent" in caplog.text
    finally:
        await double.close()


async def test_a_refused_intent_reconnects_without_it(image_bytes, caplog, tmp_path):
    double = DiscordDouble(grant_message_content=False)
    await double.start()
    settings = bot_settings(double, message_content=True, database=str(tmp_path / "bot.db"))
    task = asyncio.create_task(run(settings))
    try:
        with caplog.at_level(logging.WARNING):
            await double.wait_for(lambda: len(double.identifies) >= 2 and double.commands)
            assert double.identifies[0]["intents"] & MESSAGE_CONTENT_INTENT
            assert not double.identifies[-1]["intents"] & MESSAGE_CONTENT_INTENT
            alice = double.add_user("alice")
            content, style = pair(double, image_bytes)
            await double.wait_for(double.connected)
            await double.run_slash(alice, "stylize", {}, {"content": content, "style": style})
            await double.wait_for(lambda: results(double))
        assert "refused the message-content intent" in caplog.text
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await double.close()
