"""Comparing colorizers fairly (notebooks 02–04): the trivial baselines every colorizer must beat,
the table's metrics, and every variant trained with every seed on the same data
(``experiments``)."""

from __future__ import annotations

from typing import Mapping, Sequence

import torch

from ..color import gray_to_rgb, lab_to_rgb, rgb_to_gray, rgb_to_lab
from ..data import ImageSet
from ..engine import TrainConfig, trainer_for
from ..metrics import colorization_metrics
from ..pix2pix import Pix2PixConfig, colorize
from .experiments import Run, train_variants

__all__ = ["baseline_colorizations", "colorization_metrics", "compare_colorizers"]


def baseline_colorizations(x: torch.Tensor, x_train: torch.Tensor) -> dict[str, torch.Tensor]:
    """The trivial answers every colorizer must beat, for test images x: (N, 3, H, W) in [-1, 1].

    ``gray copy``: the gray image in all three channels. ``mean colour``: each pixel keeps its own
    lightness L and gets the training set's mean chroma (a, b).
    """
    lab = rgb_to_lab(x)  # (N, 3, H, W)
    mean_ab = rgb_to_lab(x_train).mean((0, 2, 3))[1:]  # (2,)
    lab_mean = torch.cat([lab[:, :1], mean_ab.view(1, 2, 1, 1).expand(len(x), 2, *x.shape[-2:])], 1)
    return {"gray copy": gray_to_rgb(rgb_to_gray(x)), "mean colour": lab_to_rgb(lab_mean)}


def compare_colorizers(
    variants: Mapping[str, Pix2PixConfig],
    train: TrainConfig,
    train_data: ImageSet,
    test_data: ImageSet,
    *,
    seeds: Sequence[int] = (0,),
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> list[Run]:
    """Train every variant with every seed on the same data for the same steps; score each on
    test_data."""
    x_test = test_data.float()
    return train_variants(
        variants,
        lambda config, cfg: trainer_for(config, cfg, train_data, device=device, progress=progress),
        lambda config, G: colorization_metrics(colorize(G, x_test, config.space), x_test),
        train,
        seeds,
    )
