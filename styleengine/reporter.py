"""How a run tells its caller where it is: counts iterations, keeps the loss history, and hands
a :class:`~styleengine.progress.Progress` (with an ETA and, at its own cadence, a preview) to
``on_progress`` every so many iterations and at the end of every scale.

The losses stay on the device until a report needs them: the painter logs them there and,
asked to ``settle``, reads back every iteration's since the last report at once (one wait on
the device per report, not one per iteration)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PIL import Image

from styleengine.progress import Progress, ProgressCallback


class Reporter:
    def __init__(
        self,
        on_progress: ProgressCallback | None,
        every: int,
        preview_every: int,
        preview_size: int,
        sizes: list[tuple[int, int]],
        iterations: tuple[int, ...],
    ) -> None:
        self.on_progress = on_progress
        self.every = every
        self.preview_every = preview_every
        self.preview_size = preview_size
        self.sizes = sizes
        self.iterations = iterations
        self.total = sum(iterations)
        self.done = 0
        self.history: list[float] = []  # the total loss after each iteration
        self.last_losses: dict[str, float] = {}
        self.started = time.perf_counter()
        self.scale_started = self.started

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def start_scale(self) -> None:
        self.scale_started = time.perf_counter()

    def record(self, losses: list[dict[str, float]]) -> None:
        """The loss terms of the iterations since the last record, oldest first."""
        self.history.extend(terms["total"] for terms in losses)
        if losses:
            self.last_losses = losses[-1]

    def iteration_done(
        self,
        scale: int,
        index: int,
        settle: Callable[[], None],
        preview: Callable[[], Image.Image],
    ) -> None:
        """Iteration ``index`` of ``scale`` is over; ``settle`` brings the losses logged on the
        device so far to :meth:`record`, called only when a report is due or the scale ends;
        ``preview`` makes the picture as it is now, called only when a preview is due."""
        self.done += 1
        last_of_scale = index == self.iterations[scale] - 1
        reporting = self.on_progress is not None and (self.done % self.every == 0 or last_of_scale)
        if reporting or last_of_scale:
            settle()
        if not reporting:
            return
        w, h = self.sizes[scale]
        # Time per pixel-iteration at this scale, times the pixel-iterations still to run.
        rate = (time.perf_counter() - self.scale_started) / ((index + 1) * w * h)
        remaining = (self.iterations[scale] - index - 1) * w * h + sum(
            n * sw * sh
            for n, (sw, sh) in zip(
                self.iterations[scale + 1 :], self.sizes[scale + 1 :], strict=True
            )
        )
        wants_preview = self.preview_every > 0 and (
            self.done % self.preview_every == 0 or self.done == self.total
        )
        assert self.on_progress is not None
        self.on_progress(
            Progress(
                scale=scale + 1,
                scales=len(self.sizes),
                size=(w, h),
                iteration=self.done,
                iterations=self.total,
                losses=self.last_losses,
                elapsed=self.elapsed,
                eta=rate * remaining,
                preview=preview() if wants_preview else None,
            )
        )
