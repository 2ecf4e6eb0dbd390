"""Image-quality metrics for reconstructions and colorizations. Images are (N, C, H, W) in [-1, 1].

- ``psnr`` / ``ssim``: torchmetrics' implementations (data range 2 for [-1, 1]), per image.
- ``colorfulness``: Hasler & Süsstrunk (2003), "Measuring colourfulness in natural images", on
  0–255 RGB: σ_rgyb + 0.3·μ_rgyb with rg = R − G and yb = (R + G)/2 − B. Gray images score 0.
- ``sharpness_ratio``: high-frequency energy (mean squared Laplacian) of the output divided by that
  of the ground truth: 1 = as detailed as the truth, < 1 blurrier, > 1 noisier.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _check(x: torch.Tensor, y: torch.Tensor | None = None) -> None:
    if x.dim() != 4:
        raise ValueError(f"images must be (N, C, H, W), got {tuple(x.shape)}")
    if y is not None and x.shape != y.shape:
        raise ValueError(f"images differ in shape: {tuple(x.shape)} vs {tuple(y.shape)}")


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB of x against y, per image (N,)."""
    from torchmetrics.functional.image import peak_signal_noise_ratio

    _check(x, y)
    return peak_signal_noise_ratio(x.float(), y.float(), data_range=2.0, reduction="none", dim=(1, 2, 3))


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Structural similarity of x against y (Gaussian window 11, σ 1.5), per image (N,)."""
    return ssim_map(x, y).flatten(1).mean(1)


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The SSIM of x against y at every pixel (N, C, H, W); its mean over an image is ``ssim``.

    Computed on [0, 1] (data range 1), the range SSIM is defined on: its brightness term
    (2 μx μy + C1) / (μx² + μy² + C1) assumes non-negative intensities, so on [-1, 1] a mid-grey area
    (μ ≈ 0) would score near 0 for a barely visible change. Matches ``skimage.metrics.structural_similarity``
    (gaussian_weights, σ 1.5, data_range 1) away from the border."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    _check(x, y)
    _, full = structural_similarity_index_measure((x.float() + 1) / 2, (y.float() + 1) / 2, data_range=1.0,
                                                  reduction="none", return_full_image=True)
    return full


def colorfulness(x: torch.Tensor) -> torch.Tensor:
    """Hasler–Süsstrunk colourfulness per RGB image (N,); typical photos score 20–100."""
    _check(x)
    if x.shape[1] != 3:
        raise ValueError(f"colorfulness needs RGB images (N, 3, H, W), got {tuple(x.shape)}")
    r, g, b = ((x.float().clamp(-1, 1) + 1) * 127.5).unbind(1)
    rg, yb = (r - g).flatten(1), (0.5 * (r + g) - b).flatten(1)
    std = torch.sqrt(rg.var(1, unbiased=False) + yb.var(1, unbiased=False))
    mean = torch.sqrt(rg.mean(1) ** 2 + yb.mean(1) ** 2)
    return std + 0.3 * mean


def high_frequency_energy(x: torch.Tensor) -> torch.Tensor:
    """Mean squared Laplacian response per image (N,) (borders excluded)."""
    _check(x)
    lap = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]], device=x.device)
    c = x.shape[1]
    response = F.conv2d(x.float(), lap.expand(c, 1, 3, 3).contiguous(), groups=c)  # (N, C, H-2, W-2)
    return response.pow(2).mean((1, 2, 3))


def sharpness_ratio(x: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """High-frequency energy of x relative to the ground truth, per image (N,)."""
    _check(x, truth)
    return high_frequency_energy(x) / high_frequency_energy(truth).clamp_min(1e-12)


def image_quality(y: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """Means over images of ``PSNR`` (dB), ``SSIM`` and ``sharpness`` (ratio: 1 = as detailed as x,
    < 1 blurrier, > 1 noisier) of y against x, both (N, C, H, W) in [-1, 1]."""
    return {"PSNR": float(psnr(y, x).mean()), "SSIM": float(ssim(y, x).mean()),
            "sharpness": float(sharpness_ratio(y, x).mean())}


def realism_accuracy(real: torch.Tensor, fake: torch.Tensor, *, steps: int = 150, batch_size: int = 32,
                     seed: int = 0) -> float:
    """Held-out accuracy of a fresh small CNN trained to tell ``real`` from ``fake`` (both
    (N, C, H, W) in [-1, 1], N ≥ 4): 0.5 = indistinguishable (realistic), 1.0 = trivially fake.

    Each set is split in half by a seeded permutation; the classifier trains on one half of both and
    is scored on the other, so it judges images it has not seen. Unlike the GAN's own D, it was never
    part of the game the generator played.
    """
    from torch import nn

    _check(real, fake)
    if real.shape[0] < 4:
        raise ValueError(f"need at least 4 images per set, got {real.shape[0]}")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(real.shape[0], generator=g)
    half = real.shape[0] // 2
    split = lambda x: (x[perm[:half]], x[perm[half:]])  # noqa: E731
    (real_fit, real_eval), (fake_fit, fake_eval) = split(real.float()), split(fake.float())
    x_fit = torch.cat([real_fit, fake_fit])
    y_fit = torch.cat([torch.ones(len(real_fit)), torch.zeros(len(fake_fit))])
    c = real.shape[1]
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(c, 16, 4, 2, 1), nn.LeakyReLU(0.2),  # (N, 16, H/2, W/2)
                        nn.Conv2d(16, 32, 4, 2, 1), nn.LeakyReLU(0.2),  # (N, 32, H/4, W/4)
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 1), nn.Flatten(0))  # (N,)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        idx = torch.randint(len(x_fit), (min(batch_size, len(x_fit)),), generator=g)
        loss = F.binary_cross_entropy_with_logits(net(x_fit[idx]), y_fit[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        correct = (net(real_eval) > 0).sum() + (net(fake_eval) <= 0).sum()
    return float(correct) / (len(real_eval) + len(fake_eval))
