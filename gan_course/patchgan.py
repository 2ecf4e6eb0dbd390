"""Conditional discriminators for pix2pix (Isola et al. 2017) and the receptive field they really
see.

- ``PatchDiscriminator``: fully convolutional; D(A, B) returns a **grid** of logits, one per patch.
  ``n_layers=3`` is pix2pix's 70×70 PatchGAN. Input = condition ⊕ target channels
  (1 gray + 3 colour).
- ``GlobalDiscriminator``: the same trunk pooled to **one** logit per image, for comparison.
- ``note_patch_discriminator``: note 003's 4-layer example, fixed where the note wrote
  ``nn.ReLU(0.2)`` (that is ``ReLU(inplace=0.2)``: a plain in-place ReLU) and without its Sigmoid.
- ``receptive_field``: the input window one output cell depends on, and the stride between cells,
  computed layer by layer: r ← r + (k − 1)·j, j ← j·s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import torch
from torch import nn


def _check_pair(A: torch.Tensor, B: torch.Tensor, in_channels: int) -> torch.Tensor:
    if A.dim() != 4 or B.dim() != 4 or A.shape[0] != B.shape[0] or A.shape[-2:] != B.shape[-2:]:
        raise ValueError(
            "D(A, B) needs A and B as (N, C, H, W) with equal N, H, W; "
            f"got {tuple(A.shape)}, {tuple(B.shape)}"
        )
    if A.shape[1] + B.shape[1] != in_channels:
        raise ValueError(
            f"D expects condition + target = {in_channels} channels, "
            f"got {A.shape[1]} + {B.shape[1]}"
        )
    return torch.cat([A, B], 1)  # (N, C_A + C_B, H, W)


NORMS = ("batch", "instance", "none")


def _norm(kind: str, channels: int) -> nn.Module:
    """BatchNorm (pix2pix's: its statistics mix the images of a batch, so D scoring a batch of reals
    and then a batch of fakes sees which batch it holds), InstanceNorm (per image) or none."""
    if kind not in NORMS:
        raise ValueError(f"norm must be one of {', '.join(NORMS)}, got {kind!r}")
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    return nn.InstanceNorm2d(channels, affine=True) if kind == "instance" else nn.Identity()


def _trunk(in_channels: int, width: int, n_layers: int, norm: str = "batch") -> list[nn.Module]:
    """pix2pix's C64-C128-C256 stride-2 blocks then one stride-1 block (a norm after the first)."""
    layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    c = width
    for i in range(1, n_layers + 1):
        stride = 2 if i < n_layers else 1
        c_next = width * min(2**i, 8)
        layers += [
            nn.Conv2d(c, c_next, 4, stride, 1, bias=norm == "none"),
            _norm(norm, c_next),
            nn.LeakyReLU(0.2, True),
        ]
        c = c_next
    return layers


class PatchDiscriminator(nn.Module):
    """D(A, B) → logits (N, 1, h, w): one real/fake score per overlapping patch.

    For 64×64 inputs and ``n_layers=3``: 64 → 32 → 16 → 8 → 7 → 6, a 6×6 grid of 70×70 windows.
    """

    def __init__(
        self, in_channels: int = 4, width: int = 64, n_layers: int = 3, norm: str = "batch"
    ):
        super().__init__()
        self.in_channels = in_channels
        layers = _trunk(in_channels, width, n_layers, norm)
        c = layers[-3].out_channels
        self.net = nn.Sequential(
            *layers, nn.Conv2d(c, 1, 4, 1, 1)
        )  # (N, c, h+1, w+1) → (N, 1, h, w)

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return self.net(_check_pair(A, B, self.in_channels))


class GlobalDiscriminator(nn.Module):
    """D(A, B) → logits (N, 1, 1, 1): the PatchGAN trunk, then global average pooling and a linear
    layer, so one score judges the whole image (note 003's "standard discriminator")."""

    def __init__(
        self, in_channels: int = 4, width: int = 64, n_layers: int = 3, norm: str = "batch"
    ):
        super().__init__()
        self.in_channels = in_channels
        layers = _trunk(in_channels, width, n_layers, norm)
        c = layers[-3].out_channels
        self.net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, 1, 1))

    def forward(self, A: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
        return self.net(_check_pair(A, B, self.in_channels))


def note_patch_discriminator(in_channels: int = 4, leaky: bool = True) -> nn.Sequential:
    """Note 003's example, 64×64 → 4×4 logits. ``leaky=False`` keeps the note's ``nn.ReLU(0.2)``."""
    act = (  # noqa: E731 — ReLU(inplace=0.2)!
        (lambda: nn.LeakyReLU(0.2)) if leaky else (lambda: nn.ReLU(0.2))
    )
    return nn.Sequential(
        nn.Conv2d(in_channels, 64, 4, 2, 1),
        act(),  # 64 → 32
        nn.Conv2d(64, 128, 4, 2, 1),
        nn.BatchNorm2d(128),
        act(),  # 32 → 16
        nn.Conv2d(128, 256, 4, 2, 1),
        nn.BatchNorm2d(256),
        act(),  # 16 → 8
        nn.Conv2d(256, 1, 4, 2, 1),  # 8 → 4 (logits, no Sigmoid)
    )


@dataclass(frozen=True)
class ReceptiveField:
    size: int  # side of the input window one output cell depends on
    stride: int  # input pixels between neighbouring output cells


@dataclass(frozen=True)
class LayerGeometry:
    """What a conv / pool layer does to positions: square kernel, stride, padding and dilation."""

    kernel: int
    stride: int
    padding: int
    dilation: int


def conv_geometry(model_or_layers: nn.Module | Iterable[nn.Module]) -> list[LayerGeometry]:
    """The geometry of each conv / pool layer in order (square kernels, strides and paddings, as
    every D in the course has); a clear error for a layer that breaks the window arithmetic."""
    layers = (
        model_or_layers.modules() if isinstance(model_or_layers, nn.Module) else model_or_layers
    )
    first = lambda v: v if isinstance(v, int) else v[0]  # noqa: E731
    out = []
    for m in layers:
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            out.append(
                LayerGeometry(
                    first(m.kernel_size),
                    first(m.stride),
                    first(m.padding),
                    first(getattr(m, "dilation", 1)),
                )
            )
        elif isinstance(m, (nn.ConvTranspose2d, nn.AdaptiveAvgPool2d, nn.Linear)):
            raise ValueError(
                "receptive fields are defined here for conv/pool stacks only, "
                f"found {type(m).__name__}"
            )
    return out


def receptive_field(model_or_layers: nn.Module | Iterable[nn.Module]) -> ReceptiveField:
    """Receptive field of the conv / pool layers in order: r ← r + (k − 1)·d·j, j ← j·s.

    Padding does not change the window's size (it only moves it, and fills it with zeros at
    borders).
    """
    r, j = 1, 1
    for g in conv_geometry(model_or_layers):
        r, j = r + (g.kernel - 1) * g.dilation * j, j * g.stride
    return ReceptiveField(r, j)
