"""The style losses: zero at the painting, one at the photo when normalised by it, and smooth."""

import pytest
import torch

from styleengine.losses import Moments, StyleLoss, _sqrtm, _trace_sqrt, gram, moments

KINDS = ("gram", "mean-cov", "w2")


def _features(seed: int, channels: int = 16, side: int = 12, shift: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    mix = torch.randn(channels, channels, generator=g) / channels**0.5
    x = torch.randn(1, side, side, channels, generator=g) @ mix + shift
    return x.relu().permute(0, 3, 1, 2)  # (1, C, H, W), non-negative like ReLU features


@pytest.mark.parametrize("kind", KINDS)
def test_zero_at_the_painting_and_positive_elsewhere(kind):
    painting, photo = _features(0), _features(1, shift=0.5)
    loss = StyleLoss(kind, moments(painting))
    assert float(loss(painting)) == pytest.approx(0.0, abs=1e-3)
    assert float(loss(photo)) > 0.05


@pytest.mark.parametrize("kind", KINDS)
def test_normalised_by_the_photo_it_starts_at_one_per_part(kind):
    painting, photo = _features(0), _features(1, shift=0.5)
    loss = StyleLoss(kind, moments(painting))
    loss.measure_from(photo)
    parts = 2 if kind == "mean-cov" else 1
    assert float(loss(photo)) == pytest.approx(parts, rel=1e-4)
    assert float(loss(painting)) == pytest.approx(0.0, abs=1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_the_gradient_is_finite_and_points_toward_the_painting(kind):
    painting = _features(0)
    photo = _features(1, shift=0.5).requires_grad_(True)
    loss = StyleLoss(kind, moments(painting))
    value = loss(photo)
    value.backward()
    assert photo.grad is not None and torch.isfinite(photo.grad).all()
    with torch.no_grad():
        stepped = photo - 1e-3 * photo.grad / photo.grad.norm() * photo.norm()
        assert float(loss(stepped)) < float(value)


def test_blending_mixes_means_and_raw_moments():
    a, b = moments(_features(0)), moments(_features(1, shift=0.5))
    mixed = Moments.blend([(0.25, a), (0.75, b)])
    assert torch.allclose(mixed.mean, 0.25 * a.mean + 0.75 * b.mean, atol=1e-6)
    assert torch.allclose(mixed.gram, 0.25 * a.gram + 0.75 * b.gram, rtol=1e-5)
    second = mixed.cov + mixed.mean.unsqueeze(-1) * mixed.mean.unsqueeze(-2)
    assert torch.allclose(second, mixed.gram, rtol=1e-4, atol=1e-5)
    same = Moments.blend([(1.0, a)])
    assert torch.allclose(same.cov, a.cov, atol=1e-6)


def test_covariance_is_centred_and_positive_semidefinite_for_large_means():
    # Features with a large mean and a small spread: E[xx^T] - mu mu^T would cancel badly.
    x = _features(2, channels=32, side=40) * 0.01 + 100.0
    stats = moments(x)
    assert torch.linalg.eigvalsh(stats.cov[0].double()).min() > -1e-6
    assert torch.allclose(stats.gram, gram(x), rtol=1e-6)


def test_matrix_square_root_and_trace_of_square_root():
    g = torch.Generator().manual_seed(3)
    m = torch.randn(1, 20, 20, generator=g)
    spd = m @ m.mT + 0.1 * torch.eye(20)
    root = _sqrtm(spd)
    assert torch.allclose(root @ root, spd, rtol=1e-4, atol=1e-4)
    assert float(_trace_sqrt(spd)) == pytest.approx(
        float(torch.diagonal(root, dim1=-2, dim2=-1).sum()), rel=1e-4
    )
