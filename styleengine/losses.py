"""Loss terms of the Gatys objective, each a small module with its target as a buffer.

Content and style losses are relative squared errors, so that their weights mean the same at
every layer depth and every scale of the pyramid: the content's is divided by the photo's
feature energy, a style term by a fixed scale of its own (the photo's starting distance to the
painting, or the size of the painting's statistic). They run in fp32 even when the network ran
under bf16/fp16 autocast.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


def _transposed_product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a.T @ b`` for (1, positions, channels) operands. For one image it is a 2-D product:
    on the CPU a batched product copies its transposed bf16 operand first (60 ms against 5 ms
    for relu1_1 at 512 px, a tenth of an iteration; bench/iteration_profile.py), and even in
    fp32 the 2-D one is faster."""
    if a.shape[0] == 1:
        if a.is_cuda and a.shape[1] >= 2 * _CHUNK:
            return _chunked_product(a[0], b[0]).unsqueeze(0)
        return (a[0].mT @ b[0]).unsqueeze(0)
    return a.mT @ b


# On a GPU, a (channels x positions) @ (positions x channels) product is one small output tile
# over a long sum: cuBLAS gave it to one block of threads (9 ms for a 64-channel fp32 product
# at 512 px on an H200, as long as a whole iteration). Summed in chunks of positions, the
# chunks run side by side.
_CHUNK = 4096


def _chunked_product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a.T @ b`` for (positions, channels) operands, as a sum of products over chunks."""
    positions = a.shape[0]
    whole = positions - positions % _CHUNK
    parts = a[:whole].view(-1, _CHUNK, a.shape[1]).mT @ b[:whole].view(-1, _CHUNK, b.shape[1])
    product = parts.sum(0, dtype=torch.float32)
    if whole < positions:
        product = product + (a[whole:].mT @ b[whole:]).float()
    return product.to(torch.promote_types(a.dtype, b.dtype))


class _Gram(torch.autograd.Function):
    """``x.T @ x`` for ``x`` of (1, positions, channels), whose backward is one product,
    ``x @ (g + g.T)``, instead of autograd's two products and a sum."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return _transposed_product(x, x)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors  # type: ignore[attr-defined]
        result: torch.Tensor = x @ (grad + grad.mT).to(x.dtype)
        return result


def gram(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Channel co-occurrence of ``features`` (1, C, H, W), averaged over (masked) positions.

    Features are read as (positions, channels), a free view of channels_last memory. The
    product runs in the features' own type: bf16 products are exact in the fp32 accumulators,
    so this is the fp32 Gram of the same features up to the final rounding, at bf16 speed.
    The result is fp32.
    """
    x = features.permute(0, 2, 3, 1).flatten(1, 2)  # (1, HW, C)
    if mask is None:
        product: torch.Tensor = _Gram.apply(x)
        return product.float() / x.shape[1]
    m = mask.permute(0, 2, 3, 1).flatten(1, 2).to(x.dtype)  # (1, HW, 1)
    return _transposed_product(x * m, x).float() / mask.sum().clamp_min(1.0)


def _relative_sq_error(x: torch.Tensor, target: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
    return (x - target).pow(2).sum() / energy


class ContentLoss(nn.Module):
    target: torch.Tensor
    energy: torch.Tensor

    def __init__(self, target: torch.Tensor) -> None:
        super().__init__()
        target = target.detach().float()
        self.register_buffer("target", target)
        self.register_buffer("energy", target.pow(2).sum().clamp_min(1e-8))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_sq_error(features.float(), self.target, self.energy)


@dataclass(frozen=True)
class Moments:
    """A painting's feature statistics at one layer: channel means (1, C), the covariance
    (1, C, C) and the Gram matrix (1, C, C), the raw second moment."""

    mean: torch.Tensor
    cov: torch.Tensor
    gram: torch.Tensor

    @staticmethod
    def blend(parts: list[tuple[float, Moments]]) -> Moments:
        """Mix several paintings' statistics: means and raw second moments mix linearly, the
        covariance follows from them (in float64: a difference of two large numbers)."""
        mean = sum(w * m.mean.double() for w, m in parts)
        gram = sum(w * m.gram.double() for w, m in parts)
        second = sum(w * (m.cov.double() + _outer(m.mean.double())) for w, m in parts)
        assert isinstance(mean, torch.Tensor) and isinstance(gram, torch.Tensor)
        assert isinstance(second, torch.Tensor)
        return Moments(mean.float(), (second - _outer(mean)).float(), gram.float())


def _outer(mean: torch.Tensor) -> torch.Tensor:
    return mean.unsqueeze(-1) * mean.unsqueeze(-2)


def mean_and_covariance(
    features: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Channel means (1, C) and covariance (1, C, C) of ``features`` over (masked) positions,
    in fp32 from centred features: E[x x^T] - mu mu^T would cancel away its small eigenvalues."""
    x = features.permute(0, 2, 3, 1).flatten(1, 2).float()  # (1, HW, C)
    if mask is None:
        mean = x.mean(1)
        centred = x - mean.unsqueeze(1)
        return mean, _transposed_product(centred, centred) / x.shape[1]
    m = mask.permute(0, 2, 3, 1).flatten(1, 2).float()  # (1, HW, 1)
    total = m.sum().clamp_min(1.0)
    mean = (x * m).sum(1) / total
    centred = x - mean.unsqueeze(1)
    return mean, _transposed_product(centred * m, centred) / total


def moments(features: torch.Tensor, mask: torch.Tensor | None = None) -> Moments:
    mean, cov = mean_and_covariance(features, mask)
    return Moments(mean, cov, gram(features, mask))


def _trace_sqrt(a: torch.Tensor) -> torch.Tensor:
    """tr(a^1/2) of a symmetric positive semi-definite ``a``: the sum of the square roots of its
    eigenvalues, whose gradient (V diag(1 / 2 sqrt(l)) V^T) stays finite with the clamp."""
    values: torch.Tensor = torch.linalg.eigvalsh(a.double())
    return values.clamp_min(_W2_EPS).sqrt().sum().float()


def _sqrtm(a: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(a.double())
    root: torch.Tensor = vectors @ torch.diag_embed(values.clamp_min(0).sqrt()) @ vectors.mT
    return root.float()


_W2_EPS = 1e-4


class StyleLoss(nn.Module):
    """Distance of the features' statistics to a (possibly blended) painting's, optionally under
    a mask, divided by a fixed scale.

    * ``gram``: squared error of the Gram matrices (Gatys et al.);
    * ``mean-cov``: squared errors of the channel means and of the covariance matrices, each
      divided by its own scale;
    * ``w2``: squared Wasserstein-2 distance between Gaussian fits of the features,
      ``|mu - mu_s|^2 + tr(S + S_s - 2 (S_s^1/2 S S_s^1/2)^1/2)``.

    Each part is divided by a fixed scale: the size of the painting's own statistic, or, after
    :meth:`measure_from`, the photo's distance to them, so that the photo starts at 1 per part
    whatever the painting.
    """

    target_mean: torch.Tensor
    target_gram: torch.Tensor
    target_cov: torch.Tensor
    target_cov_sqrt: torch.Tensor
    scale: torch.Tensor

    def __init__(self, kind: str, target: Moments, mask: torch.Tensor | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.mask = mask
        self.register_buffer("target_mean", target.mean.detach().float())
        self.register_buffer("target_gram", target.gram.detach().float())
        self.register_buffer("target_cov", target.cov.detach().float())
        if kind == "w2":
            self.register_buffer("target_cov_sqrt", _sqrtm(self.target_cov))
        self.register_buffer("scale", self._size_of_target().clamp_min(1e-8))

    @torch.no_grad()
    def measure_from(self, start: torch.Tensor) -> None:
        """Divide by the distance of the features ``start`` (the photo's) from here on."""
        self.scale = self.parts(start).float().clamp_min(1e-8)

    def _size_of_target(self) -> torch.Tensor:
        if self.kind == "gram":
            return self.target_gram.pow(2).sum().view(1)
        if self.kind == "mean-cov":
            return torch.stack([self.target_mean.pow(2).sum(), self.target_cov.pow(2).sum()])
        return (
            self.target_mean.pow(2).sum() + torch.diagonal(self.target_cov, dim1=-2, dim2=-1).sum()
        ).view(1)

    def parts(self, features: torch.Tensor) -> torch.Tensor:
        """The unscaled distance, one value per part."""
        if self.kind == "gram":
            return (gram(features, self.mask) - self.target_gram).pow(2).sum().view(1)
        mean, cov = mean_and_covariance(features, self.mask)
        mean_error = (mean - self.target_mean).pow(2).sum()
        if self.kind == "mean-cov":
            return torch.stack([mean_error, (cov - self.target_cov).pow(2).sum()])
        cross = _trace_sqrt(self.target_cov_sqrt @ cov @ self.target_cov_sqrt)
        trace = torch.diagonal(self.target_cov + cov, dim1=-2, dim2=-1).sum() - 2.0 * cross
        return (mean_error + trace).view(1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return (self.parts(features) / self.scale).sum()


class TVLoss(nn.Module):
    """Mean squared difference of neighbouring pixels (pixels in 0..1)."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        dx = image[..., :, 1:] - image[..., :, :-1]
        dy = image[..., 1:, :] - image[..., :-1, :]
        return dx.float().pow(2).mean() + dy.float().pow(2).mean()


class TemporalLoss(nn.Module):
    """Mean squared difference to the previous frame's picture moved onto this one (``target``),
    counted where the motion is ``reliable`` (1) and not where it is not (0): a clip's frames
    keep their strokes where the scene keeps its things (Ruder et al. 2016, eq. 7)."""

    target: torch.Tensor
    reliable: torch.Tensor

    def __init__(self, target: torch.Tensor, reliable: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("target", target.float())
        self.register_buffer("reliable", reliable.float())

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return (self.reliable * (image.float() - self.target).pow(2)).mean()
