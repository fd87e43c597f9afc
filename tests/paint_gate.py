"""A gate that holds painting jobs mid-run until the test lets them on: the way a test keeps a
job running (while it posts, cancels, kills a process) without betting on how fast the CPU is.

Each job painted while the gate is installed stops at its first progress report (the engine has
started, the member sees "Painting…"), or at its first preview, and waits there until the gate
is opened, a permit is free, or the job is cancelled (then the engine stops before its next
iteration, as usual). The engine itself is the real one; only each picture's progress
callback waits.

The gate is a folder, so jobs painted in other processes obey it too: such a process is started
with :meth:`PaintGate.environment` by ``python -m tests.launch`` (bot or worker), which installs
the gate there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ENV = "PAINT_GATE"
_LOOK = 0.01  # seconds between a held job's looks at the folder (a held job is idle)


class PaintGate:
    def __init__(self, folder: Path, *, at_preview: bool = False) -> None:
        """``at_preview``: hold at the first report that carries a preview instead."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        if at_preview:
            (folder / "at-preview").touch()  # for the other processes too
        self.at_preview = (folder / "at-preview").exists()

    @classmethod
    def from_environment(cls) -> PaintGate:
        return cls(Path(os.environ[ENV]))

    def environment(self) -> dict[str, str]:
        """What a process needs in its environment to obey this gate (see the module doc)."""
        return {ENV: str(self.folder)}

    # -- the test's side ------------------------------------------------------------------------

    def open(self) -> None:
        """Let every job on, now and later."""
        (self.folder / "open").touch()

    def close(self) -> None:
        """Hold the jobs that reach the gate from now on (jobs past it paint on)."""
        with contextlib.suppress(FileNotFoundError):
            (self.folder / "open").unlink()

    def allow(self, jobs: int) -> None:
        """Let ``jobs`` more jobs through a closed gate, one each."""
        for _ in range(jobs):
            (self.folder / f"permit-{uuid.uuid4().hex}").touch()

    def held(self) -> int:
        """Jobs waiting at the gate now."""
        return len(list(self.folder.glob("held-*")))

    # -- the painter's side ---------------------------------------------------------------------

    def install(self) -> None:
        """Make every later ``styleengine.stylize_batch`` call (``stylize`` is its batch of one)
        in this process obey the gate."""
        from styleengine import batch, sequence

        batch.stylize_batch = self.wrap(batch.stylize_batch)
        sequence.stylize_clip = self.wrap_clip(sequence.stylize_clip)

    @contextlib.contextmanager
    def installed(self) -> Iterator[PaintGate]:
        from styleengine import batch, sequence

        real, real_clip = batch.stylize_batch, sequence.stylize_clip
        batch.stylize_batch = self.wrap(real)
        sequence.stylize_clip = self.wrap_clip(real_clip)
        try:
            yield self
        finally:
            batch.stylize_batch, sequence.stylize_clip = real, real_clip

    def wrap_clip(self, stylize_clip: Callable[..., Any]) -> Callable[..., Any]:
        """``styleengine.sequence.stylize_clip`` obeying the gate (a clip is one job)."""

        def gated(*args: Any, **kwargs: Any) -> Any:
            kwargs["on_progress"] = self._report(kwargs.get("on_progress"), kwargs.get("cancel"))
            return stylize_clip(*args, **kwargs)

        return gated

    def wrap(self, stylize_batch: Callable[..., Any]) -> Callable[..., Any]:
        def gated(pictures: list[Any], *args: Any, **kwargs: Any) -> Any:
            return stylize_batch([self._gated(p) for p in pictures], *args, **kwargs)

        return gated

    def _gated(self, picture: Any) -> Any:
        """``picture`` whose progress callback waits at the gate once."""
        listener = picture.listener
        report = self._report(listener.on_progress, listener.cancel)
        return dataclasses.replace(
            picture, listener=dataclasses.replace(listener, on_progress=report)
        )

    def _report(
        self, on_progress: Callable[[Any], None] | None, cancel: Any
    ) -> Callable[[Any], None]:
        """``on_progress`` that waits at the gate once (with its report heard first)."""
        waited = False

        def report(progress: Any) -> None:
            nonlocal waited
            if waited or (self.at_preview and progress.preview is None):
                if on_progress is not None:
                    on_progress(progress)
                return
            waited = True
            with self._holding():  # counted as held before anyone hears of this report
                if on_progress is not None:
                    on_progress(progress)
                self._wait(cancel)

        return report

    @contextlib.contextmanager
    def _holding(self) -> Iterator[None]:
        marker = self.folder / f"held-{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex}"
        marker.touch()
        try:
            yield
        finally:
            marker.unlink()

    def _wait(self, cancel: Any) -> None:
        while not (cancel is not None and cancel.cancelled):
            if (self.folder / "open").exists() or self._take_permit():
                return
            time.sleep(_LOOK)

    def _take_permit(self) -> bool:
        for permit in self.folder.glob("permit-*"):
            try:
                permit.unlink()  # only one job (in any process) gets to remove it
            except FileNotFoundError:
                continue
            return True
        return False
