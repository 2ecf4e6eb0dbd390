"""pix2pix for colorization: a conditional GAN that maps a gray image A to its colours B
(Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017).

Objective beside each update, with ``d = D(A, ·)`` logits (a grid for PatchGAN):

- D: ``loss_D = (BCE(D(A, B), 1) + BCE(D(A, G(A)), 0)) / 2`` — halved, as pix2pix does, to slow D.
- G: ``loss_G = w_adv · BCE(D(A, G(A)), 1) + λ · L1(G(A), B)`` — note 003's "BCE + 100·L1".

``adversarial=False`` is "L1 only" (D is still trained alongside, but G ignores it); ``lambda_l1=0``
is "BCE only". Training runs through the course's one engine (``engine.GANTrainer``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, ClassVar, Literal, get_args

import torch
import torch.nn.functional as F
from torch import nn

from .color import SPACES, Space, colorization_pair, colorization_to_rgb
from .data import ImageSet
from .dcgan import init_dcgan_weights
from .losses import bce_logits
from .patchgan import NORMS, GlobalDiscriminator, PatchDiscriminator
from .runtime import Profile, check_profile, eval_mode
from .unet import UNetGenerator

Discriminator = Literal["patch", "global"]
Norm = Literal["batch", "instance", "none"]
DISCRIMINATORS: tuple[str, ...] = get_args(Discriminator)


@dataclass(frozen=True)
class Pix2PixConfig:
    """The colorization model and its loss; how long to train lives in ``TrainConfig``."""

    kind: ClassVar[str] = "pix2pix"
    # the data and the task
    dataset: Annotated[str, "RGB images to colorize (see data.DATASETS)"] = "photos"
    image_size: Annotated[int, "side of the square images, divisible by 2**depth"] = 32
    space: Annotated[Space, "gray: predict RGB from luma; lab: predict ab from L"] = "gray"
    # the networks
    depth: Annotated[int, "U-Net levels: the image is halved this many times"] = 4
    width_G: Annotated[int, "U-Net channels at the image end"] = 32
    skips: Annotated[bool, "U-Net skip connections"] = True
    dropout: Annotated[float, "dropout in the three decoder blocks nearest the bottleneck"] = 0.0
    discriminator: Annotated[
        Discriminator, "patch: a PatchGAN grid of scores; global: one score"
    ] = "patch"
    width_D: Annotated[int, "D's channels at the image end"] = 32
    n_layers_D: Annotated[int, "D's stride-2 layers (3 = the 70×70 PatchGAN)"] = 2
    norm_D: Annotated[
        Norm, "D's normalisation: batch (pix2pix's; batch statistics leak), instance, none"
    ] = "batch"
    # the objective
    lambda_l1: Annotated[float, "λ of the L1 term in G's loss"] = 100.0
    adversarial: Annotated[bool, "G's loss has the adversarial term (off = L1 only)"] = True

    def __post_init__(self) -> None:
        if self.space not in SPACES:
            raise ValueError(f"space must be one of {', '.join(SPACES)}, got {self.space!r}")
        if self.discriminator not in DISCRIMINATORS:
            raise ValueError(
                f"discriminator must be one of {', '.join(DISCRIMINATORS)}, "
                f"got {self.discriminator!r}"
            )
        if self.norm_D not in NORMS:
            raise ValueError(f"norm_D must be one of {', '.join(NORMS)}, got {self.norm_D!r}")
        for name in ("depth", "width_G", "width_D", "n_layers_D"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)!r}")
        if self.image_size % 2**self.depth:
            raise ValueError(
                f"image_size {self.image_size} must be divisible by 2**depth = {2**self.depth}"
            )
        if self.lambda_l1 < 0 or (self.lambda_l1 == 0 and not self.adversarial):
            raise ValueError("need lambda_l1 > 0, adversarial=True, or both")

    @classmethod
    def for_profile(cls, profile: Profile, **overrides) -> "Pix2PixConfig":
        """``fast``: 32×32 photo patches, U-Net width 32, a 2-layer PatchGAN (34×34 windows).
        ``full``: STL-10 at 96×96 (the note's 96 → 6 U-Net), width 64, the 70×70 PatchGAN."""
        check_profile(profile)
        base = (
            cls()
            if profile == "fast"
            else cls(
                dataset="stl10", image_size=96, width_G=64, width_D=64, n_layers_D=3, dropout=0.5
            )
        )
        return replace(base, **overrides)

    @property
    def target_channels(self) -> int:
        return 3 if self.space == "gray" else 2

    def build(self) -> tuple[UNetGenerator, nn.Module]:
        """The (G, D) pair this config describes: a U-Net A → B and a conditional D(A, B),
        initialised as pix2pix does: DCGAN's N(0, 0.02) convolution weights."""
        G = UNetGenerator(
            1, self.target_channels, self.depth, self.width_G, self.skips, self.dropout
        )
        D_cls = PatchDiscriminator if self.discriminator == "patch" else GlobalDiscriminator
        D = D_cls(1 + self.target_channels, self.width_D, self.n_layers_D, self.norm_D)
        init_dcgan_weights(G)
        init_dcgan_weights(D)
        return G, D

    def objective(self) -> "Pix2PixObjective":
        return Pix2PixObjective(self.space, self.lambda_l1, self.adversarial)

    def check_data(self, data: ImageSet) -> None:
        if data.channels != 3 or data.image_size != self.image_size:
            raise ValueError(
                f"pix2pix colorization needs RGB images of {self.image_size}×{self.image_size}, "
                f"got {data.name} with {data.channels} channels at "
                f"{data.image_size}×{data.image_size}"
            )


class Pix2PixObjective:
    """Conditional GAN objective for A → B; batches hold colour images, split here into (A, B)."""

    def __init__(self, space: str = "gray", lambda_l1: float = 100.0, adversarial: bool = True):
        self.space, self.lambda_l1, self.adversarial = space, lambda_l1, adversarial
        self._last: tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]] | None = None

    def pair(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(A: (N, 1, H, W), B: (N, 3 or 2, H, W)), computed once per batch (the engine asks three
        times)."""
        if self._last is None or self._last[0] is not batch[0]:
            with torch.autocast(
                batch[0].device.type, enabled=False
            ):  # targets in fp32, also under bf16
                self._last = (
                    batch[0],
                    colorization_pair(batch[0].float(), self.space, check_range=False),
                )
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
        return {
            "loss_D": 0.5 * (bce_logits(d_real, 1.0) + bce_logits(d_fake, 0.0)),
            "d_real": d_real,
            "d_fake": d_fake,
        }

    def loss_G(self, D, batch, x_fake: torch.Tensor) -> dict[str, torch.Tensor]:
        A, B = self.pair(batch)
        l1 = F.l1_loss(x_fake, B)
        adv = bce_logits(D(A, x_fake), 1.0) if self.adversarial else l1.new_zeros(())
        # minimise −log D(A, G(A)) + λ·|G(A) − B|₁
        return {"loss_G": adv + self.lambda_l1 * l1, "adv": adv.detach(), "l1": l1.detach()}


@torch.no_grad()
def colorize(
    G: nn.Module,
    x: torch.Tensor,
    space: str = "gray",
    batch_size: int = 256,
    *,
    zero_bottleneck: bool = False,
) -> torch.Tensor:
    """RGB images x: (N, 3, H, W) in [-1, 1] → G's colorization of their gray version,
    (N, 3, H, W). ``zero_bottleneck`` (a U-Net's): what the skips alone carry."""
    device = next(G.parameters()).device
    out = []
    with eval_mode(G):
        for chunk in x.split(batch_size):
            A, _ = colorization_pair(chunk.to(device), space)
            B = G(A, zero_bottleneck=True) if zero_bottleneck else G(A)
            out.append(colorization_to_rgb(A, B, space).cpu())
    return torch.cat(out)
