"""Classical inpainting: what a learned inpainter has to beat. Each fills the holes of images
y: (N, C, H, W) in [-1, 1] with a mask (N, 1, H, W), 1 = known, and keeps the known pixels exactly
(what the holes of y hold is never read: NaN there is fine):

- ``mean fill``: the mean of each image's known pixels, per channel;
- ``biharmonic``: scikit-image's ``inpaint_biharmonic`` (a smooth surface through the rim);
- ``Telea``: OpenCV's fast marching method (Telea, J. Graphics Tools 2004);
- ``Navier–Stokes``: OpenCV's fluid-dynamics method (Bertalmío, Bertozzi, Sapiro, CVPR 2001).

scikit-image and OpenCV are imported when a fill runs. ``score_inpainters`` runs them and Yeh's
GAN inpainting (``inpainting``) on the same images and masks and scores each image: notebook 07's
comparison, shipped by ``gan-course ship inpainting-digits-32``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from .checks import check_images, check_int, check_tensor
from .data import to_uint8, to_unit_range
from .inpainting import (
    InpaintConfig,
    check_mask,
    composite,
    inpaint,
    inpainting_scores,
    known_pixels,
)


def _per_image(fill: Callable[[np.ndarray, np.ndarray], np.ndarray]):
    """Run a numpy inpainter on each (H, W, C) uint8 image with its (H, W) hole mask
    (1 = missing)."""

    def run(y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        y, m = known_pixels(y, mask)
        if y.shape[1] not in (1, 3):  # what OpenCV's inpainting takes
            raise ValueError(
                f"y must have 1 (gray) or 3 (RGB) channels, got shape {tuple(y.shape)}"
            )
        y, m = y.cpu(), m.cpu()
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
    y, m = known_pixels(y, mask)
    mean = (m * y).sum((2, 3), keepdim=True) / m.sum((2, 3), keepdim=True)  # (N, C, 1, 1)
    return composite(y, m, mean.expand_as(y))


BASELINES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "mean fill": mean_fill,
    "biharmonic": _per_image(_biharmonic),
    "Telea": _per_image(_opencv("INPAINT_TELEA")),
    "Navier–Stokes": _per_image(_opencv("INPAINT_NS")),
}


# ---------------------------------------------------------------------------------- the comparison
CHUNK = 33  # images optimised together: 297 held-out digits = 9 chunks


def every_inpainter(
    G: nn.Module,
    D: nn.Module,
    y: torch.Tensor,
    mask: torch.Tensor,
    z_dim: int,
    config: InpaintConfig,
    *,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """Every method's repair of y: (N, C, H, W) in [-1, 1] with mask (N, 1, H, W), 1 = known:
    ``GAN`` (Yeh's composite M ⊙ y + (1 − M) ⊙ G(ẑ)), ``GAN + Poisson`` (blended; with
    ``config.blend``) and each of ``BASELINES``."""
    result = inpaint(G, D, y, mask, z_dim, config, seed=seed)
    out = {"GAN": result.composite}
    if result.blended is not None:
        out["GAN + Poisson"] = result.blended
    return out | {name: fill(y, mask) for name, fill in BASELINES.items()}


def chunk_seed(seed: int, chunk: int) -> int:
    """The z seed of images chunk·CHUNK … of a run with ``seed``: every chunk its own draws."""
    return 1000 * seed + chunk


def score_inpainters(
    G: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    mask: torch.Tensor,
    z_dim: int,
    config: InpaintConfig,
    *,
    seed: int = 0,
    classifier: nn.Module | None = None,
    labels: torch.Tensor | None = None,
    chunks: int | None = None,
) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, torch.Tensor]]:
    """``every_inpainter`` on x: (N, C, H, W) with mask (N, 1, H, W), ``CHUNK`` images at a time,
    each chunk with z seed ``chunk_seed(seed, chunk)`` (the first ``chunks`` only, if given: a
    prefix repeats the full run's numbers exactly). Returns the per-image ``inpainting_scores``
    by method and metric, each (n,), and the repaired images by method."""
    check_images(x, "x")
    check_mask(mask, x)
    if labels is not None:
        check_tensor(labels, "labels")
        if labels.shape != (len(x),):
            raise ValueError(f"labels must be ({len(x)},), got shape {tuple(labels.shape)}")
    total = -(-len(x) // CHUNK)
    n_chunks = total if chunks is None else check_int(chunks, "chunks", 1, total)
    scores: dict[str, dict[str, list[torch.Tensor]]] = {}
    fills: dict[str, list[torch.Tensor]] = {}
    for c in range(n_chunks):
        part = slice(c * CHUNK, (c + 1) * CHUNK)
        xs, ms = x[part], mask[part]
        part_labels = None if labels is None else labels[part]
        outputs = every_inpainter(G, D, xs * ms, ms, z_dim, config, seed=chunk_seed(seed, c))
        for method, x_hat in outputs.items():
            fills.setdefault(method, []).append(x_hat)
            for metric, v in inpainting_scores(x_hat, xs, ms, classifier, part_labels).items():
                scores.setdefault(method, {}).setdefault(metric, []).append(v)
    return (
        {m: {k: torch.cat(v) for k, v in by.items()} for m, by in scores.items()},
        {m: torch.cat(v) for m, v in fills.items()},
    )
