"""Reference solutions of the code exercises (``lessons.code_exercises``), kept apart from the
notebooks: try an exercise first. The tests check every one of them."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def conv_output_size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


def transposed_output_size(n: int, k: int, s: int, p: int) -> int:
    return (n - 1) * s - 2 * p + k


def conv2d_by_hand(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    k_h, k_w = w.shape
    out = torch.empty(x.shape[0] - k_h + 1, x.shape[1] - k_w + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i : i + k_h, j : j + k_w] * w).sum()
    return out


def bottleneck_numbers(size: int, depth: int, width: int) -> int:
    channels = min(width * 2 ** (depth - 1), 8 * width)
    side = size // 2**depth
    return channels * side * side


def psnr(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    mse = (y - x).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(2.0**2 / mse)


def receptive_field_of(layers: list[tuple[int, int]]) -> tuple[int, int]:
    r, j = 1, 1
    for k, s in layers:
        r, j = r + (k - 1) * j, j * s
    return r, j


def patch_grid_side(n: int, layers: list[tuple[int, int, int]]) -> int:
    for k, s, p in layers:
        n = conv_output_size(n, k, s, p)
    return n


def generator_loss(
    d_fake: torch.Tensor, fake: torch.Tensor, real: torch.Tensor, lam: float
) -> torch.Tensor:
    adversarial = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
    return adversarial + lam * (fake - real).abs().mean()


def best_constant(values: list[float], loss: str) -> float:
    ordered = sorted(values)
    if loss == "l2":
        return math.fsum(values) / len(values)
    return ordered[(len(ordered) - 1) // 2]  # the middle value (a median; odd counts here)


def discriminator_loss(
    d_real: torch.Tensor, d_fake: torch.Tensor, real_label: float
) -> torch.Tensor:
    real = F.binary_cross_entropy_with_logits(d_real, torch.full_like(d_real, real_label))
    fake = F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
    return real + fake


def nonsaturating_loss(d_fake: torch.Tensor) -> torch.Tensor:
    return -F.logsigmoid(d_fake).mean()


def interpolate_z(z0: torch.Tensor, z1: torch.Tensor, n: int) -> torch.Tensor:
    t = torch.linspace(0, 1, n)[:, None]  # (n, 1)
    return (1 - t) * z0 + t * z1  # (n, z_dim)


def f_bytes(bottleneck: int, image_size: int, depth: int) -> int:
    side = image_size // 2**depth
    return bottleneck * side * side + 8  # one byte a value + the min and max (two float32)


def bicubic_bytes(image_size: int, channels: int, factor: int) -> int:
    return channels * (image_size // factor) ** 2


def composite(y: torch.Tensor, mask: torch.Tensor, x_gen: torch.Tensor) -> torch.Tensor:
    return mask * y + (1 - mask) * x_gen


def importance_weights(mask: torch.Tensor, window: int) -> torch.Tensor:
    missing_share = F.avg_pool2d(1 - mask, window, stride=1, padding=window // 2,
                                 count_include_pad=False)  # share of each window that is missing
    return mask * missing_share  # 0 on the missing pixels themselves


def hole_psnr(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    hole = (1 - mask).expand_as(x)
    mse = ((x_hat - x) ** 2 * hole).flatten(1).sum(1) / hole.flatten(1).sum(1)
    return 10 * torch.log10(2.0**2 / mse)


def optimise_z(
    G: torch.nn.Module, x: torch.Tensor, z0: torch.Tensor, steps: int, lr: float
) -> torch.Tensor:
    z = z0.clone().requires_grad_(True)  # (N, z_dim): the only thing that moves
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        loss = (G(z) - x).pow(2).flatten(1).mean(1).sum()  # per-image MSE, summed over images
        opt.zero_grad()
        loss.backward()
        opt.step()
    return z.detach()
