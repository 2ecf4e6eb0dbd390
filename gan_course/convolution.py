"""Convolution and transposed convolution, computed by hand and checked against PyTorch (seed 003).

- ``conv2d_by_hand``: the sliding window of seed 003 as explicit loops (PyTorch's ``Conv2d``
  computes this cross-correlation: the kernel is not flipped).
- ``conv_output_size`` / ``conv_transpose_output_size``: the output-size formulas.
- ``adjoint_gap``: a transposed convolution with a convolution's own weights is its adjoint
  (⟨Cx, y⟩ = ⟨x, Cᵀy⟩), not its inverse (CᵀCx ≠ x).
- ``checkerboard_score``: uneven overlap of transposed convolutions (Odena, Dumoulin & Olah,
  "Deconvolution and Checkerboard Artifacts", Distill 2016) against resize-then-convolve.
- ``plot_conv_geometry``: a pure figure of input, padding, kernel and output sizes for the widget.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

# Seed 003's example: a 5×5 input and a 3×3 vertical-edge kernel; the seed leaves the output as "?".
SEED_INPUT = torch.tensor([[1, 2, 3, 0, 1],
                           [0, 1, 2, 1, 0],
                           [1, 0, 1, 2, 1],
                           [2, 1, 0, 1, 0],
                           [0, 1, 2, 0, 1]], dtype=torch.float32)
SEED_KERNEL = torch.tensor([[1, 0, -1],
                            [1, 0, -1],
                            [1, 0, -1]], dtype=torch.float32)


def conv2d_by_hand(x: torch.Tensor, k: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """x: (H, W), k: (kh, kw) → (H_out, W_out): at each position, sum(window * kernel)."""
    if x.dim() != 2 or k.dim() != 2:
        raise ValueError(f"conv2d_by_hand takes 2-D x and k, got {tuple(x.shape)} and {tuple(k.shape)}")
    x = F.pad(x, (padding, padding, padding, padding))  # zeros around the border
    kh, kw = k.shape
    h_out = conv_output_size(x.shape[0], kh, stride)
    w_out = conv_output_size(x.shape[1], kw, stride)
    out = torch.empty(h_out, w_out, dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = x[i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[i, j] = (window * k).sum()
    return out


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """⌊(n + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1, the size ``nn.Conv2d`` produces."""
    if min(n, kernel, stride, dilation) < 1 or padding < 0:
        raise ValueError("n, kernel, stride, dilation must be >= 1 and padding >= 0")
    out = (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(f"a {kernel}×{kernel} kernel does not fit an input of {n} with padding {padding}")
    return out


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """(n − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1, as ``nn.ConvTranspose2d``."""
    if min(n, kernel, stride, dilation) < 1 or padding < 0 or output_padding < 0:
        raise ValueError("n, kernel, stride, dilation must be >= 1; padding, output_padding >= 0")
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding ({output_padding}) must be smaller than stride or dilation ({stride})")
    out = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"padding {padding} removes the whole output of a transposed convolution of {n}")
    return out


def adjoint_gap(channels: int = 4, size: int = 16, seed: int = 0) -> dict[str, float]:
    """Conv2d C (k4 s2 p1) and ConvTranspose2d Cᵀ sharing weights, on random x and y.

    Returns the relative gap of ⟨Cx, y⟩ vs ⟨x, Cᵀy⟩ (≈ 0: Cᵀ is the adjoint) and the relative error
    ‖CᵀCx − x‖ / ‖x‖ (large: Cᵀ is not an inverse), plus the best least-squares rescaling's error.
    """
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(channels, channels, 4, 4, generator=g, dtype=torch.float64) * 0.1
    x = torch.randn(1, channels, size, size, generator=g, dtype=torch.float64)
    y = torch.randn(1, channels, size // 2, size // 2, generator=g, dtype=torch.float64)
    Cx = F.conv2d(x, w, stride=2, padding=1)  # (1, c, size/2, size/2)
    CTy = F.conv_transpose2d(y, w, stride=2, padding=1)  # (1, c, size, size)
    lhs, rhs = (Cx * y).sum(), (x * CTy).sum()
    back = F.conv_transpose2d(Cx, w, stride=2, padding=1)  # CᵀCx: (1, c, size, size)
    scale = (back * x).sum() / (back * back).sum()  # the best a global gain could do
    return {"adjoint_gap": float((lhs - rhs).abs() / lhs.abs()),
            "inverse_error": float((back - x).norm() / x.norm()),
            "inverse_error_rescaled": float((scale * back - x).norm() / x.norm())}


def upsample(x: torch.Tensor, method: str, kernel: int = 3, weight: torch.Tensor | None = None) -> torch.Tensor:
    """×2 upsampling of x: (B, C, H, W) → (B, C_out, 2H, 2W) by ``"transposed"`` (stride 2) or
    ``"resize-conv"`` (nearest-neighbour resize, then a stride-1 convolution). ``weight`` defaults to
    an all-ones kernel so that only the geometry shows."""
    c = x.shape[1]
    if method == "transposed":
        w = torch.ones(c, c, kernel, kernel, dtype=x.dtype) if weight is None else weight
        p = (kernel - 1) // 2
        return F.conv_transpose2d(x, w, stride=2, padding=p, output_padding=(2 + 2 * p - kernel))
    if method == "resize-conv":
        w = torch.ones(c, c, kernel, kernel, dtype=x.dtype) if weight is None else weight
        lo, hi = (kernel - 1) // 2, kernel // 2  # "same" padding, asymmetric for even kernels
        return F.conv2d(F.pad(F.interpolate(x, scale_factor=2, mode="nearest"), (lo, hi, lo, hi)), w)
    raise ValueError(f"unknown method {method!r}; expected 'transposed' or 'resize-conv'")


def checkerboard_score(y: torch.Tensor, border: int = 2) -> float:
    """Relative spread std/mean of y's interior (border cropped): 0 for a flat image."""
    inner = y[..., border:-border, border:-border]
    return float(inner.std() / inner.abs().mean())


def checkerboard_table(kernels: tuple[int, ...] = (3, 4), size: int = 16, trials: int = 20,
                       seed: int = 0) -> list[dict[str, float | str]]:
    """Upsample a constant image with each method and kernel: with all-ones weights, and averaged
    over ``trials`` random initialisations (``nn.init`` defaults). Returns rows for a table."""
    rows = []
    x = torch.ones(1, 1, size, size, dtype=torch.float64)
    g = torch.Generator().manual_seed(seed)
    for method in ("transposed", "resize-conv"):
        for k in kernels:
            ones = checkerboard_score(upsample(x, method, k))
            random = []
            for _ in range(trials):
                w = torch.empty(1, 1, k, k, dtype=torch.float64)
                nn.init.uniform_(w, 0.0, 1.0, generator=g)  # positive weights: a smooth filter's shape
                random.append(checkerboard_score(upsample(x, method, k, w)))
            rows.append({"method": method, "kernel": k, "stride": 2,
                         "score (ones)": ones, "score (random, mean)": sum(random) / trials})
    return rows


def edge_response(image: torch.Tensor, kernel: torch.Tensor = SEED_KERNEL) -> torch.Tensor:
    """image: (H, W) gray in [0, 1] → (H, W) response of ``kernel`` (zero padding keeps the size)."""
    k = kernel.to(image.dtype)
    return F.conv2d(image[None, None], k[None, None], padding=k.shape[-1] // 2)[0, 0]


def plot_conv_geometry(in_size: int = 5, kernel: int = 3, stride: int = 1, padding: int = 0,
                       output_padding: int = 0, transposed: bool = False) -> Figure:
    """Input grid (padding shaded) beside the output grid, with the first kernel window outlined.

    Pure: it builds and returns a figure; invalid settings raise ``ValueError`` with the reason.
    """
    if transposed:
        out = conv_transpose_output_size(in_size, kernel, stride, padding, output_padding)
        title = f"ConvTranspose2d k{kernel} s{stride} p{padding} op{output_padding}: {in_size} → {out}"
    else:
        if output_padding:
            raise ValueError("output_padding only exists for transposed convolutions")
        out = conv_output_size(in_size, kernel, stride, padding)
        title = f"Conv2d k{kernel} s{stride} p{padding}: {in_size} → {out}"
    fig = Figure(figsize=(9, 4.2))
    ax_in, ax_out = fig.subplots(1, 2)
    total = in_size + 2 * padding
    top = max(total, out) - 1  # both grids hang from the top edge; row i is drawn at y = top − i
    for i in range(total):
        for j in range(total):
            pad = not (padding <= i < padding + in_size and padding <= j < padding + in_size)
            ax_in.add_patch(Rectangle((j, top - i), 1, 1, fc="#dddddd" if pad else "#8ab6d6", ec="white"))
    if not transposed:
        ax_in.add_patch(Rectangle((0, top + 1 - kernel), kernel, kernel, fill=False, ec="crimson", lw=2.5))
    for i in range(out):
        for j in range(out):
            ax_out.add_patch(Rectangle((j, top - i), 1, 1, fc="#f4a259", ec="white"))
    ax_out.add_patch(Rectangle((0, top), 1, 1, fill=False, ec="crimson", lw=2.5))
    for ax, label in ((ax_in, f"input {in_size}×{in_size} + padding {padding}"), (ax_out, f"output {out}×{out}")):
        ax.set_xlim(0, top + 1)
        ax.set_ylim(0, top + 1)
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(label)
    fig.suptitle(title)
    return fig
