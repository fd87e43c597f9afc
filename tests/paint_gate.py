"""A gate that holds painting jobs mid-run until the test lets them on: the way a test keeps a
job running (while it posts, cancels, kills a process) without betting on how fast the CPU is.

Each job painted while the gate is installed stops at its first progress report (the engine has
started, the member sees "Painting…"), or at its first preview, and waits there until the gate
is opened, a permit is free, or the job is cancelled (then the engine stops before its next
iteration, as usual). The engine itself is the real one; only its progress callback waits.

The gate is a folder, so jobs painted in other processes obey it too: such a process is started
with :meth:`PaintGate.environment` by ``python -m tests.launch`` (bot or worker), which installs
the gate there.
"""

from __future__ import annotations

import contextlib
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
        """Make every later ``styleengine.stylize`` call in this process obey the gate."""
        from styleengine import engine

        engine.stylize = self.wrap(engine.stylize)

    @contextlib.contextmanager
    def installed(self) -> Iterator[PaintGate]:
        from styleengine import engine

        real = engine.stylize
        engine.stylize = self.wrap(real)
        try:
            yield self
        finally:
            engine.stylize = real

    def wrap(self, stylize: Callable[..., Any]) -> Callable[..., Any]:
        def gated(*args: Any, on_progress: Any = None, cancel: Any = None, **kwargs: Any) -> Any:
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

            return stylize(*args, on_progress=report, cancel=cancel, **kwargs)

        return gated

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
