"""Hostile and odd input, end to end: every case in the corpus gets its one clear answer (the
picture, or a refusal saying what is wrong), and the bot is none the worse for it after."""

from __future__ import annotations

import logging

from bench.load import outcome
from tests.bot.conftest import bot_settings, decode, pair, results, running
from tests.bot.jobs.hostile_corpus import DONE, Case, corpus
from tests.discord_double.server import DiscordDouble, StoredMessage


async def _post(double: DiscordDouble, case: Case, channel: int, style: dict) -> StoredMessage:
    author = double.add_user(f"m-{case.name}"[:32])
    files = [
        double.upload(f.name, f.data, f.content_type, size=f.declared_size) for f in case.files
    ]
    if case.style:
        files.append(style)
    reply_to = None
    if case.reply_to_deleted:
        photo = await double.post_message(author, "my photo", files[:1], channel_id=channel)
        await double.delete_message(photo.id)
        reply_to = photo.id
    return await double.post_message(
        author, case.text, files, reply_to=reply_to, channel_id=channel
    )


async def test_every_hostile_input_gets_one_clear_answer(image_bytes, tmp_path, caplog):
    cases = corpus()
    assert len({case.name for case in cases}) == len(cases) >= 40
    double = DiscordDouble(channels=len(cases) + 1)
    await double.start()
    try:
        settings = bot_settings(
            double, database=str(tmp_path / "bot.db"), queue_limit=100, server_limit=100
        )
        with caplog.at_level(logging.ERROR, logger="bot"):
            async with running(settings, double) as bot:
                style = pair(double, image_bytes)[1]
                sent = {}
                for case, channel in zip(cases, double.channel_ids[1:], strict=False):
                    sent[case.name] = await _post(double, case, channel, dict(style))
                await double.wait_for(lambda: all(outcome(double, m) for m in sent.values()))
                wrong = []
                for case in cases:
                    finals = outcome(double, sent[case.name])
                    kinds = [kind for kind, _ in finals]
                    texts = [r.text for r in double.replies_to(sent[case.name].id)]
                    if len(finals) != 1:
                        wrong.append(f"{case.name}: {len(finals)} final answers {texts}")
                    elif case.expect == DONE and kinds != ["done"]:
                        wrong.append(f"{case.name}: expected a picture, got {texts}")
                    elif case.expect != DONE and not any(case.expect in t for t in texts):
                        wrong.append(f"{case.name}: expected {case.expect!r}, got {texts}")
                    for name in case.not_fetched:
                        if any(name in request for request in double.cdn_requests):
                            wrong.append(f"{case.name}: {name} was downloaded")
                assert not wrong, "\n".join(wrong)
                for message in results(double):  # every picture is a real image
                    decode(double.attachment_bytes(message.attachments[0]))

                # Nothing else broken: a plain request still works and the pool is whole.
                count = len(results(double))
                member = double.add_user("afterwards")
                await double.post_message(member, "!stylize", pair(double, image_bytes))
                await double.wait_for(lambda: len(results(double)) == count + 1)
                await double.wait_for(lambda: not bot.service.jobs)  # retired once answered
                assert bot.service.worker_count == 1
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    finally:
        await double.close()
