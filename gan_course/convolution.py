"""Convolution and transposed convolution, by hand and checked against PyTorch (notebook 01, seed 003).

What a generator and a discriminator are built from, written so that a student can read every step:

- ``conv2d_by_hand``: the sliding window of ``nn.Conv2d`` as two explicit loops (it is a
  cross-correlation: the kernel is *not* flipped), and ``conv_transpose2d_by_hand``: a transposed
  convolution as "insert zeros, pad, slide a flipped kernel with stride 1".
- ``conv_output_size`` / ``conv_transpose_output_size``: the output-size formulas of the PyTorch
  docs, with the same validity rules as the layers (clear ``ValueError`` s instead of shape errors).
- ``adjoint_report``: a transposed convolution is the *adjoint* (matrix transpose) of the convolution
  with the same weights, not its inverse (Dumoulin & Visin 2016, "A guide to convolution arithmetic
  for deep learning", arXiv:1603.07285).
- ``checkerboard_study``: uneven overlap of transposed convolutions whose kernel size is not divisible
  by the stride, against resize-then-convolve (Odena, Dumoulin & Olah 2016, "Deconvolution and
  Checkerboard Artifacts", Distill, doi:10.23915/distill.00003).
- ``apply_kernel_to_image``: seed 003's vertical-edge kernel on a real photograph.
- Pure plotting functions returning ``matplotlib.figure.Figure`` (no pyplot, no ``show``).

Tensors are 2-D images (H, W) unless said otherwise; layers use (B, C, H, W).
"""
from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from .exercises import Exercise, checkers
from .plots import format_table  # noqa: F401  (tables in notebook 01 are printed with it)

# Seed 003's worked example: a 5×5 input and a 3×3 vertical-edge kernel; the 3×3 output is "?".
SEED_INPUT = torch.tensor([[1., 2., 3., 0., 1.],
                           [0., 1., 2., 1., 0.],
                           [1., 0., 1., 2., 1.],
                           [2., 1., 0., 1., 0.],
                           [0., 1., 2., 0., 1.]])  # (5, 5)
SEED_KERNEL = torch.tensor([[1., 0., -1.],
                            [1., 0., -1.],
                            [1., 0., -1.]])  # (3, 3): left column minus right column


def _one_thread(fn: Callable) -> Callable:
    """Run ``fn`` with one PyTorch CPU thread, restoring the count after.

    Every tensor in this module is tiny; with two threads, OpenMP start-up and barrier costs dominate
    and on a busy 2-core machine they made these functions 4–50× slower (measured); one thread loses nothing.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)
    return wrapper


# ----------------------------------------------------------------------------------------------------
# The operations by hand
# ----------------------------------------------------------------------------------------------------

def conv2d_by_hand(x: torch.Tensor, k: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """Slide kernel ``k`` over ``x`` exactly as ``nn.Conv2d`` does (one output channel, no bias).

    x: (H, W) or (C, H, W); k: (kh, kw) or (C, kh, kw) → (H_out, W_out), with
    H_out = conv_output_size(H, kh, stride, padding). Like PyTorch this is a cross-correlation:
    out[i, j] = sum over c, u, v of padded[c, i·stride + u, j·stride + v] · k[c, u, v].
    """
    if x.dim() == 2:
        x = x[None]  # (1, H, W)
    if k.dim() == 2:
        k = k[None]  # (1, kh, kw)
    if x.dim() != 3 or k.dim() != 3 or x.shape[0] != k.shape[0]:
        raise ValueError(f"expected x (C, H, W) and k (C, kh, kw) with the same C, "
                         f"got {tuple(x.shape)} and {tuple(k.shape)}")
    C, H, W = x.shape
    _, kh, kw = k.shape
    out_h = conv_output_size(H, kh, stride, padding)
    out_w = conv_output_size(W, kw, stride, padding)

    # 1. zero padding: a frame of `padding` zeros around every channel
    dtype = torch.result_type(x, k)
    padded = torch.zeros(C, H + 2 * padding, W + 2 * padding, dtype=dtype)  # (C, H+2p, W+2p)
    padded[:, padding:padding + H, padding:padding + W] = x

    # 2. slide the window: one output pixel per position, `stride` pixels apart
    out = torch.zeros(out_h, out_w, dtype=dtype)  # (H_out, W_out)
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride, j * stride
            window = padded[:, top:top + kh, left:left + kw]  # (C, kh, kw)
            out[i, j] = (window * k).sum()  # multiply element-wise, add everything up
    return out


def stretch_and_pad(x: torch.Tensor, kernel: int, stride: int = 1, padding: int = 0,
                    output_padding: int = 0) -> torch.Tensor:
    """The input a transposed convolution really slides over: x (H, W) → (E, E') with E = H_out + kernel − 1.

    ``stride − 1`` zeros go between neighbouring pixels, then ``kernel − 1 − padding`` zeros around
    (a negative amount crops), and ``output_padding`` extra zeros at the bottom and right.
    """
    conv_transpose_output_size(x.shape[0], kernel, stride, padding, output_padding)  # validates
    conv_transpose_output_size(x.shape[1], kernel, stride, padding, output_padding)
    H, W = x.shape
    stretched = x.new_zeros((H - 1) * stride + 1, (W - 1) * stride + 1)  # (L_h, L_w)
    stretched[::stride, ::stride] = x
    q = kernel - 1 - padding
    return F.pad(stretched, (q, q + output_padding, q, q + output_padding))  # negative q crops


def conv_transpose2d_by_hand(x: torch.Tensor, k: torch.Tensor, stride: int = 1, padding: int = 0,
                             output_padding: int = 0) -> torch.Tensor:
    """What ``nn.ConvTranspose2d`` computes, for x (H, W) and k (kh, kh): a stride-1 convolution of
    ``stretch_and_pad(x)`` with the kernel flipped in both directions → (H_out, W_out)."""
    if k.shape[0] != k.shape[1]:
        raise ValueError(f"square kernels only here, got {tuple(k.shape)}")
    big = stretch_and_pad(x, k.shape[0], stride, padding, output_padding)  # (H_out + k − 1, W_out + k − 1)
    return conv2d_by_hand(big, k.flip(0, 1))  # (H_out, W_out)


def seed_example() -> torch.Tensor:
    """Seed 003's 5×5 ⊛ 3×3 example solved by hand: the 3×3 grid of "?"."""
    return conv2d_by_hand(SEED_INPUT, SEED_KERNEL)  # (3, 3)


def seed_example_with_layer() -> torch.Tensor:
    """The same example through a real ``nn.Conv2d(1, 1, 3, bias=False)`` holding the seed's kernel → (3, 3)."""
    conv = torch.nn.utils.skip_init(torch.nn.Conv2d, 1, 1, kernel_size=3, bias=False)  # no random init
    with torch.no_grad():
        conv.weight.copy_(SEED_KERNEL.view(1, 1, 3, 3))  # weight: (out=1, in=1, 3, 3)
        return conv(SEED_INPUT.view(1, 1, 5, 5))[0, 0]  # (1, 1, 3, 3) → (3, 3)


def seed_example_transposed(stride: int = 2, padding: int = 1,
                            output_padding: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Seed 003's input through a transposed convolution with the seed's kernel: (by hand, by ``nn.ConvTranspose2d``).

    Both (H_out, W_out), 10×10 for the defaults; integer-valued, so they can be compared exactly.
    """
    by_hand = conv_transpose2d_by_hand(SEED_INPUT, SEED_KERNEL, stride, padding, output_padding)
    layer = torch.nn.utils.skip_init(torch.nn.ConvTranspose2d, 1, 1, 3, stride, padding, output_padding, bias=False)
    with torch.no_grad():
        layer.weight.copy_(SEED_KERNEL.view(1, 1, 3, 3))  # weight: (in=1, out=1, 3, 3)
        by_layer = layer(SEED_INPUT.view(1, 1, 5, 5))[0, 0]  # (1, 1, 10, 10) → (10, 10)
    return by_hand, by_layer


# ----------------------------------------------------------------------------------------------------
# Output sizes
# ----------------------------------------------------------------------------------------------------

def _check_ints(**values: int) -> None:
    for name, v in values.items():
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{name} must be an int, got {v!r}")
    for name in ("n", "kernel", "stride", "dilation"):
        if name in values and values[name] < 1:
            raise ValueError(f"{name} must be ≥ 1, got {values[name]}")
    for name in ("padding", "output_padding"):
        if name in values and values[name] < 0:
            raise ValueError(f"{name} must be ≥ 0, got {values[name]}")


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output height (or width) of ``nn.Conv2d`` for input size ``n``:

    ⌊(n + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.

    Raises ``ValueError`` when the (dilated) kernel does not fit in the padded input.
    """
    _check_ints(n=n, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    span = dilation * (kernel - 1) + 1  # how many input pixels one window covers
    if span > n + 2 * padding:
        raise ValueError(f"kernel span {span} (kernel {kernel}, dilation {dilation}) is larger than the "
                         f"padded input {n} + 2·{padding} = {n + 2 * padding}: no output pixel")
    return (n + 2 * padding - span) // stride + 1


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """Output height (or width) of ``nn.ConvTranspose2d`` for input size ``n``:

    (n − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.

    Raises ``ValueError`` like the layer does: ``output_padding`` must be smaller than the stride
    or the dilation, and the output must have at least one pixel. (PyTorch raises only below 0: where
    this formula gives exactly 0 the layer silently returns an empty tensor.)
    """
    _check_ints(n=n, kernel=kernel, stride=stride, padding=padding, output_padding=output_padding,
                dilation=dilation)
    if output_padding >= max(stride, dilation):
        raise ValueError(f"output_padding ({output_padding}) must be smaller than the stride ({stride}) "
                         f"or the dilation ({dilation}); it only picks among the sizes a stride can hit")
    out = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(f"output size {out} < 1: padding {padding} crops more than the "
                         f"{(n - 1) * stride + dilation * (kernel - 1) + 1} pixels there are")
    return out


def make_layer(kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1,
               transposed: bool = False) -> torch.nn.Module:
    """A real one-channel ``nn.Conv2d`` / ``nn.ConvTranspose2d`` (weights left uninitialised: only shapes are read)."""
    if transposed:
        return torch.nn.utils.skip_init(torch.nn.ConvTranspose2d, 1, 1, kernel, stride, padding, output_padding,
                                        dilation=dilation, bias=False)
    return torch.nn.utils.skip_init(torch.nn.Conv2d, 1, 1, kernel, stride, padding, dilation=dilation, bias=False)


def layer_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0,
                      dilation: int = 1, transposed: bool = False, layer: torch.nn.Module | None = None) -> int:
    """The size a real layer produces on a (1, 1, n, n) input (runs it; raises the layer's RuntimeError)."""
    layer = layer or make_layer(kernel, stride, padding, output_padding, dilation, transposed)
    with torch.no_grad():
        return layer(torch.zeros(1, 1, n, n)).shape[-1]  # (1, 1, H_out, W_out)


@_one_thread
def verify_output_sizes(ns: Iterable[int], kernels: Iterable[int], strides: Iterable[int],
                        paddings: Iterable[int], output_paddings: Iterable[int] = (0,),
                        dilations: Iterable[int] = (1,), transposed: bool = False) -> list[dict]:
    """Formula against the real layer for every combination; one record per setting.

    A record: n, kernel, stride, padding, output_padding, dilation, formula, layer, match. For a
    setting the formula rejects (``ValueError``), ``formula`` is ``None``; the layer must reject it
    too (``RuntimeError``, or an empty 0-pixel output → ``layer`` is ``None``) for ``match`` to be True.
    """
    ns = list(ns)
    records = []
    for kernel, stride, padding, op, d in itertools.product(
            kernels, strides, paddings, output_paddings if transposed else (0,), dilations):
        try:
            layer = make_layer(kernel, stride, padding, op, d, transposed)  # one layer, every n
        except (RuntimeError, ValueError):
            layer = None
        for n in ns:
            try:
                formula = (conv_transpose_output_size(n, kernel, stride, padding, op, d) if transposed
                           else conv_output_size(n, kernel, stride, padding, d))
            except ValueError:
                formula = None
            try:
                got = layer_output_size(n, kernel, stride, padding, op, d, transposed, layer) if layer else None
            except RuntimeError:
                got = None
            if got == 0:  # ConvTranspose2d returns an empty tensor where the formula gives exactly 0
                got = None
            records.append(dict(n=n, kernel=kernel, stride=stride, padding=padding, output_padding=op,
                                dilation=d, formula=formula, layer=got, match=formula == got))
    return records


# (kernel, stride, padding, output_padding): settings met in DCGAN, U-Net and PatchGAN code
COMMON_CONV: tuple[tuple[int, int, int, int], ...] = (
    (3, 1, 1, 0), (4, 2, 1, 0), (3, 2, 1, 0), (5, 2, 2, 0), (7, 1, 3, 0), (1, 1, 0, 0), (4, 1, 0, 0), (4, 2, 0, 0))
COMMON_CONV_TRANSPOSE: tuple[tuple[int, int, int, int], ...] = (
    (4, 2, 1, 0), (3, 2, 1, 1), (3, 2, 1, 0), (5, 2, 2, 1), (2, 2, 0, 0), (4, 1, 0, 0), (3, 1, 1, 0))


def size_records(settings: Iterable[tuple[int, int, int, int]], n: int, transposed: bool = False) -> list[dict]:
    """``verify_output_sizes`` for a list of (kernel, stride, padding, output_padding) settings at size n."""
    return [rec for k, s, p, op in settings
            for rec in verify_output_sizes([n], [k], [s], [p], [op], transposed=transposed)]


def size_summary(records: Sequence[Mapping]) -> str:
    """One line: how many settings were checked, how many agree, how many both formula and layer reject."""
    rejected = sum(r["formula"] is None for r in records)
    agree = sum(r["match"] for r in records)
    return (f"{len(records)} settings: formula == layer in {agree}, disagree in {len(records) - agree}; "
            f"{rejected} of them impossible and rejected by both")


def halve_double_shapes() -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """Seed 003's shape examples through real layers: (layer, input shape, output shape).

    The layers live on PyTorch's "meta" device: shapes are computed, no weights are drawn, so the
    global random state is left alone.
    """
    cases = [
        ("Conv2d(3, 16, k3, s1, p1)", torch.nn.Conv2d(3, 16, 3, 1, 1, device="meta"), (1, 3, 64, 64)),
        ("Conv2d(16, 32, k4, s2, p1)", torch.nn.Conv2d(16, 32, 4, 2, 1, device="meta"), (1, 16, 64, 64)),
        ("ConvTranspose2d(16, 8, k4, s2, p1)", torch.nn.ConvTranspose2d(16, 8, 4, 2, 1, device="meta"),
         (1, 16, 8, 8)),
        ("ConvTranspose2d(16, 8, k4, s2, p1)", torch.nn.ConvTranspose2d(16, 8, 4, 2, 1, device="meta"),
         (1, 16, 32, 32)),
    ]
    return [(name, shape, tuple(layer(torch.empty(shape, device="meta")).shape)) for name, layer, shape in cases]


# ----------------------------------------------------------------------------------------------------
# Transposed convolution is the adjoint, not the inverse
# ----------------------------------------------------------------------------------------------------

def conv_matrix(weight: torch.Tensor, in_size: int, stride: int, padding: int) -> torch.Tensor:
    """The matrix of x ↦ conv2d(x, weight): weight (1, 1, k, k), input (1, 1, n, n) → (m², n²)."""
    n2 = in_size * in_size
    basis = torch.eye(n2, dtype=weight.dtype).view(n2, 1, in_size, in_size)  # (n², 1, n, n): one image per pixel
    cols = F.conv2d(basis, weight, stride=stride, padding=padding)  # (n², 1, m, m)
    return cols.reshape(n2, -1).T  # column j = image of the j-th basis pixel: (m², n²)


def conv_transpose_matrix(weight: torch.Tensor, in_size: int, stride: int, padding: int,
                          output_padding: int = 0) -> torch.Tensor:
    """The matrix of y ↦ conv_transpose2d(y, weight) on (1, 1, m, m) inputs → (n², m²)."""
    m2 = in_size * in_size
    basis = torch.eye(m2, dtype=weight.dtype).view(m2, 1, in_size, in_size)  # (m², 1, m, m)
    cols = F.conv_transpose2d(basis, weight, stride=stride, padding=padding, output_padding=output_padding)
    return cols.reshape(m2, -1).T  # (n², m²)


@dataclass(frozen=True)
class AdjointReport:
    """Numbers for "ConvTranspose2d is the transpose of Conv2d, not its inverse" (float64)."""
    in_shape: tuple[int, ...]      # x: (B, C_in, n, n)
    down_shape: tuple[int, ...]    # Cx: (B, C_out, n/2, n/2)
    up_shape: tuple[int, ...]      # Cᵀ(Cx): same shape as x
    inner_down: float              # ⟨Cx, y⟩
    inner_up: float                # ⟨x, Cᵀy⟩
    adjoint_rel_gap: float         # |⟨Cx, y⟩ − ⟨x, Cᵀy⟩| / |⟨Cx, y⟩|
    matrix_is_transpose: bool      # matrix of ConvTranspose2d == (matrix of Conv2d)ᵀ, 1 channel
    rank: int                      # rank of the 1-channel Conv2d matrix
    matrix_shape: tuple[int, int]  # (m², n²)
    recon_rel_error: float         # ‖Cᵀ(Cx) − x‖ / ‖x‖
    best_scale_rel_error: float    # min over α of ‖α·Cᵀ(Cx) − x‖ / ‖x‖


@_one_thread
def adjoint_report(in_size: int = 8, channels: tuple[int, int] = (3, 8), kernel: int = 4, stride: int = 2,
                   padding: int = 1, seed: int = 0) -> AdjointReport:
    """Conv2d C and ConvTranspose2d with the SAME weight: adjoint identity and round-trip error.

    The weight (C_out, C_in, k, k) is drawn like PyTorch's default init from ``seed``; x and y are
    standard normal. Everything is in float64 so the adjoint gap is at rounding level.
    """
    g = torch.Generator().manual_seed(seed)
    c_in, c_out = channels
    bound = 1 / math.sqrt(c_in * kernel * kernel)
    weight = (torch.rand(c_out, c_in, kernel, kernel, generator=g, dtype=torch.float64) * 2 - 1) * bound
    x = torch.randn(1, c_in, in_size, in_size, generator=g, dtype=torch.float64)  # (1, C_in, n, n)
    down = F.conv2d(x, weight, stride=stride, padding=padding)  # C x: (1, C_out, m, m)
    y = torch.randn(down.shape, generator=g, dtype=torch.float64)  # (1, C_out, m, m)
    # conv_transpose2d reads the same tensor as (C_in_of_T = C_out, C_out_of_T = C_in, k, k)
    up_y = F.conv_transpose2d(y, weight, stride=stride, padding=padding)  # Cᵀ y: (1, C_in, n, n)
    up_down = F.conv_transpose2d(down, weight, stride=stride, padding=padding)  # Cᵀ C x: (1, C_in, n, n)

    inner_down = float((down * y).sum())
    inner_up = float((x * up_y).sum())
    err = up_down - x
    alpha = float((up_down * x).sum() / (up_down * up_down).sum())  # least-squares scale
    M = conv_matrix(weight[:1, :1], in_size, stride, padding)  # (m², n²)
    MT = conv_transpose_matrix(weight[:1, :1], down.shape[-1], stride, padding)  # (n², m²)
    return AdjointReport(
        in_shape=tuple(x.shape), down_shape=tuple(down.shape), up_shape=tuple(up_down.shape),
        inner_down=inner_down, inner_up=inner_up,
        adjoint_rel_gap=abs(inner_down - inner_up) / abs(inner_down),
        matrix_is_transpose=bool(torch.allclose(MT, M.T, rtol=0, atol=1e-15)),
        rank=int(torch.linalg.matrix_rank(M)), matrix_shape=tuple(M.shape),
        recon_rel_error=float(err.norm() / x.norm()),
        best_scale_rel_error=float((alpha * up_down - x).norm() / x.norm()),
    )


# ----------------------------------------------------------------------------------------------------
# Checkerboard artifacts (Odena et al. 2016)
# ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upsampler:
    """One way to double H and W: a transposed convolution, or a resize followed by a k×k convolution."""
    name: str
    kernel: int
    transposed: bool
    mode: str | None = None       # "nearest" / "bilinear" resize before the convolution
    padding: int = 1
    output_padding: int = 0

    def __call__(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """x: (B, G, n, n) or (B, 1, n, n), weight: (G, 1, k, k) → (B, G, 2n, 2n).

        With G input channels, channel g is upsampled with kernel g alone (``groups=G``); with one
        input channel, that channel is upsampled with each of the G kernels.
        """
        G = x.shape[1]
        if self.transposed:
            w = weight if G > 1 else weight.transpose(0, 1)  # ConvTranspose2d weights are (C_in, C_out/groups, k, k)
            return F.conv_transpose2d(x, w, stride=2, padding=self.padding,
                                      output_padding=self.output_padding, groups=G)  # (B, G', 2n, 2n)
        big = F.interpolate(x, scale_factor=2, mode=self.mode)  # (B, G, 2n, 2n)
        return F.conv2d(big, weight, padding=self.padding, groups=G)  # (B, G', 2n, 2n)


UPSAMPLERS: dict[str, Upsampler] = {
    "ConvT k3 s2": Upsampler("ConvT k3 s2", kernel=3, transposed=True, padding=1, output_padding=1),
    "ConvT k4 s2": Upsampler("ConvT k4 s2", kernel=4, transposed=True, padding=1),
    "nearest×2 + conv k3": Upsampler("nearest×2 + conv k3", kernel=3, transposed=False, mode="nearest"),
    "bilinear×2 + conv k3": Upsampler("bilinear×2 + conv k3", kernel=3, transposed=False, mode="bilinear"),
}


def checkerboard_scores(y: torch.Tensor, border: int = 2) -> torch.Tensor:
    """Share of the energy of each image y (..., H, W) at the checkerboard (Nyquist) frequency → (...) in [0, 1].

    The ``border`` outermost pixels are dropped first (padding effects). The score is the fraction of
    Σ|FFT|² lying in the row or column of frequency ½ cycle per pixel — patterns that flip sign every
    pixel; 0 for a flat image. White noise scores about (h + w − 1)/(h·w) by chance. Interior sides
    must be even.
    """
    inner = y[..., border:y.shape[-2] - border, border:y.shape[-1] - border].double()  # (..., h, w)
    h, w = inner.shape[-2:]
    if h % 2 or w % 2:
        raise ValueError(f"interior {h}×{w} must have even sides to hold the Nyquist frequency")
    power = torch.fft.fft2(inner).abs() ** 2  # (..., h, w)
    nyquist = power[..., h // 2, :].sum(-1) + power[..., :, w // 2].sum(-1) - power[..., h // 2, w // 2]
    total = power.sum((-2, -1))
    return torch.where(total > 0, nyquist / total.clamp_min(1e-300), torch.zeros_like(total))


def checkerboard_score(y: torch.Tensor, border: int = 2) -> float:
    """``checkerboard_scores`` of one image y (H, W), as a float."""
    if y.dim() != 2:
        raise ValueError(f"expected one image (H, W), got {tuple(y.shape)}; use checkerboard_scores")
    return float(checkerboard_scores(y, border))


def overlap_counts(kernel: int, stride: int = 2, n: int = 6, padding: int = 0) -> torch.Tensor:
    """How many input pixels land on each output pixel of a transposed convolution: ones through ones.

    A (n, n) input of ones, a (k, k) weight of ones → (H_out, W_out) integer counts (Odena's picture).
    """
    ones = torch.ones(1, 1, n, n, dtype=torch.float64)
    w = torch.ones(1, 1, kernel, kernel, dtype=torch.float64)
    return F.conv_transpose2d(ones, w, stride=stride, padding=padding)[0, 0].round().long()  # (H_out, W_out)


@dataclass(frozen=True)
class CheckerboardResult:
    """Scores of one upsampler (means over the random trials), and two example outputs."""
    name: str
    constant_weights: float         # all-ones input, all-ones weights
    positive_mean: float            # all-ones input, weights uniform in [0, 1] (smooth, blur-like kernels)
    signed_mean: float              # all-ones input, weights uniform in [−1, 1] (like PyTorch's init)
    noise_input_mean: float         # white-noise input, weights uniform in [−1, 1]
    example_constant: torch.Tensor  # (2n, 2n) output for all-ones weights
    example_random: torch.Tensor    # (2n, 2n) output of the first signed-weight trial


@_one_thread
def checkerboard_study(n: int = 16, trials: int = 200, seed: int = 0,
                       upsamplers: Mapping[str, Upsampler] = UPSAMPLERS) -> list[CheckerboardResult]:
    """Upsample (1, 1, n, n) images ×2 with each upsampler and measure ``checkerboard_scores``.

    Weights: all ones; uniform in [0, 1]; uniform in [−1, 1] (PyTorch's default init is uniform and
    symmetric; the score ignores scale) — ``trials`` draws each from ``seed``, the same draws for every
    upsampler with the same kernel size. Inputs: all ones, or standard-normal noise.
    """
    results = []
    for name, up in upsamplers.items():
        g = torch.Generator().manual_seed(seed)
        k = up.kernel
        ones_w = torch.ones(1, 1, k, k, dtype=torch.float64)  # (1, 1, k, k)
        w_pos = torch.rand(trials, 1, k, k, generator=g, dtype=torch.float64)  # (T, 1, k, k) in [0, 1]
        w_signed = torch.rand(trials, 1, k, k, generator=g, dtype=torch.float64) * 2 - 1  # in [−1, 1]
        flat = torch.ones(1, 1, n, n, dtype=torch.float64)  # (1, 1, n, n): shared by every trial
        noise = torch.randn(1, trials, n, n, generator=g, dtype=torch.float64)  # (1, T, n, n): trial t in channel t
        y_const = up(flat, ones_w)[0, 0]  # (2n, 2n)
        y_signed = up(flat, w_signed)[0]  # (T, 2n, 2n)
        results.append(CheckerboardResult(
            name=name, constant_weights=checkerboard_score(y_const),
            positive_mean=float(checkerboard_scores(up(flat, w_pos)[0]).mean()),
            signed_mean=float(checkerboard_scores(y_signed).mean()),
            noise_input_mean=float(checkerboard_scores(up(noise, w_signed)[0]).mean()),
            example_constant=y_const, example_random=y_signed[0]))
    return results


def checkerboard_rows(results: Sequence[CheckerboardResult], decimals: int = 4) -> list[dict]:
    """``checkerboard_study`` as table rows (rounded) for ``format_table``."""
    return [dict(name=r.name, ones=round(r.constant_weights, decimals), positive=round(r.positive_mean, decimals),
                 signed=round(r.signed_mean, decimals), noise=round(r.noise_input_mean, decimals))
            for r in results]


# ----------------------------------------------------------------------------------------------------
# The seed's kernel on a real photograph
# ----------------------------------------------------------------------------------------------------

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


@_one_thread
def apply_kernel_to_image(image: torch.Tensor | np.ndarray, kernel: torch.Tensor) -> torch.Tensor:
    """``nn.Conv2d``'s cross-correlation of a gray image (H, W) with ``kernel`` (kh, kw), no padding.

    Returns (H − kh + 1, W − kw + 1) in float64. Same numbers as ``conv2d_by_hand``, but fast enough
    for a photo (the loops above visit 65 k windows of a 256×256 image one by one).
    """
    img = torch.as_tensor(np.asarray(image) if isinstance(image, np.ndarray) else image).double()
    if img.dim() != 2:
        raise ValueError(f"expected a gray image (H, W), got {tuple(img.shape)}")
    k = kernel.double()[None, None]  # (1, 1, kh, kw)
    return F.conv2d(img[None, None], k)[0, 0]  # (H − kh + 1, W − kw + 1)


def step_edge_responses(size: int = 6) -> dict[str, dict[str, float]]:
    """Peak |response| of the seed kernel and its transpose on a vertical and a horizontal step edge.

    The images are 0 on one side and 1 on the other; a kernel "sees" an edge when its response is large.
    """
    vertical = torch.zeros(size, size)
    vertical[:, size // 2:] = 1  # dark left half, bright right half: a vertical edge
    images = {"vertical edge": vertical, "horizontal edge": vertical.T.contiguous()}
    kernels = {"seed kernel": SEED_KERNEL, "seed kernel transposed": SEED_KERNEL.T.contiguous()}
    return {img_name: {k_name: float(conv2d_by_hand(img, k).abs().max()) for k_name, k in kernels.items()}
            for img_name, img in images.items()}


# ----------------------------------------------------------------------------------------------------
# Exercises with self-checks
# ----------------------------------------------------------------------------------------------------

def _flat_transposed(k: object) -> bool:
    if not isinstance(k, (int, np.integer)) or not 2 <= k <= 8:
        return False
    counts = overlap_counts(int(k), stride=2, n=6)[k:-k, k:-k]  # interior, away from the borders
    return bool((counts == counts.flatten()[0]).all())


EXERCISES: dict[str, Exercise] = {
    "conv_size": Exercise(
        "Conv2d(kernel_size=5, stride=2, padding=2) on a 64×64 image: output H = W = ?",
        lambda: conv_output_size(64, 5, 2, 2), explain="⌊(64 + 4 − 5)/2⌋ + 1"),
    "convT_chain": Exercise(
        "three ConvTranspose2d(kernel_size=4, stride=2, padding=1) in a row, starting from 4×4: H = W = ?",
        lambda: functools.reduce(lambda n, _: conv_transpose_output_size(n, 4, 2, 1), range(3), 4),
        explain="each doubles: 4 → 8 → 16 → 32"),
    "output_padding": Exercise(
        "which output_padding makes ConvTranspose2d(kernel_size=3, stride=2, padding=1) map 8×8 to 16×16?",
        lambda: next(op for op in range(2) if conv_transpose_output_size(8, 3, 2, 1, op) == 16),
        explain="(8 − 1)·2 − 2 + 3 + op = 15 + op"),
    "seed_top_left": Exercise(
        "the top-left '?' of seed 003's output grid",
        lambda: int(seed_example()[0, 0]), explain="(1 + 0 + 1) − (3 + 2 + 1)"),
    "flat_kernel": Exercise(
        "a kernel size k (2 to 8) for which ConvTranspose2d(k, stride=2) of an all-ones image with all-ones "
        "weights is flat away from the borders",
        lambda: 4, accept=_flat_transposed, explain="any k divisible by the stride: 2, 4, 6 or 8"),
}


check_exercise, check_exercises = checkers(EXERCISES)


# ----------------------------------------------------------------------------------------------------
# Figures (pure: each returns a Figure)
# ----------------------------------------------------------------------------------------------------

_COLORS = {"input": "#9ecae1", "padding": "#d9d9d9", "inserted zero": "#ffffff", "unused": "#fcbba1",
           "output": "#c7e9c0", "first": "#de2d26", "second": "#fd8d3c"}


def _grid_categories(in_size: int, kernel: int, stride: int, padding: int, output_padding: int,
                     transposed: bool) -> tuple[list[str], int, str]:
    """Category of each row (= column) of the grid the kernel slides over, the output size, a caption."""
    if not transposed:
        out = conv_output_size(in_size, kernel, stride, padding)
        cats = ["padding"] * padding + ["input"] * in_size + ["padding"] * padding
        covered = (out - 1) * stride + kernel  # rows any window touches
        cats = [c if i < covered else "unused" for i, c in enumerate(cats)]
        caption = (f"o = ⌊(n + 2p − k)/s⌋ + 1 = ⌊({in_size} + {2 * padding} − {kernel})/{stride}⌋ + 1 = {out}")
        if covered < len(cats):
            caption += f";  {len(cats) - covered} row(s)/col(s) never reached"
        return cats, out, caption
    out = conv_transpose_output_size(in_size, kernel, stride, padding, output_padding)
    length = (in_size - 1) * stride + 1  # stretched input: stride − 1 zeros between pixels
    q = kernel - 1 - padding
    cats = []
    for e in range(length + 2 * q + output_padding):
        t = e - q  # index into the stretched input
        cats.append("padding" if not 0 <= t < length else ("input" if t % stride == 0 else "inserted zero"))
    caption = (f"o = (n − 1)s − 2p + k + op = {in_size - 1}·{stride} − {2 * padding} + {kernel} + {output_padding}"
               f" = {out}"
               f";  view: {stride - 1} zero(s) between pixels, k − 1 − p = {q} zero(s) around"
               + (" (negative: crop)" if q < 0 else "") + ", then a stride-1 conv with the flipped kernel")
    return cats, out, caption


def _draw_grid(ax, cats_r: Sequence[str], cats_c: Sequence[str], label_zeros: bool) -> None:
    size = len(cats_r)
    for i, cr in enumerate(cats_r):
        for j, cc in enumerate(cats_c):
            order = ["unused", "padding", "inserted zero", "input"]
            cat = min((cr, cc), key=order.index)  # a cell is "input" only if both its row and column are
            ax.add_patch(Rectangle((j, size - 1 - i), 1, 1, facecolor=_COLORS[cat], edgecolor="#636363", lw=0.6,
                                   hatch="//" if cat == "padding" else None))
            if label_zeros and cat in ("padding", "inserted zero") and size <= 16:
                ax.text(j + 0.5, size - 0.5 - i, "0", ha="center", va="center", fontsize=7, color="#636363")


def _window(ax, size: int, top: int, left: int, k: int, color: str, style: str) -> None:
    ax.add_patch(Rectangle((left, size - top - k), k, k, fill=False, edgecolor=color, lw=2.5, ls=style))


def plot_conv_geometry(in_size: int, kernel: int, stride: int, padding: int, output_padding: int = 0,
                       transposed: bool = False) -> Figure:
    """Left: the grid the kernel slides over (input pixels, zero padding, inserted zeros), with the
    first two window positions; right: the output grid and its size from the formula.

    For ``transposed=True`` the left grid is the stride-1 view of ``ConvTranspose2d``
    (``stretch_and_pad``). ``output_padding`` is ignored by ``Conv2d``. Raises ``ValueError`` for
    settings the layer rejects.
    """
    cats, out, caption = _grid_categories(in_size, kernel, stride, padding, output_padding, transposed)
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
            color = {(0, 0): _COLORS["first"], (0, 1): _COLORS["second"]}.get((i, j), _COLORS["output"])
            ax_out.add_patch(Rectangle((j, out - 1 - i), 1, 1, facecolor=color, edgecolor="#636363", lw=0.6))
    for ax, n in ((ax_in, size), (ax_out, out)):
        ax.set_xlim(-0.2, n + 0.2)
        ax.set_ylim(-0.2, n + 0.2)
        ax.set_aspect("equal")
        ax.set_axis_off()
    layer = (f"ConvTranspose2d(k={kernel}, s={stride}, p={padding}, op={output_padding})" if transposed
             else f"Conv2d(k={kernel}, s={stride}, p={padding})")
    ax_in.set_title(f"{'stride-1 view of the ' if transposed else ''}{in_size}×{in_size} input"
                    f"{'' if transposed else ' + padding'}: {size}×{size}", fontsize=10)
    ax_out.set_title(f"output {out}×{out}", fontsize=10)
    note = "  (output_padding is ignored by Conv2d)" if output_padding and not transposed else ""
    fig.suptitle(f"{layer}: {in_size}×{in_size} → {out}×{out}{note}", fontsize=12)
    present = [c for c in ("input", "padding", "inserted zero", "unused") if c in cats]
    handles = [Patch(facecolor=_COLORS[c], edgecolor="#636363", hatch="//" if c == "padding" else None,
                     label={"padding": "zero padding", "unused": "never reached"}.get(c, c)) for c in present]
    handles += [Patch(fill=False, edgecolor=_COLORS["first"], lw=2, label="window → output pixel 1"),
                Patch(fill=False, edgecolor=_COLORS["second"], lw=2, ls="--", label="next window → pixel 2")]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False)
    fig.text(0.5, 0.08, caption, ha="center", fontsize=8.5, wrap=True)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.88, bottom=0.16, wspace=0.08)
    return fig


def plot_seed_example(x: torch.Tensor = SEED_INPUT, k: torch.Tensor = SEED_KERNEL) -> Figure:
    """Seed 003's picture with the "?" filled in: input, kernel and output as annotated grids."""
    y = conv2d_by_hand(x, k)
    fig = Figure(figsize=(9, 3.2))
    axes = fig.subplots(1, 3, gridspec_kw=dict(width_ratios=[x.shape[1], k.shape[1], y.shape[1]]))
    for ax, t, title, cmap in zip(axes, (x, k, y), ("input 5×5", "kernel 3×3", "output 3×3 (the '?')"),
                                  ("Blues", "RdBu", "RdBu")):
        lim = float(t.abs().max()) or 1.0
        ax.imshow(t.numpy(), cmap=cmap, vmin=-lim if cmap == "RdBu" else 0, vmax=lim)
        for (i, j), v in np.ndenumerate(t.numpy()):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=11, color="w" if abs(v) > 0.6 * lim else "k")
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(title)
    axes[0].add_patch(Rectangle((-0.5, -0.5), 3, 3, fill=False, edgecolor=_COLORS["first"], lw=3))
    axes[2].add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=_COLORS["first"], lw=3))
    fig.tight_layout()
    return fig


def plot_checkerboard(results: Sequence[CheckerboardResult], border: int = 2) -> Figure:
    """Row 1: each upsampler's output for all-ones weights; row 2: for the first random signed kernel.

    Only the interior is drawn (``border`` pixels cropped, as the score does), each panel on its own
    gray scale, titled with its checkerboard score.
    """
    fig = Figure(figsize=(2.9 * len(results), 6.6), layout="constrained")
    axes = fig.subplots(2, len(results), squeeze=False)
    for col, r in enumerate(results):
        for row, (img, label) in enumerate(((r.example_constant, "weights all 1"),
                                            (r.example_random, "weights U(−1, 1)"))):
            inner = img[border:img.shape[0] - border, border:img.shape[1] - border]
            ax = axes[row, col]
            lo, hi = float(inner.min()), float(inner.max())
            if hi - lo <= 1e-9 * max(1.0, abs(hi)):  # flat: draw it mid-gray, not black
                lo, hi = lo - 1, hi + 1
            ax.imshow(inner.numpy(), cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"{r.name}\n{label}: score {checkerboard_score(img, border):.3f}", fontsize=9)
    fig.suptitle("an all-ones image upsampled ×2 (interior shown, each panel its own gray scale)", fontsize=11)
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


def plot_edge_response(image: torch.Tensor, responses: Mapping[str, torch.Tensor],
                       title: str = "photo (scikit-image camera)") -> Figure:
    """The photo (titled ``title``), then each kernel's response on a symmetric red–blue scale (red +, blue −)."""
    fig = Figure(figsize=(4 * (1 + len(responses)), 4.3))
    axes = fig.subplots(1, 1 + len(responses))
    axes[0].imshow(image.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_title(title)
    for ax, (name, r) in zip(axes[1:], responses.items()):
        lim = float(r.abs().quantile(0.995)) if r.numel() <= 2**24 else float(r.abs().max())
        ax.imshow(r.numpy(), cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        ax.set_title(name, fontsize=10)
    for ax in axes:
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    return fig
