"""Looking at a DCGAN (notebook 05): G's loss as a function of D's verdict, the networks layer by
layer, the failure modes of real runs, and whether samples copy the training set.

- ``plot_generator_losses``: the saturating loss log(1 − D(G(z))) and the non-saturating
  −log D(G(z)), and the gradient each sends back through D's logit;
- ``layer_rows``: every layer's output shape and parameter count, from a real forward pass;
- ``nearest_neighbours`` / ``memorisation_rows``: the closest training image to each sample, beside
  the closest training image to each held-out real image (the distance a new image has);
- ``failure_rows`` / ``read_failures`` / ``plot_failures``: the shipped runs of
  ``dcgan-failures-digits-32``, each with the scores, curve statistics and sample statistics
  (``diversity``, checkerboards) that tell its failure apart, and what they say;
- ``spike_rate`` / ``early_struggle``: loss_G spikes per 1,000 steps, and how deep a run's early
  "D wins" phase went and when it recovered;
- ``stretch``: a batch's contrast stretched to [-1, 1], to see faint patterns;
- ``latent_directions`` / ``plot_latent_walk``: one z moved along a direction of z-space.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ..data import to_unit_range
from ..plots import image_grid
from ..runtime import eval_mode
from .convolution_views import checkerboard_scores


def plot_generator_losses(g_target: float | None = None) -> Figure:
    """G's two losses against D's probability p = D(G(z)) that a fake is real: the saturating
    log(1 − p) (minimised, as in the original minimax game) and the non-saturating −log p, with
    the size of the gradient each sends into D's logit l (p = sigmoid(l)): p and 1 − p.
    ``g_target`` (e.g. 0.9) adds BCE(p, g_target), the non-saturating loss with a smoothed target:
    lowest at p = g_target, gradient |p − g_target|."""
    p = torch.linspace(0.001, 0.999, 500, dtype=torch.float64)
    fig = Figure(figsize=(10, 3.6))
    ax, ax_g = fig.subplots(1, 2)
    ax.plot(p, torch.log1p(-p), label="saturating: log(1 − D(G(z)))")
    ax.plot(p, -torch.log(p), label="non-saturating: −log D(G(z))")
    if g_target is not None:
        t = float(g_target)
        bce = -(t * torch.log(p) + (1 - t) * torch.log1p(-p))
        ax.plot(p, bce, "--", label=f"BCE(D(G(z)), {t:g}): lowest at {t:g}")
        ax_g.plot(p, (p - t).abs(), "--", label=f"BCE target {t:g}: |D(G(z)) − {t:g}|")
    ax.set_xlabel("D(G(z)): D's probability that the fake is real")
    ax.set_ylabel("G's loss (G minimises it)")
    ax.legend(fontsize=8)
    ax_g.plot(p, p, label="saturating: |∂loss/∂logit| = D(G(z))")
    ax_g.plot(p, 1 - p, label="non-saturating: |∂loss/∂logit| = 1 − D(G(z))")
    ax_g.axvspan(0, 0.1, color="0.9")
    ax_g.text(0.02, 0.5, "early training:\nD rejects fakes", fontsize=8)
    ax_g.set_xlabel("D(G(z))")
    ax_g.set_ylabel("gradient G receives")
    ax_g.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def _describe(m: nn.Module) -> str:
    """A short name of a layer: ``ConvTranspose2d(100→128, k4 s1 p0)``, ``LeakyReLU(0.2)``."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        return (f"{type(m).__name__}({m.in_channels}→{m.out_channels}, k{m.kernel_size[0]} "
                f"s{m.stride[0]} p{m.padding[0]})")
    if isinstance(m, nn.LeakyReLU):
        return f"LeakyReLU({m.negative_slope:g})"
    if isinstance(m, nn.BatchNorm2d):
        return f"BatchNorm2d({m.num_features})"
    return type(m).__name__


@torch.no_grad()
def layer_rows(net: nn.Module, x: torch.Tensor) -> list[dict]:
    """One row per leaf layer of ``net`` run on x: ``{"layer", "output", "parameters"}`` (the
    output shape without the batch dimension), in the order the forward pass reaches them."""
    rows, hooks = [], []
    for name, module in net.named_modules():
        if next(module.children(), None) is None:

            def hook(m, _inputs, out, name=name):
                rows.append({"layer": f"{name}: {_describe(m)}",
                             "output": "×".join(map(str, out.shape[1:])),
                             "parameters": sum(p.numel() for p in m.parameters())})

            hooks.append(module.register_forward_hook(hook))
    try:
        with eval_mode(net):
            net(x)
    finally:
        for h in hooks:
            h.remove()
    return rows


def nearest_neighbours(
    queries: torch.Tensor, pool: torch.Tensor, exclude_self: bool = False, batch: int = 256
) -> tuple[torch.Tensor, torch.Tensor]:
    """For each image of queries (N, C, H, W) the closest image of pool (M, C, H, W) in pixel
    space: (distances (N,), indices (N,)), RMS distance per pixel on the [-1, 1] scale.
    ``exclude_self``: queries *are* the pool, and an image may not be its own neighbour."""
    q, p = queries.flatten(1).double(), pool.flatten(1).double()
    dists, idx = [], []
    for start in range(0, len(q), batch):
        d = torch.cdist(q[start : start + batch], p)  # (b, M)
        if exclude_self:
            rows = torch.arange(len(d))
            d[rows, rows + start] = float("inf")
        best = d.min(1)
        dists.append(best.values / q.shape[1] ** 0.5)
        idx.append(best.indices)
    return torch.cat(dists), torch.cat(idx)


def memorisation_rows(samples: torch.Tensor, train: torch.Tensor, test: torch.Tensor) -> list[dict]:
    """Distance to the nearest training image, for G's samples and, as the yardstick, for
    held-out real images (new digits nobody copied) and for training images themselves (their
    nearest *other* training image). A G that copies has samples far closer than held-out
    images are; ``copies`` counts samples closer than the closest held-out image."""
    d_test, _ = nearest_neighbours(test, train)
    d_train, _ = nearest_neighbours(train, train, exclude_self=True)
    d_samples, _ = nearest_neighbours(samples, train)
    rows = []
    for name, d in (("G's samples", d_samples), ("held-out digits", d_test),
                    ("training digits (another one)", d_train)):
        rows.append({"images": name, "n": len(d), "median": float(d.median()),
                     "10th percentile": float(d.quantile(0.1)), "min": float(d.min()),
                     "copies": int((d < d_test.min()).sum())})
    return rows


FAILURE_COLUMNS = ["run", "FID", "precision", "classes", "loss_D", "loss_G", "D(x)", "D(G(z))",
                   "spikes/1k", "diversity", "checkerboard"]


def diversity(x: torch.Tensor) -> float:
    """Mean RMS pixel distance between two different images of x (N, C, H, W) in [-1, 1]: 0 when
    every image is the same."""
    flat = x.flatten(1).double()
    return float(torch.pdist(flat).mean() / flat.shape[1] ** 0.5)


def failure_rows(runs: Sequence[Mapping], real: torch.Tensor) -> list[dict]:
    """One row per shipped failure-mode run: its final scores; over the second half of training
    the mean loss_D, loss_G, D(x), D(G(z)) and the loss_G spikes per 1,000 steps
    (``evaluation.stability``, ``spike_rate``); the
    ``diversity`` and mean ``checkerboard`` score of its final samples of a fixed z. A last row
    gives the same two for real images (the first 16 of ``real``, (N, 1, H, W) in [-1, 1])."""
    rows = []
    for run in runs:
        h = run["history"]
        half = len(h["loss_D"]) // 2
        mean = lambda k: float(np.mean(h[k][half:]))  # noqa: E731
        final = to_unit_range(run["samples"][-1])  # (16, 1, H, W)
        rows.append({"run": run["name"], **{k: run["scores"][k] for k in
                                            ("FID", "precision")},
                     "classes": int(run["scores"]["classes"]),
                     "loss_D": mean("loss_D"), "loss_G": mean("loss_G"), "D(x)": mean("d_real"),
                     "D(G(z))": mean("d_fake"),
                     "spikes/1k": spike_rate(h, run["stability"]["spikes"]),
                     "diversity": diversity(final),
                     "checkerboard": float(checkerboard_scores(final[:, 0]).mean())})
    reference = real[:16]
    rows.append({**dict.fromkeys(FAILURE_COLUMNS, "-"), "run": "real digits",
                 "diversity": diversity(reference),
                 "checkerboard": float(checkerboard_scores(reference[:, 0]).mean())})
    return rows


def read_failures(rows: Sequence[Mapping]) -> list[str]:
    """What the curves and samples of each run in ``failure_rows`` say, one line per run: the
    first row is the healthy reference, the last the real images."""
    healthy, real = rows[0], rows[-1]
    lines = [f"- **{healthy['run']}**: D(x) {healthy['D(x)']:.2f} and D(G(z)) "
             f"{healthy['D(G(z))']:.2f}, neither player winning; FID {healthy['FID']:.1f}, "
             f"{healthy['classes']:.0f} of 10 classes."]
    for r in rows[1:-1]:
        signs = []
        if r["D(G(z))"] < 0.1 and r["D(x)"] > 0.6:
            signs.append(f"D wins: it gives G's images {r['D(G(z))']:.2f} and real ones "
                         f"{r['D(x)']:.2f}, loss_G sits at {r['loss_G']:.1f}")
        if r["D(G(z))"] > r["D(x)"]:
            signs.append(f"D is beaten: it calls G's images more real ({r['D(G(z))']:.2f}) than "
                         f"real ones ({r['D(x)']:.2f})")
        if r["diversity"] < 0.1 * real["diversity"]:
            signs.append(f"collapse: its samples differ by {r['diversity']:.3f} against "
                         f"{real['diversity']:.3f} for real digits — every z gives nearly the "
                         "same image")
        if r["spikes/1k"] > 2 * max(healthy["spikes/1k"], 1):
            signs.append(f"instability: {r['spikes/1k']:.1f} loss_G spikes per 1,000 steps "
                         f"against {healthy['spikes/1k']:.1f}")
        if r["checkerboard"] > max(10 * real["checkerboard"], 0.01):
            signs.append(f"checkerboard texture (score {r['checkerboard']:.3f}, real digits "
                         f"{real['checkerboard']:.4f})")
        quality = (f"FID {r['FID']:.0f} against {healthy['FID']:.1f}, precision "
                   f"{r['precision']:.2f}")
        lines.append(f"- **{r['run']}**: " + ("; ".join(signs) if signs else "no clear sign")
                     + f" ({quality}).")
    return lines


def plot_failures(runs: Sequence[Mapping], smooth: int = 5) -> Figure:
    """For each run a row: its final samples of a fixed z, loss_D and loss_G over training, and
    D(x) against D(G(z)) — the curves to read a failure from."""
    fig = Figure(figsize=(12, 2.4 * len(runs)))
    axes = fig.subplots(len(runs), 3, squeeze=False, gridspec_kw={"width_ratios": [1, 1.6, 1.6]})
    kernel = np.ones(smooth) / smooth
    for (ax_img, ax_loss, ax_d), run in zip(axes, runs):
        h, every = run["history"], run["history_every"]
        steps = every * (1 + np.arange(len(h["loss_D"])))
        valid = steps[smooth - 1 :]
        sm = lambda k: np.convolve(h[k], kernel, mode="valid")  # noqa: E731
        ax_img.imshow(image_grid(to_unit_range(run["samples"][-1][:16]), nrow=4),
                      interpolation="nearest")
        ax_img.set_xticks([]), ax_img.set_yticks([])
        ax_img.set_ylabel(run["name"], rotation=0, ha="right", va="center", fontsize=10)
        ax_loss.plot(valid, sm("loss_D"), label="loss_D")
        ax_loss.plot(valid, sm("loss_G"), label="loss_G")
        ax_d.plot(valid, sm("d_real"), label="D(x)")
        ax_d.plot(valid, sm("d_fake"), label="D(G(z))")
        ax_d.set_ylim(-0.02, 1.02)
        for ax in (ax_loss, ax_d):
            ax.legend(fontsize=7, loc="upper right")
    axes[0, 0].set_title("final samples")
    axes[0, 1].set_title("losses")
    axes[0, 2].set_title("D's probability 'real'")
    axes[-1, 1].set_xlabel("step"), axes[-1, 2].set_xlabel("step")
    fig.tight_layout()
    return fig


def spike_rate(history: Mapping[str, Sequence[float]], spikes: float) -> float:
    """``spikes`` (``evaluation.stability``, counted over the second half of the history) per
    1,000 training steps of that half; the steps come from ``history["step"]``."""
    steps = history["step"]
    half = len(steps) // 2
    span = steps[-1] - (steps[half - 1] if half else 0)  # training steps of the second half
    return 1000.0 * float(spikes) / max(span, 1)


def early_struggle(
    history: Mapping[str, Sequence[float]], smooth: int = 5, until: int = 400,
    recovered_at: float = 0.1,
) -> dict:
    """The early "D wins" phase of a run, on loss_G and D(G(z)) smoothed over ``smooth`` entries,
    within the first ``until`` steps: the step and value of loss_G's peak, the lowest D(G(z))
    up to it, and the first step after it where D(G(z)) is back at ``recovered_at`` or above
    (None if it never is within the history)."""
    kernel = np.ones(smooth) / smooth
    steps = np.asarray(history["step"])[smooth - 1 :]  # the step each smoothed value ends at
    loss_G = np.convolve(history["loss_G"], kernel, mode="valid")
    d_fake = np.convolve(history["d_fake"], kernel, mode="valid")
    early = max(int((steps <= until).sum()), 1)
    peak = int(loss_G[:early].argmax())
    later = np.nonzero(d_fake[peak:] >= recovered_at)[0]
    return {"peak_step": int(steps[peak]), "peak_loss_G": float(loss_G[peak]),
            "min_d_fake": float(d_fake[: peak + 1].min()),
            "recovered_step": int(steps[peak + later[0]]) if len(later) else None}


def stretch(x: torch.Tensor) -> torch.Tensor:
    """x (N, C, H, W) with its values mapped linearly so that its min is −1 and its max +1 (one
    scale for the whole batch): a pattern too faint to see on the [-1, 1] scale becomes visible.
    A constant batch stays as it is."""
    lo, hi = x.min(), x.max()
    return x if hi - lo < 1e-12 else (x - lo) / (hi - lo) * 2 - 1


def latent_directions(z_dim: int, n: int = 8, seed: int = 0) -> torch.Tensor:
    """n random orthonormal directions in z-space: (n, z_dim) with unit rows."""
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(z_dim, n, generator=g))  # (z_dim, n), orthonormal columns
    return q.T.contiguous()


@torch.no_grad()
def plot_latent_walk(
    G: nn.Module, z: torch.Tensor, direction: torch.Tensor, reach: float = 3.0, n: int = 7
) -> Figure:
    """G(z + s·direction) for n steps s from −reach to +reach (z (z_dim,), direction a unit
    vector): what one direction of z changes in the image."""
    s = torch.linspace(-reach, reach, n)
    with eval_mode(G):
        images = G(z[None] + s[:, None] * direction[None])  # (n, C, H, W)
    fig = Figure(figsize=(1.3 * n, 1.7))
    axes = fig.subplots(1, n)
    for ax, image, step in zip(axes, images, s):
        ax.imshow(image_grid(image[None], nrow=1, pad=0), interpolation="nearest")
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(f"s = {step:+.1f}", fontsize=8)
    fig.tight_layout()
    return fig
