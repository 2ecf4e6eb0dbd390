"""Figures: image grids, training curves, tables; and ``SampleGrids``, the callback that draws them
during training.

Functions return ``matplotlib.figure.Figure`` objects built without pyplot, so they work the same in
a notebook (the figure displays as the cell's value), in a headless training run (``save_figure``)
and in tests. Images follow the course convention: tensors (B, C, H, W) in [-1, 1].
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .checkpoint import atomic_write
from .engine import Callback, GANTrainer


def image_grid(x: torch.Tensor, nrow: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile images x: (B, C, H, W) in [-1, 1] (C = 1 or 3) into one (rows·H, cols·W, 3) float array
    in [0, 1], ``nrow`` images per row (default: a square), white ``pad`` pixels between them."""
    from torchvision.utils import (
        make_grid,
    )  # torchvision is slow to import: only when a grid is drawn

    if x.dim() != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"expected images (B, 1|3, H, W), got {tuple(x.shape)}")
    x = ((x.detach().float().cpu().clamp(-1, 1) + 1) / 2).expand(
        -1, 3, -1, -1
    )  # (B, 3, H, W) in [0, 1]
    grid = make_grid(x, nrow=nrow or math.ceil(math.sqrt(x.shape[0])), padding=pad, pad_value=1.0)
    return grid.permute(1, 2, 0).numpy()  # (rows·H, cols·W, 3)


def show_images(
    x: torch.Tensor, title: str | None = None, nrow: int | None = None, size: float = 4.0
) -> Figure:
    """A figure of the image grid of x: (B, C, H, W) in [-1, 1]."""
    fig = Figure(figsize=(size, size))
    ax = fig.add_subplot()
    ax.imshow(image_grid(x, nrow), interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def show_image_rows(rows: Mapping[str, torch.Tensor], size: float = 1.2) -> Figure:
    """One labelled row per entry; every tensor (B, C, H, W) in [-1, 1] with the same B."""
    n = max(t.shape[0] for t in rows.values())
    fig = Figure(figsize=(size * n, size * len(rows) + 0.3))
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (label, imgs) in zip(axes, rows.items()):
        ax.imshow(image_grid(imgs, nrow=n), interpolation="nearest")
        ax.set_ylabel(label, rotation=0, ha="right", va="center")
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def plot_history(history: Mapping[str, Sequence[float]], smooth: int = 1) -> Figure:
    """Loss curves (loss_D, loss_G) and discriminator outputs (D(x), D(G(z))) against the step.

    ``smooth`` > 1 overlays a running mean over that many steps.
    """
    steps = np.asarray(history["step"])
    fig = Figure(figsize=(10, 3.4))
    ax_loss, ax_d = fig.subplots(1, 2)
    for ax, keys, ylabel in (
        (ax_loss, ("loss_D", "loss_G"), "loss"),
        (ax_d, ("d_real", "d_fake"), "mean sigmoid(D)"),
    ):
        for key in keys:
            y = np.asarray(history[key], dtype=float)
            (line,) = ax.plot(steps, y, lw=0.8, alpha=0.45 if smooth > 1 else 1.0, label=key)
            if smooth > 1 and len(y) >= smooth:
                ax.plot(
                    steps[smooth - 1 :],
                    np.convolve(y, np.ones(smooth) / smooth, "valid"),
                    color=line.get_color(),
                    lw=1.6,
                )
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    ax_d.set_ylim(0, 1)
    ax_loss.set_title("losses")
    ax_d.set_title("D(x) and D(G(z))")
    fig.tight_layout()
    return fig


def plot_unet(trace: Sequence[tuple[str, tuple[int, ...]]]) -> Figure:
    """A U-Net drawn from ``unet.unet_trace``: each feature map a box (height ∝ its side, labelled
    C×H×W), down the encoder, up the decoder, and a dashed arrow for every skip, from the encoder
    map it copies to the decoder level it is concatenated to (⊕)."""
    steps = [(name, shape) for name, shape in trace if not name.startswith("  ")]
    skips = [name.split("from ")[1] for name, _ in trace if name.startswith("  ")]
    top = max(shape[-1] for _, shape in steps)
    levels = {}  # name → (x, level); level = log2(top / side)
    fig = Figure(figsize=(1.05 * len(steps) + 0.5, 4.0))
    ax = fig.subplots()
    for x, (name, shape) in enumerate(steps):
        level = math.log2(top / shape[-1])
        levels[name] = (x, level)
        h = 1.3 * shape[-1] / top + 0.12
        ax.add_patch(Rectangle((x - 0.22, -level - h / 2), 0.44, h, fc="#9ecae1", ec="k"))
        ax.text(x, -level - h / 2 - 0.12, "×".join(map(str, shape)), ha="center", va="top",
                fontsize=7)
        ax.text(x, -level + h / 2 + 0.08, name, ha="center", va="bottom", fontsize=8)
        if x:
            (x0, l0) = levels[steps[x - 1][0]]
            ax.annotate("", (x - 0.24, -level), (x0 + 0.24, -l0),
                        arrowprops=dict(arrowstyle="->", color="0.3"))
    ups = [name for name, _ in steps if name.startswith("up")]
    for source, target in zip(skips, ups):
        (x0, level), (x1, _) = levels[source], levels[target]
        ax.annotate("", (x1 - 0.24, -level), (x0 + 0.24, -level),
                    arrowprops=dict(arrowstyle="->", ls="--", color="#e6550d", lw=1.5))
        ax.text((x0 + x1) / 2, -level + 0.05, "skip ⊕", color="#e6550d", ha="center",
                va="bottom", fontsize=8)
    deepest = max(level for _, level in levels.values())
    ax.set_xlim(-0.6, len(steps) - 0.4), ax.set_ylim(-deepest - 1.0, 1.1)
    ax.set_axis_off()
    ax.set_title("encoder halves, decoder doubles; each skip hands a decoder level the encoder "
                 "map of its size", fontsize=9)
    fig.tight_layout()
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG atomically (temp file + rename) so a reader never sees half an image."""
    return atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format="png"))


def format_table(
    rows: Sequence[Mapping],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    decimals: int = 4,
    column_decimals: Mapping[str, int] | None = None,
) -> str:
    """Plain-text table (no pandas): text columns left-aligned, numbers right-aligned; floats
    with ``decimals`` places (``column_decimals`` overrides it per column) so that the printed
    text is the same on every machine."""
    headers = list(headers or columns)
    places = {c: (column_decimals or {}).get(c, decimals) for c in columns}
    fmt = lambda v, c: f"{v:.{places[c]}f}" if isinstance(v, float) else str(v)  # noqa: E731
    cells = [[fmt(r[c], c) for c in columns] for r in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    text = [any(isinstance(r[c], str) for r in rows) for c in columns]  # text columns align left
    line = lambda values: "  ".join(
        v.ljust(w) if left else v.rjust(w)  # noqa: E731
        for v, w, left in zip(values, widths, text)
    ).rstrip()
    return "\n".join(
        [line(headers), line(["-" * w for w in widths])] + [line(row) for row in cells]
    )


def plot_rate_distortion(
    rows: Sequence[Mapping],
    metrics: Sequence[str] = ("PSNR", "SSIM"),
    title: str = "quality vs bytes per image",
) -> Figure:
    """One curve per ``family`` of rows with ``bytes`` and each metric (``compression.codec_rows``,
    ``encoder_decoder.rate_distortion_rows``); bytes on a log axis."""
    fig = Figure(figsize=(5 * len(metrics), 3.4))
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics):
        for family in dict.fromkeys(r["family"] for r in rows):
            points = sorted((r["bytes"], r[metric]) for r in rows if r["family"] == family)
            ax.plot(*zip(*points), marker="o", label=family)
        ax.set_xscale("log")
        ax.set_xlabel("bytes per image")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


class SampleGrids(Callback):
    """A training callback that draws: every ``every`` steps (and at the end),
    ``samples/step_NNNNNN.png`` of G on the trainer's fixed input, and ``loss_curves.png``, under
    ``out_dir``. The trainer draws nothing itself; whoever wants pictures adds this
    (``gan-course train`` does)."""

    def __init__(self, out_dir: str | Path, every: int):
        self.out_dir, self.every, self.written = Path(out_dir), every, -1

    def on_step_end(self, trainer: GANTrainer) -> None:
        if trainer.step % self.every == 0:
            self.write(trainer)

    def on_train_end(self, trainer: GANTrainer) -> None:
        self.write(trainer)

    def write(self, trainer: GANTrainer) -> None:
        if trainer.step == self.written:
            return
        self.written = trainer.step
        trainer.flush()
        name = f"step_{trainer.step:06d}"
        save_figure(
            show_images(trainer.sample_images(), title=f"step {trainer.step}"),
            self.out_dir / "samples" / f"{name}.png",
        )
        if trainer.history["step"]:
            save_figure(plot_history(trainer.history), self.out_dir / "loss_curves.png")
