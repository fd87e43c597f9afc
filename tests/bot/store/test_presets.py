"""Style presets as stored: the image itself, not a link."""

from __future__ import annotations


async def test_add_get_list_replace_remove(store):
    added = await store.presets.add(
        1, "starry", filename="s.jpg", data=b"A" * 10, size=(4, 3), by=5
    )
    assert added is False
    preset = await store.presets.get(1, "starry")
    assert preset is not None and preset.data == b"A" * 10 and preset.info.size == (4, 3)
    assert await store.presets.get(2, "starry") is None  # another server's
    assert await store.presets.add(1, "starry", filename="t.png", data=b"B", size=(1, 1), by=5)
    assert [(p.name, p.filename) for p in await store.presets.list(1)] == [("starry", "t.png")]
    assert await store.presets.remove(1, "starry")
    assert not await store.presets.remove(1, "starry")
    assert await store.presets.list(1) == []
