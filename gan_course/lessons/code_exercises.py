"""The exercises of notebooks 01–07 in which the student writes a function.

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

from ..compression import bicubic_roundtrip
from ..encoder_decoder import FeatureEncoder
from ..inpainting import composite, hole_psnr, importance_weights, make_mask
from ..inversion import invert_by_optimization
from ..losses import bce_logits, d_loss_bce, g_loss_bce
from ..metrics import psnr
from ..patchgan import receptive_field
from ..runtime import seeded
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



def _discriminator_losses() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(5)
    cases = []
    for n, label in ((8, 0.9), (3, 1.0), (16, 0.8)):
        d_real, d_fake = torch.randn(n, generator=g) * 3, torch.randn(n, generator=g) * 3
        cases.append(((d_real, d_fake, label), d_loss_bce(d_real, d_fake, label)))
    return cases


def _nonsaturating_losses() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(6)
    return [((d,), g_loss_bce(d, 1.0)) for d in (torch.randn(8, generator=g) * 4 - 3,
                                                  torch.tensor([-10.0, 0.0, 10.0]))]


def _interpolations() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(7)
    cases = []
    for dim, n in ((4, 5), (100, 8), (2, 2)):
        z0, z1 = torch.randn(dim, generator=g), torch.randn(dim, generator=g)
        cases.append(((z0, z1, n), torch.stack([torch.lerp(z0, z1, float(t))
                                                for t in torch.linspace(0, 1, n)])))
    return cases

def _f_bytes() -> list[tuple[tuple, object]]:
    cases = []
    for bottleneck, size, depth in ((12, 32, 4), (3, 32, 4), (48, 32, 4), (8, 64, 3), (5, 16, 1)):
        f, _ = FeatureEncoder(3, 2, depth, bottleneck)(torch.zeros(1, 3, size, size))
        cases.append(((bottleneck, size, depth), f[0].numel() + 8))  # + quantize_uint8's range
    return cases


def _bicubic_bytes() -> list[tuple[tuple, object]]:
    cases = []
    for size, channels, factor in ((32, 3, 8), (32, 3, 4), (32, 3, 32), (64, 1, 2), (30, 3, 5)):
        _, n_bytes = bicubic_roundtrip(torch.zeros(1, channels, size, size), factor)
        cases.append(((size, channels, factor), n_bytes))
    return cases


class _TinyG(nn.Module):
    """A small generator for the inversion exercise: z (N, z_dim) → (N, 1, 6, 6) in [-1, 1]."""

    def __init__(self, z_dim: int, seed: int):
        super().__init__()
        with seeded(seed):
            self.net = nn.Sequential(nn.Linear(z_dim, 32), nn.ReLU(), nn.Linear(32, 36), nn.Tanh())
        self.z_dim = z_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, 6, 6)

    def __repr__(self) -> str:
        return f"G(z_dim={self.z_dim} → 1×6×6)"


def _optimised_z() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(8)
    cases = []
    for z_dim, n, steps, lr in ((4, 3, 5, 0.05), (8, 5, 20, 0.1), (2, 1, 1, 0.5)):
        G = _TinyG(z_dim, seed=z_dim)
        with torch.no_grad():
            x = G(torch.randn(n, z_dim, generator=g)) + 0.05 * torch.randn(n, 1, 6, 6, generator=g)
        z0 = torch.randn(n, z_dim, generator=g)
        z = invert_by_optimization(G, x, z_dim, steps=steps, lr=lr, z_init=z0).z
        cases.append(((G, x, z0, steps, lr), z))
    return cases


def _composites() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(4)
    cases = []
    for kind, n, size in (("center", 2, 8), ("strokes", 3, 16), ("random_pixels", 1, 8)):
        m = make_mask(kind, n, size, seed=1)
        y, x_gen = torch.rand(n, 1, size, size, generator=g), torch.rand(n, 1, size, size,
                                                                         generator=g)
        cases.append(((y * m, m, x_gen), composite(y * m, m, x_gen)))
    return cases


def _importance() -> list[tuple[tuple, object]]:
    cases = []
    for kind, window in (("center", 3), ("half", 5), ("strokes", 7), ("random_blocks", 3)):
        m = make_mask(kind, 2, 16, seed=2)  # holes that touch the border too (half, strokes)
        cases.append(((m, window), importance_weights(m, window)))
    return cases


def _hole_psnrs() -> list[tuple[tuple, object]]:
    g = torch.Generator().manual_seed(5)
    cases = []
    for kind, noise in (("center", 0.1), ("half", 0.3), ("random_pixels", 0.05)):
        m = make_mask(kind, 3, 16, seed=3)
        x = torch.rand(3, 1, 16, 16, generator=g) * 2 - 1
        x_hat = (x + noise * torch.randn(x.shape, generator=g)).clamp(-1, 1)
        x_hat = m * x + (1 - m) * x_hat  # known pixels exact, as in a composite
        cases.append(((x_hat, x, m), hole_psnr(x_hat, x, m)))
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
    "discriminator_loss": CodeExercise(
        "discriminator_loss(d_real, d_fake, real_label): D's BCE loss from its logits",
        _discriminator_losses, "BCE of the real logits against real_label plus BCE of the fake "
        "logits against 0; BCE works on sigmoid(logit)"),
    "nonsaturating_loss": CodeExercise(
        "nonsaturating_loss(d_fake): G's loss −log D(G(z)) from D's logits, averaged",
        _nonsaturating_losses, "D(G(z)) = sigmoid(logit); G wants it to be 1, so −log of it, "
        "not log(1 − it)"),
    "interpolate_z": CodeExercise(
        "interpolate_z(z0, z1, n): n latent vectors on the straight line z0 → z1, both ends "
        "included",
        _interpolations, "t = 0, 1/(n − 1), …, 1 and z = (1 − t)·z0 + t·z1, stacked into (n, "
        "z_dim)"),
    "f_bytes": CodeExercise(
        "f_bytes(bottleneck, image_size, depth): bytes to store one image's f at 8 bits a value",
        _f_bytes, "f is C×H×W with C = bottleneck and the side halved depth times; one byte a "
        "value, plus 8 bytes for its min and max"),
    "bicubic_bytes": CodeExercise(
        "bicubic_bytes(image_size, channels, factor): bytes bicubic ÷factor keeps of one image",
        _bicubic_bytes, "the stored image is channels × (image_size/factor)², one byte a value"),
    "optimise_z": CodeExercise(
        "optimise_z(G, x, z0, steps, lr): z after `steps` Adam steps on each image's MSE "
        "‖G(z) − x‖², from z0",
        _optimised_z, "z = z0.clone().requires_grad_(True) and Adam([z], lr); each step: the "
        "per-image mean squared error summed over images, zero_grad, backward, step"),
    "composite": CodeExercise(
        "composite(y, mask, x_gen): known pixels from y, the hole from the generator",
        _composites, "mask is 1 on known pixels: mask·y keeps them, (1 − mask)·x_gen fills the "
        "rest"),
    "importance_weights": CodeExercise(
        "importance_weights(mask, window): Yeh's weight of each known pixel",
        _importance, "F.avg_pool2d(1 − mask, window, stride=1, padding=window // 2, "
        "count_include_pad=False) is the missing share of each window; missing pixels weigh 0, "
        "so multiply by mask"),
    "hole_psnr": CodeExercise(
        "hole_psnr(x_hat, x, mask): PSNR in dB per image over the missing pixels only",
        _hole_psnrs, "the MSE is the sum of squared errors where mask is 0, divided by how many "
        "such pixels the image has; then 10·log10(2² / MSE)"),
}


def passes(name: str, answer: Callable[..., object]) -> bool:
    """Whether the student's function for exercise ``name`` (see ``EXERCISES``) is right; prints
    one line saying so, with a hint when it is not."""
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}; exercises: {', '.join(EXERCISES)}")
    return check_code(EXERCISES[name], answer)


def check(name: str, answer: Callable[..., object]) -> None:
    """Check the student's function for exercise ``name``: prints one line (``passes``), returns
    nothing, so a notebook cell shows the line and no stray ``True``/``False``."""
    passes(name, answer)
