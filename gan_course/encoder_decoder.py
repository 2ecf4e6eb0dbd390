"""Note 000's encoder–decoder GAN: deconstruct an image into a feature tensor f ∈ ℝ^(C×H×W) and
reconstruct it, trained adversarially through the course's one engine.

- ``FeatureEncoder``: ``depth`` 4×4 stride-2 conv blocks (BatchNorm + LeakyReLU 0.2), then a 1×1
  conv to ``bottleneck`` channels: f = E(x). For 32×32 and depth 4, f is C×2×2.
- ``FeatureDecoder``: 4×4 stride-2 transposed-conv blocks back to the image, Tanh; with ``skips`` it
  also receives the encoder's maps (then the bottleneck can be bypassed: see ``zero_bottleneck``).
- ``EncoderDecoderObjective``: D sees real x vs x̂ = G(E(x)); G minimises BCE + λ·L1 (+ feature
  matching on D's hidden map); D may add an R1 gradient penalty γ/2·E‖∇ₓD(x)‖²
  (Mescheder et al. 2018), the zero-centred penalty suited to the BCE loss. Note 000's stabilisers
  are switches: ``r1_gamma``, ``feature_matching``, a smaller D (``width_D``) and a lower G learning
  rate (``TrainConfig.lr_G``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Annotated, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .compression import quantize_uint8
from .data import ImageSet
from .dcgan import DCGANDiscriminator
from .losses import bce_logits
from .runtime import Profile, check_profile, eval_mode


class FeatureEncoder(nn.Module):
    """x: (N, channels, S, S) in [-1, 1] → (f: (N, bottleneck, S/2^depth, S/2^depth), skip maps)."""

    def __init__(self, channels: int = 3, width: int = 32, depth: int = 4, bottleneck: int = 64):
        super().__init__()
        self.blocks, c = nn.ModuleList(), channels
        self.widths = [width * 2 ** min(i, 3) for i in range(depth)]
        for w in self.widths:
            # (N, c, s, s) → (N, w, s/2, s/2)
            self.blocks.append(
                nn.Sequential(
                    nn.Conv2d(c, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.2, True)
                )
            )
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

    def __init__(self, widths: list[int], channels: int = 3, bottleneck: int = 64,
                 skips: bool = True):
        super().__init__()
        self.skips = skips
        self.blocks = nn.ModuleList()
        c = bottleneck
        for i in reversed(range(len(widths))):
            out = widths[i - 1] if i > 0 else widths[0]
            c_in = c + (widths[i] if skips else 0)
            # (N, c_in, s, s) → (N, out, 2s, 2s)
            self.blocks.append(
                nn.Sequential(
                    nn.ConvTranspose2d(c_in, out, 4, 2, 1, bias=False),
                    nn.BatchNorm2d(out),
                    nn.ReLU(True),
                )
            )
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

    def __init__(
        self,
        channels: int = 3,
        width: int = 32,
        depth: int = 4,
        bottleneck: int = 64,
        skips: bool = False,
    ):
        super().__init__()
        self.encoder = FeatureEncoder(channels, width, depth, bottleneck)
        self.decoder = FeatureDecoder(self.encoder.widths, channels, bottleneck, skips)

    def forward(
        self, x: torch.Tensor, zero_bottleneck: bool = False, quantize: bool = False
    ) -> torch.Tensor:
        """x: (N, C, S, S) in [-1, 1] → x̂, same shape. ``quantize`` rounds f to 8 bits per value
        (``compression.quantize_uint8``: what storing f as bytes would cost)."""
        f, skip_maps = self.encoder(x)
        if zero_bottleneck:
            f = torch.zeros_like(f)
        elif quantize:
            f = quantize_uint8(f)
        return self.decoder(f, skip_maps)

    def feature_shape(self, image_size: int) -> tuple[int, int, int]:
        """(C, H, W) of f for image_size × image_size inputs."""
        side = image_size // 2 ** len(self.encoder.widths)
        return (self.encoder.to_f.out_channels, side, side)

    def values_to_decoder(self, image_size: int) -> dict[str, int]:
        """Per image, how many numbers reach the decoder: through f (C·H·W) and through the
        skips."""
        sides = [image_size // 2 ** (i + 1) for i in range(len(self.encoder.widths))]
        skip_values = (
            sum(w * s * s for w, s in zip(self.encoder.widths, sides)) if self.decoder.skips else 0
        )
        return {"f": math.prod(self.feature_shape(image_size)), "skips": skip_values}


def encoder_decoder_trace(G: EncoderDecoder, image_size: int) -> list[tuple[str, tuple[int, ...]]]:
    """The (C, H, W) shape after every encoder block, of f, and after every decoder block for one
    (1, channels, S, S) input, with the concatenations skips add: the names ``plots.plot_unet``
    draws ("down i", "up j", "  ⊕ skip from down i")."""
    channels = G.encoder.blocks[0][0].in_channels
    h = torch.zeros(1, channels, image_size, image_size)
    with eval_mode(G), torch.no_grad():
        rows, maps = [("input x", tuple(h.shape[1:]))], []
        for i, block in enumerate(G.encoder.blocks):
            h = block(h)  # (1, w, s/2, s/2)
            maps.append(h)
            rows.append((f"down {i + 1}", tuple(h.shape[1:])))
        h = G.encoder.to_f(h)  # (1, C, h, h): f
        rows.append(("f", tuple(h.shape[1:])))
        for j, block in enumerate(G.decoder.blocks):
            if G.decoder.skips:
                h = torch.cat([h, maps[-1 - j]], 1)
                rows.append((f"  ⊕ skip from down {len(maps) - j}", tuple(h.shape[1:])))
            h = block(h)  # (1, out, 2s, 2s)
            rows.append((f"up {j + 1}", tuple(h.shape[1:])))
        rows.append(("output x̂", tuple(G.decoder.head(h).shape[1:])))
    return rows


def r1_penalty(D: nn.Module, x_real: torch.Tensor) -> torch.Tensor:
    """E‖∇ₓ D(x)‖² over real images (differentiable: create_graph=True, for D's update).

    D runs as it trains (train mode). With a BatchNorm D, as note 000's, each D(xᵢ) depends on the
    whole batch, so this is the batch's penalty rather than Mescheder et al.'s per-sample one (their
    D has no BatchNorm), and the extra pass updates BatchNorm's running statistics once more."""
    x = x_real.detach().requires_grad_(True)
    D = getattr(D, "module", D)  # under DDP: the bare D (DDP does not support torch.autograd.grad)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


class EncoderDecoderObjective:
    """Objective for G = EncoderDecoder and D with a ``features`` trunk (e.g.
    ``DCGANDiscriminator``)."""

    def __init__(
        self,
        lambda_l1: float = 100.0,
        r1_gamma: float = 0.0,
        feature_matching: float = 0.0,
        adversarial: bool = True,
    ):
        self.lambda_l1, self.r1_gamma, self.feature_matching = lambda_l1, r1_gamma, feature_matching
        self.adversarial = adversarial

    @property
    def double_backward(self) -> bool:
        """True when loss_D differentiates D twice (the R1 penalty): the engine then keeps D eager
        under compile."""
        return self.r1_gamma > 0

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
        adv = bce_logits(D(x_fake), 1.0) if self.adversarial else l1.new_zeros(())
        out = {"adv": adv, "l1": l1}
        loss = adv + self.lambda_l1 * l1  # adversarial=False: an L1 autoencoder, D only watches
        if self.feature_matching:
            # ‖mean f(x) − mean f(x̂)‖² over D's hidden features (Salimans et al. 2016): a squared
            # norm, summed over the C·4·4 features, not averaged
            out["fm"] = (D.features(x).mean(0) - D.features(x_fake).mean(0)).pow(2).sum()
            loss = loss + self.feature_matching * out["fm"]
        out["loss_G"] = loss
        return {k: (v if k == "loss_G" else v.detach()) for k, v in out.items()}


@dataclass(frozen=True)
class EncoderDecoderConfig:
    """The encoder–decoder GAN and its loss; how long to train lives in ``TrainConfig``."""

    kind: ClassVar[str] = "encoder_decoder"
    # the data
    dataset: Annotated[str, "the images to encode (see data.DATASETS)"] = "photos"
    image_size: Annotated[int, "side of the square images, divisible by 2**depth"] = 32
    channels: Annotated[int, "1 (gray) or 3 (RGB)"] = 3
    # the networks
    width: Annotated[int, "encoder channels at the image end"] = 16
    depth: Annotated[int, "downsampling blocks (note 000: 4, so f is C×2×2 at 32×32)"] = 4
    bottleneck: Annotated[int, "channels C of the feature tensor f"] = 12
    skips: Annotated[bool, "U-Net-style skips from encoder to decoder (they bypass f)"] = False
    width_D: Annotated[int, "D's width (note 000's reduced capacity: half the encoder's)"] = 8
    # the objective
    lambda_l1: Annotated[float, "λ of the L1 term in G's loss"] = 100.0
    r1_gamma: Annotated[float, "γ of the R1 gradient penalty on reals (0 = off)"] = 0.0
    feature_matching: Annotated[float, "weight of feature matching on D's hidden map (0 = off)"] = (
        0.0
    )
    adversarial: Annotated[bool, "G's loss has the adversarial term (off = an L1 autoencoder)"] = (
        True
    )

    def __post_init__(self) -> None:
        if self.image_size % 2**self.depth or self.image_size // 2**self.depth < 1:
            raise ValueError(
                f"image_size {self.image_size} must be divisible by 2**depth = {2**self.depth}"
            )
        if min(self.width, self.width_D, self.bottleneck, self.depth) < 1:
            raise ValueError("width, width_D, bottleneck and depth must all be >= 1")
        if min(self.lambda_l1, self.r1_gamma, self.feature_matching) < 0:
            raise ValueError("lambda_l1, r1_gamma and feature_matching must be >= 0")
        if not self.adversarial and self.lambda_l1 == 0:
            raise ValueError("need lambda_l1 > 0, adversarial=True, or both")

    @classmethod
    def for_profile(cls, profile: Profile, **overrides) -> "EncoderDecoderConfig":
        """``fast``: 32×32 photo patches, encoder width 16, D width 8. ``full``: CIFAR-10 32×32
        (seed 000's data), encoder width 64, D width 32."""
        check_profile(profile)
        base = (
            cls()
            if profile == "fast"
            else cls(dataset="cifar10", width=64, width_D=32, bottleneck=48)
        )
        return replace(base, **overrides)

    def build(self) -> tuple[EncoderDecoder, DCGANDiscriminator]:
        """(G = encoder + decoder, D = a DCGAN discriminator of width ``width_D``), freshly
        initialised."""
        G = EncoderDecoder(self.channels, self.width, self.depth, self.bottleneck, self.skips)
        D = DCGANDiscriminator(
            width=self.width_D, image_size=self.image_size, channels=self.channels
        )
        return G, D

    def objective(self) -> EncoderDecoderObjective:
        return EncoderDecoderObjective(
            self.lambda_l1, self.r1_gamma, self.feature_matching, self.adversarial
        )

    def check_data(self, data: ImageSet) -> None:
        if (data.channels, data.image_size) != (self.channels, self.image_size):
            raise ValueError(
                f"the config expects {self.channels}×{self.image_size}×{self.image_size} images, "
                f"got {data.name} with {data.channels}×{data.image_size}×{data.image_size}"
            )


@torch.no_grad()
def reconstruct(
    G: EncoderDecoder,
    x: torch.Tensor,
    *,
    zero_bottleneck: bool = False,
    quantize: bool = True,
    batch_size: int = 256,
) -> torch.Tensor:
    """x̂ = G(x) in eval mode for x: (N, C, S, S) in [-1, 1], on the CPU; f rounded to 8 bits by
    default."""
    device = next(G.parameters()).device
    with eval_mode(G):
        return torch.cat(
            [
                G(chunk.to(device), zero_bottleneck, quantize).float().cpu()
                for chunk in x.split(batch_size)
            ]
        )
