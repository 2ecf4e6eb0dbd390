"""Adversarial losses on discriminator **logits** (Goodfellow et al. 2014; DCGAN, Radford et al.
2016).

D outputs logits, never probabilities, and every loss goes through ``BCEWithLogitsLoss``
(log-sum-exp form): stable for large logits and safe under autocast, unlike
``Sigmoid`` + ``BCELoss``.

Objective beside each update (``d_real = D(x_real)``, ``d_fake = D(G(z))``, logits):

- D: maximise log D(x) + log(1 − D(G(z)))  →  ``loss_D = BCE(d_real, real_label) + BCE(d_fake, 0)``
- G (non-saturating): maximise log D(G(z))  →  ``loss_G = BCE(d_fake, target)``

The objectives that use them live beside their models: ``dcgan.DCGANObjective``,
``pix2pix.Pix2PixObjective``, ``encoder_decoder.EncoderDecoderObjective``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bce_logits(logits: torch.Tensor, target: float) -> torch.Tensor:
    """Mean BCE of ``logits`` (any shape: one score or a PatchGAN grid) against a constant
    ``target`` in [0, 1]."""
    return F.binary_cross_entropy_with_logits(
        logits.float(), torch.full_like(logits, target, dtype=torch.float32)
    )


def d_loss_bce(d_real: torch.Tensor, d_fake: torch.Tensor, real_label: float = 1.0) -> torch.Tensor:
    """Discriminator loss ``BCE(d_real, real_label) + BCE(d_fake, 0)`` (note 001 sums the two
    terms)."""
    return bce_logits(d_real, real_label) + bce_logits(d_fake, 0.0)


def g_loss_bce(d_fake: torch.Tensor, target: float = 1.0) -> torch.Tensor:
    """Non-saturating generator loss ``BCE(D(G(z)), target)`` = −log D(G(z)) for ``target = 1``."""
    return bce_logits(d_fake, target)
