"""How a run reports where it is (:class:`Progress`) and how it is asked to stop
(:class:`CancelToken`): plain data, usable without loading torch."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class Progress:
    """A snapshot handed to ``on_progress``: where the run is and how it is doing."""

    scale: int  # 1-based index into the pyramid
    scales: int
    size: tuple[int, int]  # (width, height) at this scale
    iteration: int  # 1-based, over all scales
    iterations: int
    losses: dict[str, float]  # content, style, tv, total
    elapsed: float  # seconds
    eta: float | None  # seconds left, None until measurable
    preview: Image.Image | None = None
    # A clip's frame (1-based) and its frames; 0 for a still. In a clip's reports the iterations,
    # the time and the ETA count over the whole clip, the scale and size are the frame's.
    frame: int = 0
    frames: int = 0

    @property
    def loss(self) -> float:
        return self.losses["total"]

    @property
    def fraction(self) -> float:
        return self.iteration / self.iterations


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """Thread-safe flag; the optimiser checks it before every iteration."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


@dataclass(frozen=True)
class Listener:
    """Who hears about one picture's progress, and how it is asked to stop: ``on_progress``
    every ``progress_every`` iterations and at the end of each scale, with a preview (long side
    ``preview_size``) every ``preview_every`` iterations (0: never)."""

    on_progress: ProgressCallback | None = None
    progress_every: int = 10
    preview_every: int = 0
    preview_size: int = 256
    cancel: CancelToken | None = None
