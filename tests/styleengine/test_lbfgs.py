"""The tensor-only L-BFGS against torch's own, problem by problem."""

import pytest
import torch

from styleengine.lbfgs import BatchLBFGS

BATCH, SIZE = 3, 40


def _objective(x: torch.Tensor, a: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """Not convex (the sine): some steps meet negative curvature and their pairs are skipped."""
    return (a * (x - c) ** 2).sum() + 0.5 * torch.sin(3 * x).sum() + 0.05 * (x**4).sum()


@pytest.fixture
def problems() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    a = torch.rand(BATCH, SIZE, generator=generator, dtype=torch.float64) + 0.1
    c = torch.randn(BATCH, SIZE, generator=generator, dtype=torch.float64)
    x0 = torch.randn(BATCH, SIZE, generator=generator, dtype=torch.float64)
    return a, c, x0


def _torch_lbfgs(a, c, x0, history, iterations):
    out = []
    for b in range(BATCH):
        x = x0[b].clone().requires_grad_(True)
        opt = torch.optim.LBFGS(
            [x], lr=1.0, max_iter=1, history_size=history, tolerance_grad=-1.0,
            tolerance_change=-1.0,
        )  # fmt: skip

        def closure(x=x, opt=opt, b=b):
            opt.zero_grad()
            loss = _objective(x, a[b], c[b])
            loss.backward()
            return loss

        for _ in range(iterations):
            opt.step(closure)
            with torch.no_grad():
                x.clamp_(-2, 2)  # as the engine clamps its pixels after each step
        out.append(x.detach())
    return torch.stack(out)


def _batch_lbfgs(a, c, x0, history, iterations, *, whole=False, leave_at=None, chunk=None):
    x = x0.clone().requires_grad_(True)
    optimizer = BatchLBFGS(
        BATCH, SIZE, history=history, device=x.device, dtype=torch.float64, chunk=chunk
    )
    rows = list(range(BATCH))
    for i in range(iterations):
        if i == leave_at:
            rows = [0, 2]
            keep = torch.tensor(rows)
            optimizer.select(keep)
            x = x.detach()[keep].requires_grad_(True)
        loss = sum(_objective(x[k], a[r], c[r]) for k, r in enumerate(rows))
        (grad,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            optimizer.step(x, grad, whole=whole)
            x.clamp_(-2, 2)
    return x.detach(), optimizer


@pytest.mark.parametrize(("whole", "chunk"), [(False, None), (True, None), (False, 8)])
def test_each_problem_takes_torchs_steps(problems, whole, chunk):
    # History 5 over 30 iterations: the rings wrap, and some pairs are skipped. ``whole``: every
    # slot read, as in a CUDA graph; ``chunk``: the products summed over chunks, as on a GPU.
    a, c, x0 = problems
    expected = _torch_lbfgs(a, c, x0, history=5, iterations=30)
    got, optimizer = _batch_lbfgs(a, c, x0, history=5, iterations=30, whole=whole, chunk=chunk)
    assert (optimizer.count < 29).any(), "no pair was skipped: the test lost its point"
    assert (got - expected).abs().max() < 1e-8


def test_a_problem_that_leaves_takes_nothing_from_the_others(problems):
    a, c, x0 = problems
    expected = _torch_lbfgs(a, c, x0, history=5, iterations=20)
    got, _ = _batch_lbfgs(a, c, x0, history=5, iterations=20, leave_at=7)
    assert (got - expected[[0, 2]]).abs().max() < 1e-8


def test_a_history_must_hold_a_pair_and_chunks_divide_the_variables():
    with pytest.raises(ValueError, match="history"):
        BatchLBFGS(1, 4, history=0, device=torch.device("cpu"))
    with pytest.raises(ValueError, match="chunk"):
        BatchLBFGS(1, 10, history=2, device=torch.device("cpu"), chunk=3)
