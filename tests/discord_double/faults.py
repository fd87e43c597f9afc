"""Faults on purpose: the next requests for a route answered with an error status, a dropped
gateway connection."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from tests.discord_double.rest import json_response, too_many


@dataclass
class Fault:
    """Requests the double answers with an error on purpose (see ``fail_next``)."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    hits: int = 0

    def response(self) -> web.Response:
        if self.status == 429:
            return too_many(self.retry_after)
        return json_response({"message": f"{self.status}: simulated by the double", "code": 0},
                     status=self.status)  # fmt: skip


class FaultsMixin:
    """Errors on purpose: the next matching requests answered with a status, a dropped gateway."""

    def fail_next(
        self, method: str, path: str, status: int, *, times: int = 1, retry_after: float = 0.5
    ) -> Fault:
        """Answer the next ``times`` requests for ``method`` and ``path`` (a regex searched in
        the API path) with ``status`` (429 comes with ``retry_after`` and its headers)."""
        fault = Fault(method.upper(), re.compile(path), status, times, retry_after)
        self.faults.append(fault)
        return fault

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway connection as Discord does on an error; it should resume."""
        for session in list(self._sockets):
            session.ready = False
            await session.ws.close(code=code, message=b"dropped by the double")

    def _fault_for(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.hits < fault.times and fault.method == method and fault.path.search(path):
                fault.hits += 1
                return fault
        return None
