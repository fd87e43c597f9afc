"""Two bot processes, each running one of two shards, sharing one PostgreSQL store: every
request is answered once, by the process of its server's shard; one process killed mid-job
loses nothing (its job is painted and delivered once when it starts again, the other process
never takes it over) and the other goes on answering meanwhile; the operator's pause, said to
one process, holds in both; a member's caps and /forget-me hold across them."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter

from bot.app import StyleBot
from tests.bot.conftest import _close, bot_settings, edit_titles, pair, results, title
from tests.bot.jobs.test_history import _answer, _buttons
from tests.bot.jobs.test_restart import assert_journal_empty, bot_env, delivered, kill, start_bot
from tests.bot.jobs.test_restart import stop_bot as stop_process
from tests.discord_double.server import HANG
from tests.paint_gate import PaintGate


async def test_two_processes_share_the_store_and_each_answers_its_own_shard(
    double, image_bytes, tmp_path, postgres_url
):
    mine = double.shard_of(double.guild_id, 2)  # the test server's shard: the killed process's
    other_guild = double.add_guild(shard=1 - mine, shards=2)
    other_channel = double.guilds[other_guild][0]
    alice, bob, operator = (double.add_user(n) for n in ("alice", "bob", "operator"))
    gate = PaintGate(tmp_path / "gate")
    env = {
        **bot_env(double, postgres_url, gate),  # type: ignore[arg-type]
        "STYLEBOT_SHARD_COUNT": "2",
        "STYLEBOT_SHARD_IDS": str(mine),
        "STYLEBOT_OPERATOR_IDS": str(operator.id),
    }
    log = tmp_path / "bot.log"
    process = await start_bot(env, log)
    settings = bot_settings(double, database=postgres_url, shard_count=2,
                            shard_ids=str(1 - mine), operator_ids=str(operator.id))  # fmt: skip
    other = StyleBot(settings)
    task = asyncio.create_task(other.start(double.token))
    try:
        await double.wait_for(lambda: other.get_guild(other_guild) is not None)
        await double.wait_for(lambda: sum(s.ready for s in double._sockets) == 2)
        assert sorted(tuple(i["shard"]) for i in double.identifies) == [(0, 2), (1, 2)]
        assert other.get_guild(double.guild_id) is None  # not its shard's

        held = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: gate.held() == 1)  # painting in the first process, held
        first = await double.post_message(
            bob, "!stylize --seed 2", pair(double, image_bytes), channel_id=other_channel
        )
        await double.wait_for(lambda: len(delivered(double)) == 1)

        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL
        # The other process goes on answering its own server, and leaves the killed one's job.
        second = await double.post_message(
            bob, "!stylize --seed 3", pair(double, image_bytes), channel_id=other_channel
        )
        await double.wait_for(lambda: len(delivered(double)) == 2)
        assert all(job.guild_id == other_guild for job in other.service.jobs.values())

        gate.open()
        process = await start_bot(env, log)  # its shard's job: resumed by it, painted once
        await double.wait_for(lambda: len(delivered(double)) == 3)
        # Its status message ends as done once the journal is told (then it may stop).
        status = next(r for r in double.replies_to(held.id) if r.data["embeds"])
        await double.wait_for(lambda: title(status) == "Done" and not other.service.jobs)

        # The operator pauses in one process's server: the other process holds its jobs too.
        said = await double.post_message(operator, "!pause upgrade", channel_id=other_channel)
        await double.wait_for(lambda: double.replies_to(said.id))
        later = await double.post_message(alice, "!stylize --seed 4", pair(double, image_bytes))
        (waiting,) = await double.wait_for(lambda: double.replies_to(later.id))
        await double.wait_for(lambda: "paused by the operator (upgrade)" in str(waiting.edits))
        said = await double.post_message(operator, "!resume", channel_id=other_channel)
        await double.wait_for(lambda: len(delivered(double)) == 4)
        await double.wait_for(lambda: title(waiting) == "Done")
        await stop_process(process)
        await _close(other)
        await asyncio.wait_for(task, timeout=HANG)
        assert Counter(delivered(double).values()) == Counter({1: 4})
        for message in (held, first, second, later):
            pictures = [r for r in double.replies_to(message.id) if r.attachments]
            assert len(pictures) == 1, message.text
    finally:
        await kill(process)
        await _close(other)
    await assert_journal_empty(postgres_url)  # type: ignore[arg-type]


async def test_a_members_caps_hold_across_the_processes_of_their_servers(
    double, image_bytes, postgres_url, paint_gate
):
    """A member in two servers whose shards are on two processes has one cap on waiting jobs
    and one command budget, counted in the store both share, not one per process."""
    mine = double.shard_of(double.guild_id, 2)
    other_guild = double.add_guild(shard=1 - mine, shards=2)
    other_channel = double.guilds[other_guild][0]
    alice = double.add_user("alice")
    limits = {"database": postgres_url, "shard_count": 2, "user_limit": 1, "command_rate": 3,
              "command_window": 600}  # fmt: skip
    bots = [StyleBot(bot_settings(double, shard_ids=str(s), **limits)) for s in (mine, 1 - mine)]
    tasks = [asyncio.create_task(bot.start(double.token)) for bot in bots]
    try:
        await double.wait_for(lambda: sum(s.ready for s in double._sockets) == 2)
        await double.wait_for(lambda: bots[1].get_guild(other_guild) is not None)

        held = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held() == 1)  # painting in the first process
        refused = await double.post_message(
            alice, "!stylize --seed 2", pair(double, image_bytes), channel_id=other_channel
        )
        (answer,) = await double.wait_for(lambda: double.replies_to(refused.id))
        assert "You already have 1 job(s) queued or running (the limit is 1)" in answer.text
        assert not bots[1].service.jobs

        # Two commands so far, one in each process; the third is the last of the budget.
        third = await double.post_message(alice, "!queue", channel_id=other_channel)
        await double.wait_for(lambda: double.replies_to(third.id))
        fourth = await double.post_message(alice, "!queue")
        (slow,) = await double.wait_for(lambda: double.replies_to(fourth.id))
        assert "Slow down: StyleBot takes 3 commands per 600 s" in slow.text

        paint_gate.open()
        await double.wait_for(lambda: len(delivered(double)) == 1)
        await double.wait_for(lambda: not bots[0].service.jobs)
    finally:
        for bot in bots:
            await _close(bot)
        await asyncio.gather(*tasks, return_exceptions=True)
    pictures = [r for r in double.replies_to(held.id) if r in results(double)]
    assert len(pictures) == 1 and list(delivered(double).values()) == [1]  # once, for it


async def test_forget_me_said_to_one_process_stops_the_members_jobs_in_the_other(
    double, image_bytes, postgres_url, paint_gate
):
    """A member's job painting in one process's server is cancelled when they say /forget-me
    in a server of the other process, and nothing of it is kept."""
    mine = double.shard_of(double.guild_id, 2)
    other_guild = double.add_guild(shard=1 - mine, shards=2)
    other_channel = double.guilds[other_guild][0]
    alice = double.add_user("alice")
    bots = [
        StyleBot(bot_settings(double, database=postgres_url, shard_count=2, shard_ids=str(s)))
        for s in (mine, 1 - mine)
    ]
    tasks = [asyncio.create_task(bot.start(double.token)) for bot in bots]
    try:
        await double.wait_for(lambda: sum(s.ready for s in double._sockets) == 2)
        await double.wait_for(lambda: bots[1].get_guild(other_guild) is not None)
        held = await double.post_message(
            alice, "!stylize", pair(double, image_bytes), channel_id=other_channel
        )
        await double.wait_for(lambda: paint_gate.held() == 1)  # painting in the other process
        (status,) = await double.wait_for(lambda: double.replies_to(held.id))

        asked = await _answer(double, await double.run_slash(alice, "forget-me"))  # the first
        await double.press(alice, asked.id, _buttons(asked, "forget")[0])
        await double.wait_for(lambda: "Erased:" in double.messages[asked.id].text)
        await double.wait_for(lambda: edit_titles(status)[-1:] == ["Cancelled"])
        await double.wait_for(lambda: not bots[1].service.jobs)
        paint_gate.open()
        assert await bots[1].store.journal.unfinished() == ([], [])
        assert await bots[1].store.journal.kept(owner_id=alice.id) == 0
    finally:
        for bot in bots:
            await _close(bot)
        await asyncio.gather(*tasks, return_exceptions=True)
    assert not delivered(double)
