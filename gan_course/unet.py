"""U-Net generator for image-to-image GANs (Ronneberger et al. 2015; pix2pix, Isola et al. 2017).

The encoder halves the image ``depth`` times with 4×4 stride-2 convolutions; the decoder doubles it
back with 4×4 stride-2 transposed convolutions. With ``skips=True`` each decoder level also receives
the encoder's map of the same size (concatenated on channels), the horizontal arrows of note 003's
diagram; with ``skips=False`` everything must pass through the bottleneck. For 96×96 and depth 4:
96 → 48 → 24 → 12 → 6 → 12 → 24 → 48 → 96, the note's example.
"""

from __future__ import annotations

import torch
from torch import nn

from .runtime import eval_mode


class UNetGenerator(nn.Module):
    """A: (B, in_channels, S, S) in [-1, 1] → (B, out_channels, S, S) in [-1, 1] (Tanh).

    ``S`` must be divisible by 2**depth. Channels: width, 2·width, … capped at 8·width.
    ``dropout`` (pix2pix: 0.5 in the three decoder blocks nearest the bottleneck) is the only noise
    source. pix2pix keeps it on at test time as G's noise; this course samples in eval mode
    (``runtime.eval_mode``): dropout off, BatchNorm's running statistics, so outputs are
    reproducible.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 3, depth: int = 4, width: int = 32,
                 skips: bool = True, dropout: float = 0.0):
        super().__init__()
        if depth < 1 or width < 1:
            raise ValueError(f"depth and width must be >= 1, got depth={depth}, width={width}")
        self.in_channels, self.out_channels, self.depth, self.skips = (
            in_channels,
            out_channels,
            depth,
            skips,
        )
        chans = [
            min(width * 2**i, width * 8) for i in range(depth)
        ]  # encoder outputs, shallow → deep
        self.down = nn.ModuleList()
        prev = in_channels
        for i, c in enumerate(chans):
            # (B, prev, s, s) → (B, c, s/2, s/2); no norm on the first block (pix2pix)
            layers: list[nn.Module] = [nn.Conv2d(prev, c, 4, 2, 1, bias=i == 0)]
            if 0 < i < depth - 1:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2, True) if i < depth - 1 else nn.ReLU(True))
            self.down.append(nn.Sequential(*layers))
            prev = c
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):
            target = chans[i - 1] if i > 0 else width
            in_c = prev if (i == depth - 1 or not skips) else prev * 2  # + the skip's channels
            # (B, in_c, s, s) → (B, target, 2s, 2s)
            layers = [
                nn.ConvTranspose2d(in_c, target, 4, 2, 1, bias=False),
                nn.BatchNorm2d(target),
                nn.ReLU(True),
            ]
            if (
                dropout and i >= depth - 3 and i > 0
            ):  # the three blocks nearest the bottleneck, never the last
                layers.insert(2, nn.Dropout(dropout))
            self.up.append(nn.Sequential(*layers))
            prev = target
        # (B, width, S, S) → (B, out_channels, S, S)
        self.head = nn.Sequential(nn.Conv2d(prev, out_channels, 3, 1, 1), nn.Tanh())

    def forward(self, A: torch.Tensor, zero_bottleneck: bool = False) -> torch.Tensor:
        """``zero_bottleneck=True`` replaces the deepest map by zeros: what reaches the output then
        came through the skips alone."""
        size = A.shape[-1]
        if A.dim() != 4 or A.shape[1] != self.in_channels or size % 2**self.depth:
            raise ValueError(
                f"U-Net expects (B, {self.in_channels}, S, S) with S divisible by {2**self.depth}, "
                f"got {tuple(A.shape)}"
            )
        if A.shape[-2] != size:
            raise ValueError(f"U-Net expects square images (B, C, S, S), got {tuple(A.shape)}")
        feats = []
        h = A
        for block in self.down:
            h = block(h)  # (B, c_i, S/2^(i+1), S/2^(i+1))
            feats.append(h)
        if zero_bottleneck:
            h = torch.zeros_like(h)  # (B, c_deep, S/2^depth, S/2^depth)
        for j, block in enumerate(self.up):
            if j > 0 and self.skips:
                h = torch.cat([h, feats[-1 - j]], 1)  # (B, 2c, s, s): decoder ⊕ encoder, one size
            h = block(h)
        return self.head(h)  # (B, out_channels, S, S)


@torch.no_grad()
def unet_trace(G: UNetGenerator, image_size: int) -> list[tuple[str, tuple[int, ...]]]:
    """The (C, H, W) shape after every encoder and decoder block for one (1, in, S, S) input,
    with the concatenations the skips add: a printable walk down and up the U."""
    h = torch.zeros(1, G.in_channels, image_size, image_size)
    with eval_mode(G):
        rows, feats = [("input A", tuple(h.shape[1:]))], []
        for i, block in enumerate(G.down):
            h = block(h)
            feats.append(h)
            rows.append((f"down {i + 1}", tuple(h.shape[1:])))
        for j, block in enumerate(G.up):
            if j > 0 and G.skips:
                h = torch.cat([h, feats[-1 - j]], 1)
                rows.append((f"  ⊕ skip from down {len(feats) - j}", tuple(h.shape[1:])))
            h = block(h)
            rows.append((f"up {j + 1}", tuple(h.shape[1:])))
        rows.append(("output", tuple(G.head(h).shape[1:])))
    return rows
