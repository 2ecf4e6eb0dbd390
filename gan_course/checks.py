"""Checks of what a user hands the library: images, feature sets, options. Each answers bad input
with one ``ValueError`` (or ``TypeError`` for a wrong kind of object) that names the argument and
says what was expected and what came: ``"x must be (N, C, H, W) images, got shape (3, 32, 32)"``.

The course's images are float (N, C, H, W) tensors in [-1, 1] (``data.to_unit_range`` makes them
from uint8). Sets that look like another convention are caught: values above 1 (a [0, 255] image)
are refused; a set lying wholly in [0, 1] and spanning it (darkest value within 0.05 of 0, brightest
above 0.5) — legal in [-1, 1], but what [0, 1] images look like — is scored with a
``RangeWarning``.
"""

from __future__ import annotations

import math
import numbers
import warnings

import torch
from torch import nn

RANGE_TOLERANCE = 1e-3  # values this far outside [-1, 1] pass (rounding of a tanh or a resize)


class RangeWarning(UserWarning):
    """Images that are legal in [-1, 1] but look like [0, 1] images."""


def check_tensor(x: object, name: str) -> torch.Tensor:
    """x itself if it is a tensor, else a TypeError naming ``name``."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    return x


def check_finite(x: torch.Tensor, name: str) -> None:
    """A ValueError if x holds NaN or ±inf, saying how many."""
    if x.is_floating_point() and x.numel():
        bad = int((~torch.isfinite(x)).sum())
        if bad:
            raise ValueError(f"{name} holds {bad} non-finite values (NaN or inf) of {x.numel()}")


def check_images(
    x: object,
    name: str = "images",
    *,
    channels: int | tuple[int, ...] | None = None,
    unit_range: bool = True,
    min_count: int = 1,
    min_size: int = 1,
    slack: float = RANGE_TOLERANCE,
    warn_01: bool = True,
) -> torch.Tensor:
    """x if it is a float (N, C, H, W) tensor with N >= ``min_count``, H, W >= ``min_size``, C in
    ``channels`` (None: any), every value finite and, with ``unit_range``, in [-1, 1]; else one
    clear error naming ``name``; ``slack``: how far outside [-1, 1] values may stray (a metric
    scores an unclamped output as given); ``warn_01``: warn about a set wholly in [0, 1]. One device
    sync (the min and max)."""
    x = check_tensor(x, name)
    if x.dim() != 4:
        raise ValueError(f"{name} must be (N, C, H, W) images, got shape {tuple(x.shape)}")
    allowed = (channels,) if isinstance(channels, int) else channels
    if allowed is not None and x.shape[1] not in allowed:
        want = " or ".join({1: "1 (gray)", 3: "3 (RGB)"}.get(c, str(c)) for c in allowed)
        raise ValueError(f"{name} must have {want} channels, got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise ValueError(
            f"{name} must be a float tensor in [-1, 1], got {x.dtype} "
            "(uint8 images in [0, 255] become [-1, 1] with gan_course.data.to_unit_range)"
        )
    if x.shape[0] < min_count:
        raise ValueError(f"{name} must hold at least {min_count} images, got {x.shape[0]}")
    if min(x.shape[-2:]) < min_size:
        raise ValueError(
            f"{name} must be at least {min_size}×{min_size} pixels, got shape {tuple(x.shape)}"
        )
    if not (unit_range and x.numel()):
        check_finite(x, name)
        return x
    lo, hi = torch.stack(x.detach().aminmax()).tolist()  # one pass, one device sync
    if not (math.isfinite(lo) and math.isfinite(hi)):  # NaN spreads to both, ±inf shows in one
        check_finite(x, name)  # raises, counting them
    if lo < -1 - slack or hi > 1 + slack:
        hint = (
            " (it looks like [0, 255]: divide by 127.5 and subtract 1, or use "
            "gan_course.data.to_unit_range on uint8)"
            if lo >= -RANGE_TOLERANCE and hi > 1.5
            else ""
        )
        raise ValueError(f"{name} must be in [-1, 1], got values in [{lo:.4g}, {hi:.4g}]{hint}")
    # a [0, 1] set spans dark to bright; a bright [-1, 1] patch rarely has no pixel below
    # mid-grey but one within 0.05 of it
    if warn_01 and 0 <= lo <= 0.05 and hi >= 0.5 and x.numel() >= 64:
        warnings.warn(
            f"{name} lie wholly in [{lo:.3g}, {hi:.3g}], as images in [0, 1] would; the "
            "course's images are in [-1, 1] (x * 2 - 1 converts [0, 1])",
            RangeWarning,
            stacklevel=3,
        )
    return x


def check_same_shape(a: torch.Tensor, b: torch.Tensor, names: str) -> None:
    """A ValueError unless a and b (named ``names``, e.g. "x and truth") share their shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{names} differ in shape: {tuple(a.shape)} and {tuple(b.shape)} (expected one shape)"
        )


def check_features(a: object, b: object, minimum: int, names: str = "f_real and f_fake") -> None:
    """Two finite feature sets (N, d) and (M, d) of at least ``minimum`` samples each."""
    first, second = names.split(" and ")
    a, b = check_tensor(a, first), check_tensor(b, second)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1] or a.shape[1] == 0:
        raise ValueError(
            f"{names} must be features (N, d) and (M, d) with d >= 1, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    for n, f in ((first, a), (second, b)):
        if not (f.is_floating_point() or f.dtype in (torch.int32, torch.int64)):
            raise ValueError(f"{n} must be a float tensor, got {f.dtype}")
        if len(f) < minimum:
            raise ValueError(f"{n} must hold at least {minimum} samples, got {len(f)}")
        check_finite(f, n)


def check_int(
    value: object, name: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    """value as an int if it is an integer (not a bool) in [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = f"in [{minimum}, {maximum}]" if maximum is not None else f">= {minimum}"
        if minimum is None:
            bounds = f"<= {maximum}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value


def check_number(
    value: object,
    name: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    open_min: bool = False,
) -> float:
    """value as a finite float in [minimum, maximum] (``open_min``: > minimum)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    low_bad = minimum is not None and (value <= minimum if open_min else value < minimum)
    if not math.isfinite(value) or low_bad or (maximum is not None and value > maximum):
        low = "" if minimum is None else f"{'>' if open_min else '>='} {minimum:g}"
        high = "" if maximum is None else f"<= {maximum:g}"
        bounds = " and ".join(b for b in (low, high) if b) or "finite"
        raise ValueError(f"{name} must be a finite number {bounds}, got {value}")
    return value


def check_module(net: object, name: str) -> nn.Module:
    """net if it is a torch module with parameters, else a TypeError naming ``name``."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(net).__name__}")
    if next(net.parameters(), None) is None:
        raise ValueError(f"{name} has no parameters: expected a network such as a trained G")
    return net


@torch.no_grad()
def check_generator(
    G: object,
    z_dim: object,
    image_shape: tuple[int, ...] | None = None,
    name: str = "G",
    images: str = "the images",
) -> int:
    """z_dim as an int after one probe: G must take z (1, z_dim) and give a (1, C, H, W) image of
    ``image_shape`` (C, H, W) when given. The probe runs in eval mode (G's mode is given back)."""
    G = check_module(G, name)
    z_dim = check_int(z_dim, "z_dim", 1, 100_000)
    device = next(G.parameters()).device
    was_training = G.training
    G.eval()
    try:
        out = G(torch.zeros(1, z_dim, device=device))
    except (RuntimeError, ValueError, TypeError) as e:
        raise ValueError(
            f"{name} does not accept z of shape (N, {z_dim}): is z_dim the one {name} was built "
            f"with? ({str(e).splitlines()[0][:200]})"
        ) from None
    finally:
        G.train(was_training)
    if not isinstance(out, torch.Tensor) or out.dim() != 4:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"{name}(z) must be (N, C, H, W) images, got {shape}")
    if image_shape is not None and tuple(out.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"{name} makes images {tuple(out.shape[1:])}, {images} are {tuple(image_shape)}"
        )
    return z_dim
