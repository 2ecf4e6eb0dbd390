"""Notebook 07's tables and figures: Yeh et al.'s inpainting (``gan_course.inpainting``) against the
classical inpainters (``gan_course.classical_inpainting``) from the shipped per-image results
(``shipped.load_shipped_inpainting``), the settings sweep, the picture of the search over z, the
importance weights with their colour scale, and the figure the live widget draws."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np
import torch
from matplotlib import colormaps
from matplotlib.figure import Figure
from torch import nn

from ..classical_inpainting import BASELINES
from ..data import to_unit_range
from ..inpainting import (
    InpaintConfig,
    composite,
    config_weights,
    hole_psnr,
    importance_weights,
    inpaint,
    inpainting_loss,
    make_mask,
    search_z,
    starting_z,
)
from ..plots import image_grid, show_image_rows
from ..runtime import frozen

GAN_METHODS = ("GAN", "GAN + Poisson")
AHEAD_DB = 0.01  # "ahead" means by more than this: float noise between equal runs is not a win


# ------------------------------------------------------------------------------------------ tables
def _mean(t: torch.Tensor) -> float:
    return float(t.double().mean())


def comparison_rows(results: Mapping[str, Any]) -> list[dict]:
    """One row per mask and method of the shipped results: each score's mean over images and seeds,
    and ``seed range``, the spread (max − min) of the seeds' mean PSNR hole."""
    s, rows = results["scores"], []
    for i, kind in enumerate(results["masks"]):
        for j, method in enumerate(results["methods"]):
            per_seed = s["PSNR hole"][:, i, j].double().mean(1)  # (seeds,)
            rows.append({
                "mask": kind, "method": method, "PSNR hole": float(per_seed.mean()),
                "seed range": float(per_seed.max() - per_seed.min()),
                **{k: _mean(s[k][:, i, j]) for k in ("SSIM hole", "PSNR", "SSIM")},
                "accuracy": _mean(s["read"][:, i, j]),
            })
    return rows


def _paired(a: torch.Tensor, b: torch.Tensor) -> dict[str, float | int]:
    """a − b for scores (seeds, N) of the same images: the mean difference, two standard errors
    over images (each image's difference averaged over the seeds first: the seeds share images),
    on how many images and seeds a is ahead."""
    diff = (a.double() - b.double())  # (seeds, N)
    per_image = diff.mean(0)  # (N,)
    return {"gain": float(per_image.mean()),
            "2 SE": float(2 * per_image.std() / math.sqrt(len(per_image))),
            "images ahead": int((per_image > AHEAD_DB).sum()),
            "seeds ahead": int((diff.mean(1) > AHEAD_DB).sum())}


def paired_rows(results: Mapping[str, Any], method: str = "GAN + Poisson") -> list[dict]:
    """Per mask, image by image: ``method`` against the best classical inpainter of that mask (by
    mean PSNR hole), the unblended GAN against it too (``GAN gain``, ``GAN 2 SE``: how much of the
    lead is the GAN's own), and ``method`` against the unblended GAN (``blend``): ``_paired``
    PSNR-hole differences, and the digits the classifier reads right (of N, mean over seeds)."""
    s, idx = results["scores"], {m: j for j, m in enumerate(results["methods"])}
    classical = [m for m in results["methods"] if m not in GAN_METHODS]
    rows = []
    for i, kind in enumerate(results["masks"]):
        psnr = s["PSNR hole"][:, i]  # (seeds, methods, N)
        best = max(classical, key=lambda b: _mean(psnr[:, idx[b]]))
        vs_best = _paired(psnr[:, idx[method]], psnr[:, idx[best]])
        alone = _paired(psnr[:, idx["GAN"]], psnr[:, idx[best]])
        blend = _paired(psnr[:, idx[method]], psnr[:, idx["GAN"]])
        reads = s["read"][:, i].double().sum(-1).mean(0)  # (methods,): digits read, of N
        rows.append({"mask": kind, "best classical": best, **vs_best,
                     "GAN gain": alone["gain"], "GAN 2 SE": alone["2 SE"],
                     "blend": blend["gain"], "blend 2 SE": blend["2 SE"],
                     "blend ahead": blend["images ahead"],
                     "read GAN+P": float(reads[idx[method]]),
                     "read classical": float(reads[idx[best]])})
    return rows


def sweep_rows(results: Mapping[str, Any], reference: str = "λ = 0.003 (paper)") -> list[dict]:
    """One row per setting of the shipped sweep: the kept restart's final ``loss``, PSNR hole,
    SSIM hole and accuracy (means over images and seeds), and ``_paired`` PSNR-hole differences
    against ``reference`` (``gain``, ``2 SE``, ``images ahead``, ``seeds ahead``)."""
    sweep = results["sweep"]
    s, settings = sweep["scores"], sweep["settings"]
    ref = s["PSNR hole"][:, settings.index(reference)]
    rows = []
    for k, name in enumerate(settings):
        rows.append({"setting": name, "loss": _mean(s["loss"][:, k]),
                     "PSNR hole": _mean(s["PSNR hole"][:, k]),
                     "SSIM hole": _mean(s["SSIM hole"][:, k]),
                     "accuracy": _mean(s["read"][:, k]),
                     **_paired(s["PSNR hole"][:, k], ref)})
    return rows


# ----------------------------------------------------------------------------------------- figures
def gallery_figure(results: Mapping[str, Any], kind: str) -> Figure:
    """The shipped repairs of the first held-out digits under mask ``kind`` (seed 0): one row per
    method, between the corrupted input and the truth."""
    rows = {name: to_unit_range(x) for name, x in results["gallery"][kind].items()}
    return show_image_rows(rows | {"truth": to_unit_range(results["truth"])})


def _panel(ax, image: torch.Tensor, title: str) -> None:
    ax.imshow(image_grid(image[None]), interpolation="nearest")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([]), ax.set_yticks([])


def plot_search(
    G: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    z_dim: int,
    config: InpaintConfig,
    kind: str = "center",
    shown: Sequence[int] = (0, 10, 30, 100, 300),
    seed: int = 0,
) -> Figure:
    """The idea on one image x: (1, C, H, W) in [-1, 1], built from the package's own pieces
    (``config_weights``, ``inpainting_loss``, ``search_z``, ``composite``): the corrupted y,
    G(z) after each of ``shown`` steps of the search, the composite and the truth; below, the loss
    along the search."""
    m = make_mask(kind, 1, x.shape[-1], seed=seed)
    y = x * m
    weights = config_weights(m, config)
    run = replace(config, steps=max(shown), grad_tol=0.0, restarts=1)
    views = {}

    def keep(step: int, z: torch.Tensor) -> None:
        if step in shown:
            with torch.no_grad():
                views[step] = G(z).float()[0]

    with frozen(G, D, eval=True):
        z0 = starting_z(1, 1, z_dim, seed, config.z_clip)
        keep(0, z0)
        z, history, _ = search_z(lambda z: inpainting_loss(G, D, z, y, weights, run), z0, run,
                                 on_step=keep)
        with torch.no_grad():
            filled = composite(y, m, G(z).float())
    fig = Figure(figsize=(1.45 * (len(shown) + 3), 4.2))
    grid = fig.add_gridspec(2, len(shown) + 3, height_ratios=(1, 0.9))
    _panel(fig.add_subplot(grid[0, 0]), y[0], "corrupted y")
    for c, s in enumerate(shown):
        _panel(fig.add_subplot(grid[0, c + 1]), views[s], f"G(z), step {s}")
    _panel(fig.add_subplot(grid[0, -2]), filled[0], "composite")
    _panel(fig.add_subplot(grid[0, -1]), x[0], "truth")
    ax = fig.add_subplot(grid[1, 1:-2])
    ax.plot(range(1, len(history) + 1), history, lw=1.2)
    ax.plot([s for s in shown if s], [history[s - 1] for s in shown if s], "o", ms=4)
    ax.set_yscale("log")
    ax.set_xlabel("Adam step on z")
    ax.set_ylabel("L_c + λ·L_p")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_importance_weights(masks: Mapping[str, torch.Tensor], window: int = 7) -> Figure:
    """For each mask (1, 1, H, W), 1 = known: the mask and Yeh's weights W on a colour scale (the
    hole hatched in gray: W is 0 there by definition), one row per mask."""
    fig = Figure(figsize=(8.4, 3.6 * len(masks)))
    axes = fig.subplots(len(masks), 2, squeeze=False)
    for (ax_m, ax_w), (name, m) in zip(axes, masks.items()):
        w = importance_weights(m, window)[0, 0].numpy()
        hole = m[0, 0].numpy() == 0
        ax_m.imshow(m[0, 0].numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax_m.set_title(f"{name} mask: white known, black missing", fontsize=10)
        cmap = colormaps["viridis"].with_extremes(bad="0.75")
        im = ax_w.imshow(np.ma.masked_where(hole, w), cmap=cmap, vmin=0, vmax=max(w.max(), 1e-6),
                         interpolation="nearest")
        ax_w.contourf(hole, levels=[0.5, 1.5], colors="none", hatches=["////"])
        ax_w.set_title(f"W: share of the {window}×{window} window missing", fontsize=10)
        fig.colorbar(im, ax=ax_w, fraction=0.046, pad=0.04, label="weight of a known pixel")
        for ax in (ax_m, ax_w):
            ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_one_inpainting(
    G: nn.Module,
    D: nn.Module,
    x: torch.Tensor,
    z_dim: int,
    index: int = 0,
    mask: str = "center",
    lambda_perceptual: float = 0.003,
    restarts: int = 1,
    config: InpaintConfig | None = None,
    seed: int = 0,
) -> Figure:
    """Inpaint image ``index`` of x: (N, C, H, W) in [-1, 1] live under its mask of kind ``mask``
    (the one the shipped table used for it: ``make_mask(mask, N, H, seed=seed)[index]``), with
    ``config`` (default the fast profile's) at this λ and number of restarts; panels corrupted,
    G(ẑ), composite, Poisson-blended, Telea and truth, titled with their PSNR hole."""
    if not 0 <= index < len(x):
        raise ValueError(f"index must be in [0, {len(x) - 1}], got {index}")
    m = make_mask(mask, len(x), x.shape[-1], seed=seed)[index : index + 1]
    truth = x[index : index + 1]
    y = truth * m  # holes shown as mid-gray; inpaint never reads them
    config = replace(config or InpaintConfig.for_profile("fast"),
                     lambda_perceptual=lambda_perceptual, restarts=restarts, blend=True)
    result = inpaint(G, D, y, m, z_dim, config, seed=seed)
    panels = {"G(ẑ)": result.x_gen, "composite": result.composite,
              "Poisson-blended": result.blended, "Telea": BASELINES["Telea"](y, m)}
    fig = Figure(figsize=(1.8 * (len(panels) + 2), 2.3))
    axes = fig.subplots(1, len(panels) + 2)
    _panel(axes[0], y[0], "corrupted")
    for ax, (name, image) in zip(axes[1:], panels.items()):
        _panel(ax, image[0], f"{name}\n{float(hole_psnr(image, truth, m)[0]):.1f} dB")
    _panel(axes[-1], truth[0], "truth")
    fig.suptitle(f"λ = {lambda_perceptual:g}, {restarts} restart(s): kept loss "
                 f"{float(result.loss.min()):.2f} (PSNR hole under each panel)", fontsize=9)
    fig.tight_layout()
    return fig
