"""Colour preservation (Gatys et al., "Preserving Color in Neural Artistic Style Transfer").

* luminance transfer: keep the stylised image's luminance, put back the content's chroma;
* histogram matching: before the transfer, give the style image the content's colour mean and
  covariance, so the style brings texture but not its palette.

Images are (1, 3, H, W) RGB tensors in 0..1.
"""

from __future__ import annotations

import torch

# ITU-R BT.601 full-range RGB <-> YCbCr (as used by JPEG).
RGB_TO_YCBCR = torch.tensor(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]]
)
_CHROMA_OFFSET = torch.tensor([0.0, 0.5, 0.5]).view(1, 3, 1, 1)


def rgb_to_ycbcr(image: torch.Tensor) -> torch.Tensor:
    m = RGB_TO_YCBCR.to(image)
    return torch.einsum("ij,bjhw->bihw", m, image) + _CHROMA_OFFSET.to(image)


def ycbcr_to_rgb(image: torch.Tensor) -> torch.Tensor:
    m = torch.linalg.inv(RGB_TO_YCBCR).to(image)
    return torch.einsum("ij,bjhw->bihw", m, image - _CHROMA_OFFSET.to(image))


def transfer_luminance(stylized: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """The stylised image's luminance with the content's chroma."""
    y = rgb_to_ycbcr(stylized)[:, :1]
    cbcr = rgb_to_ycbcr(content)[:, 1:]
    return ycbcr_to_rgb(torch.cat([y, cbcr], dim=1)).clamp(0.0, 1.0)


def match_histogram(source: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``source`` recoloured to the mean and covariance of ``reference``'s colours."""
    src = source.flatten(2)[0].double()  # (3, N)
    ref = reference.flatten(2)[0].double()
    mu_s, mu_r = src.mean(1, keepdim=True), ref.mean(1, keepdim=True)
    eye = torch.eye(3, dtype=torch.float64) * 1e-5
    cov_s = torch.cov(src) + eye
    cov_r = torch.cov(ref) + eye
    transform = _sqrtm(cov_r) @ torch.linalg.inv(_sqrtm(cov_s))
    out: torch.Tensor = transform @ (src - mu_s) + mu_r
    return out.view_as(source).to(source.dtype).clamp(0.0, 1.0)


def _sqrtm(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    root: torch.Tensor = vectors @ torch.diag(values.clamp_min(0).sqrt()) @ vectors.T
    return root
