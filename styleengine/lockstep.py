"""The optimisation: one picture, or a batch of pictures painted in lockstep.

Pictures that share a pyramid (the same sizes and iterations at every scale) and a network are
stacked into one tensor: each iteration runs VGG19 once for the whole batch, each picture's own
objective on its slice, one backward pass, and one optimiser step that keeps every picture's
state apart (:class:`~styleengine.lbfgs.BatchLBFGS`, or Adam, which is elementwise). A picture
is the one it would be alone, up to the rounding of batched kernels. A picture whose cancel is
set leaves the batch before the next iteration; the others go on.

On a CUDA device with L-BFGS, after a few eager iterations each scale's iteration is captured
once as a CUDA graph and replayed: the host only queues replays, and reads values back only
when a report is due (:mod:`styleengine.reporter`).
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import torch

from styleengine.device import Placement
from styleengine.errors import Cancelled
from styleengine.lbfgs import BatchLBFGS
from styleengine.memory import LBFGS_HISTORY
from styleengine.objective import Objective
from styleengine.params import StyleParams
from styleengine.run import JobRun, Result

log = logging.getLogger(__name__)

CLOSURE_SCOPE = "stylize.closure"  # the profiler's name for one loss and gradient evaluation
GRAPH_WARMUP = 3  # eager iterations of a scale before its iteration is captured


class Lockstep:
    """Paints ``runs`` (which share a pyramid, a network and an optimiser) together."""

    def __init__(self, runs: list[JobRun], place: Placement, *, graphs: bool) -> None:
        self.runs = runs
        self.place = place
        lead = runs[0].params
        # The w2 loss's eigendecomposition waits on the device: it cannot be captured.
        self.graphs = (
            graphs
            and place.device.type == "cuda"
            and lead.optimizer == "lbfgs"
            and all(run.params.style_loss != "w2" for run in runs)
        )
        self.outcomes: dict[int, Result | Cancelled] = {}

    def paint(self) -> list[Result | Cancelled]:
        """Each run's picture, or :class:`Cancelled` for a run whose cancel was set."""
        active = list(range(len(self.runs)))
        images: dict[int, torch.Tensor] = {}
        contents: dict[int, torch.Tensor] = {}
        lead = self.runs[0]
        for scale, size in enumerate(lead.sizes):
            active = self._drop_cancelled(active)
            if not active:
                break
            setups = {k: self.runs[k].scale_setup(scale, size, images.get(k)) for k in active}
            contents = {k: setups[k].content for k in active}
            masks = [setups[k].mask for k in active]
            step = _ScaleStep(
                [self.runs[k] for k in active],
                active,
                torch.cat([setups[k].start for k in active]),
                torch.cat([contents[k] for k in active]),
                masks,
                [setups[k].objective for k in active],
                self.place,
                self.graphs,
            )
            active = step.optimize(scale, self.outcomes)
            self.graphs = step.graphs  # an iteration that could not be captured stays eager
            images = {k: step.x[i : i + 1].detach() for i, k in enumerate(active)}
        for k in active:
            self.outcomes[k] = self.runs[k].finish(images[k], contents[k])
        return [self.outcomes[k] for k in range(len(self.runs))]

    def _drop_cancelled(self, active: list[int]) -> list[int]:
        for k in active:
            if self.runs[k].cancelled:
                self.outcomes[k] = self.runs[k].stopped()
        return [k for k in active if k not in self.outcomes]


class _ScaleStep:
    """One scale of the pyramid for the pictures still in the batch."""

    def __init__(
        self,
        runs: list[JobRun],
        ids: list[int],
        start: torch.Tensor,
        content: torch.Tensor,
        masks: list[torch.Tensor | None],
        objectives: list[Objective],
        place: Placement,
        graphs: bool,
    ) -> None:
        self.runs, self.ids, self.objectives = runs, ids, objectives
        self.place = place
        self.content = content
        self.keep: torch.Tensor | None = None  # where each picture keeps the photo
        if any(m is not None for m in masks):
            self.keep = torch.cat(
                [torch.zeros_like(content[:1, :1]) if m is None else 1.0 - m for m in masks]
            )
        self.x = start.contiguous().requires_grad_(True)
        self.terms = [t.name for t in objectives[0].terms] + ["total"]
        self.pending: list[torch.Tensor] = []  # (batch, terms) per iteration not yet read
        self.graphs = graphs
        self.graph: torch.cuda.CUDAGraph | None = None
        self.graph_values: torch.Tensor | None = None
        self.eager_since_change = 0
        self.side = torch.cuda.Stream(place.device) if graphs else None  # type: ignore[no-untyped-call]

    def optimize(self, scale: int, outcomes: dict[int, Result | Cancelled]) -> list[int]:
        """Run the scale's iterations; returns the ids of the pictures still painting."""
        iterations = self.runs[0].iterations[scale]
        params = self.runs[0].params
        self.optimizer = _optimizer(params, self.x, min(LBFGS_HISTORY, iterations))
        for run in self.runs:
            run.report.start_scale()
        for i in range(iterations):
            self._leave_if_cancelled(outcomes)
            if not self.runs:
                return []
            self.pending.append(self._iterate(iterations - i))
            for k, run in enumerate(self.runs):
                run.report.iteration_done(
                    scale, i, self.settle, functools.partial(self._preview, k)
                )
        self.settle()
        self.graph = None
        return self.ids

    def settle(self) -> None:
        """Read the logged losses back (one wait on the device) and hand them to each run."""
        if not self.pending:
            return
        rows: list[list[list[float]]] = torch.stack(self.pending).tolist()
        self.pending.clear()
        for k, run in enumerate(self.runs):
            run.report.record([dict(zip(self.terms, row[k], strict=True)) for row in rows])

    def _preview(self, k: int) -> Any:
        return self.runs[k].preview(self.x[k : k + 1])

    def _leave_if_cancelled(self, outcomes: dict[int, Result | Cancelled]) -> None:
        leaving = [k for k, run in enumerate(self.runs) if run.cancelled]
        if not leaving:
            return
        self.settle()
        for k in leaving:
            outcomes[self.ids[k]] = self.runs[k].stopped()
        keep = [k for k in range(len(self.runs)) if k not in leaving]
        index = torch.tensor(keep, dtype=torch.long, device=self.x.device)
        self.runs = [self.runs[k] for k in keep]
        self.ids = [self.ids[k] for k in keep]
        self.objectives = [self.objectives[k] for k in keep]
        self.content = self.content[index]
        if self.keep is not None:
            self.keep = self.keep[index]
        x = self.x.detach()[index].contiguous().requires_grad_(True)
        self.optimizer = _select(self.optimizer, self.x, x, index)
        self.x = x
        self.graph, self.graph_values, self.eager_since_change = None, None, 0

    def _iterate(self, remaining: int) -> torch.Tensor:
        """One iteration for the batch; the loss terms (batch, terms), still on the device."""
        if self.graph is not None:
            self.graph.replay()
            assert isinstance(self.optimizer, BatchLBFGS)
            self.optimizer.replayed()
            assert self.graph_values is not None
            return self.graph_values.clone()
        if self.graphs and self.eager_since_change >= GRAPH_WARMUP and remaining > 1:
            captured = self._capture()
            if captured:
                return self._iterate(remaining)
        self.eager_since_change += 1
        if self.side is None:
            return self._step(capturing=False)
        self.side.wait_stream(torch.cuda.current_stream(self.place.device))
        with torch.cuda.stream(self.side):
            values = self._step(capturing=False)
        torch.cuda.current_stream(self.place.device).wait_stream(self.side)
        return values

    def _capture(self) -> bool:
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                values = self._step(capturing=True)
        except RuntimeError as exc:  # an operation that cannot be captured: stay eager
            log.warning("iteration not captured as a CUDA graph, painting eagerly: %s", exc)
            self.graphs = False
            return False
        self.graph, self.graph_values = graph, values
        return True

    def _step(self, *, capturing: bool) -> torch.Tensor:
        x = self.x
        with torch.profiler.record_function(CLOSURE_SCOPE):  # for bench/iteration_profile.py
            with self.place.autocast(cache=not capturing):
                image = x.to(self.runs[0].dtype).contiguous(memory_format=torch.channels_last)
                feats = self.runs[0].encoder.forward(image, self.runs[0].wanted)
            rows: list[torch.Tensor] = []
            totals: list[torch.Tensor] = []
            # Each picture's features as views; their gradients come back joined in the
            # network's channels_last layout (a slice's would come back contiguous, and mixed
            # layouts slow every backward kernel after them threefold on the CPU).
            own_feats = _per_picture(feats, len(self.objectives))
            own_images = torch.split(x, 1) if len(self.objectives) > 1 else (x,)
            for k, objective in enumerate(self.objectives):
                losses = objective.forward(own_feats[k], own_images[k])
                rows.append(torch.stack([losses[name].detach().float() for name in self.terms]))
                totals.append(losses["total"])
            (grad,) = torch.autograd.grad(torch.stack(totals).sum(), x)
            if self.keep is not None:
                # Where a mask keeps the photo, the pixels are put back after every step: the
                # optimiser must not plan steps there, or its history of steps and gradient
                # changes holds moves that never happened and its steps turn erratic.
                grad = grad * (1.0 - self.keep)
        with torch.no_grad():
            batch = x.shape[0]
            if isinstance(self.optimizer, BatchLBFGS):
                self.optimizer.step(x.view(batch, -1), grad.reshape(batch, -1), whole=capturing)
            else:
                x.grad = grad
                self.optimizer.step()
            x.clamp_(0.0, 1.0)
            if self.keep is not None:
                x.lerp_(self.content, self.keep)
        return torch.stack(rows)


def _per_picture(feats: dict[str, torch.Tensor], batch: int) -> list[dict[str, torch.Tensor]]:
    if batch == 1:
        return [feats]
    split = {name: torch.split(f, 1) for name, f in feats.items()}
    return [{name: parts[k] for name, parts in split.items()} for k in range(batch)]


def _optimizer(params: StyleParams, x: torch.Tensor, history: int) -> BatchLBFGS | torch.optim.Adam:
    if params.optimizer == "adam":
        return torch.optim.Adam([x], lr=params.learning_rate)
    # One iteration per step, tolerances off: a fixed iteration budget decides when to stop.
    return BatchLBFGS(x.shape[0], x[0].numel(), history=history, device=x.device)


def _select(
    optimizer: BatchLBFGS | torch.optim.Adam,
    old: torch.Tensor,
    new: torch.Tensor,
    index: torch.Tensor,
) -> BatchLBFGS | torch.optim.Adam:
    """The optimiser for the pictures at ``index`` only, each with the state it had."""
    if isinstance(optimizer, BatchLBFGS):
        optimizer.select(index)
        return optimizer
    adam = torch.optim.Adam([new], **optimizer.defaults)
    state = optimizer.state.get(old)
    if state:
        adam.state[new] = {
            key: value[index].contiguous() if value.dim() > 0 else value.clone()
            for key, value in state.items()
        }
    return adam
