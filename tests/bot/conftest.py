"""The bot, in process, connected to a fresh loopback Discord double for each test."""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
from PIL import Image

from bot.app import StyleBot
from bot.settings import BotSettings
from bot.ui import pacing
from tests.discord_double import rest
from tests.discord_double.server import HANG, DiscordDouble, StoredMessage

# Discord's per-channel limit (5 messages per 5 s) scaled down to 5 per second on both sides:
# every double enforces it, the bot's pacer keeps to it with its usual margin. Tests that post
# a lot in one channel then wait a second where Discord would make them wait five; what they
# check (no 429 drawn, answers still arrive) is the same. test_pacing.py holds the real figures
# to Discord's. A bot in a subprocess keeps the real window, slower than the double's: safe.
FAST_CHANNEL_WINDOW = 1.0


@pytest.fixture(autouse=True)
def fast_channel_window(monkeypatch: pytest.MonkeyPatch) -> None:
    margin = pacing.WINDOW_SECONDS - rest.CHANNEL_BUCKET[1]
    monkeypatch.setattr(rest, "CHANNEL_BUCKET", (rest.CHANNEL_BUCKET[0], FAST_CHANNEL_WINDOW))
    monkeypatch.setattr(pacing, "WINDOW_SECONDS", FAST_CHANNEL_WINDOW + margin)


def bot_settings(double: DiscordDouble, **overrides: Any) -> BotSettings:
    """Tiny jobs (32 px, a few iterations) so the engine costs little; fast status edits; a
    database of this test's own (pass ``database`` to share one across restarts)."""
    values: dict[str, Any] = {
        "database": str((_scratch.get(double) or Path(tempfile.mkdtemp())) / "stylebot.db"),
        **double.bot_environment(),
        "default_size": 32,
        "default_iterations": 6,
        "grid_size": 24,  # a grid of styles: four tiny pictures
        "grid_iterations": 4,
        "progress_interval": 0.25,
        "devices": "cpu",
        "max_size": 128,
        "max_iterations": 200,
        "command_rate": 1000,  # tests post quickly; test_security checks the limit itself
    }
    values.update(overrides)
    return BotSettings(_env_file=None, **values)  # type: ignore[call-arg]


@asynccontextmanager
async def running(settings: BotSettings, double: DiscordDouble) -> AsyncIterator[StyleBot]:
    bot = StyleBot(settings)
    task = asyncio.create_task(bot.start(settings.token.get_secret_value()))
    try:
        await double.wait_for(
            lambda: task.done() or (bot.get_guild(double.guild_id) and double.commands)
        )
        if task.done():
            task.result()  # raises what stopped the bot
        yield bot
    finally:
        await _close(bot)
        await asyncio.wait_for(task, timeout=HANG)


async def _close(bot: StyleBot, patience: float = HANG) -> None:
    """Close the bot; one that does not close in time fails the test with every task's stack."""
    closing = asyncio.create_task(bot.close())
    done, _ = await asyncio.wait({closing}, timeout=patience)
    if not done:
        stacks = io.StringIO()
        for task in asyncio.all_tasks():
            task.print_stack(file=stacks)
        closing.cancel()
        raise AssertionError(f"the bot did not close in {patience:g} s:\n{stacks.getvalue()}")
    closing.result()


# Each test's double -> that test's tmp_path, where its bot keeps its database.
_scratch: weakref.WeakKeyDictionary[DiscordDouble, Path] = weakref.WeakKeyDictionary()


@pytest_asyncio.fixture
async def double(tmp_path: Path) -> AsyncIterator[DiscordDouble]:
    d = DiscordDouble()
    _scratch[d] = tmp_path
    await d.start()
    yield d
    await d.close()


@pytest_asyncio.fixture
async def bot(double: DiscordDouble) -> AsyncIterator[StyleBot]:
    async with running(bot_settings(double), double) as b:
        yield b


@pytest.fixture
def image_bytes(data_dir: Path) -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (data_dir / name).read_bytes()

    return read


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pair(double: DiscordDouble, image_bytes: Callable[[str], bytes]) -> list[dict[str, Any]]:
    """A content and a style image, uploaded to the double's CDN as a member would."""
    return [
        double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg"),
        double.upload("starry.jpg", image_bytes("starry_night.jpg"), "image/jpeg"),
    ]


T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T]]) -> T:
    """Await ``check()`` every tenth of a second until it is truthy and return its value: for
    state the double does not see (the store, written in the background). The bound is for
    hangs only, as in ``DiscordDouble.wait_for``."""
    deadline = time.monotonic() + HANG
    while not (value := await check()):
        if time.monotonic() > deadline:
            raise TimeoutError("the expected state did not come in time")
        await asyncio.sleep(0.1)
    return value


def results(double: DiscordDouble) -> list[StoredMessage]:
    """The bot's messages that carry a finished picture."""
    return [m for m in double.bot_messages() if m.attachments and "here is" in m.text]


def title(message: StoredMessage | dict[str, Any]) -> str | None:
    """The embed title of a stored message, or of one of its edits' payloads."""
    data = message.data if isinstance(message, StoredMessage) else message
    embeds = data.get("embeds") or []
    return embeds[0].get("title") if embeds else None


def edit_titles(message: StoredMessage) -> list[str | None]:
    """The status message's title after each edit, in order."""
    return [title(data) for _, data in message.edits]
