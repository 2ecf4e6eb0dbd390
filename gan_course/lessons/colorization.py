"""Comparing colorizers fairly (notebooks 02–04): the trivial baselines every colorizer must beat,
the table's metrics, and every variant trained with every seed on the same data
(``experiments``)."""

from __future__ import annotations

from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ..color import baseline_colorizations, lab_to_rgb, rgb_to_lab
from ..data import PALETTE_STROKE_NAMES, ImageSet, palette_colours
from ..engine import TrainConfig, trainer_for
from ..metrics import colorization_metrics, palette_fidelity, psnr, realism_accuracy
from ..losses import bce_logits
from ..pix2pix import Pix2PixConfig, Pix2PixObjective, colorize
from ..runtime import eval_mode
from .experiments import Run, train_variants

__all__ = [
    "baseline_colorizations",
    "colorization_metrics",
    "colorizer_rows",
    "compare_colorizers",
    "loss_term_gradients",
    "plot_colorization",
    "plot_loss_terms",
    "plot_palette_idea",
    "plot_tracked",
    "shipped_colorizations",
    "tracked_mean",
]


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


def shipped_colorizations(
    family: Mapping[str, object], names: Sequence[str], x: torch.Tensor
) -> dict[str, torch.Tensor]:
    """The colorizations of test images x (N, 3, H, W) in [-1, 1] by the named shipped variants
    (``shipped.load_shipped_variants``): name → (N, 3, H, W)."""
    return {name: colorize(family[name].G, x, family[name].config.space) for name in names}


def colorizer_rows(
    outputs: Mapping[str, torch.Tensor],
    x: torch.Tensor,
    *,
    palette: bool = False,
    realism: bool = False,
    quality: bool = True,
) -> list[dict]:
    """One table row per colorization (name → (N, 3, H, W)) of the truth x: PSNR, SSIM,
    colourfulness, sharpness, edge fidelity; with ``palette`` also ``metrics.palette_fidelity``
    (per pixel and per image); with ``realism`` the held-out accuracy of a fresh CNN telling them
    from x (0.5 = it cannot). ``quality=False`` keeps PSNR alone of the first five (the others
    take most of the time)."""
    rows = []
    for name, y in outputs.items():
        if quality:
            row = {"method": name, **colorization_metrics(y, x)}
        else:
            row = {"method": name, "PSNR": float(psnr(y, x).mean())}
        if palette:
            row |= palette_fidelity(y, x, per_image=True)
        if realism:
            row["realism acc."] = realism_accuracy(x, y, seed=0)
        rows.append(row)
    return rows


def plot_loss_terms(family: Mapping[str, object], names: Sequence[str]) -> Figure:
    """The two terms of G's loss during training, adv (BCE) and λ·L1, one panel per shipped
    variant (its history, logged every 10 steps), on a log scale: which term G mostly obeys."""
    fig = Figure(figsize=(3.6 * len(names), 3.0))
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
        history, lam = family[name].history, family[name].config.lambda_l1
        ax.plot(history["step"], history["adv"], lw=1, label="adv (BCE)")
        ax.plot(history["step"], [lam * v for v in history["l1"]], lw=1, label=f"{lam:g}·L1")
        ax.set(title=name, xlabel="step", yscale="log")
        ax.grid(alpha=0.3)
        ax.legend(loc="best")
    fig.tight_layout()
    return fig


def plot_tracked(
    family: Mapping[str, object],
    names: Sequence[str],
    measures: Sequence[str],
    decay_from: int | None = None,
    windows: Sequence[tuple[int, int]] = (),
) -> Figure:
    """Held-out scores during training, one panel per measure, one line per shipped variant
    (``ShippedVariant.tracked``); a dashed line where the learning rates start to fall, and the
    step ranges (after, until] of ``windows`` shaded (the stretches a lesson compares)."""
    fig = Figure(figsize=(3.6 * len(measures), 3.0))
    for ax, measure in zip(fig.subplots(1, len(measures), squeeze=False)[0], measures):
        for name in names:
            tracked = family[name].tracked
            if not tracked:
                raise ValueError(f"{name} has no scores tracked during training")
            ax.plot(tracked["step"], tracked[measure], lw=1.2, marker=".", label=name)
        if decay_from is not None:
            ax.axvline(decay_from, color="0.5", ls="--", lw=1)
        for k, (after, until) in enumerate(windows):  # alternate shades: neighbours stay apart
            ax.axvspan(after, until, color=("0.92", "0.82")[k % 2], lw=0, zorder=0)
        ax.set(title=measure, xlabel="step")
        ax.grid(alpha=0.3)
    fig.axes[0].legend(loc="best", fontsize=7)
    fig.tight_layout()
    return fig


def tracked_mean(variant: object, measure: str, after: int, until: int) -> float:
    """The mean of a shipped variant's tracked held-out ``measure`` over the steps in
    (after, until]: a window of scores, less noisy than one snapshot of a GAN."""
    tracked = variant.tracked
    if not tracked:
        raise ValueError(f"{variant.name} has no scores tracked during training")
    values = [v for s, v in zip(tracked["step"], tracked[measure]) if after < s <= until]
    if not values:
        raise ValueError(f"{variant.name}: no score tracked in steps ({after}, {until}] "
                         f"(tracked at steps {tracked['step'][0]} to {tracked['step'][-1]})")
    return sum(values) / len(values)


def loss_term_gradients(
    G: torch.nn.Module, D: torch.nn.Module, x: torch.Tensor, space: str, lambdas: Sequence[float]
) -> list[dict]:
    """How hard each term of G's loss pulls, at G's current weights: the norm of the gradient of
    the adversarial term and of λ·L1 with respect to G's parameters, on images x (N, 3, H, W) in
    [-1, 1], for each λ (one backward pass per term; G and D in eval mode, their weights
    untouched)."""
    objective = Pix2PixObjective(space, 1.0)
    params = [p for p in G.parameters() if p.requires_grad]
    with eval_mode(G, D):
        batch = (x,)
        fake = G(objective.generator_input(batch, torch.Generator()))
        A, B = objective.pair(batch)
        adv = bce_logits(D(A, fake), 1.0)
        l1 = F.l1_loss(fake, B)
        grads = torch.autograd.grad(adv, params, retain_graph=True)
        g_adv = torch.cat([g.flatten() for g in grads])
        g_l1 = torch.cat([g.flatten() for g in torch.autograd.grad(l1, params)])
    return [
        {
            "λ": lam,
            "‖∇ adv‖": float(g_adv.norm()),
            "‖∇ λ·L1‖": lam * float(g_l1.norm()),
            "λ·L1 / adv": lam * float(g_l1.norm()) / float(g_adv.norm()),
        }
        for lam in lambdas
    ]


def plot_colorization(G: torch.nn.Module, x: torch.Tensor, space: str, title: str) -> Figure:
    """One image x (1, 3, H, W) in [-1, 1]: the gray input, G's colorization, the truth."""
    gray = baseline_colorizations(x, x)["gray copy"]
    y = colorize(G, x, space)
    fig = Figure(figsize=(6, 2.3))
    for ax, (label, img) in zip(fig.subplots(1, 3), (("gray input", gray), (title, y),
                                                     ("truth", x))):
        ax.imshow(((img[0].permute(1, 2, 0).clamp(-1, 1) + 1) / 2).numpy(),
                  interpolation="nearest")
        ax.set_title(label, fontsize=9)
        ax.set_axis_off()
    fig.tight_layout()
    return fig


def plot_palette_idea() -> Figure:
    """The idea of notebook 04 in one picture: the palette digits' five stroke colours (equal
    lightness) in the a–b plane of Lab, with the answer each loss is least at when the gray image
    cannot tell them apart — L1 at the per-channel median, L2 at the mean, both dull — and, as
    swatches, the five colours beside those two answers. An adversarial loss must answer one of
    the five."""
    strokes = palette_colours("stroke", torch.float64)  # (5, 3) in [-1, 1]
    lab = rgb_to_lab(strokes.T[None, :, :, None])[0, :, :, 0].T  # (5, 3)
    answers = {"L1: median": lab.median(0).values, "L2: mean": lab.mean(0)}
    swatches = torch.cat([lab, torch.stack(list(answers.values()))])  # (7, 3)
    rgb = (lab_to_rgb(swatches.T[None, :, :, None])[0, :, :, 0].T + 1) / 2  # (7, 3) in [0, 1]
    fig = Figure(figsize=(10, 4.2))
    ax, ax_sw = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    ax.scatter(lab[:, 1], lab[:, 2], c=rgb[:5].numpy(), s=260, edgecolors="k")
    for (label, point), colour, marker in zip(answers.items(), rgb[5:], ("s", "D")):
        ax.scatter(point[1], point[2], color=colour.numpy(), s=200, marker=marker,
                   edgecolors="k", label=f"{label}: chroma {float(point[1:].norm()):.0f}")
    ax.axhline(0, color="0.8", lw=0.8), ax.axvline(0, color="0.8", lw=0.8)
    ax.set_xlabel("a (green → red)"), ax.set_ylabel("b (blue → yellow)")
    ax.set_title(f"five stroke colours, all at L ≈ {float(lab[:, 0].mean()):.0f}")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    names = [*PALETTE_STROKE_NAMES, *answers]
    ax_sw.imshow(rgb[None].numpy(), interpolation="nearest")
    ax_sw.set_xticks(range(len(names)), names, rotation=30, fontsize=8)
    ax_sw.set_yticks([])
    ax_sw.set_title("the gray image allows any of the five; L1 and L2 answer neither")
    fig.tight_layout()
    return fig
