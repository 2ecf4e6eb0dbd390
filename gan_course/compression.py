"""Honest baselines for a learned bottleneck: classic codecs given the same number of bytes.

An encoder that squeezes a 32×32×3 image (3,072 bytes as uint8) into a feature tensor f ∈ ℝ^(C×H×W)
is a lossy codec. Whether it learned anything is only clear beside codecs that learned nothing:

- ``bicubic_roundtrip``: keep the image at 1/k of its side (3·(S/k)² uint8 values), upsample back
  bicubically. ×2 keeps 768 bytes of a 32×32 RGB image, ×4 keeps 192.
- ``jpeg_roundtrip``: JPEG at the highest quality whose *payload* (the entropy-coded scan, see
  ``jpeg_payload_bytes``) fits a byte budget. Headers (quantisation and Huffman tables, ≈ 600 bytes)
  are left out: they are the same for every image of a given quality, so a codec for a dataset would
  share them — counting them would make JPEG look hopeless at these sizes.
- ``pca_roundtrip``: the best *linear* code learned from example images: the first k principal
  components of the training images (``pca_fit``), coefficients stored like f (8 bits each + 8
  bytes of range).
  A learned nonlinear code that loses to it on similar images has not learned enough yet.
- ``quantize_uint8``: the learned side gets the same treatment: f rounded to 8 bits per value
  (per-image min and max kept as two float32 numbers, 8 bytes), so C·H·W + 8 bytes per image.
"""

from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F

from .checks import check_images, check_int, check_tensor
from .data import to_uint8, to_unit_range


def _check_images(x: torch.Tensor, name: str = "x") -> None:
    check_images(x, name, channels=(1, 3))


def bicubic_roundtrip(x: torch.Tensor, factor: int) -> tuple[torch.Tensor, int]:
    """x: (N, C, S, S) in [-1, 1] → (bicubic down by ``factor`` (antialiased), stored as uint8,
    bicubic up again, (N, C, S, S) in [-1, 1]; bytes kept per image)."""
    _check_images(x)
    factor = check_int(factor, "factor", 1)
    if x.shape[-1] % factor or x.shape[-2] % factor:
        raise ValueError(
            f"factor must divide the image sides of x {tuple(x.shape[-2:])}, got {factor}"
        )
    small = F.interpolate(
        x.float(), scale_factor=1 / factor, mode="bicubic", antialias=True, align_corners=False
    )
    small = to_unit_range(to_uint8(small))  # (N, C, S/k, S/k): what would be stored
    up = F.interpolate(small, size=x.shape[-2:], mode="bicubic", align_corners=False).clamp(-1, 1)
    return up, small[0].numel()


def jpeg_payload_bytes(jpeg: bytes) -> int:
    """Bytes of a baseline JPEG's entropy-coded data: after the start-of-scan (SOS, FF DA) segment,
    up to the end-of-image marker (FF D9)."""
    i = 2  # skip SOI (FF D8)
    while i + 4 <= len(jpeg):
        if jpeg[i] != 0xFF:
            raise ValueError(f"not a JPEG stream: expected a marker at byte {i}")
        marker, length = jpeg[i + 1], int.from_bytes(jpeg[i + 2 : i + 4], "big")
        if marker == 0xDA:
            end = len(jpeg) - 2 if jpeg[-2:] == b"\xff\xd9" else len(jpeg)
            return end - (i + 2 + length)
        i += 2 + length
    raise ValueError("not a JPEG stream: no start-of-scan marker")


def _encode_jpeg(image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def jpeg_roundtrip(x: torch.Tensor, max_bytes: int) -> tuple[torch.Tensor, float]:
    """Each image of x: (N, C, S, S) in [-1, 1] through JPEG at the highest quality (1–95) whose
    payload is at most ``max_bytes`` (quality 1 where even that is larger). Returns (decoded images,
    mean payload bytes actually used per image) — compare that number, not the budget."""
    from PIL import Image

    _check_images(x)
    max_bytes = check_int(max_bytes, "max_bytes", 1)
    out, used = [], []
    for img in to_uint8(x).permute(0, 2, 3, 1).numpy():  # (S, S, C) uint8
        pil = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        lo, hi, best = 1, 95, _encode_jpeg(pil, 1)
        while lo <= hi:  # payload grows with quality: binary search for the largest that fits
            mid = (lo + hi) // 2
            data = _encode_jpeg(pil, mid)
            if jpeg_payload_bytes(data) <= max_bytes:
                best, lo = data, mid + 1
            else:
                hi = mid - 1
        used.append(jpeg_payload_bytes(best))
        decoded = torch.from_numpy(np.array(Image.open(io.BytesIO(best))))
        out.append(decoded.reshape(*img.shape[:2], -1).permute(2, 0, 1))
    return to_unit_range(torch.stack(out).contiguous()), sum(used) / len(used)


def quantize_uint8(f: torch.Tensor) -> torch.Tensor:
    """f: (N, ...) → f rounded to 256 levels between each sample's min and max, same shape and
    dtype. No value check (a device sync): it runs inside training steps."""
    check_tensor(f, "f")
    if f.dim() < 2 or f.shape[0] == 0 or f[0].numel() == 0 or not f.is_floating_point():
        raise ValueError(f"f must be a float (N, ...) tensor with N >= 1 values per sample, got "
                         f"{f.dtype} {tuple(f.shape)}")
    flat = f.flatten(1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    scale = (hi - lo).clamp_min(1e-12) / 255
    return (((flat - lo) / scale).round() * scale + lo).view_as(f)


def _check_components(k: int, d: int, m: int) -> int:
    """k principal components of m images of d values each: an integer in [1, min(d, m)]."""
    k = check_int(k, "k")
    if not 1 <= k <= min(d, m):
        raise ValueError(
            f"k must be in [1, {min(d, m)}] (at most the values per image and the images of "
            f"x_train), got {k}"
        )
    return k


def pca_fit(x_train: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean (d,), the first ``k`` principal components (k, d) as orthonormal rows), float64, of
    x_train: (M, C, S, S) flattened to d = C·S·S. Computed from the smaller of the M×M Gram matrix
    and the d×d covariance (one symmetric eigendecomposition, not a full SVD)."""
    _check_images(x_train, "x_train")
    d = x_train[0].numel()
    k = _check_components(k, d, len(x_train))
    flat = x_train.flatten(1).double()  # (M, d)
    mean = flat.mean(0)
    centred = flat - mean
    if len(flat) < d:  # centred = U S Vᵀ: the Gram matrix is U S² Uᵀ, and V = centredᵀ U / S
        eigvals, u = torch.linalg.eigh(centred @ centred.T)  # ascending
        u, s = u[:, -k:].flip(1), eigvals[-k:].flip(0).clamp_min(1e-24).sqrt()
        basis = (centred.T @ u / s).T  # (k, d)
    else:
        basis = torch.linalg.eigh(centred.T @ centred)[1][:, -k:].flip(1).T  # (k, d)
    # one sign per component, independent of the solver: its largest entry positive
    peak = basis.gather(1, basis.abs().argmax(1, keepdim=True))  # (k, 1)
    return mean, basis * peak.sign()


def pca_roundtrip(
    x: torch.Tensor,
    x_train: torch.Tensor,
    k: int,
    *,
    fit: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> tuple[torch.Tensor, int]:
    """x: (N, C, S, S) in [-1, 1] → (reconstructions from the first ``k`` principal components of
    x_train (M, C, S, S), coefficients rounded with ``quantize_uint8``; bytes per image: k + 8).
    The components are fitted on x_train only: x is held out. ``fit``: ``pca_fit(x_train, K)``
    for some K ≥ k, to fit once for several k."""
    _check_images(x)
    _check_images(x_train, "x_train")
    if x.shape[1:] != x_train.shape[1:]:
        raise ValueError(
            f"x {tuple(x.shape[1:])} and x_train {tuple(x_train.shape[1:])} must share C, H, W"
        )
    d = x[0].numel()
    k = _check_components(k, d, len(x_train))
    if fit is not None and (
        not isinstance(fit, tuple) or len(fit) != 2
        or not all(isinstance(t, torch.Tensor) for t in fit)
        or fit[0].shape != (d,) or fit[1].dim() != 2 or fit[1].shape[1] != d
    ):
        raise ValueError(f"fit must be pca_fit(x_train, K): (mean ({d},), components (K, {d}))")
    mean, basis = fit if fit is not None else pca_fit(x_train, k)
    if len(basis) < k:
        raise ValueError(f"the fit holds {len(basis)} components, fewer than k = {k}")
    basis = basis[:k]  # (k, d)
    coeffs = quantize_uint8((x.flatten(1).double() - mean) @ basis.T)  # (N, k)
    x_hat = (coeffs @ basis + mean).view_as(x).clamp(-1, 1).to(x.dtype)
    return x_hat, k + 8
