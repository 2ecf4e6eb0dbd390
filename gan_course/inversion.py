"""Inverting a pretrained generator: find z with G(z) ≈ x (image → latent → image).

Three ways, all batched (Zhu et al. 2016, "Generative Visual Manipulation on the Natural Image
Manifold"; Creswell & Bharath 2018, "Inverting the Generator of a GAN"):

- ``invert_by_optimization``: gradient descent on z for ‖G(z) − x‖², from random starts;
- a learned ``LatentEncoder`` E: x → z, trained on G's own samples (``train_latent_encoder``);
- ``invert_hybrid``: E(x) as the starting point, then optimisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_generator, check_images, check_int, check_number, check_tensor
from .runtime import frozen, seeded


@dataclass
class Inversion:
    z: torch.Tensor  # (N, z_dim)
    x_hat: torch.Tensor  # G(z): (N, C, H, W) in [-1, 1]
    loss: torch.Tensor  # per-image mean squared error (N,)
    history: list[float]  # mean loss per optimisation step


def invert_by_optimization(G: nn.Module, x: torch.Tensor, z_dim: int, *, steps: int = 200,
                           lr: float = 0.05, z_init: torch.Tensor | None = None,
                           seed: int = 0) -> Inversion:
    """Adam on z (N, z_dim) minimising the per-image MSE ‖G(z) − x‖², x: (N, C, H, W) in [-1, 1].
    G runs in eval mode with frozen weights (both restored afterwards); only z moves."""
    check_images(x, "x")
    z_dim = check_generator(G, z_dim, tuple(x.shape[1:]), images="x")
    x = x.detach().float()  # float16 / float64 images meet G's float32
    steps = check_int(steps, "steps", 1, 1_000_000)
    lr = check_number(lr, "lr", 0, open_min=True)
    seed = check_int(seed, "seed", 0)
    if z_init is not None:
        check_tensor(z_init, "z_init")
        if z_init.shape != (x.shape[0], z_dim) or not z_init.is_floating_point():
            raise ValueError(
                f"z_init must be float (N, z_dim) = {(x.shape[0], z_dim)}, got {z_init.dtype} "
                f"{tuple(z_init.shape)}"
            )
        if not torch.isfinite(z_init).all():
            raise ValueError("z_init holds non-finite values (NaN or inf)")
    if z_init is None:
        z_init = torch.randn(x.shape[0], z_dim, generator=torch.Generator().manual_seed(seed))
    z = z_init.clone().to(x.device).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    history = []
    with frozen(G, eval=True):
        for _ in range(steps):
            loss = F.mse_loss(G(z), x, reduction="none").flatten(1).mean(1)  # (N,)
            opt.zero_grad()
            loss.sum().backward()  # images are independent: the sum gives each z its own gradient
            opt.step()
            history.append(float(loss.detach().mean()))
        with torch.no_grad():
            x_hat = G(z)
            final = F.mse_loss(x_hat, x, reduction="none").flatten(1).mean(1)
    return Inversion(z.detach(), x_hat, final, history)


class LatentEncoder(nn.Module):
    """E: x (N, C, S, S) in [-1, 1] → z (N, z_dim): 4×4 stride-2 conv blocks with BatchNorm and
    LeakyReLU 0.2 down to 4×4, then a linear layer."""

    def __init__(self, z_dim: int, channels: int = 1, image_size: int = 32, width: int = 32):
        super().__init__()
        _check_encoder_shape(z_dim, channels, image_size, width)
        self.z_dim, self.channels, self.image_size, self.width = z_dim, channels, image_size, width
        layers: list[nn.Module] = []
        c, s = channels, image_size
        while s > 4:
            # (N, c, s, s) → (N, width, s/2, s/2)
            layers += [
                nn.Conv2d(c, width, 4, 2, 1, bias=False),
                nn.BatchNorm2d(width),
                nn.LeakyReLU(0.2, True),
            ]
            c, s, width = width, s // 2, width * 2
        self.body = nn.Sequential(*layers, nn.Flatten())  # (N, c·4·4)
        self.head = nn.Linear(c * 16, z_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        want = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != want:
            raise ValueError(f"x must be (N, {', '.join(map(str, want))}) for this encoder, got "
                             f"shape {tuple(x.shape)}")
        return self.head(self.body(x))


def train_latent_encoder(
    G: nn.Module,
    z_dim: int,
    channels: int,
    image_size: int,
    *,
    steps: int = 500,
    batch_size: int = 64,
    lr: float = 1e-3,
    width: int = 32,
    seed: int = 0,
) -> tuple[LatentEncoder, list[float]]:
    """Fit E on G's samples: minimise ‖E(G(z)) − z‖² + ‖G(E(G(z))) − G(z)‖² (latent + image terms).
    G runs frozen in eval mode; E's initial weights come from ``seed`` without touching the global
    RNG."""
    _check_encoder_shape(z_dim, channels, image_size, width)
    z_dim = check_generator(G, z_dim, (channels, image_size, image_size))
    steps = check_int(steps, "steps", 1, 1_000_000)
    batch_size = check_int(batch_size, "batch_size", 2, 1_000_000)
    lr = check_number(lr, "lr", 0, open_min=True)
    seed = check_int(seed, "seed", 0)
    with seeded(seed):
        E = LatentEncoder(z_dim, channels, image_size, width)
    opt = torch.optim.Adam(E.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    history = []
    with frozen(G, eval=True):
        for _ in range(steps):
            z = torch.randn(batch_size, z_dim, generator=g)
            with torch.no_grad():
                x = G(z)
            z_hat = E(x)
            loss = F.mse_loss(z_hat, z) + F.mse_loss(G(z_hat), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            history.append(float(loss.detach()))
    return E.eval(), history


@torch.no_grad()
def invert_by_encoder(G: nn.Module, E: LatentEncoder, x: torch.Tensor) -> Inversion:
    """One forward pass: z = E(x), both in eval mode (their modes restored afterwards)."""
    _check_encoder(G, E, x)
    x = x.detach().float()  # float16 / float64 images meet E's float32
    with frozen(G, E, eval=True):
        z = E(x)
        x_hat = G(z)
    return Inversion(z, x_hat, F.mse_loss(x_hat, x, reduction="none").flatten(1).mean(1), [])


def invert_hybrid(
    G: nn.Module, E: LatentEncoder, x: torch.Tensor, *, steps: int = 100, lr: float = 0.02
) -> Inversion:
    """E(x) as the start, then ``invert_by_optimization``."""
    _check_encoder(G, E, x)
    x = x.detach().float()
    steps = check_int(steps, "steps", 1, 1_000_000)
    lr = check_number(lr, "lr", 0, open_min=True)
    with torch.no_grad(), frozen(E, eval=True):
        z0 = E(x)
    return invert_by_optimization(G, x, z0.shape[1], steps=steps, lr=lr, z_init=z0)


def _check_encoder_shape(z_dim: int, channels: int, image_size: int, width: int) -> None:
    """A LatentEncoder's sizes: positive ints, ``image_size`` a power of two >= 4."""
    check_int(z_dim, "z_dim", 1, 100_000), check_int(channels, "channels", 1, 4096)
    check_int(width, "width", 1, 4096)
    image_size = check_int(image_size, "image_size", 4, 1024)
    if image_size & (image_size - 1):
        raise ValueError(f"image_size must be a power of two >= 4, got {image_size}")


def _check_encoder(G: nn.Module, E: LatentEncoder, x: torch.Tensor) -> None:
    """x in [-1, 1], of E's (C, S, S); G takes E's z and gives images of x's shape."""
    if not isinstance(E, LatentEncoder):
        raise TypeError(f"E must be a LatentEncoder, got {type(E).__name__}")
    check_images(x, "x", channels=E.channels)
    if x.shape[-2:] != (E.image_size, E.image_size):
        raise ValueError(
            f"x must be {E.image_size}×{E.image_size} images for this encoder, got shape "
            f"{tuple(x.shape)}"
        )
    check_generator(G, E.z_dim, tuple(x.shape[1:]), images="x")
