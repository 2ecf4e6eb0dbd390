"""Notebook 07's experiments: Yeh et al.'s inpainting (``gan_course.inpainting``) against the
classical baselines — mean fill, scikit-image's biharmonic, OpenCV's Telea and Navier–Stokes — on
the same images, masks and scores, a sweep over its settings, and the figure the live widget
draws."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ..data import to_uint8, to_unit_range
from ..inpainting import (
    InpaintConfig,
    check_mask,
    composite,
    inpaint,
    inpainting_metrics,
    make_mask,
)
from ..plots import show_image_rows


# ------------------------------------------------------------------------------ classical baselines
def _per_image(fill: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    """Run a numpy inpainter on each (H, W, C) uint8 image with its (H, W) hole mask
    (1 = missing)."""

    def run(y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = check_mask(mask, y)
        images = to_uint8(y).permute(0, 2, 3, 1).numpy()  # (N, H, W, C)
        holes = (m[:, 0] == 0).numpy().astype(np.uint8)  # (N, H, W)
        out = np.stack([fill(img, hole).reshape(img.shape) for img, hole in zip(images, holes)])
        filled = to_unit_range(
            torch.from_numpy(np.ascontiguousarray(out)).permute(0, 3, 1, 2).contiguous()
        )
        return composite(y, m, filled)  # known pixels exactly as given

    return run


def _biharmonic(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
    from skimage.restoration import inpaint_biharmonic

    out = inpaint_biharmonic(img / 255.0, hole.astype(bool), channel_axis=-1)
    return np.clip(np.round(out * 255), 0, 255).astype(np.uint8)


def _opencv(flag_name: str):
    def fill(img: np.ndarray, hole: np.ndarray) -> np.ndarray:
        import cv2

        return cv2.inpaint(np.ascontiguousarray(img), hole, 3, getattr(cv2, flag_name))

    return fill


def mean_fill(y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Each image's hole filled with the mean of its known pixels, per channel."""
    m = check_mask(mask, y)
    mean = (m * y).sum((2, 3), keepdim=True) / m.sum((2, 3), keepdim=True)  # (N, C, 1, 1)
    return composite(y, m, mean.expand_as(y))


BASELINES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mean fill": mean_fill,
    "biharmonic": _per_image(_biharmonic),
    "Telea": _per_image(_opencv("INPAINT_TELEA")),
    "Navier–Stokes": _per_image(_opencv("INPAINT_NS")),
}


# -------------------------------------------------------------------------------------- experiments
def compare_inpainters(
    G: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    z_dim: int,
    masks: Sequence[str],
    config: InpaintConfig,
    *,
    classifier: nn.Module | None = None,
    labels: torch.Tensor | None = None,
    seed: int = 0,
) -> tuple[list[dict], dict]:
    """GAN inpainting (composite, and Poisson-blended with ``config.blend``) against every classical
    baseline, for each mask kind, on the same images x: (N, C, H, W) in [-1, 1]. Returns table rows
    (``mask``, ``method``, ``inpainting_metrics``) and, per mask, the images by method for
    figures."""
    rows, images = [], {}
    for kind in masks:
        m = make_mask(kind, len(x), x.shape[-1], seed=seed)
        y = x * m
        result = inpaint(G, D, y, m, z_dim, config, seed=seed)
        outputs = {"GAN": result.composite}
        if result.blended is not None:
            outputs["GAN + Poisson"] = result.blended
        outputs.update((name, fill(y, m)) for name, fill in BASELINES.items())
        rows += [
            {"mask": kind, "method": method, **inpainting_metrics(x_hat, x, m, classifier, labels)}
            for method, x_hat in outputs.items()
        ]
        images[kind] = {"corrupted": y, **outputs, "truth": x}
    return rows, images


def sweep_inpainting(
    G: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    z_dim: int,
    variants: Mapping[str, InpaintConfig],
    mask: str = "center",
    *,
    classifier: nn.Module | None = None,
    labels: torch.Tensor | None = None,
    seed: int = 0,
) -> list[dict]:
    """One row per setting on the same images and mask: ``loss`` (mean final loss of the kept
    restart), ``steps`` taken, and ``inpainting_metrics`` of the composite (no blending)."""
    m = make_mask(mask, len(x), x.shape[-1], seed=seed)
    rows = []
    for name, config in variants.items():
        result = inpaint(G, D, x * m, m, z_dim, replace(config, blend=False), seed=seed)
        kept = result.loss.gather(1, result.best[:, None]).mean()
        rows.append(
            {
                "setting": name,
                "loss": float(kept),
                "steps": result.steps,
                **inpainting_metrics(result.composite, x, m, classifier, labels),
            }
        )
    return rows


# ------------------------------------------------------------------------------------------ figures
def plot_inpainting(
    G: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    z_dim: int,
    mask: str = "center",
    lambda_perceptual: float = 0.003,
    restarts: int = 1,
    config: InpaintConfig | None = None,
    seed: int = 0,
):
    """Rows corrupted / G(ẑ) / composite / Poisson-blended / truth for images x (N, C, H, W) in
    [-1, 1] under a ``mask`` of that kind (what the notebook's live widget draws): ``config``
    (default the fast profile's) with this ``lambda_perceptual`` and ``restarts``."""
    m = make_mask(mask, len(x), x.shape[-1], seed=seed)
    y = x * m  # holes shown as mid-gray; inpaint never reads them
    config = replace(
        config or InpaintConfig.for_profile("fast"),
        lambda_perceptual=lambda_perceptual,
        restarts=restarts,
    )
    result = inpaint(G, D, y, m, z_dim, config, seed=seed)
    return show_image_rows(
        {
            "corrupted": y,
            "G(ẑ)": result.x_gen,
            "composite": result.composite,
            "Poisson-blended": result.blended,
            "truth": x,
        }
    )
