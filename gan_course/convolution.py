"""Convolution and transposed convolution, by hand and checked against PyTorch
(notebook 01, note 003).

What a generator and a discriminator are built from, written so that a student can read every step:

- ``conv2d_by_hand``: the sliding window of ``nn.Conv2d`` as two explicit loops (it is a
  cross-correlation: the kernel is *not* flipped), and ``conv_transpose2d_by_hand``: a transposed
  convolution as "insert zeros, pad, slide a flipped kernel with stride 1".
- ``conv_output_size`` / ``conv_transpose_output_size``: the output-size formulas of the PyTorch
  docs, with the same validity rules as the layers (clear ``ValueError`` s instead of shape errors).
- ``adjoint_report``: a transposed convolution is the *adjoint* (matrix transpose) of the
  convolution with the same weights, not its inverse (Dumoulin & Visin 2016, "A guide to convolution
  arithmetic for deep learning", arXiv:1603.07285).

Notebook 01's studies (checkerboards, photographs, exercises) and its figures live in
``lessons.convolution_views``.

Tensors are 2-D images (H, W) unless said otherwise; layers use (B, C, H, W).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

# Note 003's worked example: a 5×5 input and a 3×3 vertical-edge kernel; the 3×3 output is "?".
NOTE_INPUT = torch.tensor(
    [
        [1.0, 2.0, 3.0, 0.0, 1.0],
        [0.0, 1.0, 2.0, 1.0, 0.0],
        [1.0, 0.0, 1.0, 2.0, 1.0],
        [2.0, 1.0, 0.0, 1.0, 0.0],
        [0.0, 1.0, 2.0, 0.0, 1.0],
    ]
)  # (5, 5)
NOTE_KERNEL = torch.tensor(
    [[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]]
)  # (3, 3): left column minus right column


# --------------------------------------------------------------------------------------------------
# The operations by hand
# --------------------------------------------------------------------------------------------------


def conv2d_by_hand(
    x: torch.Tensor, k: torch.Tensor, stride: int = 1, padding: int = 0
) -> torch.Tensor:
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
        raise ValueError(
            f"expected x (C, H, W) and k (C, kh, kw) with the same C, "
            f"got {tuple(x.shape)} and {tuple(k.shape)}"
        )
    C, H, W = x.shape
    _, kh, kw = k.shape
    out_h = conv_output_size(H, kh, stride, padding)
    out_w = conv_output_size(W, kw, stride, padding)

    # 1. zero padding: a frame of `padding` zeros around every channel
    dtype = torch.result_type(x, k)
    padded = torch.zeros(C, H + 2 * padding, W + 2 * padding, dtype=dtype)  # (C, H+2p, W+2p)
    padded[:, padding : padding + H, padding : padding + W] = x

    # 2. slide the window: one output pixel per position, `stride` pixels apart
    out = torch.zeros(out_h, out_w, dtype=dtype)  # (H_out, W_out)
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * stride, j * stride
            window = padded[:, top : top + kh, left : left + kw]  # (C, kh, kw)
            out[i, j] = (window * k).sum()  # multiply element-wise, add everything up
    return out


def stretch_and_pad(
    x: torch.Tensor, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0
) -> torch.Tensor:
    """The input a transposed convolution really slides over: x (H, W) → (E, E') with
    E = H_out + kernel − 1.

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


def conv_transpose2d_by_hand(
    x: torch.Tensor, k: torch.Tensor, stride: int = 1, padding: int = 0, output_padding: int = 0
) -> torch.Tensor:
    """What ``nn.ConvTranspose2d`` computes, for x (H, W) and k (kh, kh): a stride-1 convolution of
    ``stretch_and_pad(x)`` with the kernel flipped in both directions → (H_out, W_out)."""
    if k.shape[0] != k.shape[1]:
        raise ValueError(f"square kernels only here, got {tuple(k.shape)}")
    big = stretch_and_pad(
        x, k.shape[0], stride, padding, output_padding
    )  # (H_out + k − 1, W_out + k − 1)
    return conv2d_by_hand(big, k.flip(0, 1))  # (H_out, W_out)


def note_example() -> torch.Tensor:
    """Note 003's 5×5 ⊛ 3×3 example solved by hand: the 3×3 grid of "?"."""
    return conv2d_by_hand(NOTE_INPUT, NOTE_KERNEL)  # (3, 3)


def note_example_with_layer() -> torch.Tensor:
    """The same example through a real ``nn.Conv2d(1, 1, 3, bias=False)`` holding the note's kernel
    → (3, 3)."""
    conv = torch.nn.utils.skip_init(
        torch.nn.Conv2d, 1, 1, kernel_size=3, bias=False
    )  # no random init
    with torch.no_grad():
        conv.weight.copy_(NOTE_KERNEL.view(1, 1, 3, 3))  # weight: (out=1, in=1, 3, 3)
        return conv(NOTE_INPUT.view(1, 1, 5, 5))[0, 0]  # (1, 1, 3, 3) → (3, 3)


def note_example_transposed(
    stride: int = 2, padding: int = 1, output_padding: int = 1
) -> tuple[torch.Tensor, torch.Tensor]:
    """Note 003's input through a transposed convolution with the note's kernel: (by hand, by
    ``nn.ConvTranspose2d``).

    Both (H_out, W_out), 10×10 for the defaults; integer-valued, so they can be compared exactly.
    """
    by_hand = conv_transpose2d_by_hand(NOTE_INPUT, NOTE_KERNEL, stride, padding, output_padding)
    layer = torch.nn.utils.skip_init(
        torch.nn.ConvTranspose2d, 1, 1, 3, stride, padding, output_padding, bias=False
    )
    with torch.no_grad():
        layer.weight.copy_(NOTE_KERNEL.view(1, 1, 3, 3))  # weight: (in=1, out=1, 3, 3)
        by_layer = layer(NOTE_INPUT.view(1, 1, 5, 5))[0, 0]  # (1, 1, 10, 10) → (10, 10)
    return by_hand, by_layer


# --------------------------------------------------------------------------------------------------
# Output sizes
# --------------------------------------------------------------------------------------------------


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


def conv_output_size(
    n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output height (or width) of ``nn.Conv2d`` for input size ``n``:

    ⌊(n + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.

    Raises ``ValueError`` when the (dilated) kernel does not fit in the padded input.
    """
    _check_ints(n=n, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    span = dilation * (kernel - 1) + 1  # how many input pixels one window covers
    if span > n + 2 * padding:
        raise ValueError(
            f"kernel span {span} (kernel {kernel}, dilation {dilation}) is larger than the "
            f"padded input {n} + 2·{padding} = {n + 2 * padding}: no output pixel"
        )
    return (n + 2 * padding - span) // stride + 1


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """Output height (or width) of ``nn.ConvTranspose2d`` for input size ``n``:

    (n − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.

    Raises ``ValueError`` like the layer does: ``output_padding`` must be smaller than the stride
    or the dilation, and the output must have at least one pixel. (PyTorch raises only below 0:
    where this formula gives exactly 0 the layer silently returns an empty tensor.)
    """
    _check_ints(n=n, kernel=kernel, stride=stride, padding=padding, output_padding=output_padding,
                dilation=dilation)
    if output_padding >= max(stride, dilation):
        raise ValueError(
            f"output_padding ({output_padding}) must be smaller than the stride ({stride}) "
            f"or the dilation ({dilation}); it only picks among the sizes a stride can hit"
        )
    out = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if out < 1:
        raise ValueError(
            f"output size {out} < 1: padding {padding} crops more than the "
            f"{(n - 1) * stride + dilation * (kernel - 1) + 1} pixels there are"
        )
    return out


def make_layer(
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
    transposed: bool = False,
) -> torch.nn.Module:
    """A real one-channel ``nn.Conv2d`` / ``nn.ConvTranspose2d`` (weights left uninitialised: only
    shapes are read)."""
    if transposed:
        return torch.nn.utils.skip_init(
            torch.nn.ConvTranspose2d,
            1,
            1,
            kernel,
            stride,
            padding,
            output_padding,
            dilation=dilation,
            bias=False,
        )
    return torch.nn.utils.skip_init(
        torch.nn.Conv2d, 1, 1, kernel, stride, padding, dilation=dilation, bias=False
    )


def layer_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                      output_padding: int = 0, dilation: int = 1, transposed: bool = False,
                      layer: torch.nn.Module | None = None) -> int:
    """The size a real layer produces on a (1, 1, n, n) input (runs it; raises the layer's
    RuntimeError)."""
    layer = layer or make_layer(kernel, stride, padding, output_padding, dilation, transposed)
    with torch.no_grad():
        return layer(torch.zeros(1, 1, n, n)).shape[-1]  # (1, 1, H_out, W_out)


def verify_output_sizes(
    ns: Iterable[int],
    kernels: Iterable[int],
    strides: Iterable[int],
    paddings: Iterable[int],
    output_paddings: Iterable[int] = (0,),
    dilations: Iterable[int] = (1,),
    transposed: bool = False,
) -> list[dict]:
    """Formula against the real layer for every combination; one record per setting.

    A record: n, kernel, stride, padding, output_padding, dilation, formula, layer, match. For a
    setting the formula rejects (``ValueError``), ``formula`` is ``None``; the layer must reject it
    too (``RuntimeError``, or an empty 0-pixel output → ``layer`` is ``None``) for ``match`` to be
    True.
    """
    ns = list(ns)
    records = []
    for kernel, stride, padding, op, d in itertools.product(
        kernels, strides, paddings, output_paddings if transposed else (0,), dilations
    ):
        try:
            layer = make_layer(kernel, stride, padding, op, d, transposed)  # one layer, every n
        except (RuntimeError, ValueError):
            layer = None
        for n in ns:
            try:
                formula = (
                    conv_transpose_output_size(n, kernel, stride, padding, op, d)
                    if transposed
                    else conv_output_size(n, kernel, stride, padding, d)
                )
            except ValueError:
                formula = None
            try:
                got = (
                    layer_output_size(n, kernel, stride, padding, op, d, transposed, layer)
                    if layer
                    else None
                )
            except RuntimeError:
                got = None
            if (
                got == 0
            ):  # ConvTranspose2d returns an empty tensor where the formula gives exactly 0
                got = None
            records.append(
                dict(
                    n=n,
                    kernel=kernel,
                    stride=stride,
                    padding=padding,
                    output_padding=op,
                    dilation=d,
                    formula=formula,
                    layer=got,
                    match=formula == got,
                )
            )
    return records


# (kernel, stride, padding, output_padding): settings met in DCGAN, U-Net and PatchGAN code
COMMON_CONV: tuple[tuple[int, int, int, int], ...] = ((3, 1, 1, 0), (4, 2, 1, 0), (3, 2, 1, 0),
                                                      (5, 2, 2, 0), (7, 1, 3, 0), (1, 1, 0, 0),
                                                      (4, 1, 0, 0), (4, 2, 0, 0))
COMMON_CONV_TRANSPOSE: tuple[tuple[int, int, int, int], ...] = ((4, 2, 1, 0), (3, 2, 1, 1),
                                                                (3, 2, 1, 0), (5, 2, 2, 1),
                                                                (2, 2, 0, 0), (4, 1, 0, 0),
                                                                (3, 1, 1, 0))


def size_records(
    settings: Iterable[tuple[int, int, int, int]], n: int, transposed: bool = False
) -> list[dict]:
    """``verify_output_sizes`` for a list of (kernel, stride, padding, output_padding) settings at
    size n."""
    return [
        rec
        for k, s, p, op in settings
        for rec in verify_output_sizes([n], [k], [s], [p], [op], transposed=transposed)
    ]


def size_summary(records: Sequence[Mapping]) -> str:
    """One line: how many settings were checked, how many agree, how many both formula and layer
    reject."""
    rejected = sum(r["formula"] is None for r in records)
    agree = sum(r["match"] for r in records)
    return (
        f"{len(records)} settings: formula == layer in {agree}, "
        f"disagree in {len(records) - agree}; "
        f"{rejected} of them impossible and rejected by both"
    )


def halve_double_shapes() -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    """Note 003's shape examples through real layers: (layer, input shape, output shape).

    The layers live on PyTorch's "meta" device: shapes are computed, no weights are drawn, so the
    global random state is left alone.
    """
    meta = dict(device="meta")
    conv, conv_t = torch.nn.Conv2d, torch.nn.ConvTranspose2d
    cases = [("Conv2d(3, 16, k3, s1, p1)", conv(3, 16, 3, 1, 1, **meta), (1, 3, 64, 64)),
             ("Conv2d(16, 32, k4, s2, p1)", conv(16, 32, 4, 2, 1, **meta), (1, 16, 64, 64)),
             ("ConvTranspose2d(16, 8, k4, s2, p1)", conv_t(16, 8, 4, 2, 1, **meta), (1, 16, 8, 8)),
             ("ConvTranspose2d(16, 8, k4, s2, p1)", conv_t(16, 8, 4, 2, 1, **meta),
              (1, 16, 32, 32))]
    return [
        (name, shape, tuple(layer(torch.empty(shape, device="meta")).shape))
        for name, layer, shape in cases
    ]


# --------------------------------------------------------------------------------------------------
# Transposed convolution is the adjoint, not the inverse
# --------------------------------------------------------------------------------------------------


def conv_matrix(weight: torch.Tensor, in_size: int, stride: int, padding: int) -> torch.Tensor:
    """The matrix of x ↦ conv2d(x, weight): weight (1, 1, k, k), input (1, 1, n, n) → (m², n²)."""
    n2 = in_size * in_size
    basis = torch.eye(n2, dtype=weight.dtype).view(
        n2, 1, in_size, in_size
    )  # (n², 1, n, n): one image per pixel
    cols = F.conv2d(basis, weight, stride=stride, padding=padding)  # (n², 1, m, m)
    return cols.reshape(n2, -1).T  # column j = image of the j-th basis pixel: (m², n²)


def conv_transpose_matrix(
    weight: torch.Tensor, in_size: int, stride: int, padding: int, output_padding: int = 0
) -> torch.Tensor:
    """The matrix of y ↦ conv_transpose2d(y, weight) on (1, 1, m, m) inputs → (n², m²)."""
    m2 = in_size * in_size
    basis = torch.eye(m2, dtype=weight.dtype).view(m2, 1, in_size, in_size)  # (m², 1, m, m)
    cols = F.conv_transpose2d(
        basis, weight, stride=stride, padding=padding, output_padding=output_padding
    )
    return cols.reshape(m2, -1).T  # (n², m²)


@dataclass(frozen=True)
class AdjointReport:
    """Numbers for "ConvTranspose2d is the transpose of Conv2d, not its inverse" (float64)."""

    in_shape: tuple[int, ...]  # x: (B, C_in, n, n)
    down_shape: tuple[int, ...]  # Cx: (B, C_out, n/2, n/2)
    up_shape: tuple[int, ...]  # Cᵀ(Cx): same shape as x
    inner_down: float  # ⟨Cx, y⟩
    inner_up: float  # ⟨x, Cᵀy⟩
    adjoint_rel_gap: float  # |⟨Cx, y⟩ − ⟨x, Cᵀy⟩| / |⟨Cx, y⟩|
    matrix_is_transpose: bool  # matrix of ConvTranspose2d == (matrix of Conv2d)ᵀ, 1 channel
    rank: int  # rank of the 1-channel Conv2d matrix
    matrix_shape: tuple[int, int]  # (m², n²)
    recon_rel_error: float  # ‖Cᵀ(Cx) − x‖ / ‖x‖
    best_scale_rel_error: float  # min over α of ‖α·Cᵀ(Cx) − x‖ / ‖x‖


def adjoint_report(
    in_size: int = 8,
    channels: tuple[int, int] = (3, 8),
    kernel: int = 4,
    stride: int = 2,
    padding: int = 1,
    seed: int = 0,
) -> AdjointReport:
    """Conv2d C and ConvTranspose2d with the SAME weight: adjoint identity and round-trip error.

    The weight (C_out, C_in, k, k) is drawn like PyTorch's default init from ``seed``; x and y are
    standard normal. Everything is in float64 so the adjoint gap is at rounding level.
    """
    g = torch.Generator().manual_seed(seed)
    c_in, c_out = channels
    bound = 1 / math.sqrt(c_in * kernel * kernel)
    weight = (
        torch.rand(c_out, c_in, kernel, kernel, generator=g, dtype=torch.float64) * 2 - 1
    ) * bound
    x = torch.randn(1, c_in, in_size, in_size, generator=g, dtype=torch.float64)  # (1, C_in, n, n)
    down = F.conv2d(x, weight, stride=stride, padding=padding)  # C x: (1, C_out, m, m)
    y = torch.randn(down.shape, generator=g, dtype=torch.float64)  # (1, C_out, m, m)
    # conv_transpose2d reads the same tensor as (C_in_of_T = C_out, C_out_of_T = C_in, k, k)
    up_y = F.conv_transpose2d(y, weight, stride=stride, padding=padding)  # Cᵀ y: (1, C_in, n, n)
    up_down = F.conv_transpose2d(
        down, weight, stride=stride, padding=padding
    )  # Cᵀ C x: (1, C_in, n, n)

    inner_down = float((down * y).sum())
    inner_up = float((x * up_y).sum())
    err = up_down - x
    alpha = float((up_down * x).sum() / (up_down * up_down).sum())  # least-squares scale
    M = conv_matrix(weight[:1, :1], in_size, stride, padding)  # (m², n²)
    MT = conv_transpose_matrix(weight[:1, :1], down.shape[-1], stride, padding)  # (n², m²)
    return AdjointReport(
        in_shape=tuple(x.shape),
        down_shape=tuple(down.shape),
        up_shape=tuple(up_down.shape),
        inner_down=inner_down,
        inner_up=inner_up,
        adjoint_rel_gap=abs(inner_down - inner_up) / abs(inner_down),
        matrix_is_transpose=bool(torch.allclose(MT, M.T, rtol=0, atol=1e-15)),
        rank=int(torch.linalg.matrix_rank(M)),
        matrix_shape=tuple(M.shape),
        recon_rel_error=float(err.norm() / x.norm()),
        best_scale_rel_error=float((alpha * up_down - x).norm() / x.norm()),
    )
