"""``/metrics`` (Prometheus text), ``/healthz`` (the process answers) and ``/readyz`` (it can do
its work: each check named, 503 while one fails), served on ``STYLEBOT_METRICS_ADDR``.

An orchestrator restarts a process whose ``/healthz`` stops answering and sends no traffic to
one that is not ready; Prometheus scrapes ``/metrics``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from bot.settings import split_addr

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]
CHECK_PATIENCE = 3.0  # seconds a readiness check may take before it counts as failed


class ObserveServer:
    def __init__(self, addr: str, registry: CollectorRegistry, checks: Mapping[str, Check]) -> None:
        self.host, self.port = split_addr(addr)
        self.registry = registry
        self.checks = dict(checks)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])  # the port chosen, when 0 was asked
        log.info("metrics and health on http://%s:%d/metrics, /healthz, /readyz",
                 self.host, self.port)  # fmt: skip

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(generate_latest, self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def _readyz(self, request: web.Request) -> web.Response:
        names = list(self.checks)
        results = await asyncio.gather(*(_passes(self.checks[n]) for n in names))
        states = dict(zip(names, results, strict=True))
        lines = "".join(f"{n}: {'ok' if ok else 'not ready'}\n" for n, ok in states.items())
        return web.Response(text=lines, status=200 if all(results) else 503)


async def _passes(check: Check) -> bool:
    try:
        return await asyncio.wait_for(check(), CHECK_PATIENCE)
    except Exception:
        return False
