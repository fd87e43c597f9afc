"""What can go wrong in a run, as exceptions a front end can catch without loading torch.

(:class:`~styleengine.images.ImageError` and :class:`~styleengine.params.ParamError` live with
the images and the knobs they are about.)
"""

from __future__ import annotations


class WeightsError(RuntimeError):
    """The requested VGG19 weights cannot be had; the message says why and what to do."""


class OutOfMemory(RuntimeError):
    """The device ran out of memory for this run (CUDA OOM or a failed CPU allocation), or
    would have: ``foreseen`` then says what the run needs and what is free, found before it
    started."""

    def __init__(self, device: str, foreseen: str | None = None) -> None:
        super().__init__(f"out of memory on {device}" + (f": {foreseen}" if foreseen else ""))
        self.device = device
        self.foreseen = foreseen


class Cancelled(Exception):
    """The run was cancelled; ``iteration`` is how far it got."""

    def __init__(self, iteration: int, iterations: int) -> None:
        super().__init__(f"cancelled at iteration {iteration} of {iterations}")
        self.iteration = iteration
        self.iterations = iterations
