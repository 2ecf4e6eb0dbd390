"""DCGAN generator and discriminator (Radford, Metz & Chintala, ICLR 2016), as note 001 describes.

For 64×64 images::

    G: z (z_dim×1×1) → 512×4×4 → 256×8×8 → 128×16×16 → 64×32×32 → 3×64×64   (BN + ReLU, Tanh out)
    D: 3×64×64 → 64×32×32 → 128×16×16 → 256×8×8 → 512×4×4 → 1×1×1          (LeakyReLU 0.2, BN)

Every up/down step is a 4×4 (transposed) convolution with stride 2 and padding 1. ``image_size``
(32 or 64, any power of two ≥ 16) sets the number of steps, ``width`` the channels at the image end
(64 in note 001), and ``channels`` the image channels. D returns **logits** (no Sigmoid): pair it
with ``BCEWithLogitsLoss``, which is numerically stable and safe under autocast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Annotated, ClassVar

import torch
from torch import nn

from .data import ImageSet
from .losses import d_loss_bce, g_loss_bce
from .runtime import Profile, check_profile


@dataclass(frozen=True)
class DCGANConfig:
    """The model and its data; how long to train lives in ``engine.TrainConfig``."""

    kind: ClassVar[str] = "dcgan"
    # the data
    dataset: Annotated[str, "the images to learn (see data.DATASETS)"] = "digits"
    image_size: Annotated[int, "side of the square images, a power of two >= 16"] = 32
    channels: Annotated[int, "1 (gray) or 3 (RGB)"] = 1
    # the networks and the objective
    z_dim: Annotated[int, "length of the latent vector z"] = 100
    width: Annotated[
        int, "channels next to the image (ngf = ndf); doubled at each step inwards"
    ] = 32
    real_label: Annotated[
        float, "D's target for reals (one-sided smoothing; fakes 0) and G's, as in note 001"
    ] = 0.9

    def __post_init__(self) -> None:
        check_image_size(self.image_size)
        for name in ("channels", "z_dim", "width"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.channels not in (1, 3):
            raise ValueError(f"channels must be 1 (gray) or 3 (RGB), got {self.channels}")
        if not 0.0 < self.real_label <= 1.0:
            raise ValueError(f"real_label must be in (0, 1], got {self.real_label}")

    @classmethod
    def for_profile(cls, profile: Profile, **overrides) -> "DCGANConfig":
        """``fast``: 32×32 digits, width 32 (seconds on a CPU).
        ``full``: note 001's 64×64 RGB net (width 64, z 100) on CIFAR-10."""
        check_profile(profile)
        base = (
            cls()
            if profile == "fast"
            else cls(dataset="cifar10", image_size=64, channels=3, width=64)
        )
        return replace(base, **overrides)

    def build(self) -> tuple["DCGANGenerator", "DCGANDiscriminator"]:
        """The (G, D) pair this config describes, freshly initialised."""
        G = DCGANGenerator(self.z_dim, self.width, self.image_size, self.channels)
        D = DCGANDiscriminator(self.width, self.image_size, self.channels)
        return G, D

    def objective(self) -> "DCGANObjective":
        return DCGANObjective(self.z_dim, self.real_label)

    def check_data(self, data: ImageSet) -> None:
        expected = (self.channels, self.image_size, self.image_size)
        if tuple(data.images.shape[1:]) != expected:
            raise ValueError(
                f"dataset {data.name!r} has images {tuple(data.images.shape[1:])}, the DCGAN "
                f"config expects {expected}; load it with image_size={self.image_size}, "
                f"channels={self.channels}"
            )


def check_image_size(image_size: int) -> int:
    if image_size < 16 or image_size & (image_size - 1):
        raise ValueError(
            f"image_size must be a power of two >= 16 (e.g. 32 or 64), got {image_size}"
        )
    return image_size


def _n_steps(image_size: int) -> int:
    """Number of ×2 steps between 4×4 and the image: 3 for 32 px, 4 for 64 px."""
    return int(math.log2(check_image_size(image_size))) - 2


class DCGANGenerator(nn.Module):
    """z: (B, z_dim) or (B, z_dim, 1, 1) ~ N(0, I) → image (B, channels, image_size, image_size) in
    [-1, 1]."""

    def __init__(self, z_dim: int = 100, width: int = 64, image_size: int = 64, channels: int = 3):
        super().__init__()
        self.z_dim, self.width, self.image_size, self.channels = z_dim, width, image_size, channels
        n = _n_steps(image_size)
        ch = width * 2 ** (n - 1)  # 512 for width 64 at 64 px
        layers: list[nn.Module] = [
            # z (B, z_dim, 1, 1) → (B, ch, 4, 4)
            nn.ConvTranspose2d(z_dim, ch, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ch),
            nn.ReLU(True),
        ]
        for _ in range(n - 1):
            # (B, ch, s, s) → (B, ch/2, 2s, 2s)
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ch // 2),
                nn.ReLU(True),
            ]
            ch //= 2
        # (B, width, S/2, S/2) → (B, channels, S, S)
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        init_dcgan_weights(self)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() == 2:
            z = z[:, :, None, None]  # (B, z_dim) → (B, z_dim, 1, 1)
        if z.dim() != 4 or z.shape[1:] != (self.z_dim, 1, 1):
            raise ValueError(
                f"z must have shape (B, {self.z_dim}) or (B, {self.z_dim}, 1, 1), "
                f"got {tuple(z.shape)}"
            )
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """x: (B, channels, image_size, image_size) in [-1, 1] → logits (B,). ``features(x)`` gives the
    last hidden map (B, width·2^(n-1), 4, 4), used for feature matching and inversion."""

    def __init__(self, width: int = 64, image_size: int = 64, channels: int = 3):
        super().__init__()
        self.width, self.image_size, self.channels = width, image_size, channels
        n = _n_steps(image_size)
        # (B, channels, S, S) → (B, width, S/2, S/2); no BN on the input layer (DCGAN paper)
        layers: list[nn.Module] = [
            nn.Conv2d(channels, width, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, True),
        ]
        ch = width
        for _ in range(n - 1):
            # (B, ch, s, s) → (B, 2ch, s/2, s/2)
            layers += [
                nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ch * 2),
                nn.LeakyReLU(0.2, True),
            ]
            ch *= 2
        self.features = nn.Sequential(*layers)
        # (B, ch, 4, 4) → (B, 1, 1, 1)
        self.head = nn.Conv2d(ch, 1, 4, 1, 0, bias=False)
        init_dcgan_weights(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"D expects images of shape (B, {', '.join(map(str, expected))}), "
                f"got {tuple(x.shape)}"
            )
        return self.head(self.features(x)).flatten()  # (B, 1, 1, 1) → (B,)


def init_dcgan_weights(module: nn.Module) -> None:
    """Note 001 / DCGAN paper: conv weights ~ N(0, 0.02); BatchNorm weight ~ 1, bias 0.

    The seed writes BN weight "= 1.0"; the DCGAN reference code draws it from N(1, 0.02). We set it
    to exactly 1 as note 001 says.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class DCGANObjective:
    """The objective of an unconditional GAN such as DCGAN: G(z) with z ~ N(0, I), judged by D
    alone.

    - D: maximise log D(x) + log(1 − D(G(z)))  →
      ``loss_D = BCE(d_real, real_label) + BCE(d_fake, 0)``
    - G: maximise log D(G(z)) (non-saturating)  →  ``loss_G = BCE(D(G(z)), g_target)``

    ``real_label`` smooths D's real targets (note 001: 0.9); ``g_target`` is the label G aims for —
    note 001 uses the same 0.9, the classic recipe 1.0.
    """

    def __init__(self, z_dim: int, real_label: float = 0.9, g_target: float | None = None):
        self.z_dim, self.real_label = z_dim, real_label
        self.g_target = real_label if g_target is None else g_target

    def generator_input(
        self, batch: tuple[torch.Tensor, torch.Tensor | None], rng: torch.Generator
    ) -> torch.Tensor:
        x_real = batch[0]
        return torch.randn(
            x_real.shape[0], self.z_dim, generator=rng, device=rng.device
        )  # z: (B, z_dim)

    def loss_D(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        d_real, d_fake = D(batch[0]), D(x_fake)  # logits (B,)
        # maximise log D(x) + log(1 − D(G(z)))
        return {
            "loss_D": d_loss_bce(d_real, d_fake, self.real_label),
            "d_real": d_real,
            "d_fake": d_fake,
        }

    def loss_G(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        # maximise log D(G(z)) (non-saturating)
        return {"loss_G": g_loss_bce(D(x_fake), self.g_target)}
