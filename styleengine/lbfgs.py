"""L-BFGS for a batch of independent problems, made only of tensor operations.

``torch.optim.LBFGS`` reads values back to the host every step (``float()`` of the loss, Python
branches on dot products, a Python list for its history), so an iteration cannot be captured as
a CUDA graph and the device idles while Python decides. :class:`BatchLBFGS` takes the same step
(``max_iter=1``, no line search, tolerances off: a fixed iteration budget decides when to stop)
for B problems at once, each with its own history, step length and curvature scale, without a
single read-back, so the same code runs eagerly on the CPU and inside a graph on a GPU.

The two-loop recursion is written in its compact form (Byrd, Nocedal and Schnabel 1994): its
two sequential loops over the history become two small triangular solves on the history's
``s_i . y_j`` products, and its vector work three batched products with the history, whatever
its length. Each problem's history is a ring of ``history`` slots with its own count; a pair
whose curvature ``y . s`` is not positive is skipped, as torch's L-BFGS skips it, so the oldest
pairs stay. The step and the direction are the ones torch's two-loop recursion computes, up to
rounding (:mod:`tests.styleengine.test_lbfgs` holds them side by side).
"""

from __future__ import annotations

import torch

CURVATURE_EPS = 1e-10  # a pair with y . s at or below this is skipped (torch's threshold)


class BatchLBFGS:
    """The optimiser's state for ``batch`` problems of ``size`` variables each.

    Call :meth:`step` with the flat variables (``batch`` x ``size``, updated in place) and their
    gradients, once per iteration. The first step is steepest descent with torch's
    ``min(1, 1 / |g|_1) * lr`` length; later steps take the full ``lr`` along the L-BFGS direction,
    except where the direction does not descend by more than ``-tolerance_change`` (torch's
    check, off with the default -1 unless the direction climbs), where the variables stay.
    """

    def __init__(
        self,
        batch: int,
        size: int,
        *,
        history: int,
        device: torch.device,
        lr: float = 1.0,
        tolerance_change: float = -1.0,
        dtype: torch.dtype = torch.float32,
        chunk: int | None = None,
    ) -> None:
        if history < 1:
            raise ValueError("history must be at least 1")
        self.batch, self.size, self.history = batch, size, history
        self.lr = lr
        self.tolerance_change = tolerance_change
        # The steps taken ([..., 0]) and the gradient changes ([..., 1]) by slot, variable by
        # variable: one batched product reads them all, in chunks of variables that run side
        # by side (on a GPU a product over all of them at once is one long sum that cuBLAS
        # gives to a few blocks of threads: 9 ms at 512 px on an H200, three times an iteration).
        self.pairs = torch.zeros(batch, size, history, 2, device=device, dtype=dtype)
        if chunk is None:
            chunk = _chunk(size) if device.type == "cuda" else size
        if size % chunk:
            raise ValueError("the chunk must divide the size")
        self.chunk = chunk
        # [b, i, j]: s_i . y_j and y_i . y_j; 1 / (y . s) by slot, 0 marking an empty slot;
        # the initial inverse Hessian's scale.
        self.sy = torch.zeros(batch, history, history, device=device, dtype=dtype)
        self.yy = torch.zeros(batch, history, history, device=device, dtype=dtype)
        self.rho = torch.zeros(batch, history, device=device, dtype=dtype)
        self.gamma = torch.ones(batch, device=device, dtype=dtype)
        self.count = torch.zeros(batch, dtype=torch.long, device=device)  # pairs kept so far
        self.d = torch.zeros(batch, size, device=device, dtype=dtype)  # the last direction
        self.t = torch.zeros(batch, device=device, dtype=dtype)  # the last step length
        self.prev_grad = torch.zeros(batch, size, device=device, dtype=dtype)
        self.rows = torch.arange(batch, device=device)
        self.slots = torch.arange(history, device=device)
        self.steps = 0  # steps taken: a host-side count, the same for every problem

    def select(self, keep: torch.Tensor) -> None:
        """Keep only the problems at the indices ``keep``, in that order: a problem that leaves
        the batch takes its history with it, the others go on as they were."""
        for name in ("pairs", "sy", "yy", "rho", "gamma", "count", "d", "t", "prev_grad"):
            setattr(self, name, getattr(self, name)[keep].contiguous())
        self.batch = int(keep.numel())
        self.rows = torch.arange(self.batch, device=self.rows.device)

    def replayed(self) -> None:
        """A step captured with ``whole=True`` was replayed (as a CUDA graph): count it."""
        self.steps += 1

    def step(self, x: torch.Tensor, grad: torch.Tensor, *, whole: bool = False) -> None:
        """One iteration for every problem: ``x`` (batch, size) moves in place; ``grad`` is the
        objective's gradient at ``x``. ``whole``: work on every slot of the history, even those
        no problem has filled yet, so that every step is the same sequence of operations on
        tensors of the same shapes (for a CUDA graph); else only the filled ones are read."""
        g = grad.to(self.pairs.dtype)
        if self.steps == 0:
            direction = -g
            t = (1.0 / g.abs().sum(1)).clamp(max=1.0) * self.lr
        else:
            # Before the rings wrap, each problem's pairs sit in the first slots, oldest first.
            filled = None if whole or self.steps > self.history else self.steps
            self._remember(g, filled)
            direction = self._direction(g, filled)
            t = torch.full_like(self.t, self.lr)
        gtd = (g * direction).sum(1)
        moves = gtd <= -self.tolerance_change
        x.add_(direction * torch.where(moves, t, torch.zeros_like(t)).unsqueeze(1))
        self.d.copy_(direction)
        self.t.copy_(t)
        self.prev_grad.copy_(g)
        self.steps += 1

    def _remember(self, g: torch.Tensor, filled: int | None) -> None:
        """Add the last step and the gradient's change to each history that takes them."""
        y = g - self.prev_grad
        s = self.d * self.t.unsqueeze(1)
        ys = (y * s).sum(1)
        takes = ys > CURVATURE_EPS
        slot = self.count % self.history  # each problem's next slot (its oldest once full)
        keep = takes.view(-1, 1, 1)
        new = torch.stack([s, y], 2)  # (batch, size, 2)
        old = self.pairs[self.rows, :, slot]
        self.pairs[self.rows, :, slot] = torch.where(keep, new, old)
        # The new pair's products with every pair (itself included), in one pass.
        used = self.history if filled is None else filled
        products = self._products(used, new).view(self.batch, used, 2, 2)
        s_dot_y, y_dot_s, y_dot_y = products[:, :, 0, 1], products[:, :, 1, 0], products[:, :, 1, 1]
        took = takes.view(-1, 1)
        self._set_cross(self.sy[:, :used, :used], slot, took, column=s_dot_y, row=y_dot_s)
        self._set_cross(self.yy[:, :used, :used], slot, took, column=y_dot_y, row=y_dot_y)
        safe_ys = torch.where(takes, ys, torch.ones_like(ys))
        self.rho[self.rows, slot] = torch.where(takes, 1.0 / safe_ys, self.rho[self.rows, slot])
        yy_new = (y * y).sum(1)
        self.gamma.copy_(torch.where(takes, ys / torch.where(takes, yy_new, 1.0), self.gamma))
        self.count.add_(takes.long())

    def _set_cross(
        self,
        matrix: torch.Tensor,
        slot: torch.Tensor,
        took: torch.Tensor,
        *,
        column: torch.Tensor,
        row: torch.Tensor,
    ) -> None:
        """Each problem that took its new pair: ``matrix[slot]``'s column and row set."""
        matrix[self.rows, :, slot] = torch.where(took, column, matrix[self.rows, :, slot])
        matrix[self.rows, slot, :] = torch.where(took, row, matrix[self.rows, slot, :])

    def _chunks(self, used: int) -> torch.Tensor:
        """The first ``used`` slots' pairs as (batch x chunks, chunk, 2 used): s_0, y_0, s_1, ..."""
        return self.pairs[:, :, :used].reshape(-1, self.chunk, 2 * used)

    def _products(self, used: int, vectors: torch.Tensor) -> torch.Tensor:
        """Each pair's dot products with ``vectors`` (batch, size, r): (batch, 2 used, r)."""
        r = vectors.shape[2]
        if self.chunk == self.size:
            # One chunk (the CPU): problem by problem, so that a problem's products round as
            # they would alone (a batched product may split its sums differently).
            flat = self.pairs[:, :, :used].reshape(self.batch, self.size, 2 * used)
            return torch.stack([flat[b].mT @ vectors[b] for b in range(self.batch)])
        parts = self._chunks(used).mT @ vectors.reshape(-1, self.chunk, r)
        total: torch.Tensor = parts.view(self.batch, -1, 2 * used, r).sum(1)
        return total

    def _combination(self, used: int, along: torch.Tensor) -> torch.Tensor:
        """The pairs weighted by ``along`` (batch, 2 used) and summed: (batch, size)."""
        if self.chunk == self.size:
            flat = self.pairs[:, :, :used].reshape(self.batch, self.size, 2 * used)
            return torch.stack([flat[b] @ along[b] for b in range(self.batch)])
        chunks = self.size // self.chunk
        weights = along.unsqueeze(1).expand(-1, chunks, -1).reshape(-1, 2 * used, 1)
        combined: torch.Tensor = (self._chunks(used) @ weights).view(self.batch, self.size)
        return combined

    def _direction(self, g: torch.Tensor, filled: int | None) -> torch.Tensor:
        """``-H g`` with the history's inverse Hessian: the two-loop recursion in compact form."""
        used = self.history if filled is None else filled
        products = self._products(used, g.unsqueeze(2)).view(self.batch, used, 2)
        rho, sy, yy = self.rho[:, :used], self.sy[:, :used, :used], self.yy[:, :used, :used]
        s_g, y_g = products[..., 0], products[..., 1]
        order: torch.Tensor | None = None
        if filled is None:
            # Each problem's slots in the order they were written, oldest first (empty slots,
            # whose rho is 0, come first and drop out of every sum).
            order = (self.slots.unsqueeze(0) + self.count.unsqueeze(1)) % self.history
            rows = order.unsqueeze(2).expand(-1, -1, used)
            cols = order.unsqueeze(1).expand(-1, used, -1)
            sy, yy = sy.gather(1, rows).gather(2, cols), yy.gather(1, rows).gather(2, cols)
            rho, s_g, y_g = rho.gather(1, order), s_g.gather(1, order), y_g.gather(1, order)
        eye = torch.eye(used, device=g.device, dtype=g.dtype).expand_as(sy)
        # First loop, newest to oldest: alpha_i = rho_i s_i . (-g - sum_{j newer} alpha_j y_j).
        newer = torch.triu(sy, diagonal=1)
        alpha = torch.linalg.solve_triangular(
            eye + rho.unsqueeze(2) * newer, (-rho * s_g).unsqueeze(2), upper=True,
            unitriangular=True,
        ).squeeze(2)  # fmt: skip
        # r0 = gamma q, q = -g - sum_j alpha_j y_j; second loop, oldest to newest:
        # beta_i = rho_i y_i . (r0 + sum_{j older} (alpha_j - beta_j) s_j).
        gamma = self.gamma.unsqueeze(1)
        y_r0 = gamma * (-y_g - torch.bmm(yy, alpha.unsqueeze(2)).squeeze(2))
        older = torch.tril(sy.mT, diagonal=-1)  # [i, j] = y_i . s_j for j older than i
        beta = torch.linalg.solve_triangular(
            eye + rho.unsqueeze(2) * older,
            (rho * (y_r0 + torch.bmm(older, alpha.unsqueeze(2)).squeeze(2))).unsqueeze(2),
            upper=False,
            unitriangular=True,
        ).squeeze(2)
        # d = gamma (-g - Y alpha) + S (alpha - beta), in slot order.
        along = torch.stack([alpha - beta, -gamma * alpha], 2)  # (batch, used, 2): s, y
        if order is not None:
            along = torch.zeros_like(along).scatter_(1, order.unsqueeze(2).expand_as(along), along)
        return self._combination(used, along.reshape(self.batch, 2 * used)) - gamma * g


def _chunk(size: int, longest: int = 8192) -> int:
    """The longest divisor of ``size`` up to ``longest`` (``size`` itself when it has none
    longer than 256: one chunk)."""
    best = max((d for d in range(1, min(size, longest) + 1) if size % d == 0), default=size)
    return best if best >= 256 else size
