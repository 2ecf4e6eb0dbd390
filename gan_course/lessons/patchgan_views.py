"""Looking inside a PatchGAN: its output grid, the window each cell really sees, and its score maps.

Companion of ``gan_course.patchgan`` for notebook 03 (Isola et al. 2017, §3.2.2 "Markovian
discriminator (PatchGAN)"). Everything here *measures* a discriminator rather than defines one:

- ``output_grid``: the grid of logits a D returns for an input size, from a real forward pass;
- ``cell_window``: where in the input one output cell's window lies, layer by layer (size, stride
  *and* the offset the paddings add), the geometry behind ``patchgan.receptive_field``;
- ``window_means``: the mean of a map (a photo's lightness, say) inside every cell's window;
- ``gradient_window``: the same window found empirically — backpropagate one output cell to the
  input and take the bounding box of the nonzero gradient;
- ``score_maps``: D's per-patch probabilities sigmoid(D(A, B)), one (h, w) map per image, in eval
  mode or with per-batch BatchNorm statistics as in training; ``mixed_batch_scores`` puts real and
  fake pairs in the same batches, to test whether D judges images or recognises batches;
- figures (``plot_patch_idea``, ``plot_receptive_field``, ``plot_score_maps``), pure functions
  returning a ``Figure``;
- the notebook's exercises and their checks.

Discriminators are either the course's conditional ones, called ``D(A, B)``, or a plain
``nn.Sequential`` such as ``note_patch_discriminator()``, called on the concatenated input.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

from ..patchgan import (
    GlobalDiscriminator,
    PatchDiscriminator,
    conv_geometry,
    receptive_field,
)
from ..plots import image_grid
from ..runtime import eval_mode

CONDITIONAL = (PatchDiscriminator, GlobalDiscriminator)  # called D(A, B) with A the first channel


def discriminate(D: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Logits of D for the concatenated input x: (N, C, H, W) → (N, 1, h, w).

    A conditional D gets ``A = x[:, :1]`` (the gray condition) and ``B = x[:, 1:]``; any other
    module gets x itself.
    """
    if isinstance(D, CONDITIONAL):
        return D(x[:, :1], x[:, 1:])
    return D(x)


def _in_channels(D: nn.Module) -> int:
    if isinstance(D, CONDITIONAL):
        return D.in_channels
    first = next((m for m in D.modules() if isinstance(m, nn.Conv2d)), None)
    if first is None:
        raise ValueError(f"{type(D).__name__} has no Conv2d layer")
    return first.in_channels


@torch.no_grad()
def output_grid(D: nn.Module, image_size: int) -> tuple[int, int]:
    """(h, w) of the logit grid D returns for one image_size × image_size input (a real forward
    pass in eval mode; the module's train/eval state is restored)."""
    param = next(D.parameters())
    x = torch.zeros(
        1, _in_channels(D), image_size, image_size, dtype=param.dtype, device=param.device
    )
    with eval_mode(D):
        h, w = discriminate(D, x).shape[-2:]  # (1, 1, h, w)
    return int(h), int(w)


@dataclass(frozen=True)
class Window:
    """A square region of the input, in pixels: rows top … top + size − 1,
    columns left … left + size − 1.

    ``top`` or ``left`` may be negative (and the window may end past the image): that part of the
    window lies on the zero padding.
    """

    top: int
    left: int
    size: int

    @property
    def bottom(self) -> int:
        return self.top + self.size - 1

    @property
    def right(self) -> int:
        return self.left + self.size - 1

    def clip(self, image_size: int) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the part of the window inside an image_size × image_size
        image."""
        top, left = max(self.top, 0), max(self.left, 0)
        bottom, right = min(self.bottom, image_size - 1), min(self.right, image_size - 1)
        return top, left, max(0, bottom - top + 1), max(0, right - left + 1)


def cell_window(model: nn.Module, cell: tuple[int, int]) -> Window:
    """The input window that output cell (row, col) of a conv/pool stack depends on.

    Layer by layer, with jump j (input pixels between neighbouring units) and start s (input row of
    unit 0's window): ``s ← s − p·j``, ``r ← r + (k − 1)·d·j``, ``j ← j·stride``. Cell i's window
    starts at ``s + i·j``. Size and stride agree with ``patchgan.receptive_field``; the start is
    what the paddings add. Square kernels, strides and paddings are assumed (as every D in the
    course has).
    """
    r, j, s = 1, 1, 0
    for g in conv_geometry(model):
        s -= g.padding * j
        r += (g.kernel - 1) * g.dilation * j
        j *= g.stride
    row, col = cell
    return Window(s + row * j, s + col * j, r)


def window_means(D: nn.Module, image: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    """The mean of ``image`` (H, W), e.g. a photo's lightness, inside the window of every output
    cell of D's ``grid`` (h, w), each window clipped to the image: (h, w) float. Where D calls a
    real image fake, it shows what those windows hold."""
    if image.dim() != 2 or image.shape[0] != image.shape[1]:
        raise ValueError(f"image must be a square (H, W) map, got {tuple(image.shape)}")
    out = torch.empty(grid)
    for i in range(grid[0]):
        for j in range(grid[1]):
            top, left, h, w = cell_window(D, (i, j)).clip(image.shape[0])
            out[i, j] = image[top:top + h, left:left + w].double().mean()
    return out


@dataclass(frozen=True)
class GradientWindow:
    """What one output cell's gradient reaches in the input.

    ``window``: bounding box of the pixels with a nonzero gradient (``height`` × ``width``);
    ``grad``: |∂ logit / ∂ input| summed over channels, (H, W) float64; ``zero_fraction``: the share
    of pixels inside the box whose gradient is exactly zero (dead ReLU paths).
    """

    top: int
    left: int
    height: int
    width: int
    grad: torch.Tensor
    zero_fraction: float

    def share_inside(self, window: Window) -> float:
        """The share of the total |gradient| that falls inside ``window`` (clipped to the image)."""
        top, left, h, w = window.clip(self.grad.shape[-1])
        return float(self.grad[top : top + h, left : left + w].sum() / self.grad.sum())


def gradient_window(
    D: nn.Module, image_size: int, cell: tuple[int, int], seed: int = 0
) -> GradientWindow:
    """Backpropagate output cell (row, col) of D to a random input (N(0, 1), float64, seeded) and
    measure where the gradient is nonzero. D runs in eval mode (BatchNorm uses its running
    statistics, so one image's pixels cannot reach another cell through the batch mean); D's
    train/eval state and its weights are left as they were."""
    with eval_mode(D):
        D64 = _as_float64(D)
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(
            1,
            _in_channels(D),
            image_size,
            image_size,
            generator=g,
            dtype=torch.float64,
            device=next(D.parameters()).device,
        ).requires_grad_(True)
        logits = discriminate(D64, x)  # (1, 1, h, w)
        row, col = cell
        h, w = logits.shape[-2:]
        if not (0 <= row < h and 0 <= col < w):
            raise ValueError(
                f"cell {cell} is outside the {h}×{w} output grid "
                f"for {image_size}×{image_size} inputs"
            )
        logits[0, 0, row, col].backward()
    grad = x.grad[0].abs().sum(0).cpu()  # (H, W)
    rows = torch.nonzero(grad.sum(1)).flatten()
    cols = torch.nonzero(grad.sum(0)).flatten()
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    box = grad[top : bottom + 1, left : right + 1]
    return GradientWindow(
        top, left, bottom - top + 1, right - left + 1, grad, float((box == 0).double().mean())
    )


def _copy(D: nn.Module) -> nn.Module:
    return copy.deepcopy(D)


def _as_float64(D: nn.Module) -> nn.Module:
    """A float64 copy of D (so that tiny gradients at a window's edge cannot round to zero)."""
    return _copy(D).double()


@torch.no_grad()
def score_maps(
    D: nn.Module, A: torch.Tensor, B: torch.Tensor, batch_size: int = 256, batch_stats: bool = False
) -> torch.Tensor:
    """D's per-patch probabilities sigmoid(D(A, B)): A (N, 1, H, W), B (N, C, H, W) → (N, h, w) in
    [0, 1].

    Default: eval mode (BatchNorm running statistics), so a score does not depend on the other
    images in the batch. ``batch_stats=True`` scores as D saw its inputs in training: BatchNorm
    normalises with each ``batch_size`` chunk's own statistics (a copy of D runs it, so D's running
    statistics are not touched). D's train/eval state is restored.
    """
    was_training = D.training
    net = _copy(D).train() if batch_stats else D.eval()
    try:
        device = next(D.parameters()).device
        maps = [
            torch.sigmoid(discriminate(net, torch.cat([a, b], 1).to(device)).float()).cpu()
            for a, b in zip(A.split(batch_size), B.split(batch_size))
        ]  # each (n, 1, h, w)
    finally:
        D.train(was_training)
    return torch.cat(maps)[:, 0]  # (N, h, w)


@torch.no_grad()
def generate(G: nn.Module, A: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """G's targets for conditions A: (N, 1, H, W) → (N, C, H, W) on the CPU, in eval mode
    (state restored).

    Unlike ``pix2pix.colorize`` this returns G's raw output B̂ (ab for ``lab``), which is what D
    judges.
    """
    device = next(G.parameters()).device
    with eval_mode(G):
        return torch.cat([G(a.to(device)).float().cpu() for a in A.split(batch_size)])


def mixed_batch_scores(
    D: nn.Module, A: torch.Tensor, B_real: torch.Tensor, B_fake: torch.Tensor, batch_size: int = 32
) -> tuple[torch.Tensor, torch.Tensor]:
    """Score maps with per-batch statistics when every batch holds half real and half fake pairs.

    A: (N, 1, H, W); B_real, B_fake: (N, C, H, W); ``batch_size`` even. Returns
    (real maps, fake maps), each (N, h, w). If D's verdict in all-real / all-fake batches collapses
    here, D was telling the batches apart by their statistics rather than judging each image.
    """
    if batch_size < 2 or batch_size % 2:
        raise ValueError(f"batch_size must be even and >= 2, got {batch_size}")
    half, n = batch_size // 2, len(A)
    order = torch.arange(2 * n).view(2, n)  # row 0: real pairs, row 1: fake pairs
    chunks = [
        order[:, i : i + half].reshape(-1) for i in range(0, n, half)
    ]  # each: its reals, then its fakes
    index = torch.cat(chunks)  # (2N,) positions in cat([real, fake])
    sizes = [len(c) for c in chunks]
    maps = torch.cat(
        [
            score_maps(D, a, b, batch_size=len(a), batch_stats=True)
            for a, b in zip(
                torch.cat([A, A])[index].split(sizes),
                torch.cat([B_real, B_fake])[index].split(sizes),
            )
        ]
    )  # (2N, h, w)
    out = torch.empty_like(maps)
    out[index] = maps
    return out[:n], out[n:]


def score_rows(
    models: Mapping[str, tuple[nn.Module, nn.Module]],
    A: torch.Tensor,
    B: torch.Tensor,
    batch_size: int = 32,
) -> list[dict]:
    """For each ``{name: (G, D)}``: D's mean probability 'real' on the real pairs (A, B) and on
    (A, G(A)) — ``eval``: eval mode; ``batch``: per-batch statistics, batches of ``batch_size`` all
    real or all fake, as in training; ``mixed``: per-batch statistics, every batch half real and
    half fake — and ``share``: the share of patches D calls real (> 0.5) in eval mode."""
    rows = []
    for name, (G, D) in models.items():
        fake = generate(G, A)
        mixed = mixed_batch_scores(D, A, B, fake, batch_size)
        for (pairs, target), mixed_maps in zip(
            (("real (A, B)", B), ("fake (A, G(A))", fake)), mixed
        ):
            eval_maps = score_maps(D, A, target)
            batch_maps = score_maps(D, A, target, batch_size=batch_size, batch_stats=True)
            rows.append(
                {
                    "D": name,
                    "pairs": pairs,
                    "eval": float(eval_maps.mean()),
                    "batch": float(batch_maps.mean()),
                    "mixed": float(mixed_maps.mean()),
                    "share": float((eval_maps > 0.5).float().mean()),
                }
            )
    return rows


def grid_table_rows(cases: Mapping[str, tuple[nn.Module, int]]) -> list[dict]:
    """One table row per ``{name: (D, image_size)}``: input size, measured grid, window and stride
    (a global D's window is the whole image)."""
    rows = []
    for name, (D, size) in cases.items():
        h, w = output_grid(D, size)
        try:
            rf = receptive_field(D)
            window, stride = f"{rf.size}×{rf.size}", str(rf.stride)
        except ValueError:  # a global D pools: every cell sees everything
            window, stride = "whole image", "-"
        rows.append(
            dict(D=name, input=f"{size}×{size}", grid=f"{h}×{w}", window=window, stride=stride)
        )
    return rows


def window_check_rows(
    cases: Sequence[tuple[str, nn.Module, int, tuple[int, int]]], seed: int = 0
) -> list[dict]:
    """For each ``(name, D, image_size, cell)``: the computed window of that cell, the part of it
    inside the image, the measured nonzero-gradient box, and whether the two agree.

    Boxes read ``top,left size`` (``h×w`` when not square); negative tops and lefts lie on the
    padding.
    """

    def box(top: int, left: int, h: int, w: int) -> str:
        return f"{top},{left} " + (f"{h}" if h == w else f"{h}×{w}")

    rows = []
    for name, D, size, cell in cases:
        win, grad = cell_window(D, cell), gradient_window(D, size, cell, seed=seed)
        inside = win.clip(size)
        measured = (grad.top, grad.left, grad.height, grad.width)
        rows.append(
            {
                "D": name,
                "input": f"{size}×{size}",
                "cell": f"{cell[0]},{cell[1]}",
                "window": box(win.top, win.left, win.size, win.size),
                "inside": box(*inside),
                "gradient": box(*measured),
                "match": inside == measured,
            }
        )
    return rows


@torch.no_grad()
def zero_activation_share(D: nn.Module, image_size: int, seed: int = 0) -> list[float]:
    """For each activation module (ReLU, LeakyReLU) of D, in order: the share of its outputs that
    are exactly 0 on one random N(0, 1) input (eval mode; D's state restored)."""
    shares: list[float] = []
    hooks = [
        m.register_forward_hook(lambda _m, _i, out: shares.append(float((out == 0).float().mean())))
        for m in D.modules()
        if isinstance(m, (nn.ReLU, nn.LeakyReLU))
    ]
    try:
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(1, _in_channels(D), image_size, image_size, generator=g)  # (1, C, S, S)
        with eval_mode(D):
            discriminate(D, x.to(next(D.parameters()).device))
    finally:
        for h in hooks:
            h.remove()
    return shares


# --------------------------------------------------------------------------------------------------
# Figures (pure: each returns a Figure)
# --------------------------------------------------------------------------------------------------


def _to_rgb(image: torch.Tensor) -> np.ndarray:
    """(C, H, W) in [-1, 1], C = 1 or 3 → (H, W, 3) in [0, 1]."""
    return image_grid(image[None], nrow=1, pad=0)


def _square(ax, window: Window, color: str, label: str, style: str = "-") -> None:
    ax.add_patch(
        Rectangle(
            (window.left - 0.5, window.top - 0.5),
            window.size,
            window.size,
            fill=False,
            edgecolor=color,
            lw=2,
            ls=style,
            label=label,
        )
    )


_WINDOW_COLORS = ("#e41a1c", "#377eb8", "#ffbf00", "#4daf4a", "#984ea3")


def plot_receptive_field(
    image: torch.Tensor,
    windows: Mapping[str, Window],
    gradient: GradientWindow | None = None,
    title: str = "",
) -> Figure:
    """The image (C, H, W) in [-1, 1] with each labelled window drawn as a square (the parts on the
    padding fall outside the axes); with ``gradient``, a second panel shows log10 |gradient| of one
    output cell and, dashed, the first window for comparison."""
    n_panels = 2 if gradient is not None else 1
    fig = Figure(figsize=(4.6 * n_panels, 4.4))
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    H, W = image.shape[-2:]
    ax = axes[0]
    ax.imshow(_to_rgb(image), interpolation="nearest")
    for (label, window), color in zip(windows.items(), _WINDOW_COLORS):
        _square(ax, window, color, label)
    ax.set_xlim(-0.5, W - 0.5), ax.set_ylim(H - 0.5, -0.5)
    if windows:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=8, frameon=False)
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title or f"{H}×{W} input")
    if gradient is not None:
        ax = axes[1]
        g = gradient.grad.numpy()
        logg = np.where(g > 0, np.log10(np.where(g > 0, g, 1.0)), np.nan)
        im = ax.imshow(logg, cmap="magma", interpolation="nearest")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="log10 |∂ logit / ∂ input|")
        first = next(iter(windows.items()), None)
        if first is not None:
            _square(ax, first[1], "#00e5ff", f"computed: {first[0]}", "--")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=8, frameon=False)
        ax.set_xlim(-0.5, W - 0.5), ax.set_ylim(H - 0.5, -0.5)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(f"gradient of one cell: nonzero on {gradient.height}×{gradient.width} pixels")
    fig.tight_layout()
    return fig


def plot_score_maps(
    rows: Mapping[str, tuple[torch.Tensor, torch.Tensor]],
    annotate: bool | None = None,
    size: float = 1.35,
) -> Figure:
    """For each ``{label: (images (N, 3, H, W) in [-1, 1], scores (N, h, w) in [0, 1])}``: a row of
    the images and, under it, a row of their per-patch score grids (0 = fake, 1 = real; each grid's
    mean in its title). ``annotate`` writes each cell's score in it (default: when the grid has ≤ 36
    cells)."""
    n = max(len(images) for images, _ in rows.values())
    fig = Figure(figsize=(size * n + 0.9, size * 2 * len(rows) + 0.4))
    axes = fig.subplots(2 * len(rows), n, squeeze=False)
    im = None
    for r, (label, (images, scores)) in enumerate(rows.items()):
        if len(images) != len(scores):
            raise ValueError(f"{label}: {len(images)} images but {len(scores)} score maps")
        show_values = annotate if annotate is not None else scores[0].numel() <= 36
        for i in range(n):
            ax_img, ax_map = axes[2 * r, i], axes[2 * r + 1, i]
            for ax in (ax_img, ax_map):
                ax.set_xticks([]), ax.set_yticks([])
            if i >= len(images):
                ax_img.set_axis_off(), ax_map.set_axis_off()
                continue
            ax_img.imshow(_to_rgb(images[i]), interpolation="nearest")
            s = scores[i].float().numpy()
            im = ax_map.imshow(s, cmap="RdYlGn", vmin=0, vmax=1, interpolation="nearest")
            ax_map.set_title(f"mean {s.mean():.2f}", fontsize=8)
            if show_values:
                for (y, x), v in np.ndenumerate(s):
                    ax_map.text(x, y, f"{v:.1f}", ha="center", va="center", fontsize=5)
        axes[2 * r, 0].set_ylabel(label, rotation=0, ha="right", va="center")
        axes[2 * r + 1, 0].set_ylabel("sigmoid(D)", rotation=0, ha="right", va="center")
    if im is not None:
        fig.colorbar(
            im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.02, label="D's probability 'real'"
        )
    return fig


def plot_patch_idea(
    D: nn.Module,
    image: torch.Tensor,
    scores: torch.Tensor,
    cells: Sequence[tuple[int, int]] = ((2, 2), (6, 9), (11, 4)),
    global_score: float | None = None,
) -> Figure:
    """The idea of a PatchGAN in one picture: the image (C, H, W) in [-1, 1] with the windows of a
    few ``cells`` of D drawn on it, and D's grid of verdicts ``scores`` (h, w) in [0, 1] with the
    same cells outlined in the same colours; with ``global_score``, a third panel shows the single
    verdict a global D gives the whole image."""
    n_panels = 3 if global_score is not None else 2
    fig = Figure(figsize=(3.6 * n_panels, 3.9))
    axes = fig.subplots(1, n_panels, squeeze=False)[0]
    H, W = image.shape[-2:]
    h, w = scores.shape
    ax_img, ax_map = axes[0], axes[1]
    ax_img.imshow(_to_rgb(image), interpolation="nearest")
    im = ax_map.imshow(scores.float().numpy(), cmap="RdYlGn", vmin=0, vmax=1,
                       interpolation="nearest")
    for cell, color in zip(cells, _WINDOW_COLORS):
        window = cell_window(D, cell)
        _square(ax_img, window, color, f"cell {cell[0]},{cell[1]}: {window.size}×{window.size}")
        ax_map.add_patch(Rectangle((cell[1] - 0.5, cell[0] - 0.5), 1, 1, fill=False,
                                   edgecolor=color, lw=2.5))
    ax_img.set_xlim(-0.5, W - 0.5), ax_img.set_ylim(H - 0.5, -0.5)
    ax_img.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), fontsize=8, frameon=False)
    ax_img.set_title(f"the {H}×{W} image, three windows")
    ax_map.set_title(f"D's {h}×{w} verdicts, one per window")
    fig.colorbar(im, ax=ax_map, fraction=0.046, pad=0.04, label="probability 'real'")
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    if global_score is not None:
        ax = axes[2]
        ax.imshow([[global_score]], cmap="RdYlGn", vmin=0, vmax=1)
        ax.text(0, 0, f"{global_score:.2f}", ha="center", va="center", fontsize=14)
        ax.set_title("a global D: one verdict")
    fig.tight_layout()
    return fig
