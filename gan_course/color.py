"""Colour views for colorization (pix2pix gray → colour, Isola et al. 2017; Zhang et al. 2016).

Two ways to pose the task, both on tensors in the course's [-1, 1] convention:

- ``gray``: condition A = luma (B, 1, H, W), target B = the RGB image (B, 3, H, W);
- ``lab``: condition A = normalised L (B, 1, H, W), target B = normalised ab (B, 2, H, W), so the
  network predicts only chroma and the lightness is given back exactly.

``rgb_to_lab`` / ``lab_to_rgb`` are differentiable torch versions of sRGB (D65) ↔ CIE Lab that agree
with ``skimage.color.rgb2lab`` / ``lab2rgb``.
"""

from __future__ import annotations

from typing import Literal, get_args

import torch

from .checks import check_finite, check_images, check_tensor

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601
_RGB_TO_XYZ = torch.tensor(
    [
        [0.412453, 0.357580, 0.180423],
        [0.212671, 0.715160, 0.072169],
        [0.019334, 0.119193, 0.950227],
    ],
    dtype=torch.float64,
)  # sRGB, D65 (as scikit-image)
_XYZ_TO_RGB = torch.linalg.inv(_RGB_TO_XYZ)
_WHITE = torch.tensor(
    [0.95047, 1.0, 1.08883], dtype=torch.float64
)  # D65 reference white, 2° observer
_EPS, _KAPPA = 216 / 24389, 24389 / 27  # CIE constants (ε, κ)
TARGET_CHANNELS = {"gray": 3, "lab": 2}  # colour space → channels of the target B
Space = Literal["gray", "lab"]  # what a colorizer predicts: RGB from gray, or ab from L
SPACES: tuple[str, ...] = get_args(Space)


def _check(
    x: torch.Tensor,
    channels: int,
    what: str,
    *,
    finite: bool = True,
    unit_range: bool = False,
    warn_01: bool = True,
) -> None:
    """Raise a ValueError unless x is a floating-point (B, channels, H, W) tensor, with ``finite``
    all finite, with ``unit_range`` in [-1, 1] (each a device sync)."""
    check_tensor(x, what)
    if x.dim() != 4 or x.shape[1] != channels:
        raise ValueError(f"{what} must have shape (B, {channels}, H, W), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(
            f"{what} must be a float tensor, got {x.dtype} "
            "(uint8 images in [0, 255] become [-1, 1] with gan_course.data.to_unit_range)"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{what} must hold at least 1 image, got shape {tuple(x.shape)}")
    if unit_range:
        check_images(x, what, channels=channels, warn_01=warn_01)
    elif finite:
        check_finite(x, what)


def rgb_to_gray(x: torch.Tensor) -> torch.Tensor:
    """x: (B, 3, H, W) in [-1, 1] → luma (B, 1, H, W) in [-1, 1]."""
    _check(x, 3, "rgb_to_gray input", unit_range=True)
    return _gray(x)


def _gray(x: torch.Tensor) -> torch.Tensor:
    """``rgb_to_gray`` unchecked."""
    w = x.new_tensor(LUMA).view(1, 3, 1, 1)
    return (x * w).sum(1, keepdim=True)


def gray_to_rgb(g: torch.Tensor) -> torch.Tensor:
    """g: (B, 1, H, W) in [-1, 1] → (B, 3, H, W), the gray value in each channel
    (an expanded view)."""
    _check(g, 1, "gray_to_rgb input", unit_range=True)
    return g.expand(-1, 3, -1, -1)


def rgb_to_lab(x: torch.Tensor) -> torch.Tensor:
    """x: (B, 3, H, W) sRGB in [-1, 1] → Lab (B, 3, H, W): L in [0, 100], a, b in about
    [-128, 127]."""
    _check(x, 3, "rgb_to_lab input", unit_range=True)
    return _lab(x)


def _lab(x: torch.Tensor) -> torch.Tensor:
    """``rgb_to_lab`` unchecked."""
    rgb = ((x + 1) / 2).clamp(0, 1)
    linear = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = torch.einsum("ij,bjhw->bihw", _RGB_TO_XYZ.to(x), linear) / _WHITE.to(x).view(1, 3, 1, 1)
    f = torch.where(xyz > _EPS, xyz.clamp_min(_EPS) ** (1 / 3), (_KAPPA * xyz + 16) / 116)
    L = 116 * f[:, 1] - 16
    a = 500 * (f[:, 0] - f[:, 1])
    b = 200 * (f[:, 1] - f[:, 2])
    return torch.stack([L, a, b], 1)


def lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """Lab (B, 3, H, W) → sRGB (B, 3, H, W) in [-1, 1] (out-of-gamut colours clipped)."""
    _check(lab, 3, "lab_to_rgb input")
    if lab.numel() and float(lab.abs().max()) > 1000:
        raise ValueError(
            f"lab_to_rgb input must be Lab (L in [0, 100], a, b about ±128; out-of-gamut colours "
            f"are clipped), got values up to {float(lab.abs().max()):.3g} in magnitude"
        )
    fy = (lab[:, 0] + 16) / 116
    f = torch.stack(
        [fy + lab[:, 1] / 500, fy, (fy - lab[:, 2] / 200).clamp_min(0)], 1
    )  # z < 0: skimage's clip
    xyz = torch.where(f**3 > _EPS, f**3, (116 * f - 16) / _KAPPA) * _WHITE.to(lab).view(1, 3, 1, 1)
    linear = torch.einsum("ij,bjhw->bihw", _XYZ_TO_RGB.to(lab), xyz).clamp(0, 1)
    rgb = torch.where(
        linear > 0.0031308, 1.055 * linear.clamp_min(0.0031308) ** (1 / 2.4) - 0.055, 12.92 * linear
    )
    return rgb.clamp(0, 1) * 2 - 1


def normalize_lab(lab: torch.Tensor) -> torch.Tensor:
    """Lab (B, 3, H, W) → (L/50 − 1, a/110, b/110), each in about [-1, 1] (the pix2pix colorization
    scaling)."""
    _check(lab, 3, "normalize_lab input")
    return _normalize(lab)


def _normalize(lab: torch.Tensor) -> torch.Tensor:
    """``normalize_lab`` unchecked."""
    return torch.cat([lab[:, :1] / 50 - 1, lab[:, 1:] / 110], 1)


def denormalize_lab(lab: torch.Tensor) -> torch.Tensor:
    """Inverse of ``normalize_lab``: (B, 3, H, W) in about [-1, 1] → Lab."""
    _check(lab, 3, "denormalize_lab input")
    return torch.cat([(lab[:, :1] + 1) * 50, lab[:, 1:] * 110], 1)


def colorization_pair(
    x: torch.Tensor, space: str = "gray", *, check_range: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """RGB images x: (B, 3, H, W) in [-1, 1] → (A, B), the condition and the target.

    ``gray``: A = luma (B, 1, H, W), B = x.  ``lab``: A = L (B, 1, H, W), B = ab (B, 2, H, W),
    normalised. ``check_range=False`` skips the value check (a device sync), for batches known to be
    in range.

    A is given at the precision an image stores it: luma in 256 levels, L in whole units (ΔL = 1 is
    about the smallest difference the eye sees). Finer, a network could read colours from
    lightness differences far below that (the palette digits' five colours differ by < 0.6 in L).
    """
    _check_space(space)
    # finite and in [-1, 1]: one device sync, skipped with check_range=False
    _check(x, 3, "colorization input", finite=check_range, unit_range=check_range)
    if space == "gray":
        return ((_gray(x) + 1) * 127.5).round() / 127.5 - 1, x  # luma in 256 levels
    lab = _lab(x)  # (B, 3, H, W)
    lab = torch.cat([lab[:, :1].round(), lab[:, 1:]], 1)  # L in whole units
    lab = _normalize(lab)
    return lab[:, :1], lab[:, 1:]


def colorization_to_rgb(A: torch.Tensor, B: torch.Tensor, space: str = "gray") -> torch.Tensor:
    """Condition A (B, 1, H, W) and a (predicted) target B → RGB (B, 3, H, W) in [-1, 1].

    ``gray``: B is the RGB image, clamped (A only checked). ``lab``: L from A, ab from B
    (B, 2, H, W).
    """
    _check_space(space)
    _check(A, 1, "condition A", unit_range=True, warn_01=False)  # L or luma: [0, 1] is bright
    _check(B, TARGET_CHANNELS[space], f"target B ({space} space)")
    if A.shape[0] != B.shape[0] or A.shape[2:] != B.shape[2:]:
        raise ValueError(
            f"condition A {tuple(A.shape)} and target B {tuple(B.shape)} must share batch size "
            "and H, W"
        )
    if space == "gray":
        return B.clamp(-1, 1)
    return lab_to_rgb(denormalize_lab(torch.cat([A, B], 1)))  # (B, 3, H, W)


def _check_space(space: str) -> None:
    if space not in TARGET_CHANNELS:
        raise ValueError(
            f"unknown colour space {space!r}; expected one of {', '.join(TARGET_CHANNELS)}"
        )


def baseline_colorizations(x: torch.Tensor, x_train: torch.Tensor) -> dict[str, torch.Tensor]:
    """The trivial answers every colorizer must beat, for test images x: (N, 3, H, W) in [-1, 1].

    ``gray copy``: the gray image in all three channels. ``mean colour``: each pixel keeps its own
    lightness L and gets the training set's mean chroma (a, b).
    """
    check_images(x, "x", channels=3)
    check_images(x_train, "x_train", channels=3)
    lab = _lab(x)  # (N, 3, H, W); x checked above
    # the training set's mean (a, b), summed in chunks: CIFAR-10's 50,000 images fit either way
    total = sum(_lab(chunk).sum((0, 2, 3)) for chunk in x_train.split(4096))
    mean_ab = (total / (len(x_train) * x_train.shape[2] * x_train.shape[3]))[1:]  # (2,)
    lab_mean = torch.cat([lab[:, :1], mean_ab.view(1, 2, 1, 1).expand(len(x), 2, *x.shape[-2:])], 1)
    return {"gray copy": _gray(x).expand(-1, 3, -1, -1), "mean colour": lab_to_rgb(lab_mean)}
