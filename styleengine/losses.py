"""Loss terms of the Gatys objective, each a small module with its target as a buffer.

Content and style losses are relative squared errors (divided by the target's energy), so that
their weights mean the same at every layer depth and every scale of the pyramid. They run in
fp32 even when the network ran under bf16/fp16 autocast.
"""

from __future__ import annotations

import torch
from torch import nn


class _Gram(torch.autograd.Function):
    """``x.T @ x`` for ``x`` of (1, positions, channels), whose backward is one product,
    ``x @ (g + g.T)``, instead of autograd's two products and a sum."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x.mT @ x

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors  # type: ignore[attr-defined]
        return x @ (grad + grad.mT).to(x.dtype)


def gram(features: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Channel co-occurrence of ``features`` (1, C, H, W), averaged over (masked) positions.

    Features are read as (positions, channels), a free view of channels_last memory. The
    product runs in the features' own type: bf16 products are exact in the fp32 accumulators,
    so this is the fp32 Gram of the same features up to the final rounding, at bf16 speed.
    The result is fp32.
    """
    x = features.permute(0, 2, 3, 1).flatten(1, 2)  # (1, HW, C)
    if mask is None:
        return _Gram.apply(x).float() / x.shape[1]
    m = mask.permute(0, 2, 3, 1).flatten(1, 2).to(x.dtype)  # (1, HW, 1)
    return ((x * m).mT @ x).float() / mask.sum().clamp_min(1.0)


def _relative_sq_error(x: torch.Tensor, target: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
    return (x - target).pow(2).sum() / energy


class ContentLoss(nn.Module):
    def __init__(self, target: torch.Tensor) -> None:
        super().__init__()
        target = target.detach().float()
        self.register_buffer("target", target)
        self.register_buffer("energy", target.pow(2).sum().clamp_min(1e-8))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_sq_error(features.float(), self.target, self.energy)


class StyleLoss(nn.Module):
    """Gram-matrix loss against a (possibly blended) target Gram, optionally under a mask."""

    def __init__(self, target_gram: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        super().__init__()
        target_gram = target_gram.detach().float()
        self.register_buffer("target", target_gram)
        self.register_buffer("energy", target_gram.pow(2).sum().clamp_min(1e-8))
        self.mask = mask

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_sq_error(gram(features, self.mask), self.target, self.energy)


class TVLoss(nn.Module):
    """Mean squared difference of neighbouring pixels (pixels in 0..1)."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        dx = image[..., :, 1:] - image[..., :, :-1]
        dy = image[..., 1:, :] - image[..., :-1, :]
        return dx.float().pow(2).mean() + dy.float().pow(2).mean()
