"""A member's history end to end: ``/history`` privately, ``!history`` in their DMs, pages and
their ends, each entry's buttons (show, run again after the CDN links expired, larger, delete),
the buttons after a restart and in another member's hands; and ``/forget-me``."""

from __future__ import annotations

from tests.bot.conftest import bot_settings, decode, pair, results, running
from tests.discord_double.records import walk_components
from tests.discord_double.server import custom_ids


def _buttons(message, kind: str) -> list[str]:
    return [c for c in custom_ids(message.data) if c.split(":")[1] == kind]


def _disabled(message) -> set[str]:
    return {
        c["custom_id"]
        for c in walk_components(message.data.get("components") or [])
        if c.get("disabled") and "custom_id" in c
    }


async def _answer(double, interaction):
    """The message the bot answered an interaction with (its original response), once drawn."""
    await double.wait_for(lambda: interaction.original_id and (
        double.messages[interaction.original_id].text
        or double.messages[interaction.original_id].attachments))  # fmt: skip
    return double.messages[interaction.original_id]


async def _paint(double, member, image_bytes, count: int) -> None:
    for _ in range(count):
        before = len(results(double))
        await double.post_message(member, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) > before)  # noqa: B023


async def test_history_pages_and_each_entrys_buttons(double, image_bytes):
    async with running(bot_settings(double), double) as bot:
        alice = double.add_user("alice")
        await _paint(double, alice, image_bytes, 5)
        await double.wait_for(lambda: not bot.service.jobs)
        newest = results(double)[-1]

        shown = await double.run_slash(alice, "history")
        page = await _answer(double, shown)
        assert shown.ephemeral and "page 1 of 2" in page.text and "5 kept for 30 days" in page.text
        assert len(_buttons(page, "hshow")) == 4 and len(page.attachments) == 4  # thumbnails
        newest_job = _buttons(newest, "info")[0].split(":")[2]
        assert _buttons(page, "hshow")[0].split(":")[2] == newest_job  # newest first

        # Older: the last entry, alone on page 2; Newer is there, Older is not.
        await double.press(alice, page.id, _buttons(page, "hist")[1])
        await double.wait_for(lambda: "page 2 of 2" in double.messages[page.id].text)
        assert len(_buttons(double.messages[page.id], "hshow")) == 1

        # Show: the full picture, to alice only.
        oldest = _buttons(double.messages[page.id], "hshow")[0]
        pressed = await double.press(alice, page.id, oldest)
        picture = await _answer(double, pressed)
        assert pressed.ephemeral
        assert max(decode(double.attachment_bytes(picture.attachments[0])).size) == 32

        # Run again after Discord's links to the photos expired: the same picture, from the store.
        double.cdn.clear()
        again = next(c for c in custom_ids(double.messages[page.id].data) if c.endswith(":same"))
        await double.press(alice, page.id, again)
        await double.wait_for(lambda: len(results(double)) == 6)
        larger = next(c for c in custom_ids(double.messages[page.id].data) if c.endswith(":size"))
        await double.press(alice, page.id, larger)
        await double.wait_for(lambda: len(results(double)) == 7)
        assert max(decode(double.attachment_bytes(results(double)[-1].attachments[0])).size) == 48

        # Delete: gone from the history, the page redrawn with one entry fewer in all.
        await double.wait_for(lambda: not bot.service.jobs)
        listed = await _answer(double, await double.run_slash(alice, "history"))
        assert "7 kept" in listed.text
        await double.press(alice, listed.id, _buttons(listed, "hdel")[0])
        await double.wait_for(lambda: "Deleted." in double.messages[listed.id].text)
        assert "6 kept" in double.messages[listed.id].text


async def test_past_the_end_another_member_and_dms(double, image_bytes):
    async with running(bot_settings(double), double):
        alice, bob = double.add_user("alice"), double.add_user("bob")
        empty = await _answer(double, await double.run_slash(alice, "history"))
        assert "no pictures with me yet" in empty.text
        await _paint(double, alice, image_bytes, 1)

        far = await _answer(double, await double.run_slash(alice, "history", {"page": 9}))
        assert "There is no page 9: you have 1 page; here is page 1." in far.text

        # Bob presses alice's buttons (a history is private, but ids can be replayed): refused.
        for custom_id in (_buttons(far, "hshow")[0], _buttons(far, "hdel")[0]):
            pressed = await double.press(bob, far.id, custom_id)
            assert "This is <@" in (await _answer(double, pressed)).text and pressed.ephemeral
        assert "1 kept" in double.messages[far.id].text

        # !history in a channel goes to the member's DMs.
        asked = await double.post_message(alice, "!history")
        (reply,) = await double.wait_for(lambda: double.replies_to(asked.id))
        assert "sent your history to your DMs" in reply.text
        dm = double.dm_channel(alice)
        (sent,) = await double.wait_for(lambda: double.messages_in(dm))
        assert "page 1 of 1" in sent.text and _buttons(sent, "hshow")


async def test_history_buttons_work_after_a_restart(double, image_bytes, tmp_path):
    settings = bot_settings(double, database=str(tmp_path / "kept.db"))
    async with running(settings, double) as bot:
        alice = double.add_user("alice")
        await _paint(double, alice, image_bytes, 5)
        await double.wait_for(lambda: not bot.service.jobs)
        page = await _answer(double, await double.run_slash(alice, "history"))
    async with running(settings, double):
        await double.press(alice, page.id, _buttons(page, "hist")[1])
        await double.wait_for(lambda: "page 2 of 2" in double.messages[page.id].text)


async def test_forget_me_cancels_the_waiting_job_and_erases_everything(
    double, image_bytes, paint_gate
):
    async with running(bot_settings(double), double) as bot:
        alice, bob = double.add_user("alice"), double.add_user("bob")
        await double.run_slash(alice, "prefer", {"size": 48})
        paint_gate.open()
        await _paint(double, alice, image_bytes, 1)
        await _paint(double, bob, image_bytes, 1)
        await double.wait_for(lambda: not bot.service.jobs)  # both answered and journaled
        paint_gate.close()
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held())  # painting, held

        asked = await _answer(double, await double.run_slash(alice, "forget-me"))
        assert "1 job(s) waiting or painting will be **cancelled**" in asked.text
        (yes, no) = _buttons(asked, "forget")
        pressed = await double.press(bob, asked.id, yes)  # not bob's to answer
        assert "Only <@" in (await _answer(double, pressed)).text
        await double.press(alice, asked.id, no)
        await double.wait_for(lambda: "Nothing was erased" in double.messages[asked.id].text)
        assert await bot.service.store.history.count(alice.id) == 1

        asked = await _answer(double, await double.run_slash(alice, "forget-me"))
        await double.press(alice, asked.id, _buttons(asked, "forget")[0])
        await double.wait_for(lambda: "Erased:" in double.messages[asked.id].text)
        said = double.messages[asked.id].text
        assert "1 job(s) of yours that were waiting or painting: cancelled" in said
        assert not bot.service.jobs
        store = bot.service.store
        assert await store.history.count(alice.id) == 0
        assert await store.members.preferences(alice.id) == {}
        assert await store.journal.kept(owner_id=alice.id) == 0
        assert await store.history.count(bob.id) == 1  # bob's picture stays
        listed = await _answer(double, await double.run_slash(alice, "history"))
        assert "no pictures with me yet" in listed.text

        # The card of an erased picture: its buttons say the pictures are gone.
        card = next(m for m in results(double) if f"<@{alice.id}>" in m.text)
        pressed = await double.press(alice, card.id, _buttons(card, "again")[0])
        assert "I no longer have the pictures of that job" in (await _answer(double, pressed)).text
        assert not bot.service.jobs


async def test_a_grid_in_the_history_runs_again_as_a_grid(double, image_bytes):
    async with running(bot_settings(double), double) as bot:
        alice = double.add_user("alice")
        photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
        await double.post_message(alice, "!stylize", [photo])

        def grids():
            return [m for m in double.bot_messages() if "styles for your photo" in m.text]

        (grid,) = await double.wait_for(grids)
        await double.wait_for(lambda: not bot.service.jobs)
        page = await _answer(double, await double.run_slash(alice, "history"))
        assert "**Grid of " in page.text
        larger = next(c for c in custom_ids(page.data) if c.endswith(":size"))
        assert larger in _disabled(page)  # a grid is painted at the grid's size: pick a tile
        double.cdn.clear()
        again = next(c for c in custom_ids(page.data) if c.endswith(":same"))
        await double.press(alice, page.id, again)
        await double.wait_for(lambda: len(grids()) == 2)
        labels = [c for c in custom_ids(grids()[1].data) if c.startswith("stylebot:pick:")]
        assert len(labels) == 4
        assert grids()[1].text.split("\n")[1:5] == grid.text.split("\n")[1:5]  # the same styles
