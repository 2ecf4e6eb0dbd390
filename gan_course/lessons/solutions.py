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
