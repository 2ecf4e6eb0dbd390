"""Adversarial losses on discriminator **logits** (Goodfellow et al. 2014; DCGAN, Radford et al. 2016).

D outputs logits, never probabilities, and every loss goes through ``BCEWithLogitsLoss`` (log-sum-exp
form): stable for large logits and safe under autocast, unlike ``Sigmoid`` + ``BCELoss``.

Objective beside each update (``d_real = D(x_real)``, ``d_fake = D(G(z))``, logits):

- D: maximise log D(x) + log(1 − D(G(z)))  →  ``loss_D = BCE(d_real, real_label) + BCE(d_fake, 0)``
- G (non-saturating): maximise log D(G(z))  →  ``loss_G = BCE(d_fake, target)``

The seed's one-sided label smoothing uses ``real_label = 0.9``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def bce_logits(logits: torch.Tensor, target: float) -> torch.Tensor:
    """Mean BCE of ``logits`` (any shape: one score or a PatchGAN grid) against a constant ``target`` in [0, 1]."""
    return F.binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits, target, dtype=torch.float32))


def d_loss_bce(d_real: torch.Tensor, d_fake: torch.Tensor, real_label: float = 1.0) -> torch.Tensor:
    """Discriminator loss ``BCE(d_real, real_label) + BCE(d_fake, 0)`` (seed 001 sums the two terms)."""
    return bce_logits(d_real, real_label) + bce_logits(d_fake, 0.0)


def g_loss_bce(d_fake: torch.Tensor, target: float = 1.0) -> torch.Tensor:
    """Non-saturating generator loss ``BCE(D(G(z)), target)`` = −log D(G(z)) for ``target = 1``."""
    return bce_logits(d_fake, target)


class UnconditionalGAN:
    """The objective of an unconditional GAN such as DCGAN: G(z) with z ~ N(0, I), judged by D alone.

    ``real_label`` smooths D's real targets (seed 001: 0.9); ``g_target`` is the label G aims for —
    the seed uses the same 0.9, the classic recipe 1.0.
    """

    def __init__(self, z_dim: int, real_label: float = 0.9, g_target: float | None = None):
        self.z_dim, self.real_label = z_dim, real_label
        self.g_target = real_label if g_target is None else g_target

    def generator_input(self, batch: tuple[torch.Tensor, torch.Tensor | None], rng: torch.Generator) -> torch.Tensor:
        x_real = batch[0]
        return torch.randn(x_real.shape[0], self.z_dim, generator=rng, device=rng.device)  # z: (B, z_dim)

    def loss_D(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        d_real, d_fake = D(batch[0]), D(x_fake)  # logits (B,)
        # maximise log D(x) + log(1 − D(G(z)))
        return {"loss_D": d_loss_bce(d_real, d_fake, self.real_label), "d_real": d_real, "d_fake": d_fake}

    def loss_G(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        # maximise log D(G(z)) (non-saturating)
        return {"loss_G": g_loss_bce(D(x_fake), self.g_target)}
