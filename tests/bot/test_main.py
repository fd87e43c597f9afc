"""``python -m bot`` as an operator meets it: clear exits for a missing or rejected token or a
missing painter, the token never printed, and a clean stop on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.bot.jobs.test_restart import bot_env
from tests.discord_double.server import HANG, DiscordDouble

ROOT = Path(__file__).resolve().parents[2]


# Run a command-line entry point in a Python that cannot import torch (as after a plain
# ``pip install stylebot``, without the engine extra).
_WITHOUT_TORCH = (
    "import sys; sys.modules['torch'] = None; from {module} import main; sys.exit(main())"
)


async def run_bot(
    env: dict[str, str], cwd: Path, args: tuple[str, ...] = ("-m", "bot")
) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "STYLEBOT_"))}
    clean["PYTHONPATH"] = str(ROOT)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=cwd,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=HANG)
    return process.returncode or 0, output.decode()


async def test_missing_token_is_a_clear_message(tmp_path):
    code, output = await run_bot({}, tmp_path)
    assert code == 2
    assert "DISCORD_TOKEN is not set" in output and ".env.example" in output


async def test_a_bad_setting_names_itself(tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\nSTYLEBOT_USER_LIMIT=lots\n")
    code, output = await run_bot({}, tmp_path)
    assert code == 2
    assert "user_limit" in output


async def test_a_bot_without_the_engine_and_without_a_broker_says_how_to_get_one(tmp_path):
    code, output = await run_bot(
        {"DISCORD_TOKEN": "abc"}, tmp_path, ("-c", _WITHOUT_TORCH.format(module="bot.__main__"))
    )
    assert code == 2
    assert "STYLEBOT_BROKER_URL" in output and "stylebot[engine]" in output


async def test_a_worker_without_the_engine_says_so(tmp_path):
    env = {"STYLEBOT_BROKER_URL": "redis://127.0.0.1:1/0"}
    args = ("-c", _WITHOUT_TORCH.format(module="bot.worker.__main__"))
    code, output = await run_bot(env, tmp_path, args)
    assert code == 2
    assert "no engine" in output and "stylebot[engine]" in output


async def test_rejected_token_exits_without_printing_it(tmp_path):
    double = DiscordDouble()
    await double.start()
    try:
        secret = "wrong-token-5f3a9c"
        (tmp_path / ".env").write_text(
            f"DISCORD_TOKEN={secret}\nDISCORD_API_BASE={double.api_base}\n"
            f"DISCORD_GATEWAY_URL={double.gateway_url}\n"
        )
        code, output = await run_bot({}, tmp_path)
        assert code == 3
        assert "rejected the token" in output
        assert secret not in output
    finally:
        await double.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_closes_the_bot_cleanly(signum, tmp_path):
    """SIGTERM (Docker, systemd, Kubernetes) and SIGINT stop the bot as Ctrl-C does, with exit
    status 0, even in a bot started as a script's background job: a shell without job control
    starts those with SIGINT ignored (the test's bot inherits that, as such a bot would)."""
    double = DiscordDouble()
    await double.start()
    env = bot_env(double, tmp_path / "stylebot.db")
    ignoring_sigint = (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "sys.argv = ['bot']; runpy.run_module('bot', run_name='__main__', alter_sys=True)"
    )
    log = tmp_path / "bot.log"
    try:
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", ignoring_sigint, env=env, cwd=tmp_path, stdout=out,
                stderr=out,
            )  # fmt: skip
        try:
            await double.wait_for(lambda: double.commands and double.connected())
            process.send_signal(signum)
            assert await asyncio.wait_for(process.wait(), timeout=HANG) == 0
        finally:
            if process.returncode is None:
                process.kill()
        assert f"{signum.name}: stopping" in log.read_text()
        await double.wait_for(lambda: not double.connected())
    finally:
        await double.close()
