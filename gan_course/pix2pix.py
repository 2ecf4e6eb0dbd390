"""pix2pix for colorization: a conditional GAN that maps a gray image A to its colours B
(Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017).

Objective beside each update, with ``d = D(A, ·)`` logits (a grid for PatchGAN):

- D: ``loss_D = (BCE(D(A, B), 1) + BCE(D(A, G(A)), 0)) / 2`` — halved, as pix2pix does, to slow D.
- G: ``loss_G = w_adv · BCE(D(A, G(A)), 1) + λ · L1(G(A), B)`` — seed 003's "BCE + 100·L1".

``adversarial=False`` is "L1 only" (D is still trained alongside, but G ignores it); ``lambda_l1=0``
is "BCE only". Training runs through the course's one engine (``engine.GANTrainer``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .color import SPACES, colorization_pair, colorization_to_rgb, gray_to_rgb, lab_to_rgb, rgb_to_gray, rgb_to_lab
from .data import ImageSet
from .engine import Callback, GANTrainer, TrainConfig
from .experiments import Run, train_variants
from .losses import bce_logits
from .metrics import colorfulness, image_quality
from .patchgan import GlobalDiscriminator, PatchDiscriminator
from .runtime import Profile, check_profile, eval_mode
from .unet import UNetGenerator

DISCRIMINATORS = ("patch", "global")


@dataclass(frozen=True)
class Pix2PixConfig:
    """The colorization model and its loss; how long to train lives in ``TrainConfig``."""

    dataset: str = "photos"
    image_size: int = 32
    space: str = "gray"  # "gray": predict RGB from luma; "lab": predict ab from L
    depth: int = 4
    width_G: int = 32
    skips: bool = True
    dropout: float = 0.0
    discriminator: str = "patch"
    width_D: int = 32
    n_layers_D: int = 2
    lambda_l1: float = 100.0
    adversarial: bool = True

    def __post_init__(self) -> None:
        if self.space not in SPACES:
            raise ValueError(f"space must be one of {', '.join(SPACES)}, got {self.space!r}")
        if self.discriminator not in DISCRIMINATORS:
            raise ValueError(f"discriminator must be one of {', '.join(DISCRIMINATORS)}, got {self.discriminator!r}")
        if self.image_size % 2 ** self.depth:
            raise ValueError(f"image_size {self.image_size} must be divisible by 2**depth = {2 ** self.depth}")
        if self.lambda_l1 < 0 or (self.lambda_l1 == 0 and not self.adversarial):
            raise ValueError("need lambda_l1 > 0, adversarial=True, or both")

    @classmethod
    def for_profile(cls, profile: Profile, **overrides) -> "Pix2PixConfig":
        """``fast``: 32×32 photo patches, U-Net width 32, a 2-layer PatchGAN (34×34 windows).
        ``full``: STL-10 at 96×96 (the seed's 96 → 6 U-Net), width 64, the 70×70 PatchGAN."""
        check_profile(profile)
        base = cls() if profile == "fast" else cls(dataset="stl10", image_size=96, width_G=64, width_D=64,
                                                   n_layers_D=3, dropout=0.5)
        return replace(base, **overrides)

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def target_channels(self) -> int:
        return 3 if self.space == "gray" else 2


def build_pix2pix(config: Pix2PixConfig) -> tuple[UNetGenerator, nn.Module]:
    """The (G, D) pair a config describes: U-Net A → B and a conditional D(A, B)."""
    G = UNetGenerator(1, config.target_channels, config.depth, config.width_G, config.skips, config.dropout)
    D_cls = PatchDiscriminator if config.discriminator == "patch" else GlobalDiscriminator
    D = D_cls(1 + config.target_channels, config.width_D, config.n_layers_D)
    for m in list(G.modules()) + list(D.modules()):  # pix2pix initialisation: N(0, 0.02)
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return G, D


class Pix2PixObjective:
    """Conditional GAN objective for A → B; batches hold colour images, split here into (A, B)."""

    def __init__(self, space: str = "gray", lambda_l1: float = 100.0, adversarial: bool = True):
        self.space, self.lambda_l1, self.adversarial = space, lambda_l1, adversarial
        self._last: tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]] | None = None

    def pair(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(A: (N, 1, H, W), B: (N, 3 or 2, H, W)), computed once per batch (the engine asks three times)."""
        if self._last is None or self._last[0] is not batch[0]:
            with torch.autocast(batch[0].device.type, enabled=False):  # targets in fp32, also under bf16
                self._last = (batch[0], colorization_pair(batch[0].float(), self.space, check_range=False))
        return self._last[1]

    def generator_input(self, batch, rng: torch.Generator) -> torch.Tensor:
        return self.pair(batch)[0]

    def to_image(self, A: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        """G's output for condition A as RGB (N, 3, H, W) in [-1, 1] (sample grids)."""
        return colorization_to_rgb(A, output, self.space)

    def loss_D(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        A, B = self.pair(batch)
        d_real, d_fake = D(A, B), D(A, x_fake)
        # maximise log D(A, B) + log(1 − D(A, G(A))), halved
        return {"loss_D": 0.5 * (bce_logits(d_real, 1.0) + bce_logits(d_fake, 0.0)), "d_real": d_real, "d_fake": d_fake}

    def loss_G(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        A, B = self.pair(batch)
        l1 = F.l1_loss(x_fake, B)
        adv = bce_logits(D(A, x_fake), 1.0) if self.adversarial else l1.new_zeros(())
        # minimise −log D(A, G(A)) + λ·|G(A) − B|₁
        return {"loss_G": adv + self.lambda_l1 * l1, "adv": adv.detach(), "l1": l1.detach()}


def pix2pix_trainer(config: Pix2PixConfig, train: TrainConfig, data: ImageSet, *,
                    device: str | torch.device = "cpu", out_dir: str | Path | None = None,
                    callbacks: Iterable[Callback] = (), progress: bool = True) -> GANTrainer:
    """A ``GANTrainer`` for a fresh pix2pix colorizer on RGB ``data``; call ``.fit()`` on it."""
    if data.channels != 3 or data.image_size != config.image_size:
        raise ValueError(f"pix2pix colorization needs RGB images of {config.image_size}×{config.image_size}, "
                         f"got {data.name} with {data.channels} channels at {data.image_size}×{data.image_size}")
    torch.manual_seed(train.seed)
    G, D = build_pix2pix(config)
    objective = Pix2PixObjective(config.space, config.lambda_l1, config.adversarial)
    return GANTrainer(G, D, objective, data, train, device=device, out_dir=out_dir, callbacks=callbacks,
                      kind="pix2pix", meta=config.to_dict(), progress=progress)


@torch.no_grad()
def colorize(G: nn.Module, x: torch.Tensor, space: str = "gray", batch_size: int = 256) -> torch.Tensor:
    """RGB images x: (N, 3, H, W) in [-1, 1] → G's colorization of their gray version, (N, 3, H, W)."""
    device = next(G.parameters()).device
    out = []
    with eval_mode(G):
        for chunk in x.split(batch_size):
            A, _ = colorization_pair(chunk.to(device), space)
            out.append(colorization_to_rgb(A, G(A), space).cpu())
    return torch.cat(out)


# ---------------------------------------------------------------------------------------- experiments
def colorization_metrics(y: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """Mean PSNR (dB), SSIM and colourfulness of colorizations y against truth x, with the set's
    sharpness and edge fidelity (``metrics.image_quality``); y, x: (N, 3, H, W) in [-1, 1]."""
    quality = image_quality(y, x)
    return {"PSNR": quality["PSNR"], "SSIM": quality["SSIM"], "colourfulness": float(colorfulness(y).mean()),
            "sharpness": quality["sharpness"], "edge fidelity": quality["edge fidelity"]}


def baseline_colorizations(x: torch.Tensor, x_train: torch.Tensor) -> dict[str, torch.Tensor]:
    """The trivial answers every colorizer must beat, for test images x: (N, 3, H, W) in [-1, 1].

    ``gray copy``: the gray image in all three channels. ``mean colour``: each pixel keeps its own
    lightness L and gets the training set's mean chroma (a, b).
    """
    lab = rgb_to_lab(x)  # (N, 3, H, W)
    mean_ab = rgb_to_lab(x_train).mean((0, 2, 3))[1:]  # (2,)
    lab_mean = torch.cat([lab[:, :1], mean_ab.view(1, 2, 1, 1).expand(len(x), 2, *x.shape[-2:])], 1)
    return {"gray copy": gray_to_rgb(rgb_to_gray(x)), "mean colour": lab_to_rgb(lab_mean)}


def compare_colorizers(variants: Mapping[str, Pix2PixConfig], train: TrainConfig, train_data: ImageSet,
                       test_data: ImageSet, *, seeds: Sequence[int] = (0,), device: str | torch.device = "cpu",
                       progress: bool = False) -> list[Run]:
    """Train every variant with every seed on the same data for the same steps; score each on test_data."""
    x_test = test_data.float()
    return train_variants(
        variants, lambda config, cfg: pix2pix_trainer(config, cfg, train_data, device=device, progress=progress),
        lambda config, G: colorization_metrics(colorize(G, x_test, config.space), x_test), train, seeds)
