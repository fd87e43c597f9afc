"""What the store keeps per member: preferences, and a remembered style that expires and is
then swept with its image."""

from __future__ import annotations

import time
from types import SimpleNamespace

from bot.store import members


async def test_preferences_set_forget_and_belong_to_one_member(store):
    await store.members.prefer(1, {"size": "256", "favourites": "udnie"})
    await store.members.prefer(1, {"size": "", "style-weight": "4"})  # "" forgets a key
    assert await store.members.preferences(1) == {"favourites": "udnie", "style-weight": "4"}
    assert await store.members.preferences(2) == {}
    assert await store.members.forget_preferences(1) == 2
    assert await store.members.preferences(1) == {}


async def test_a_remembered_style_expires_and_its_image_is_swept(store, monkeypatch):
    clock = SimpleNamespace(now=time.time())  # the store's clock, moved by the test
    monkeypatch.setattr(members, "time", SimpleNamespace(time=lambda: clock.now))
    kept = await store.members.remember_style(
        1, filename="wave.jpg", data=b"W" * 50, size=(5, 4), ttl=60
    )
    clock.now += 59
    found = await store.members.remembered_style(1)
    assert found == kept and found.data == b"W" * 50 and found.size == (5, 4)
    assert await store.members.remembered_style(2) is None
    clock.now += 1
    assert await store.members.remembered_style(1) is None  # expired, even before the sweep
    assert await store.members.sweep() == 1
    swept = await store.journal.sweep(older_than=0)
    assert swept.blobs == 1


async def test_a_second_style_replaces_the_first(store):
    await store.members.remember_style(1, filename="a.jpg", data=b"A", size=(1, 1), ttl=60)
    await store.members.remember_style(1, filename="b.jpg", data=b"B", size=(1, 1), ttl=60)
    found = await store.members.remembered_style(1)
    assert found is not None and found.filename == "b.jpg"
    assert (await store.journal.sweep(older_than=0)).blobs == 1  # "A" is no longer used
