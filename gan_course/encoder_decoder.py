"""Seed 000's encoder–decoder GAN: deconstruct an image into a feature tensor f ∈ ℝ^(C×H×W) and
reconstruct it, trained adversarially through the course's one engine.

- ``FeatureEncoder``: ``depth`` 4×4 stride-2 conv blocks (BatchNorm + LeakyReLU 0.2), then a 1×1 conv
  to ``bottleneck`` channels: f = E(x). For 32×32 and depth 4, f is C×2×2.
- ``FeatureDecoder``: 4×4 stride-2 transposed-conv blocks back to the image, Tanh; with ``skips`` it
  also receives the encoder's maps (then the bottleneck can be bypassed: see ``zero_bottleneck``).
- ``ReconstructionGAN``: D sees real x vs x̂ = G(E(x)); G minimises BCE + λ·L1 (+ feature matching on
  D's hidden map); D may add an R1 gradient penalty γ/2·E‖∇ₓD(x)‖² (Mescheder et al. 2018), the
  zero-centred penalty suited to the BCE loss. Seed 000's stabilisers are switches: ``r1_gamma``,
  ``feature_matching``, a smaller D (``width_D``) and a lower G learning rate (``TrainConfig.lr_G``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .losses import bce_logits


class FeatureEncoder(nn.Module):
    """x: (N, channels, S, S) in [-1, 1] → (f: (N, bottleneck, S/2^depth, S/2^depth), skip maps)."""

    def __init__(self, channels: int = 3, width: int = 32, depth: int = 4, bottleneck: int = 64):
        super().__init__()
        self.blocks, c = nn.ModuleList(), channels
        self.widths = [width * 2 ** min(i, 3) for i in range(depth)]
        for w in self.widths:
            # (N, c, s, s) → (N, w, s/2, s/2)
            self.blocks.append(nn.Sequential(nn.Conv2d(c, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w),
                                             nn.LeakyReLU(0.2, True)))
            c = w
        self.to_f = nn.Conv2d(c, bottleneck, 1)  # (N, c, h, h) → (N, C, h, h): the feature tensor f

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        skips = []
        for block in self.blocks:
            x = block(x)
            skips.append(x)
        return self.to_f(x), skips


class FeatureDecoder(nn.Module):
    """(f, skip maps) → x̂: (N, channels, S, S) in [-1, 1]; skips concatenate the encoder's maps."""

    def __init__(self, widths: list[int], channels: int = 3, bottleneck: int = 64, skips: bool = True):
        super().__init__()
        self.skips = skips
        self.blocks = nn.ModuleList()
        c = bottleneck
        for i in reversed(range(len(widths))):
            out = widths[i - 1] if i > 0 else widths[0]
            c_in = c + (widths[i] if skips else 0)
            # (N, c_in, s, s) → (N, out, 2s, 2s)
            self.blocks.append(nn.Sequential(nn.ConvTranspose2d(c_in, out, 4, 2, 1, bias=False), nn.BatchNorm2d(out),
                                             nn.ReLU(True)))
            c = out
        self.head = nn.Sequential(nn.Conv2d(c, channels, 3, 1, 1), nn.Tanh())

    def forward(self, f: torch.Tensor, skip_maps: list[torch.Tensor]) -> torch.Tensor:
        h = f
        for block, skip in zip(self.blocks, reversed(skip_maps)):
            h = block(torch.cat([h, skip], 1) if self.skips else h)
        return self.head(h)


class EncoderDecoder(nn.Module):
    """G(x) = decoder(encoder(x)). ``zero_bottleneck=True`` replaces f by zeros: with skips the
    decoder may still reconstruct x — the skips bypass the "deconstruction"."""

    def __init__(self, channels: int = 3, width: int = 32, depth: int = 4, bottleneck: int = 64, skips: bool = False):
        super().__init__()
        self.encoder = FeatureEncoder(channels, width, depth, bottleneck)
        self.decoder = FeatureDecoder(self.encoder.widths, channels, bottleneck, skips)

    def forward(self, x: torch.Tensor, zero_bottleneck: bool = False) -> torch.Tensor:
        f, skip_maps = self.encoder(x)
        return self.decoder(torch.zeros_like(f) if zero_bottleneck else f, skip_maps)


def r1_penalty(D: nn.Module, x_real: torch.Tensor) -> torch.Tensor:
    """E‖∇ₓ D(x)‖² over real images (differentiable: create_graph=True, for D's update)."""
    x = x_real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


class ReconstructionGAN:
    """Objective for G = EncoderDecoder and D with a ``features`` trunk (e.g. ``DCGANDiscriminator``)."""

    def __init__(self, lambda_l1: float = 100.0, r1_gamma: float = 0.0, feature_matching: float = 0.0):
        self.lambda_l1, self.r1_gamma, self.feature_matching = lambda_l1, r1_gamma, feature_matching

    def generator_input(self, batch, rng: torch.Generator) -> torch.Tensor:
        return batch[0]  # G sees the image itself

    def loss_D(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        x = batch[0]
        d_real, d_fake = D(x), D(x_fake)
        loss = bce_logits(d_real, 1.0) + bce_logits(d_fake, 0.0)
        out = {"d_real": d_real, "d_fake": d_fake}
        if self.r1_gamma:
            out["r1"] = r1_penalty(D, x)
            loss = loss + 0.5 * self.r1_gamma * out["r1"]
        out["loss_D"] = loss
        return out

    def loss_G(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        x = batch[0]
        l1 = F.l1_loss(x_fake, x)
        out = {"adv": bce_logits(D(x_fake), 1.0), "l1": l1}
        loss = out["adv"] + self.lambda_l1 * l1
        if self.feature_matching:
            # match the mean of D's hidden features on real and reconstructed images
            out["fm"] = (D.features(x).mean(0) - D.features(x_fake).mean(0)).pow(2).mean()
            loss = loss + self.feature_matching * out["fm"]
        out["loss_G"] = loss
        return {k: (v if k == "loss_G" else v.detach()) for k, v in out.items()}
