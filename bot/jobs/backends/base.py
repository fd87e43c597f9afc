"""What the job runner needs from a place that paints: free slots, a run, a way to stop one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.job import Job, JobInputs, RunResult
from styleengine import Progress

# A painter's report on a running job: the engine's progress (without its image), a preview as
# JPEG if there is a new one, the device it runs on, and whether it restarted elsewhere.
Reporter = Callable[[Job, "Report"], None]


@dataclass(frozen=True)
class Report:
    progress: Progress | None
    preview: bytes | None = None
    device: str | None = None
    restarted: bool = False


@dataclass(frozen=True)
class Slot:
    """A painter that is free for one job: in this process, a device; on the workers behind a
    broker, :data:`ANY_WORKER` (the worker that takes the job picks its device)."""

    device: str | None


ANY_WORKER = Slot(device=None)


class Backend(Protocol):
    @property
    def in_process(self) -> bool:
        """True when jobs are painted in the bot's own process (a job can crash the bot)."""

    @property
    def capacity(self) -> int:
        """Jobs that can be painted at once now."""

    @property
    def available(self) -> bool:
        """False while the painters cannot be reached (new requests are refused then)."""

    @property
    def workers(self) -> int:
        """Painter processes online (this one, when it paints in process)."""

    @property
    def failures(self) -> int:
        """Calls to the painters' broker that failed since the start."""

    def status_note(self) -> str | None:
        """A line for waiting members when painting is held up, else None."""

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` when :attr:`available` or :attr:`capacity` change."""

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop watching; jobs painted in this process are stopped, workers keep theirs."""

    async def acquire(self) -> Slot:
        """Wait for a free painter."""

    def release(self, slot: Slot) -> None: ...

    async def run(self, job: Job, slot: Slot, report: Reporter, inputs: JobInputs) -> RunResult:
        """Paint ``job`` from ``inputs`` (its images' bytes), or follow its run from before a
        restart, until it ends."""

    async def cancel(self, job: Job) -> None:
        """Ask a running job to stop; its :meth:`run` then ends as cancelled."""
