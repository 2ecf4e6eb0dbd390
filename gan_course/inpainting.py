"""Semantic inpainting with a pretrained GAN (Yeh et al., "Semantic Image Inpainting with Deep
Generative Models", CVPR 2017), finished where note 002 stopped: restarts and Poisson blending.

For a corrupted image y with mask M (1 = known pixel, 0 = hole) and a trained G, D:

    ẑ = argmin_z  L_c(z) + λ · L_p(z)
    L_c(z) = ‖W ⊙ (G(z) − y)‖₁       contextual: agree with the known pixels, weighted by W
    L_p(z) = log(1 − D(G(z)))         perceptual: look real to D ("yeh"), or −log D(G(z)) ("nonsat")
    x̂ = M ⊙ y + (1 − M) ⊙ G(ẑ)        composite, then optionally Poisson-blended

W is Yeh's importance weighting: a known pixel weighs the fraction of its ``window``×``window``
neighbourhood that is missing, so pixels near the hole count and far ones do not ("binary": W = M).
All images × restarts are optimised as one batch (Adam on z, z clipped to the prior's likely range,
a step budget and a gradient-norm stop); the restart with the lowest final loss wins.

``poisson_blend`` solves ∇²x = ∇²G(ẑ) inside the hole with x = y on the known pixels (the boundary
comes from the corrupted image, never the ground truth), by batched conjugate gradients in torch.
Hole / whole-image metrics live here too; the classical baselines (mean fill, scikit-image
biharmonic, OpenCV Telea and Navier–Stokes) and notebook 07's experiments are in
``lessons.inpainting_study``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .checks import (
    check_generator,
    check_images,
    check_int,
    check_module,
    check_number,
    check_tensor,
)
from .metrics import _psnr, ssim_map
from .runtime import PRECISIONS, check_profile, frozen, speed_switch

MASKS = ("center", "random_pixels", "random_blocks", "half", "strokes")
WEIGHTINGS = ("importance", "binary")
PERCEPTUAL = ("yeh", "nonsat")


# ------------------------------------------------------------------------------------------- masks
def make_mask(kind: str, n: int, image_size: int, *, seed: int = 0) -> torch.Tensor:
    """n masks (n, 1, S, S) float, 1 = known, 0 = missing, seeded. Kinds (``MASKS``):

    - ``center``: the central S/2 × S/2 square missing (a quarter of the image);
    - ``random_pixels``: each pixel missing with probability 0.8 (Yeh's "random" mask);
    - ``random_blocks``: 4 squares of side S/4 at random places;
    - ``half``: the left, right, top or bottom half, at random per image;
    - ``strokes``: 3–5 random-walk brush strokes, 2–4 px wide (irregular, free-form holes).
    """
    if kind not in MASKS:
        raise ValueError(f"unknown mask {kind!r}; valid masks: {', '.join(MASKS)}")
    n = check_int(n, "n", 1, 100_000)
    image_size = check_int(image_size, "image_size", 8, 4096)
    seed = check_int(seed, "seed", 0)
    g = torch.Generator().manual_seed(seed)
    s = image_size
    mask = torch.ones(n, 1, s, s)
    if kind == "center":
        mask[..., s // 4 : s // 4 + s // 2, s // 4 : s // 4 + s // 2] = 0
    elif kind == "random_pixels":
        mask = (torch.rand(n, 1, s, s, generator=g) >= 0.8).float()
    elif kind == "random_blocks":
        side = s // 4
        corners = torch.randint(0, s - side + 1, (n, 4, 2), generator=g)
        for i in range(n):
            for top, left in corners[i].tolist():
                mask[i, :, top : top + side, left : left + side] = 0
    elif kind == "half":
        for i, side in enumerate(torch.randint(0, 4, (n,), generator=g).tolist()):
            region = [
                (slice(None), slice(0, s // 2)),
                (slice(None), slice(s // 2, s)),
                (slice(0, s // 2), slice(None)),
                (slice(s // 2, s), slice(None)),
            ][side]
            mask[i, :, region[0], region[1]] = 0
    else:
        mask = _strokes(n, s, g)
    return mask


def _strokes(n: int, s: int, g: torch.Generator) -> torch.Tensor:
    """Random-walk strokes stamped with discs: (n, 1, s, s), 1 = known."""
    yy, xx = torch.meshgrid(torch.arange(s).float(), torch.arange(s).float(), indexing="ij")
    mask = torch.ones(n, 1, s, s)
    for i in range(n):
        for _ in range(int(torch.randint(3, 6, (1,), generator=g))):
            point = torch.rand(2, generator=g) * (s - 1)
            radius = 1.0 + float(torch.rand(1, generator=g))  # 2–4 px wide
            angle = float(torch.rand(1, generator=g)) * 2 * math.pi
            for _ in range(int(torch.randint(4, 9, (1,), generator=g))):
                angle += float(torch.randn(1, generator=g)) * 0.6
                step = torch.tensor([math.sin(angle), math.cos(angle)]) * s / 12
                for t in torch.linspace(0, 1, 4):
                    cy, cx = (point + t * step).clamp(0, s - 1)
                    mask[i, 0][(yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2] = 0
                point = (point + step).clamp(0, s - 1)
    return mask


def check_mask(mask: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The mask as float (N, 1, H, W) for images y: (N, C, H, W); a clear error if it is not binary,
    does not fit y, or leaves an image with no known pixel (nothing to inpaint from) or no hole.
    y itself is checked by ``known_pixels``."""
    check_tensor(y, "y")
    if y.dim() != 4:
        raise ValueError(f"y must be (N, C, H, W) images in [-1, 1], got shape {tuple(y.shape)}")
    check_tensor(mask, "mask")
    if (
        mask.dim() != 4
        or mask.shape[1] != 1
        or mask.shape[0] != y.shape[0]
        or mask.shape[-2:] != y.shape[-2:]
    ):
        raise ValueError(
            f"mask must be (N, 1, H, W) = {(y.shape[0], 1, *y.shape[-2:])} to fit y "
            f"{tuple(y.shape)}, got {tuple(mask.shape)}"
        )
    if mask.is_complex():
        raise ValueError(f"mask must be real 0/1 values, got {mask.dtype}")
    m = mask.float()
    if not torch.all((m == 0) | (m == 1)):
        raise ValueError(
            "mask must be binary: 1 = known pixel, 0 = missing, got values in "
            f"[{float(m.nan_to_num(0.5).min()):g}, {float(m.nan_to_num(0.5).max()):g}]"
            + (" and NaN" if bool(m.isnan().any()) else "")
        )
    known = m.flatten(1).sum(1)
    if (known == 0).any():
        raise ValueError(
            f"mask of image {int((known == 0).nonzero()[0])} has no known pixels: "
            "nothing to inpaint from"
        )
    if (known == m[0].numel()).any():
        raise ValueError(
            f"mask of image {int((known == m[0].numel()).nonzero()[0])} has no missing pixels"
        )
    return m


def known_pixels(y: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(y with its holes set to 0, the float mask): y (N, C, H, W) in [-1, 1] on its known pixels,
    mask (``check_mask``). What a hole holds is never read, so holes may be marked with anything,
    NaN included; a non-finite or out-of-range *known* pixel is an error."""
    m = check_mask(mask, y)
    if not y.is_floating_point():
        raise ValueError(
            f"y must be a float tensor in [-1, 1], got {y.dtype} "
            "(uint8 images in [0, 255] become [-1, 1] with gan_course.data.to_unit_range)"
        )
    known = m.to(y.device).bool().expand_as(y)  # (N, C, H, W)
    values = y[known]
    values = values[torch.isfinite(values)]
    fill = values[0] if len(values) else 0.0  # holes take a known value: the range is the known one
    check_images(torch.where(known, y, fill), "y (its known pixels)")
    return torch.where(known, y, torch.zeros((), dtype=y.dtype, device=y.device)), m


def importance_weights(mask: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Yeh's W: for a known pixel i, the fraction of its neighbours N(i) that are missing, N(i)
    being the pixels of the window×window neighbourhood that lie inside the image
    (Yeh's Σ (1 − M_j) / |N(i)|); 0 on missing pixels. mask: (N, 1, H, W), 1 = known."""
    window = check_int(window, "window", 1)
    if window % 2 == 0:
        raise ValueError(f"window must be an odd number >= 1, got {window}")
    check_tensor(mask, "mask")
    if mask.dim() != 4 or mask.shape[1] != 1:
        raise ValueError(f"mask must be (N, 1, H, W), got shape {tuple(mask.shape)}")
    mask = mask.float()
    if not torch.all((mask == 0) | (mask == 1)):
        raise ValueError("mask must be binary: 1 = known pixel, 0 = missing")
    missing_share = F.avg_pool2d(
        1 - mask, window, stride=1, padding=window // 2, count_include_pad=False
    )
    return mask * missing_share  # (N, 1, H, W)


def config_weights(mask: torch.Tensor, config: InpaintConfig) -> torch.Tensor:
    """The W the contextual loss uses under ``config.weighting``: Yeh's ``importance_weights``, or
    the mask itself ("binary": every known pixel counts once)."""
    return importance_weights(mask, config.window) if config.weighting == "importance" else mask


# ------------------------------------------------------------------------------------------ losses
def contextual_loss(x_gen: torch.Tensor, y: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """‖W ⊙ (G(z) − y)‖₁ per image (N,), summed over pixels and channels as in Yeh et al."""
    return (weights * (x_gen - y)).abs().flatten(1).sum(1)


def perceptual_loss(d_logits: torch.Tensor, form: str = "yeh") -> torch.Tensor:
    """From D's logits (N,): ``"yeh"`` log(1 − D(G(z))) = −softplus(d); ``"nonsat"`` −log D(G(z)) =
    softplus(−d). Both are lower when D finds G(z) more real."""
    if form not in PERCEPTUAL:
        raise ValueError(f"perceptual form must be one of {', '.join(PERCEPTUAL)}, got {form!r}")
    return -F.softplus(d_logits) if form == "yeh" else F.softplus(-d_logits)


# ------------------------------------------------------------------------------------ optimisation
@dataclass(frozen=True)
class InpaintConfig:
    """Yeh et al.'s optimisation of z; defaults follow the paper (λ = 0.003, window 7)."""

    lambda_perceptual: float = 0.003
    steps: int = 300
    lr: float = 0.03
    restarts: int = 1
    window: int = 7
    weighting: str = "importance"
    perceptual: str = "yeh"
    z_clip: float | None = (
        3.0  # |z| ≤ 3: the N(0, 1) prior's likely range (Yeh clip to [−1, 1] for U(−1, 1))
    )
    grad_tol: float = 1e-4  # stop when every z's gradient norm is below this
    blend: bool = True
    precision: str = (
        "auto"  # "bf16": G and D under bf16 autocast (z and Adam stay fp32); auto = bf16 with CUDA
    )

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}"
            )
        if self.weighting not in WEIGHTINGS:
            raise ValueError(
                f"weighting must be one of {', '.join(WEIGHTINGS)}, got {self.weighting!r}"
            )
        if self.perceptual not in PERCEPTUAL:
            raise ValueError(
                f"perceptual must be one of {', '.join(PERCEPTUAL)}, got {self.perceptual!r}"
            )
        check_number(self.lambda_perceptual, "lambda_perceptual", 0)
        check_int(self.steps, "steps", 1, 1_000_000)
        check_int(self.restarts, "restarts", 1, 1024)
        check_number(self.lr, "lr", 0, open_min=True)
        check_int(self.window, "window", 1)
        if self.window % 2 == 0:
            raise ValueError(f"window must be an odd number >= 1, got {self.window}")
        if self.z_clip is not None:
            check_number(self.z_clip, "z_clip", 0, open_min=True)
        check_number(self.grad_tol, "grad_tol", 0)
        if not isinstance(self.blend, bool):
            raise TypeError(f"blend must be True or False, got {self.blend!r}")

    @classmethod
    def for_profile(cls, profile: str, **overrides) -> "InpaintConfig":
        """``fast``: 60 Adam steps (seconds on a CPU); ``full``: 1,000 steps and 8 restarts."""
        check_profile(profile)
        base = cls(steps=60, lr=0.05) if profile == "fast" else cls(steps=1000, restarts=8)
        return replace(base, **overrides)


@dataclass
class Inpainting:
    """What ``inpaint`` returns for N images (K restarts each, the best kept)."""

    z: torch.Tensor  # (N, z_dim), the best restart's ẑ
    x_gen: torch.Tensor  # G(ẑ): (N, C, H, W) in [-1, 1]
    composite: torch.Tensor  # M ⊙ y + (1 − M) ⊙ G(ẑ)
    blended: torch.Tensor | None  # Poisson-blended composite (config.blend)
    loss: torch.Tensor  # (N, K) final loss of every restart
    best: torch.Tensor  # (N,) index of the restart kept
    history: list[float]  # mean loss over all N·K per step
    steps: int  # steps taken (≤ config.steps: the gradient-norm rule may stop earlier)


def inpaint(
    G: nn.Module,
    D: nn.Module,
    y: torch.Tensor,
    mask: torch.Tensor,
    z_dim: int,
    config: InpaintConfig = InpaintConfig(),
    *,
    seed: int = 0,
) -> Inpainting:
    """Fill the holes of y: (N, C, H, W) in [-1, 1] (mask (N, 1, H, W), 1 = known) with a frozen G,
    D. All N × K restarts move together as one batch of z: (N·K, z_dim). G and D run frozen in eval
    mode; their weights' ``requires_grad`` and their modes are given back afterwards.

    Holes may hold anything (NaN included): only the known pixels of y are read."""
    y, m = known_pixels(y, mask)
    y = y.detach()  # only z is optimised
    if not isinstance(config, InpaintConfig):
        raise TypeError(f"config must be an InpaintConfig, got {type(config).__name__}")
    z_dim = check_generator(G, z_dim, tuple(y.shape[1:]), images="y")
    check_module(D, "D")
    seed = check_int(seed, "seed", 0)
    with frozen(G, D, eval=True):
        return _optimise_z(G, D, y, m, z_dim, config, seed)


def inpainting_loss(
    G: nn.Module,
    D: nn.Module,
    z: torch.Tensor,
    y: torch.Tensor,
    weights: torch.Tensor,
    config: InpaintConfig,
) -> torch.Tensor:
    """Yeh's objective for each z: L_c(z) + λ·L_p(z), shape (B,). z: (B, z_dim); y, the corrupted
    images, and weights W: (B, C, H, W) and (B, 1, H, W), one row per z."""
    x_gen = G(z).float()  # (B, C, H, W) in [-1, 1]
    perceptual = perceptual_loss(D(x_gen), config.perceptual)  # (B,): lower = more real to D
    return contextual_loss(x_gen, y, weights) + config.lambda_perceptual * perceptual


def search_z(
    loss_fn: Callable[[torch.Tensor], torch.Tensor],
    z: torch.Tensor,
    config: InpaintConfig,
    on_step: Callable[[int, torch.Tensor], None] | None = None,
) -> tuple[torch.Tensor, list[float], int]:
    """Yeh's search: Adam on z (B, z_dim) to lower ``loss_fn(z)``, one loss per z (B,), for
    ``config.steps`` steps, z clipped to |z| ≤ ``config.z_clip``; stops early once every z's
    gradient norm is below ``config.grad_tol``. ``on_step(step, z)`` sees z after each step.
    Returns (ẑ, mean loss per step, steps taken)."""
    z = z.detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=config.lr)
    history, steps = [], 0
    for steps in range(1, config.steps + 1):
        loss = loss_fn(z)  # (B,)
        opt.zero_grad()
        loss.sum().backward()  # each z gets its own image's gradient
        grad_norm = z.grad.norm(dim=1).max()
        opt.step()
        if config.z_clip is not None:
            with torch.no_grad():
                z.clamp_(-config.z_clip, config.z_clip)  # stay where the prior has its mass
        history.append(loss.detach().mean())  # stays on the device: no host sync per step
        if on_step is not None:
            on_step(steps, z.detach())
        if config.grad_tol and grad_norm < config.grad_tol:  # the only sync, and only when asked
            break
    return z.detach(), (torch.stack(history).tolist() if history else []), steps


def starting_z(n: int, k: int, z_dim: int, seed: int, z_clip: float | None = None) -> torch.Tensor:
    """K restarts for each of n images: (n·K, z_dim) from N(0, 1), the K of image i together.

    Restart j of every image is the j-th draw of n × z_dim, so restart 0 is exactly what K = 1
    runs and more restarts can only lower the kept loss (Adam is per-element, D and G are in eval
    mode). One draw per restart: a single randn(K, n, z_dim) would not start with K = 1's values
    whenever n · z_dim is not a multiple of 16 (the CPU generator redraws a tensor's last 16
    values then)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.stack([torch.randn(n, z_dim, generator=g) for _ in range(k)], 1).reshape(n * k, z_dim)
    return z if z_clip is None else z.clamp(-z_clip, z_clip)


def _optimise_z(
    G: nn.Module,
    D: nn.Module,
    y: torch.Tensor,
    m: torch.Tensor,
    z_dim: int,
    config: InpaintConfig,
    seed: int,
) -> Inpainting:
    """``inpaint``'s work, for a checked float mask m and frozen G, D: the restarts as one batch,
    ``search_z`` on ``inpainting_loss``, the best restart kept, composited and blended."""
    device = next(G.parameters()).device
    y, m = y.to(device), m.to(device)
    n, k = y.shape[0], config.restarts
    weights = config_weights(m, config)
    # (N·K, C, H, W): the restarts of image i together
    y_k, w_k = y.repeat_interleave(k, 0), weights.repeat_interleave(k, 0)
    z0 = starting_z(n, k, z_dim, seed, config.z_clip).to(device)  # (N·K, z_dim)
    bf16 = speed_switch(config.precision, device, on="bf16")

    def losses(z: torch.Tensor) -> torch.Tensor:
        with torch.autocast(device.type, torch.bfloat16, enabled=bf16):
            loss = inpainting_loss(G, D, z, y_k, w_k, config)
        return loss.float()  # (N·K,)

    z, history, steps = search_z(losses, z0, config)
    with torch.no_grad():
        final = losses(z).view(n, k)
        best = final.argmin(1)  # (N,)
        z_best = z.view(n, k, z_dim)[torch.arange(n, device=device), best]
        x_gen = G(z_best).float()
        comp = composite(y, m, x_gen)
        blended = poisson_blend(x_gen, y, m) if config.blend else None
    return Inpainting(
        z_best.cpu(),
        x_gen.cpu(),
        comp.cpu(),
        None if blended is None else blended.cpu(),
        final.cpu(),
        best.cpu(),
        history,
        steps,
    )


def composite(y: torch.Tensor, mask: torch.Tensor, x_gen: torch.Tensor) -> torch.Tensor:
    """M ⊙ y + (1 − M) ⊙ G(ẑ): known pixels from y, the hole from the generator (a hole of y may
    hold anything, NaN included: it is never read)."""
    if not (isinstance(y, torch.Tensor) and isinstance(x_gen, torch.Tensor)):
        raise TypeError("y and x_gen must be torch tensors")
    if y.shape != x_gen.shape:
        raise ValueError(f"x_gen must have y's shape {tuple(y.shape)}, got {tuple(x_gen.shape)}")
    return torch.where(mask.bool(), y, x_gen)


# --------------------------------------------------------------------------------- Poisson blending
def _neighbour_sum(f: torch.Tensor) -> torch.Tensor:
    """Σ of the 4 neighbours inside the image (zero outside): f (N, C, H, W) → same shape."""
    p = F.pad(f, (1, 1, 1, 1))
    return p[..., :-2, 1:-1] + p[..., 2:, 1:-1] + p[..., 1:-1, :-2] + p[..., 1:-1, 2:]


def poisson_blend(
    x_gen: torch.Tensor,
    y: torch.Tensor,
    mask: torch.Tensor,
    *,
    tol: float = 1e-6,
    max_iter: int = 2000,
) -> torch.Tensor:
    """x with x = y on known pixels and, inside the hole, the discrete Poisson equation

        deg(p)·x_p − Σ_{q ~ p} x_q = deg(p)·g_p − Σ_{q ~ p} g_q
        (g = G(ẑ), q over in-image 4-neighbours)

    i.e. the hole keeps G's gradients and meets the known pixels seamlessly (Neumann at the image
    border). Solved for all images and channels at once by conjugate gradients on the hole
    pixels."""
    y, m = known_pixels(y, mask)
    check_images(x_gen, "x_gen", slack=0.5)  # only its gradients are used: G's unclamped output
    if x_gen.shape != y.shape:
        raise ValueError(f"x_gen must have y's shape {tuple(y.shape)}, got {tuple(x_gen.shape)}")
    check_number(tol, "tol", 0, open_min=True)
    max_iter = check_int(max_iter, "max_iter", 1)
    m = m.to(device=y.device, dtype=y.dtype).expand_as(y)
    hole = 1 - m
    deg = _neighbour_sum(torch.ones_like(y))  # 2, 3 or 4 in-image neighbours
    rhs = hole * (
        deg * x_gen - _neighbour_sum(x_gen) + _neighbour_sum(m * y)
    )  # known neighbours move right

    def A(f: torch.Tensor) -> torch.Tensor:  # the operator on hole pixels (f is zero elsewhere)
        return hole * (deg * f - _neighbour_sum(hole * f))

    dims = (2, 3)
    f = hole * x_gen  # start from the plain composite
    r = rhs - A(f)
    p = r.clone()
    rr = (r * r).sum(dims, keepdim=True)
    scale = (rhs * rhs).sum(dims, keepdim=True).clamp_min(1e-30)
    for _ in range(max_iter):
        if bool((rr <= tol**2 * scale).all()):
            break
        Ap = A(p)
        alpha = rr / (p * Ap).sum(dims, keepdim=True).clamp_min(1e-30)
        f = f + alpha * p
        r = r - alpha * Ap
        rr_new = (r * r).sum(dims, keepdim=True)
        p = r + (rr_new / rr.clamp_min(1e-30)) * p
        rr = rr_new
    return (m * y + hole * f).clamp(-1, 1)


# ------------------------------------------------------------------------------------------ metrics
def _check_scored(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The float mask for a repair x_hat of x, both (N, C, H, W) in [-1, 1]; mask (N, 1, H, W)."""
    check_images(x_hat, "x_hat")
    check_images(x, "x")
    if x_hat.shape != x.shape:
        raise ValueError(f"x_hat must have x's shape {tuple(x.shape)}, got {tuple(x_hat.shape)}")
    return check_mask(mask, x).to(x.device)


def hole_psnr(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """PSNR (dB, data range 2) over the missing pixels only, per image (N,)."""
    return _hole_psnr(x_hat, x, _check_scored(x_hat, x, mask))


def _hole_psnr(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``hole_psnr`` of inputs already checked (mask: the float mask ``_check_scored`` gives)."""
    hole = (1 - mask).expand_as(x)
    mse = ((x_hat - x) ** 2 * hole).flatten(1).sum(1) / hole.flatten(1).sum(1).clamp_min(1)
    return 10 * torch.log10(4.0 / mse.clamp_min(1e-12))


def hole_ssim(x_hat: torch.Tensor, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """SSIM map (Gaussian window 11, on [0, 1]) averaged over the missing pixels only, per image
    (N,)."""
    mask = _check_scored(x_hat, x, mask)
    return _hole_mean(ssim_map(x_hat, x), mask)


def _hole_mean(full: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Per image (N,), the mean of a per-pixel map full (N, C, H, W) over the missing pixels."""
    hole = (1 - mask).expand_as(full)
    return (full * hole).flatten(1).sum(1) / hole.flatten(1).sum(1).clamp_min(1)


def inpainting_scores(
    x_hat: torch.Tensor,
    x: torch.Tensor,
    mask: torch.Tensor,
    classifier: nn.Module | None = None,
    labels: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Per image, each (N,): ``PSNR hole`` / ``SSIM hole`` (missing pixels only), ``PSNR`` /
    ``SSIM`` (whole image) and, with a classifier and labels, ``read``: 1.0 where the classifier
    reads x̂ as its true label, else 0.0."""
    mask = _check_scored(x_hat, x, mask)
    if (classifier is None) != (labels is None):
        raise ValueError("classifier and labels go together: give both or neither")
    if labels is not None:
        check_tensor(labels, "labels")
        if labels.shape != (len(x),):
            raise ValueError(f"labels must be ({len(x)},), got shape {tuple(labels.shape)}")
    full = ssim_map(x_hat, x)  # one SSIM map serves the hole and the whole image
    out = {
        "PSNR hole": _hole_psnr(x_hat, x, mask),
        "SSIM hole": _hole_mean(full, mask),
        "PSNR": _psnr(x_hat, x),  # checked above, more strictly than psnr does
        "SSIM": full.flatten(1).mean(1),
    }
    if classifier is not None and labels is not None:
        with torch.no_grad():
            out["read"] = (classifier(x_hat).argmax(1) == labels).float()
    return out


def inpainting_metrics(
    x_hat: torch.Tensor,
    x: torch.Tensor,
    mask: torch.Tensor,
    classifier: nn.Module | None = None,
    labels: torch.Tensor | None = None,
) -> dict[str, float]:
    """Means over images of ``inpainting_scores``, ``read`` named ``accuracy``: the share of
    repaired digits the classifier reads right."""
    scores = inpainting_scores(x_hat, x, mask, classifier, labels)
    return {"accuracy" if k == "read" else k: float(v.double().mean()) for k, v in scores.items()}
