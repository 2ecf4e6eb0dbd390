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
    from torchmetrics.functional.image import structural_similarity_index_measure

    _check(x, y)
    return structural_similarity_index_measure(x.float(), y.float(), data_range=2.0, reduction="none")


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
