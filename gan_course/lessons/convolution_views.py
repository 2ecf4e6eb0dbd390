"""Notebook 01's studies and figures, built on ``gan_course.convolution``:

- ``checkerboard_study``: uneven overlap of transposed convolutions whose kernel size is not
  divisible by the stride, against resize-then-convolve (Odena, Dumoulin & Olah 2016, "Deconvolution
  and Checkerboard Artifacts", Distill, doi:10.23915/distill.00003).
- ``apply_kernel_to_image``: note 003's vertical-edge kernel on a real photograph.
- the exercises' checks, and plotting functions returning ``matplotlib.figure.Figure`` (no pyplot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ..convolution import (
    NOTE_INPUT,
    NOTE_KERNEL,
    conv2d_by_hand,
    conv_output_size,
    conv_transpose_output_size,
)


# --------------------------------------------------------------------------------------------------
# Checkerboard artifacts (Odena et al. 2016)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upsampler:
    """One way to double H and W: a transposed convolution, or a resize followed by a k×k
    convolution."""

    name: str
    kernel: int
    transposed: bool
    mode: str | None = None  # "nearest" / "bilinear" resize before the convolution
    padding: int = 1
    output_padding: int = 0

    def __call__(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """x: (B, G, n, n) or (B, 1, n, n), weight: (G, 1, k, k) → (B, G, 2n, 2n).

        With G input channels, channel g is upsampled with kernel g alone (``groups=G``); with one
        input channel, that channel is upsampled with each of the G kernels.
        """
        G = x.shape[1]
        if self.transposed:
            w = (
                weight if G > 1 else weight.transpose(0, 1)
            )  # ConvTranspose2d weights are (C_in, C_out/groups, k, k)
            return F.conv_transpose2d(
                x, w, stride=2, padding=self.padding, output_padding=self.output_padding, groups=G
            )  # (B, G', 2n, 2n)
        big = F.interpolate(x, scale_factor=2, mode=self.mode)  # (B, G, 2n, 2n)
        return F.conv2d(big, weight, padding=self.padding, groups=G)  # (B, G', 2n, 2n)


UPSAMPLERS: dict[str, Upsampler] = {
    "ConvT k3 s2": Upsampler("ConvT k3 s2", kernel=3, transposed=True, padding=1, output_padding=1),
    "ConvT k4 s2": Upsampler("ConvT k4 s2", kernel=4, transposed=True, padding=1),
    "nearest×2 + conv k3": Upsampler(
        "nearest×2 + conv k3", kernel=3, transposed=False, mode="nearest"
    ),
    "bilinear×2 + conv k3": Upsampler(
        "bilinear×2 + conv k3", kernel=3, transposed=False, mode="bilinear"
    ),
}


def checkerboard_scores(y: torch.Tensor, border: int = 2) -> torch.Tensor:
    """Share of the energy of each image y (..., H, W) at the checkerboard (Nyquist) frequency
    → (...) in [0, 1].

    The ``border`` outermost pixels are dropped first (padding effects). The score is the fraction
    of Σ|FFT|² lying in the row or column of frequency ½ cycle per pixel — patterns that flip sign
    every pixel; 0 for a flat image. White noise scores about (h + w − 1)/(h·w) by chance. Interior
    sides must be even.
    """
    inner = y[
        ..., border : y.shape[-2] - border, border : y.shape[-1] - border
    ].double()  # (..., h, w)
    h, w = inner.shape[-2:]
    if h % 2 or w % 2:
        raise ValueError(f"interior {h}×{w} must have even sides to hold the Nyquist frequency")
    power = torch.fft.fft2(inner).abs() ** 2  # (..., h, w)
    nyquist = (
        power[..., h // 2, :].sum(-1) + power[..., :, w // 2].sum(-1) - power[..., h // 2, w // 2]
    )
    total = power.sum((-2, -1))
    return torch.where(total > 0, nyquist / total.clamp_min(1e-300), torch.zeros_like(total))


def checkerboard_score(y: torch.Tensor, border: int = 2) -> float:
    """``checkerboard_scores`` of one image y (H, W), as a float."""
    if y.dim() != 2:
        raise ValueError(
            f"expected one image (H, W), got {tuple(y.shape)}; use checkerboard_scores"
        )
    return float(checkerboard_scores(y, border))


def overlap_counts(kernel: int, stride: int = 2, n: int = 6, padding: int = 0) -> torch.Tensor:
    """How many input pixels land on each output pixel of a transposed convolution: ones through
    ones.

    A (n, n) input of ones, a (k, k) weight of ones → (H_out, W_out) integer counts
    (Odena's picture).
    """
    ones = torch.ones(1, 1, n, n, dtype=torch.float64)
    w = torch.ones(1, 1, kernel, kernel, dtype=torch.float64)
    return (
        F.conv_transpose2d(ones, w, stride=stride, padding=padding)[0, 0].round().long()
    )  # (H_out, W_out)


@dataclass(frozen=True)
class CheckerboardResult:
    """Scores of one upsampler (means over the random trials), and two example outputs."""

    name: str
    constant_weights: float  # all-ones input, all-ones weights
    positive_mean: float  # all-ones input, weights uniform in [0, 1] (smooth, blur-like kernels)
    signed_mean: float  # all-ones input, weights uniform in [−1, 1] (like PyTorch's init)
    noise_input_mean: float  # white-noise input, weights uniform in [−1, 1]
    example_constant: torch.Tensor  # (2n, 2n) output for all-ones weights
    example_random: torch.Tensor  # (2n, 2n) output of the signed-weight trial of median score
    example_random_trial: int = 0  # which trial that is
    signed_median: float = 0.0  # its score: the median over the signed-weight trials


def checkerboard_study(
    n: int = 16, trials: int = 200, seed: int = 0, upsamplers: Mapping[str, Upsampler] = UPSAMPLERS
) -> list[CheckerboardResult]:
    """Upsample (1, 1, n, n) images ×2 with each upsampler and measure ``checkerboard_scores``.

    Weights: all ones; uniform in [0, 1]; uniform in [−1, 1] (PyTorch's default init is uniform and
    symmetric; the score ignores scale) — ``trials`` draws each from ``seed``, the same draws for
    every upsampler with the same kernel size. Inputs: all ones, or standard-normal noise. The
    example for signed weights is the trial whose score is the median (lower median), a typical
    draw rather than the first.
    """
    results = []
    for name, up in upsamplers.items():
        g = torch.Generator().manual_seed(seed)
        k = up.kernel
        ones_w = torch.ones(1, 1, k, k, dtype=torch.float64)  # (1, 1, k, k)
        w_pos = torch.rand(
            trials, 1, k, k, generator=g, dtype=torch.float64
        )  # (T, 1, k, k) in [0, 1]
        w_signed = (
            torch.rand(trials, 1, k, k, generator=g, dtype=torch.float64) * 2 - 1
        )  # in [−1, 1]
        flat = torch.ones(1, 1, n, n, dtype=torch.float64)  # (1, 1, n, n): shared by every trial
        noise = torch.randn(
            1, trials, n, n, generator=g, dtype=torch.float64
        )  # (1, T, n, n): trial t in channel t
        y_const = up(flat, ones_w)[0, 0]  # (2n, 2n)
        y_signed = up(flat, w_signed)[0]  # (T, 2n, 2n)
        signed = checkerboard_scores(y_signed)  # (T,)
        typical = int(signed.argsort()[(trials - 1) // 2])  # the median draw
        results.append(
            CheckerboardResult(
                name=name,
                constant_weights=checkerboard_score(y_const),
                positive_mean=float(checkerboard_scores(up(flat, w_pos)[0]).mean()),
                signed_mean=float(signed.mean()),
                noise_input_mean=float(checkerboard_scores(up(noise, w_signed)[0]).mean()),
                example_constant=y_const,
                example_random=y_signed[typical],
                example_random_trial=typical,
                signed_median=float(signed[typical]),
            )
        )
    return results


def checkerboard_rows(results: Sequence[CheckerboardResult], decimals: int = 4) -> list[dict]:
    """``checkerboard_study`` as table rows (rounded) for ``format_table``."""
    return [
        dict(
            name=r.name,
            ones=round(r.constant_weights, decimals),
            positive=round(r.positive_mean, decimals),
            signed=round(r.signed_mean, decimals),
            noise=round(r.noise_input_mean, decimals),
        )
        for r in results
    ]


# --------------------------------------------------------------------------------------------------
# The note's kernel on a real photograph
# --------------------------------------------------------------------------------------------------


def load_gray_photo(name: str = "camera", size: int = 256) -> torch.Tensor:
    """A grayscale photo shipped with scikit-image (offline) → (size, size) float64 in [0, 1].

    ``name``: "camera" (512×512 gray) or "astronaut" (converted to gray). Area-averaged to ``size``.
    """
    from skimage import color, data

    loaders: dict[str, Callable[[], np.ndarray]] = {
        "camera": lambda: data.camera() / 255.0,
        "astronaut": lambda: color.rgb2gray(data.astronaut()),
    }
    if name not in loaders:
        raise ValueError(f"unknown photo {name!r}: expected one of {', '.join(loaders)}")
    img = torch.from_numpy(np.asarray(loaders[name](), dtype=np.float64))  # (H, W) in [0, 1]
    img = F.adaptive_avg_pool2d(img[None, None], size)[0, 0]  # (size, size)
    return img


def apply_kernel_to_image(image: torch.Tensor | np.ndarray, kernel: torch.Tensor) -> torch.Tensor:
    """``nn.Conv2d``'s cross-correlation of a gray image (H, W) with ``kernel`` (kh, kw), no
    padding.

    Returns (H − kh + 1, W − kw + 1) in float64. Same numbers as ``conv2d_by_hand``, but fast enough
    for a photo (the loops above visit 65 k windows of a 256×256 image one by one).
    """
    img = torch.as_tensor(np.asarray(image) if isinstance(image, np.ndarray) else image).double()
    if img.dim() != 2:
        raise ValueError(f"expected a gray image (H, W), got {tuple(img.shape)}")
    k = kernel.double()[None, None]  # (1, 1, kh, kw)
    return F.conv2d(img[None, None], k)[0, 0]  # (H − kh + 1, W − kw + 1)


def step_edge_responses(size: int = 6) -> dict[str, dict[str, float]]:
    """Peak |response| of the note's kernel and its transpose on a vertical and a horizontal step
    edge.

    The images are 0 on one side and 1 on the other; a kernel "sees" an edge when its response is
    large.
    """
    vertical = torch.zeros(size, size)
    vertical[:, size // 2 :] = 1  # dark left half, bright right half: a vertical edge
    images = {"vertical edge": vertical, "horizontal edge": vertical.T.contiguous()}
    kernels = {"note kernel": NOTE_KERNEL, "note kernel transposed": NOTE_KERNEL.T.contiguous()}
    return {
        img_name: {
            k_name: float(conv2d_by_hand(img, k).abs().max()) for k_name, k in kernels.items()
        }
        for img_name, img in images.items()
    }


# --------------------------------------------------------------------------------------------------
# Figures (pure: each returns a Figure)
# --------------------------------------------------------------------------------------------------

_COLORS = {
    "input": "#9ecae1",
    "padding": "#d9d9d9",
    "inserted zero": "#ffffff",
    "unused": "#fcbba1",
    "output": "#c7e9c0",
    "first": "#de2d26",
    "second": "#fd8d3c",
}


def _grid_categories(
    in_size: int, kernel: int, stride: int, padding: int, output_padding: int, transposed: bool
) -> tuple[list[str], int, str]:
    """Category of each row (= column) of the grid the kernel slides over, the output size, a
    caption."""
    if not transposed:
        out = conv_output_size(in_size, kernel, stride, padding)
        cats = ["padding"] * padding + ["input"] * in_size + ["padding"] * padding
        covered = (out - 1) * stride + kernel  # rows any window touches
        cats = [c if i < covered else "unused" for i, c in enumerate(cats)]
        caption = (
            "o = ⌊(n + 2p − k)/s⌋ + 1 = "
            f"⌊({in_size} + {2 * padding} − {kernel})/{stride}⌋ + 1 = {out}"
        )
        if covered < len(cats):
            caption += f";  {len(cats) - covered} row(s)/col(s) never reached"
        return cats, out, caption
    out = conv_transpose_output_size(in_size, kernel, stride, padding, output_padding)
    length = (in_size - 1) * stride + 1  # stretched input: stride − 1 zeros between pixels
    q = kernel - 1 - padding
    cats = []
    for e in range(length + 2 * q + output_padding):
        t = e - q  # index into the stretched input
        cats.append(
            "padding" if not 0 <= t < length else ("input" if t % stride == 0 else "inserted zero")
        )
    caption = (
        "o = (n − 1)s − 2p + k + op = "
        f"{in_size - 1}·{stride} − {2 * padding} + {kernel} + {output_padding}"
        f" = {out}"
        f";  view: {stride - 1} zero(s) between pixels, k − 1 − p = {q} zero(s) around"
        + (" (negative: crop)" if q < 0 else "")
        + ", then a stride-1 conv with the flipped kernel"
    )
    return cats, out, caption


def _draw_grid(ax, cats_r: Sequence[str], cats_c: Sequence[str], label_zeros: bool) -> None:
    size = len(cats_r)
    for i, cr in enumerate(cats_r):
        for j, cc in enumerate(cats_c):
            order = ["unused", "padding", "inserted zero", "input"]
            cat = min(
                (cr, cc), key=order.index
            )  # a cell is "input" only if both its row and column are
            ax.add_patch(
                Rectangle(
                    (j, size - 1 - i),
                    1,
                    1,
                    facecolor=_COLORS[cat],
                    edgecolor="#636363",
                    lw=0.6,
                    hatch="//" if cat == "padding" else None,
                )
            )
            if label_zeros and cat in ("padding", "inserted zero") and size <= 16:
                ax.text(
                    j + 0.5,
                    size - 0.5 - i,
                    "0",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="#636363",
                )


def _window(ax, size: int, top: int, left: int, k: int, color: str, style: str) -> None:
    ax.add_patch(
        Rectangle((left, size - top - k), k, k, fill=False, edgecolor=color, lw=2.5, ls=style)
    )


def plot_conv_geometry(
    in_size: int,
    kernel: int,
    stride: int,
    padding: int,
    output_padding: int = 0,
    transposed: bool = False,
) -> Figure:
    """Left: the grid the kernel slides over (input pixels, zero padding, inserted zeros), with the
    first two window positions; right: the output grid and its size from the formula.

    For ``transposed=True`` the left grid is the stride-1 view of ``ConvTranspose2d``
    (``stretch_and_pad``). ``output_padding`` is ignored by ``Conv2d``. Raises ``ValueError`` for
    settings the layer rejects.
    """
    cats, out, caption = _grid_categories(
        in_size, kernel, stride, padding, output_padding, transposed
    )
    size = len(cats)
    step = 1 if transposed else stride  # window step in the drawn grid
    fig = Figure(figsize=(11, 5.2))
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw=dict(width_ratios=[max(size, 1), max(out, 1)]))
    _draw_grid(ax_in, cats, cats, label_zeros=True)
    _window(ax_in, size, 0, 0, kernel, _COLORS["first"], "-")
    if out > 1:
        _window(ax_in, size, 0, step, kernel, _COLORS["second"], "--")
    for i in range(out):
        for j in range(out):
            color = {(0, 0): _COLORS["first"], (0, 1): _COLORS["second"]}.get(
                (i, j), _COLORS["output"]
            )
            ax_out.add_patch(
                Rectangle((j, out - 1 - i), 1, 1, facecolor=color, edgecolor="#636363", lw=0.6)
            )
    for ax, n in ((ax_in, size), (ax_out, out)):
        ax.set_xlim(-0.2, n + 0.2)
        ax.set_ylim(-0.2, n + 0.2)
        ax.set_aspect("equal")
        ax.set_axis_off()
    layer = (
        f"ConvTranspose2d(k={kernel}, s={stride}, p={padding}, op={output_padding})"
        if transposed
        else f"Conv2d(k={kernel}, s={stride}, p={padding})"
    )
    ax_in.set_title(
        f"{'stride-1 view of the ' if transposed else ''}{in_size}×{in_size} input"
        f"{'' if transposed else ' + padding'}: {size}×{size}",
        fontsize=10,
    )
    ax_out.set_title(f"output {out}×{out}", fontsize=10)
    note = "  (output_padding is ignored by Conv2d)" if output_padding and not transposed else ""
    fig.suptitle(f"{layer}: {in_size}×{in_size} → {out}×{out}{note}", fontsize=12)
    present = [c for c in ("input", "padding", "inserted zero", "unused") if c in cats]
    handles = [
        Patch(
            facecolor=_COLORS[c],
            edgecolor="#636363",
            hatch="//" if c == "padding" else None,
            label={"padding": "zero padding", "unused": "never reached"}.get(c, c),
        )
        for c in present
    ]
    handles += [
        Patch(fill=False, edgecolor=_COLORS["first"], lw=2, label="window → output pixel 1"),
        Patch(
            fill=False, edgecolor=_COLORS["second"], lw=2, ls="--", label="next window → pixel 2"
        ),
    ]
    fig.legend(
        handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False
    )
    fig.text(0.5, 0.08, caption, ha="center", fontsize=8.5, wrap=True)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.88, bottom=0.16, wspace=0.08)
    return fig


def plot_note_example(x: torch.Tensor = NOTE_INPUT, k: torch.Tensor = NOTE_KERNEL) -> Figure:
    """Note 003's picture with the "?" filled in: input, kernel and output as annotated grids,
    the signed ones on the red–blue scale of ``plot_edge_response`` (red +, blue −), with colour
    bars."""
    y = conv2d_by_hand(x, k)
    fig = Figure(figsize=(9, 3.2))
    widths = [x.shape[1], k.shape[1], y.shape[1]]
    axes = fig.subplots(1, 3, gridspec_kw=dict(width_ratios=widths))
    for ax, t, title, cmap in zip(
        axes,
        (x, k, y),
        ("input 5×5", "kernel 3×3", "output 3×3 (the '?')"),
        ("Blues", "RdBu_r", "RdBu_r"),
    ):
        lim = float(t.abs().max()) or 1.0
        shown = ax.imshow(t.numpy(), cmap=cmap, vmin=-lim if cmap == "RdBu_r" else 0, vmax=lim)
        fig.colorbar(shown, ax=ax, shrink=0.8)
        for (i, j), v in np.ndenumerate(t.numpy()):
            ax.text(
                j,
                i,
                f"{v:g}",
                ha="center",
                va="center",
                fontsize=11,
                color="w" if abs(v) > 0.6 * lim else "k",
            )
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(title)
    axes[0].add_patch(Rectangle((-0.5, -0.5), 3, 3, fill=False, edgecolor=_COLORS["first"], lw=3))
    axes[2].add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=_COLORS["first"], lw=3))
    fig.tight_layout()
    return fig


def plot_checkerboard(results: Sequence[CheckerboardResult], border: int = 2) -> Figure:
    """Row 1: each upsampler's output for all-ones weights; row 2: for a typical random signed
    kernel (the draw of median score, ``CheckerboardResult.example_random``).

    Only the interior is drawn (``border`` pixels cropped, as the score does), each panel on its own
    gray scale, titled with its checkerboard score.
    """
    fig = Figure(figsize=(2.9 * len(results), 6.6), layout="constrained")
    axes = fig.subplots(2, len(results), squeeze=False)
    for col, r in enumerate(results):
        for row, (img, label) in enumerate(
            (
                (r.example_constant, "weights all 1"),
                (r.example_random, "median draw of U(−1, 1)"),
            )
        ):
            inner = img[border : img.shape[0] - border, border : img.shape[1] - border]
            ax = axes[row, col]
            lo, hi = float(inner.min()), float(inner.max())
            if hi - lo <= 1e-9 * max(1.0, abs(hi)):  # flat: draw it mid-gray, not black
                lo, hi = lo - 1, hi + 1
            ax.imshow(inner.numpy(), cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(
                f"{r.name}\n{label}: score {checkerboard_score(img, border):.3f}", fontsize=9
            )
    fig.suptitle(
        "an all-ones image upsampled ×2 (interior shown, each panel its own gray scale)",
        fontsize=11,
    )
    return fig


def plot_overlap_counts(counts: Mapping[str, torch.Tensor]) -> Figure:
    """Odena's picture: how many input pixels each output pixel receives, one panel per setting."""
    fig = Figure(figsize=(3.4 * len(counts), 3.6))
    axes = fig.subplots(1, len(counts), squeeze=False)[0]
    for ax, (name, c) in zip(axes, counts.items()):
        ax.imshow(c.numpy(), cmap="viridis", vmin=0, vmax=int(c.max()))
        if c.shape[0] <= 16:
            for (i, j), v in np.ndenumerate(c.numpy()):
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="w")
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(name, fontsize=10)
    fig.tight_layout()
    return fig


def plot_edge_response(
    image: torch.Tensor,
    responses: Mapping[str, torch.Tensor],
    title: str = "photo (scikit-image camera)",
) -> Figure:
    """The photo (titled ``title``), then each kernel's response on a symmetric red–blue scale
    (red +, blue −)."""
    fig = Figure(figsize=(4 * (1 + len(responses)), 4.3))
    axes = fig.subplots(1, 1 + len(responses))
    axes[0].imshow(image.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title(title)
    for ax, (name, r) in zip(axes[1:], responses.items()):
        lim = float(r.abs().quantile(0.995)) if r.numel() <= 2**24 else float(r.abs().max())
        shown = ax.imshow(r.numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        fig.colorbar(shown, ax=ax, shrink=0.8, label="response (red +, blue −)")
        ax.set_title(name, fontsize=10)
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig


def trained_upsampler_rows(G: nn.Module, n: int = 8, seed: int = 0) -> list[dict]:
    """Does "kernel divisible by stride" keep a *trained* transposed convolution free of
    checkerboards? For every stride-2 ``ConvTranspose2d`` of G: an all-ones (1, C_in, n, n) input
    through the trained weights, and through the same layer with fresh DCGAN weights
    (N(0, 0.02)); ``checkerboard_scores`` of every output channel (mean and max), 0 = flat."""
    rows = []
    g = torch.Generator().manual_seed(seed)
    layers = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d) and m.stride == (2, 2)]
    for i, layer in enumerate(layers):
        ones = torch.ones(1, layer.in_channels, n, n)
        fresh = torch.randn(layer.weight.shape, generator=g) * 0.02
        for label, weight in (("trained", layer.weight.detach()), ("fresh N(0, 0.02)", fresh)):
            y = F.conv_transpose2d(ones, weight, stride=2, padding=layer.padding)[0]  # (C, 2n, 2n)
            scores = checkerboard_scores(y)  # (C,)
            rows.append({"layer": f"{i + 1}: {layer.in_channels}→{layer.out_channels}, "
                                  f"k{layer.kernel_size[0]} s2", "weights": label,
                         "mean": float(scores.mean()), "max": float(scores.max())})
    return rows
