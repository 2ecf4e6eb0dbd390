"""Notebook 06's comparisons and figures: the encoder–decoder GAN as a codec against bicubic and
JPEG at equal bytes per image, its training curves, and three inversions of a pretrained G
(optimise z, an encoder, both)."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ..compression import bicubic_roundtrip, jpeg_roundtrip, pca_fit, pca_roundtrip
from ..encoder_decoder import EncoderDecoder, encoder_decoder_trace, reconstruct
from ..inversion import (
    Inversion,
    LatentEncoder,
    invert_by_encoder,
    invert_by_optimization,
    invert_hybrid,
)
from ..metrics import image_quality, psnr, ssim
from ..plots import image_grid, plot_unet
from ..runtime import eval_mode, timed
from .experiments import Run


def reconstruction_metrics(x_hat: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """Mean PSNR (dB) and SSIM of x̂ against x, with the set's sharpness and edge fidelity
    (``metrics.image_quality``); x̂, x: (N, C, H, W) in [-1, 1]."""
    return image_quality(x_hat, x)


def rate_distortion_rows(
    runs: Sequence[Run], x: torch.Tensor, family: str = "GAN encoder–decoder"
) -> list[dict]:
    """``codec_rows``-style rows for trained encoder–decoders (``experiments.Run``s): bytes = C·H·W
    values of f at 8 bits + 8 bytes of per-image range; reconstructions from the quantised f,
    scored by ``reconstruction_metrics`` (so also ``sharpness`` and ``edge fidelity``), and the
    run's name as ``model``."""
    rows = []
    for run in runs:
        shape = "×".join(map(str, run.G.feature_shape(x.shape[-1])))
        n_bytes = run.G.values_to_decoder(x.shape[-1])["f"] + 8
        scores = reconstruction_metrics(reconstruct(run.G, x), x)
        rows.append(
            {
                "family": family,
                "method": f"{run.name} (f {shape})",
                "bytes": float(n_bytes),
                "model": run.name,
                **scores,  # PSNR, SSIM, sharpness, edge fidelity
            }
        )
    return rows


def codec_rows(
    x: torch.Tensor,
    jpeg_budgets: Sequence[int],
    bicubic_factors: Sequence[int] = (2, 4, 8),
    *,
    pca_train: torch.Tensor | None = None,
    pca_components: Sequence[int] = (),
) -> list[dict]:
    """Rate–distortion rows for the codecs that learned nothing on x: (N, C, S, S) in [-1, 1]
    (bicubic, JPEG) and, with ``pca_train``, the best linear code learned from those images
    (``compression.pca_roundtrip``, k components each): ``family``, ``method``, ``bytes`` per
    image, ``PSNR`` (dB) and ``SSIM``, one row per setting."""
    rows = []
    settings = [
        ("bicubic", f"bicubic ÷{k}", lambda k=k: bicubic_roundtrip(x, k)) for k in bicubic_factors
    ]
    settings += [("JPEG", f"JPEG ≤ {b} B", lambda b=b: jpeg_roundtrip(x, b)) for b in jpeg_budgets]
    if pca_train is not None and pca_components:
        fit = pca_fit(pca_train, max(pca_components))  # one fit serves every k
        settings += [
            ("PCA", f"PCA, {k} components", lambda k=k: pca_roundtrip(x, pca_train, k, fit=fit))
            for k in pca_components
        ]
    for family, method, run in settings:
        x_hat, n_bytes = run()
        rows.append(
            {
                "family": family,
                "method": method,
                "bytes": round(float(n_bytes), 1),
                "PSNR": float(psnr(x_hat, x).mean()),
                "SSIM": float(ssim(x_hat, x).mean()),
            }
        )
    return rows


def compare_inversions(
    G: nn.Module,
    E: LatentEncoder,
    x: torch.Tensor,
    *,
    steps: int = 200,
    hybrid_steps: int = 100,
    seed: int = 0,
) -> tuple[list[dict], dict[str, Inversion]]:
    """The three inversions of the same targets x: (N, C, H, W) in [-1, 1]. Returns table rows
    (``method``, ``steps``, ``PSNR`` dB, ``MSE``, ``ms/image`` = wall time / N, batched) and the
    inversions by method. E's training is a one-off cost not counted here."""
    methods = {
        "optimise z": lambda: invert_by_optimization(G, x, E.z_dim, steps=steps, seed=seed),
        "encoder": lambda: invert_by_encoder(G, E, x),
        "hybrid": lambda: invert_hybrid(G, E, x, steps=hybrid_steps),
    }
    counts = {"optimise z": steps, "encoder": 0, "hybrid": hybrid_steps}
    rows, results = [], {}
    device = next(G.parameters()).device
    for name, run in methods.items():
        inv, seconds = timed(run, device)
        results[name] = inv
        rows.append(
            {
                "method": name,
                "steps": counts[name],
                "PSNR": float(psnr(inv.x_hat, x).mean()),
                "MSE": float(inv.loss.mean()),
                "ms/image": 1000 * seconds / len(x),
            }
        )
    return rows, results


def plot_codec_idea(
    codecs: Mapping[str, EncoderDecoder], x: torch.Tensor, bicubic_factor: int = 8
) -> Figure:
    """Notebook 06's idea in one picture, computed: each image of x: (N, 3, S, S) in [-1, 1]
    (one row each), the feature tensor f the first codec's encoder makes of it (its C channels of
    H×W as tiles, blue < 0 < red), what each codec's decoder makes of its own 8-bit f, and bicubic
    at the bytes nearest f's."""
    first = next(iter(codecs.values()))
    c, h, w = first.feature_shape(x.shape[-1])
    with torch.no_grad(), eval_mode(first):
        f = first.encoder(x)[0]  # (N, C, H, W)
    outputs = {name: reconstruct(G, x) for name, G in codecs.items()}
    small, n_bytes = bicubic_roundtrip(x, bicubic_factor)
    columns = len(outputs) + 3
    fig = Figure(figsize=(2.0 * columns, 2.1 * len(x) + 0.4))
    axes = fig.subplots(len(x), columns, squeeze=False)
    tiles = int(np.ceil(np.sqrt(c)))  # f's channels, ``tiles`` to a row
    lines = -(-c // tiles)
    for i, row in enumerate(axes):
        grid = np.full((lines * (h + 1) - 1, tiles * (w + 1) - 1), np.nan)
        for k in range(c):
            r, q = divmod(k, tiles)
            grid[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = f[i, k].numpy()
        scale = float(np.nanmax(np.abs(grid)))
        panels = [("x", image_grid(x[i : i + 1], pad=0), None)]
        panels.append((f"f = encoder(x)\n{c}×{h}×{w} = {c * h * w} values", grid, scale))
        panels += [
            (f"decoder(f): {name}", image_grid(y[i : i + 1], pad=0), None)
            for name, y in outputs.items()
        ]
        panels.append(
            (
                f"bicubic ÷{bicubic_factor}\n{n_bytes:.0f} bytes",
                image_grid(small[i : i + 1], pad=0),
                None,
            )
        )
        for ax, (title, image, scale) in zip(row, panels):
            if scale is None:
                ax.imshow(image, interpolation="nearest")
            else:
                ax.imshow(image, cmap="coolwarm", vmin=-scale, vmax=scale, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(title, fontsize=9)
    size = x[0].numel()
    fig.suptitle(
        f"image ({size:,} values) → f ({c * h * w} values, {c * h * w + 8} bytes "
        "at 8 bits + range) → image",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def plot_codec_shapes(G: EncoderDecoder, image_size: int) -> Figure:
    """An encoder–decoder without skips drawn from its real shapes (``encoder_decoder_trace``,
    drawn by ``plots.plot_unet``) for image_size × image_size inputs."""
    if G.decoder.skips:
        raise ValueError("plot_codec_shapes draws models without skips (print the trace instead)")
    fig = plot_unet(encoder_decoder_trace(G, image_size))
    title = (
        f"the encoder halves the side {len(G.encoder.widths)} times and a 1×1 convolution makes "
        "f; the decoder doubles it back"
    )
    fig.axes[0].set_title(title, fontsize=9)
    return fig


def plot_codec_histories(
    histories: Mapping[str, Mapping[str, Sequence[float]]], lambda_l1: float, smooth: int = 1
) -> Figure:
    """Training curves of encoder–decoder GANs, one row per model (``{name: history}``, the
    histories ``GANTrainer.fit`` returns): loss_D on its own axis, shared by the rows so their
    spread compares; loss_G with its L1 part λ·L1 (``lambda_l1`` = λ); and the mean sigmoid of D
    on real images x and on reconstructions x̂ = G(x). ``smooth`` > 1 overlays a running mean."""
    fig = Figure(figsize=(13, 3.1 * len(histories)))
    axes = fig.subplots(len(histories), 3, squeeze=False, sharex=True)
    for row in axes[1:]:
        row[0].sharey(axes[0, 0])  # one loss_D scale for every model
    for (ax_d, ax_g, ax_p), (name, history) in zip(axes, histories.items()):
        steps = np.asarray(history["step"])
        curves = (
            (ax_d, {"loss_D": history["loss_D"]}, "loss_D"),
            (ax_g, {"loss_G": history["loss_G"],
                    f"λ·L1 (λ = {lambda_l1:g})": lambda_l1 * np.asarray(history["l1"])}, "loss_G"),
            (ax_p, {"D(x)": history["d_real"], "D(x̂)": history["d_fake"]}, "mean sigmoid(D)"),
        )
        for ax, series, ylabel in curves:
            for label, values in series.items():
                y = np.asarray(values, dtype=float)
                (line,) = ax.plot(steps, y, lw=0.8, alpha=0.45 if smooth > 1 else 1.0, label=label)
                if smooth > 1 and len(y) >= smooth:
                    ax.plot(steps[smooth - 1 :], np.convolve(y, np.ones(smooth) / smooth, "valid"),
                            color=line.get_color(), lw=1.6)
            ax.set_ylabel(ylabel)
            ax.legend(loc="best", fontsize=8)
            ax.grid(alpha=0.3)
        ax_p.set_ylim(0, 1)
        ax_d.set_title(f"{name}: D's loss")
        ax_g.set_title(f"{name}: G's loss")
        ax_p.set_title(f"{name}: D on x and on x̂ = G(x)")
    for ax in axes[-1]:
        ax.set_xlabel("step")
    fig.tight_layout()
    return fig


def plot_inversion_losses(inversions: Mapping[str, Mapping[str, Inversion]]) -> Figure:
    """The mean per-image MSE ‖G(z) − x‖² against the optimisation step, one panel per target
    (``{target: {method: Inversion}}``, as ``compare_inversions`` returns per target): optimising
    z from a random start and from the encoder's guess, with the encoder alone as a line."""
    fig = Figure(figsize=(5 * len(inversions), 3.3))
    axes = fig.subplots(1, len(inversions), squeeze=False)[0]
    for ax, (target, by_method) in zip(axes, inversions.items()):
        for method, inv in by_method.items():
            if inv.history:
                ax.plot(range(1, len(inv.history) + 1), inv.history, label=method)
            else:
                ax.axhline(float(inv.loss.mean()), color="0.4", ls="--", label=method)
        ax.set_yscale("log")
        ax.set_xlabel("Adam step on z")
        ax.set_ylabel("mean MSE ‖G(z) − x‖²")
        ax.set_title(target)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
