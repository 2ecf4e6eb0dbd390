"""Image-quality metrics for reconstructions and colorizations. Images are (N, C, H, W) in [-1, 1].

- ``psnr`` / ``ssim``: torchmetrics' implementations (data range 2 for [-1, 1]), per image.
- ``colorfulness``: Hasler & Süsstrunk (2003), "Measuring colourfulness in natural images", on
  0–255 RGB: σ_rgyb + 0.3·μ_rgyb with rg = R − G and yb = (R + G)/2 − B. Gray images score 0.
- ``sharpness``: how much high-frequency energy a *set* of outputs carries relative to its ground
  truth, Σᵢ E(xᵢ) / Σᵢ E(truthᵢ) with E the squared Laplacian response: 1 = as detailed as the
  truth, < 1 blurrier, > 1 noisier. Summed over the set, not averaged per image, so nearly flat
  patches (E ≈ 0) cannot dominate it.
- ``palette_fidelity``: on the palette dataset, how close a colorization's colours are to the
  palette the truth was painted from (Lab ΔE to the nearest colour of the pixel's own level);
  with ``per_image``, whether each digit's stroke (and background) is painted
  in one palette colour rather than a mix; ``palette_colour_use``, which colours a set of them
  gets (the truth uses all five equally; a generator that paints every digit alike has collapsed).
- ``edge_fidelity``: whether the detail is the *right* detail: Pearson correlation, pooled over
  every pixel of the set, between the Sobel gradients of the output and of the truth: 1 = the
  truth's edges, ≈ 0 = edges unrelated to the truth (sharp and wrong), < 0 = inverted edges.

Read the two together (``detail_verdict`` puts it in words): sharpness ≈ 1 with edge fidelity ≈ 1 is
"sharp and right"; sharpness ≥ 1 with low edge fidelity is "sharp and wrong"
(noise, invented texture); sharpness < 1 with clearly positive edge fidelity is "blurred but in the
right place".
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .checks import check_images, check_int, check_number, check_same_shape
from .color import rgb_to_gray, rgb_to_lab
from .data import PALETTE_NAMES, palette_colours
from .runtime import seeded


def _check(images: dict[str, torch.Tensor], channels: int | None = None, min_size: int = 1,
           min_count: int = 1, slack: float = 0.5) -> None:
    """The images by name: finite float (N, C, H, W) images in [-1, 1]
    (``checks.check_images``), all of one shape. Unclamped outputs (values up to ``slack``
    outside [-1, 1]) are scored as given; [0, 255] images are not."""
    kw = {"channels": channels, "min_size": min_size, "min_count": min_count, "slack": slack}
    for name, x in images.items():
        check_images(x, name, **kw)
    (a, x), *rest = images.items()
    for b, y in rest:
        check_same_shape(x, y, f"{a} and {b}")


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB of x against y, per image (N,)."""
    _check({"x": x, "y": y})
    return _psnr(x, y)


def _psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    from torchmetrics.functional.image import peak_signal_noise_ratio

    return peak_signal_noise_ratio(
        x.float(), y.float(), data_range=2.0, reduction="none", dim=(1, 2, 3)
    )


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Structural similarity of x against y (Gaussian window 11, σ 1.5), per image (N,)."""
    return ssim_map(x, y).flatten(1).mean(1)


def ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The SSIM of x against y at every pixel (N, C, H, W); its mean over an image is ``ssim``.

    Computed on [0, 1] (data range 1), the range SSIM is defined on: its brightness term
    (2 μx μy + C1) / (μx² + μy² + C1) assumes non-negative intensities, so on [-1, 1] a mid-grey
    area (μ ≈ 0) would score near 0 for a barely visible change. Matches
    ``skimage.metrics.structural_similarity`` (gaussian_weights, σ 1.5, data_range 1) away from the
    border."""
    _check({"x": x, "y": y}, min_size=6)  # the 11-wide Gaussian window pads 5 px by reflection
    return _ssim_map(x, y)


def _ssim_map(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    from torchmetrics.functional.image import structural_similarity_index_measure

    _, full = structural_similarity_index_measure(
        (x.float() + 1) / 2,
        (y.float() + 1) / 2,
        data_range=1.0,
        reduction="none",
        return_full_image=True,
    )
    return full


def colorfulness(x: torch.Tensor) -> torch.Tensor:
    """Hasler–Süsstrunk colourfulness per RGB image (N,); typical photos score 20–100."""
    _check({"x": x}, channels=3)
    return _colorfulness(x)


def _colorfulness(x: torch.Tensor) -> torch.Tensor:
    r, g, b = ((x.float().clamp(-1, 1) + 1) * 127.5).unbind(1)
    rg, yb = (r - g).flatten(1), (0.5 * (r + g) - b).flatten(1)
    std = torch.sqrt(rg.var(1, unbiased=False) + yb.var(1, unbiased=False))
    mean = torch.sqrt(rg.mean(1) ** 2 + yb.mean(1) ** 2)
    return std + 0.3 * mean


_LAPLACIAN = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
_SOBEL_X = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 8  # d/dx per pixel on a ramp: 1


def _filter(x: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """A 3×3 kernel applied to every channel of x: (N, C, H, W) → (N, C, H-2, W-2)
    (borders excluded)."""
    c = x.shape[1]
    weight = (
        kernel.to(x.device).expand(c, 1, 3, 3).contiguous()
    )  # (C, 1, 3, 3): one filter per channel
    return F.conv2d(x.float(), weight, groups=c)


def _check_pair(x: torch.Tensor, truth: torch.Tensor) -> None:
    """truth in [-1, 1] (give or take 0.5); x, say truth plus noise, within 1.5 of it."""
    _check({"truth": truth}, min_size=3)  # a 3×3 filter
    check_images(x, "x", min_size=3, slack=1.5)
    check_same_shape(x, truth, "x and truth")


def _sobel(x: torch.Tensor) -> torch.Tensor:
    """d/dx and d/dy of every channel, (2, N, C, H-2, W-2), in float64 for the pooled sums."""
    return torch.stack([_filter(x, _SOBEL_X), _filter(x, _SOBEL_X.T)]).double()


def high_frequency_energy(x: torch.Tensor) -> torch.Tensor:
    """Mean squared Laplacian response per image (N,) (borders excluded); 0 for flat images and
    ramps."""
    _check({"x": x}, min_size=3)
    return _high_frequency_energy(x)


def _high_frequency_energy(x: torch.Tensor) -> torch.Tensor:
    return _filter(x, _LAPLACIAN).pow(2).mean((1, 2, 3))


def sharpness(x: torch.Tensor, truth: torch.Tensor) -> float:
    """High-frequency energy of the set x relative to that of its ground truth,
    Σᵢ E(xᵢ) / Σᵢ E(truthᵢ), with E the squared Laplacian response; x, truth: (N, C, H, W) in
    [-1, 1].

    1 = as detailed as the truth, < 1 blurrier (a Gaussian blur gives less, and less as σ grows),
    > 1 noisier. The ratio of sums weighs every image by the detail its truth has; the mean of
    per-image ratios would not: a nearly flat truth patch (E ≈ 1e-6) turns a faint residual noise in
    the output into a ratio of hundreds, and a set with many such patches reads "noisy" even when
    every detailed image in it is blurred.
    """
    _check_pair(x, truth)
    return _sharpness(x, truth)


def _sharpness(x: torch.Tensor, truth: torch.Tensor) -> float:
    truth_energy = _high_frequency_energy(truth).sum()
    if truth_energy == 0:
        raise ValueError(
            "truth has no high-frequency detail at all (flat or linear images): "
            "sharpness relative to it is undefined"
        )
    return float(_high_frequency_energy(x).sum() / truth_energy)


def edge_fidelity(x: torch.Tensor, truth: torch.Tensor) -> float:
    """Agreement of the edges of x with the truth's: Pearson correlation between their Sobel
    gradients (d/dx and d/dy of every channel), pooled over every pixel of the set; x, truth:
    (N, C, H, W).

    1 = the same edges (up to a scale), ≈ 0 = edges unrelated to the truth, < 0 = inverted edges; an
    x with no edges at all scores 0. Why signed gradients: a blur keeps every edge where it was,
    only softer, so the correlation stays clearly positive (≈ 0.7 for σ = 2 px on 32×32 photos);
    noise adds gradients the truth lacks and lowers it; a texture drawn independently of the truth,
    however sharp, correlates ≈ 0. Unlike gradient *magnitudes*, the signs also catch an edge of the
    wrong polarity (a dark-to-light step where the truth goes light-to-dark), which is a wrong edge.
    Unlike Laplacian responses, first derivatives do not collapse under a mild blur (σ = 2: ≈ 0.3
    for the Laplacian). Pooled, not per image, so nearly flat images weigh by the little gradient
    they have.
    """
    _check_pair(x, truth)
    return _edge_fidelity(x, truth)


def _edge_fidelity(x: torch.Tensor, truth: torch.Tensor) -> float:
    g_x, g_t = _sobel(x).flatten(), _sobel(truth).flatten()  # every d/dx and d/dy of the set
    g_x, g_t = g_x - g_x.mean(), g_t - g_t.mean()
    norm_t = g_t.norm()
    if norm_t == 0:
        raise ValueError(
            "truth has no edges at all (the same gradient at every pixel, e.g. flat "
            "images): edge fidelity is undefined"
        )
    norm_x = g_x.norm()
    if norm_x == 0:
        return 0.0
    return float((g_x @ g_t) / (norm_x * norm_t))


def detail_verdict(sharpness: float, edge_fidelity: float) -> str:
    """What ``sharpness`` and ``edge_fidelity`` of a set say together, in words a verdict can quote:
    blurrier (< 0.9), about as detailed as the truth (0.9–1.1) or more (> 1.1); on the truth's edges
    (edge fidelity ≥ 0.5, clearly positive as a blur keeps it) or on edges mostly unrelated to
    them."""
    sharpness = check_number(sharpness, "sharpness", 0)
    right = check_number(edge_fidelity, "edge_fidelity", -1 - 1e-9, 1 + 1e-9) >= 0.5
    if sharpness < 0.9:
        return (
            "blurred, on the truth's edges"
            if right
            else "blurred, and most of the detail left is not the truth's"
        )
    if sharpness <= 1.1:
        return (
            "about as detailed as the truth, on its edges"
            if right
            else "about as detailed as the truth, but on edges mostly unrelated to its own"
        )
    return (
        "over-sharp: more high-frequency energy than the truth, on top of its edges"
        if right
        else "noisy: more high-frequency energy than the truth, on edges mostly unrelated to its "
        "own"
    )


def image_quality(y: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """``PSNR`` (dB) and ``SSIM`` of y against x averaged over images, with the set-level
    ``sharpness`` (1 = as detailed as x, < 1 blurrier, > 1 noisier) and ``edge fidelity`` (1 = x's
    edges, ≈ 0 unrelated ones); y, x: (N, C, H, W) in [-1, 1], at least 6×6 (SSIM)."""
    _check({"y": y, "x": x}, min_size=6)
    return _image_quality(y, x)


def _image_quality(y: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """``image_quality`` of inputs already checked: each metric once, no check repeated."""
    return {
        "PSNR": float(_psnr(y, x).mean()),
        "SSIM": float(_ssim_map(y, x).flatten(1).mean(1).mean()),
        "sharpness": _sharpness(y, x),
        "edge fidelity": _edge_fidelity(y, x),
    }


def colorization_metrics(y: torch.Tensor, x: torch.Tensor) -> dict[str, float]:
    """Mean PSNR (dB), SSIM and colourfulness of colorizations y against truth x, with the set's
    sharpness and edge fidelity (``metrics.image_quality``); y, x: (N, 3, H, W) in [-1, 1]."""
    _check({"y": y, "x": x}, channels=3, min_size=6)
    quality = _image_quality(y, x)
    return {
        "PSNR": quality["PSNR"],
        "SSIM": quality["SSIM"],
        "colourfulness": float(_colorfulness(y).mean()),
        "sharpness": quality["sharpness"],
        "edge fidelity": quality["edge fidelity"],
    }


def realism_accuracy(
    real: torch.Tensor, fake: torch.Tensor, *, steps: int = 150, batch_size: int = 32, seed: int = 0
) -> float:
    """Held-out accuracy of a fresh small CNN trained to tell ``real`` from ``fake`` (both
    (N, C, H, W) in [-1, 1], N ≥ 4): 0.5 = indistinguishable (realistic), 1.0 = trivially fake.

    Each set is split in half by a seeded permutation; the classifier trains on one half of both and
    is scored on the other, so it judges images it has not seen. Unlike the GAN's own D, it was
    never part of the game the generator played.
    """
    _check({"real": real, "fake": fake}, min_count=4)
    steps = check_int(steps, "steps", 1, 1_000_000)
    batch_size = check_int(batch_size, "batch_size", 1, 1_000_000)
    seed = check_int(seed, "seed", 0)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(real.shape[0], generator=g)
    half = real.shape[0] // 2
    split = lambda x: (x[perm[:half]], x[perm[half:]])  # noqa: E731
    (real_fit, real_eval), (fake_fit, fake_eval) = (
        split(real.detach().float()), split(fake.detach().float())
    )
    x_fit = torch.cat([real_fit, fake_fit])
    y_fit = torch.cat([torch.ones(len(real_fit)), torch.zeros(len(fake_fit))])
    c = real.shape[1]
    with seeded(seed):
        net = nn.Sequential(
            nn.Conv2d(c, 16, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (N, 16, H/2, W/2)
            nn.Conv2d(16, 32, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (N, 32, H/4, W/4)
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(32, 1),
            nn.Flatten(0),
        )  # (N,)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(steps):
        idx = torch.randint(len(x_fit), (min(batch_size, len(x_fit)),), generator=g)
        loss = F.binary_cross_entropy_with_logits(net(x_fit[idx]), y_fit[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        correct = (net(real_eval) > 0).sum() + (net(fake_eval) <= 0).sum()
    return float(correct) / (len(real_eval) + len(fake_eval))


ON_PALETTE_DELTA_E = 20.0  # a pixel within this Lab distance of a palette colour counts as on it


def palette_strokes(truth: torch.Tensor) -> torch.Tensor:
    """The stroke pixels of palette images truth (N, 3, H, W) in [-1, 1], as (N, H, W) bool: the
    truth holds exactly two luma levels (77 and 129 of 255) and its strokes are the bright one."""
    return rgb_to_gray(truth.float())[:, 0] > 103 / 127.5 - 1


def _palette_matches(y: torch.Tensor, truth: torch.Tensor):
    """y's Lab pixels (N, H, W, 3), the truth's stroke mask (N, H, W) bool, and for each pixel of y
    the Lab distance to the nearest colour of its level's palette and that colour's index, both
    (N, H, W)."""
    _check({"y": y, "truth": truth}, channels=3)
    # an unclamped output (within _check's slack) shows as its clipped colour
    lab = rgb_to_lab(y.float().clamp(-1, 1)).permute(0, 2, 3, 1).contiguous()  # (N, H, W, 3)
    stroke = palette_strokes(truth)  # (N, H, W) bool
    distance = torch.empty(lab.shape[:3])
    nearest = torch.empty(lab.shape[:3], dtype=torch.long)
    for mask, part in ((stroke, "stroke"), (~stroke, "background")):
        palette_lab = rgb_to_lab(palette_colours(part)[..., None, None]).flatten(1)  # (5, 3)
        distance[mask], nearest[mask] = torch.cdist(lab[mask], palette_lab).min(1)
    return lab, stroke, distance, nearest


ONE_COLOUR_SHARE = 0.9  # a region counts as one colour when this share of it is on one


def _main_colours(
    on: torch.Tensor, stroke: torch.Tensor, nearest: torch.Tensor
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """For the stroke and the background of each image: the share of the region on its most used
    palette colour, (N,) in [0, 1], and that colour's index, (N,); from ``_palette_matches``."""
    n, k = len(on), len(PALETTE_NAMES["stroke"])
    image = torch.arange(n).view(n, 1, 1).expand_as(stroke)  # (N, H, W)
    out = {}
    for region, part in ((stroke, "stroke"), (~stroke, "background")):
        hit = on & region  # (N, H, W): pixels of the region on some colour of its palette
        # counts[i, c]: pixels of image i's region on colour c
        counts = torch.bincount(image[hit] * k + nearest[hit], minlength=n * k).view(n, k)
        top = counts.max(1)
        out[part] = (top.values / region.sum((1, 2)).clamp_min(1), top.indices)
    return out


def palette_colour_use(y: torch.Tensor, truth: torch.Tensor) -> dict[str, dict[str, float]]:
    """Which palette colours a colorization y of palette images paints them in: for the stroke
    and the background, {colour name: the share of images whose region is mostly (more than half)
    on that colour}. y, truth: (N, 3, H, W) in [-1, 1], as ``palette_fidelity``.

    The palette test set paints every digit in all five colours, so its truth scores 0.2 for each;
    a generator that gives every digit the same colour scores 1 for it (a collapse that per-image
    scores cannot see: one colour per digit, but the same one for all); images with no majority
    colour count for none, so the shares may sum to less than 1."""
    _, stroke, distance, nearest = _palette_matches(y, truth)
    use = {}
    for part, (main, colour) in _main_colours(distance < ON_PALETTE_DELTA_E, stroke,
                                              nearest).items():
        names = PALETTE_NAMES[part]
        shares = torch.bincount(colour[main > 0.5], minlength=len(names)) / len(y)
        use[part] = dict(zip(names, shares.tolist()))
    return use


def palette_fidelity(
    y: torch.Tensor, truth: torch.Tensor, *, per_image: bool = False
) -> dict[str, float]:
    """How a colorization y of palette images (``load_dataset("palette")``) uses the palette:
    stroke pixels (the truth's bright level) against the five stroke colours, background pixels
    against the five background colours. y, truth: (N, 3, H, W) in [-1, 1].

    ``chroma``: mean Lab chroma √(a² + b²) of y (the palette's colours: 40–102; L1's per-channel
    median: 16–20); ``ΔE to palette``: mean Lab distance from each pixel of y to the nearest
    colour of its level; ``on palette``: the share of pixels within ``ON_PALETTE_DELTA_E`` of
    one.

    With ``per_image``, also per image rather than per pixel: ``stroke on main colour``, the mean
    over images of the share of an image's stroke pixels within ``ON_PALETTE_DELTA_E`` of its most
    used stroke colour (1 for the truth; a blue digit with green edges scores the blue share);
    ``one stroke colour``, the share of images in which that share is at least
    ``ONE_COLOUR_SHARE``; ``one background colour``, the same for the background."""
    lab, stroke, distance, nearest = _palette_matches(y, truth)
    on = distance < ON_PALETTE_DELTA_E  # (N, H, W) bool
    scores = {
        "chroma": float(lab[..., 1:].norm(dim=-1).mean()),
        "ΔE to palette": float(distance.mean()),
        "on palette": float(on.double().mean()),
    }
    if per_image:
        for part, (main, _) in _main_colours(on, stroke, nearest).items():
            if part == "stroke":
                scores["stroke on main colour"] = float(main.mean())
            scores[f"one {part} colour"] = float((main >= ONE_COLOUR_SHARE).double().mean())
    return scores
