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
    with frozen(G, E, eval=True):
        z = E(x)
        x_hat = G(z)
    return Inversion(z, x_hat, F.mse_loss(x_hat, x, reduction="none").flatten(1).mean(1), [])


def invert_hybrid(
    G: nn.Module, E: LatentEncoder, x: torch.Tensor, *, steps: int = 100, lr: float = 0.02
) -> Inversion:
    """E(x) as the start, then ``invert_by_optimization``."""
    with torch.no_grad(), frozen(E, eval=True):
        z0 = E(x)
    return invert_by_optimization(G, x, z0.shape[1], steps=steps, lr=lr, z_init=z0)
