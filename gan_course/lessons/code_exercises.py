"""The exercises of notebooks 01–04 in which the student writes a function.

Every case's expected value comes from the package or from PyTorch itself (a layer's real output
size, ``metrics.psnr``, ``patchgan.receptive_field``, ``losses.bce_logits``), never from a stored
answer; the reference solutions live apart, in ``lessons.solutions``, and the tests run every
check against them and against a wrong answer. In a notebook::

    def conv_output_size(n, k, s, p):
        return ...  # your code

    check("conv_output_size", conv_output_size)
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import bce_logits
from ..metrics import psnr
from ..patchgan import receptive_field
from ..unet import UNetGenerator, unet_trace
from .exercises import CodeExercise, check_code


def _conv_sizes() -> list[tuple[tuple, object]]:
    cases = []
    for n in (7, 8, 32, 64):
        for k in (1, 3, 4, 5):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    if n + 2 * p >= k and p <= k // 2:
                        x, w = torch.zeros(1, 1, n), torch.zeros(1, 1, k)
                        out = F.conv1d(x, w, stride=s, padding=p)
                        cases.append(((n, k, s, p), out.shape[-1]))
    return cases


def _transposed_sizes() -> list[tuple[tuple, object]]:
    cases = []
    for n in (1, 4, 7, 16):
        for k in (2, 3, 4, 5):
            for s in (1, 2, 3):
                for p in (0, 1):
                    if (n - 1) * s - 2 * p + k > 0 and p < k:
                        x, w = torch.zeros(1, 1, n), torch.zeros(1, 1, k)
                        out = F.conv_transpose1d(x, w, stride=s, padding=p)
                        cases.append(((n, k, s, p), out.shape[-1]))
    return cases


def _by_hand() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(0)
    cases = []
    for h, w, k in ((5, 5, 3), (6, 4, 2), (3, 7, 3), (4, 4, 1)):
        x, kernel = torch.randn(h, w, generator=g), torch.randn(k, k, generator=g)
        cases.append(((x, kernel), F.conv2d(x[None, None], kernel[None, None])[0, 0]))
    return cases


def _bottlenecks() -> list[tuple[tuple, object]]:
    cases = []
    for size, depth, width in ((96, 4, 32), (32, 4, 16), (64, 3, 8), (256, 8, 64), (16, 2, 4)):
        c, h, w = dict(unet_trace(UNetGenerator(1, 3, depth, width, skips=False), size))[
            f"down {depth}"
        ]
        cases.append(((size, depth, width), c * h * w))
    return cases


def _psnrs() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(1)
    x = torch.rand(4, 3, 8, 8, generator=g) * 2 - 1
    cases = []
    for noise in (0.05, 0.2, 0.5):
        y = (x + noise * torch.randn(x.shape, generator=g)).clamp(-1, 1)
        cases.append(((y, x), psnr(y, x)))
    return cases


def _fields() -> list[tuple[tuple, object]]:
    cases = []
    for layers in ([(4, 2)], [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)], [(3, 1), (3, 1), (3, 1)],
                   [(4, 2), (4, 2), (4, 2), (4, 2)], [(5, 2), (3, 1), (4, 2)]):
        net = nn.Sequential(*(nn.Conv2d(1, 1, k, s) for k, s in layers))
        field = receptive_field(net)
        cases.append(((layers,), (field.size, field.stride)))
    return cases


def _grids() -> list[tuple[tuple, object]]:
    cases = []
    for n, layers in ((64, [(4, 2, 1), (4, 2, 1), (4, 2, 1), (4, 1, 1), (4, 1, 1)]),
                      (256, [(4, 2, 1), (4, 2, 1), (4, 2, 1), (4, 1, 1), (4, 1, 1)]),
                      (32, [(4, 2, 1), (4, 1, 1), (4, 1, 1)]),
                      (64, [(4, 2, 1), (4, 2, 1), (4, 2, 1), (4, 2, 1)])):
        net = nn.Sequential(*(nn.Conv2d(1, 1, k, s, p) for k, s, p in layers))
        cases.append(((n, layers), net(torch.zeros(1, 1, n, n)).shape[-1]))
    return cases


def _generator_losses() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(2)
    cases = []
    for lam, grid in ((100.0, (4, 1, 6, 6)), (1.0, (4, 1, 1, 1)), (0.0, (2, 1, 3, 3))):
        d_fake = torch.randn(grid, generator=g)
        fake, real = torch.rand(4, 2, 8, 8, generator=g), torch.rand(4, 2, 8, 8, generator=g)
        fake, real = fake[: grid[0]], real[: grid[0]]
        loss = bce_logits(d_fake, 1.0) + lam * (fake - real).abs().mean()
        cases.append(((d_fake, fake, real, lam), loss))
    return cases


def _best_constants() -> list[tuple[tuple, object]]:
    cases = []
    for values in ([1.0, 2.0, 10.0], [0.0, 0.0, 1.0, 5.0, 5.0], [-3.0, 4.0, 4.5, 7.0, 100.0]):
        v = torch.tensor(values)
        cases.append(((values, "l1"), float(v.median())))
        cases.append(((values, "l2"), float(v.mean())))
    return cases


EXERCISES: dict[str, CodeExercise] = {
    "conv_output_size": CodeExercise(
        "conv_output_size(n, k, s, p): the output length of a convolution",
        _conv_sizes, "count the positions the kernel fits in the padded input, stepping by s"),
    "transposed_output_size": CodeExercise(
        "transposed_output_size(n, k, s, p): the output length of a transposed convolution",
        _transposed_sizes, "n inputs stamp kernels s apart: (n − 1)·s + k, minus the padding "
        "on both sides"),
    "conv2d_by_hand": CodeExercise(
        "conv2d_by_hand(x, w): nn.Conv2d's sliding sum, no padding, stride 1",
        _by_hand, "out[i, j] = Σ x[i + a, j + b] · w[a, b]: the kernel is not flipped"),
    "bottleneck_numbers": CodeExercise(
        "bottleneck_numbers(size, depth, width): numbers at the U-Net's bottleneck",
        _bottlenecks, "the side halves depth times; channels double from width, capped at "
        "8·width"),
    "psnr": CodeExercise(
        "psnr(y, x): PSNR in dB per image, for images in [-1, 1]",
        _psnrs, "10·log10(range² / MSE) per image, and the range of [-1, 1] is 2"),
    "receptive_field_of": CodeExercise(
        "receptive_field_of(layers): (window, stride) of a stack of (kernel, stride) layers",
        _fields, "start from r = j = 1; each layer: r ← r + (k − 1)·j, then j ← j·s"),
    "patch_grid_side": CodeExercise(
        "patch_grid_side(n, layers): the side of D's output grid for an n×n input",
        _grids, "apply the output-size formula of notebook 01 layer by layer"),
    "generator_loss": CodeExercise(
        "generator_loss(d_fake, fake, real, lam): pix2pix's G loss",
        _generator_losses, "BCE of D's logits against 'real' (1), averaged over the grid, "
        "plus lam times the mean absolute error"),
    "best_constant": CodeExercise(
        "best_constant(values, loss): the single value closest to all values under 'l1' or 'l2'",
        _best_constants, "the squared error is smallest at the mean; the absolute error at the "
        "middle value"),
}


def check(name: str, answer: Callable[..., object]) -> bool:
    """Check the student's function for exercise ``name`` (see ``EXERCISES``); prints one line."""
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; exercises: {', '.join(EXERCISES)}")
    return check_code(EXERCISES[name], answer)
