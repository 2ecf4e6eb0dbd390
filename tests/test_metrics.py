"""Sharpness and edge fidelity on cases whose answer is known before measuring."""
import warnings

import pytest
import torch
import torch.nn.functional as F

from gan_course.checks import RangeWarning
from gan_course.metrics import edge_fidelity, high_frequency_energy, image_quality, sharpness


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of every channel of x: (N, C, H, W), reflected at the borders."""
    r = max(1, round(3 * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float32)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1).contiguous(), groups=c)  # along W
    return F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1).contiguous(), groups=c)  # along H


def texture(n: int, seed: int, size: int = 32) -> torch.Tensor:
    """n detailed RGB images (n, 3, size, size) in [-1, 1]: white noise smoothed a little (σ 1 px),
    spread to std 0.4, so they hold detail at every scale a 32×32 patch has."""
    g = torch.Generator().manual_seed(seed)
    x = gaussian_blur(torch.rand(n, 3, size, size, generator=g) * 2 - 1, 1.0)
    return (x / x.std() * 0.4).clamp(-1, 1)


def noise(like: torch.Tensor, std: float, seed: int) -> torch.Tensor:
    return std * torch.randn(like.shape, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def truth():
    return texture(32, seed=0)


# --- sharpness ------------------------------------------------------------------------------------

def test_sharpness_of_the_truth_itself_is_one(truth):
    assert sharpness(truth, truth) == pytest.approx(1.0, abs=1e-6)


def test_sharpness_falls_below_one_and_further_as_the_blur_widens(truth):
    values = [sharpness(gaussian_blur(truth, sigma), truth) for sigma in (0.5, 1.0, 2.0)]
    assert values[0] < 1 and values[0] > values[1] > values[2] > 0, values


def test_sharpness_of_added_noise_is_above_one(truth):
    assert sharpness(truth + noise(truth, 0.1, seed=1), truth) > 1.5


def test_many_nearly_flat_patches_do_not_dominate():
    """8 textured and 56 nearly flat truth patches (a smooth shade + noise of std 0.002), all blurred
    (σ 1 px) and left with a faint residual noise (std 0.01, about one 8-bit grey level, as a young
    generator leaves): the set is blurred, and the set-level ratio says so. The mean of per-image
    ratios says "noisy": on a flat patch the faint residual is hundreds of times the truth's detail."""
    detailed = texture(8, seed=2)
    g = torch.Generator().manual_seed(3)
    shade = torch.rand(56, 3, 1, 1, generator=g) * 1.6 - 0.8  # (56, 3, 1, 1): one colour per patch
    flat = shade + 0.002 * torch.randn(56, 3, 32, 32, generator=g)
    truth = torch.cat([detailed, flat])  # (64, 3, 32, 32)
    output = gaussian_blur(truth, 1.0) + noise(truth, 0.01, seed=4)
    per_image = high_frequency_energy(output) / high_frequency_energy(truth)  # (64,)
    assert per_image[:8].max() < 1 < per_image[8:].min()  # every detailed patch blurred; flat ones "noisy"
    assert per_image.mean() > 10  # the old measure's verdict: ten times noisier than the truth
    assert sharpness(output, truth) < 0.5  # the new one: blurred
    assert sharpness(output, truth) == pytest.approx(
        float(high_frequency_energy(output).sum() / high_frequency_energy(truth).sum()))


# --- edge fidelity --------------------------------------------------------------------------------

def test_edge_fidelity_of_the_truth_itself_is_one(truth):
    assert edge_fidelity(truth, truth) == pytest.approx(1.0, abs=1e-6)
    assert edge_fidelity(0.5 * truth + 0.1, truth) == pytest.approx(1.0, abs=1e-6)  # contrast and offset


def test_a_blur_keeps_the_edges_clearly_positive(truth):
    values = [edge_fidelity(gaussian_blur(truth, sigma), truth) for sigma in (0.5, 1.0, 2.0)]
    assert 1 > values[0] > values[1] > values[2] > 0.5, values


def test_sharp_texture_unrelated_to_the_truth_scores_about_zero(truth):
    other = texture(32, seed=5)  # as sharp as the truth, drawn independently of it
    assert sharpness(other, truth) == pytest.approx(1.0, abs=0.1)  # sharpness alone cannot tell
    assert abs(edge_fidelity(other, truth)) < 0.1


def test_noise_lowers_edge_fidelity_the_more_the_stronger(truth):
    values = [edge_fidelity(truth + noise(truth, std, seed=6), truth) for std in (0.0, 0.1, 0.3)]
    assert values[0] > values[1] > values[2], values
    assert values[2] < 0.9


def test_inverted_edges_are_wrong_edges(truth):
    """A light-to-dark step where the truth goes dark-to-light is a wrong edge: −1, where a measure on
    gradient magnitudes would give 1."""
    assert edge_fidelity(-truth, truth) == pytest.approx(-1.0, abs=1e-6)


def test_edge_fidelity_is_pooled_over_the_set_not_averaged_per_image():
    """The mixed set of the sharpness test: per image, the flat patches' faint residual is unrelated to
    their faint truth (r ≈ 0 on 56 of 64), yet the set's edges are the detailed patches' edges, blurred."""
    detailed = texture(8, seed=2)
    g = torch.Generator().manual_seed(3)
    flat = torch.rand(56, 3, 1, 1, generator=g) * 1.6 - 0.8 + 0.002 * torch.randn(56, 3, 32, 32, generator=g)
    truth = torch.cat([detailed, flat])
    output = gaussian_blur(truth, 1.0) + noise(truth, 0.01, seed=4)
    with warnings.catch_warnings():  # a flat patch of a bright colour looks like a [0, 1] image
        warnings.simplefilter("ignore", RangeWarning)
        per_image = torch.tensor([edge_fidelity(output[i:i + 1], truth[i:i + 1]) for i in range(64)])
    assert per_image.mean() < 0.5 < edge_fidelity(output, truth)


def test_an_output_without_edges_scores_zero(truth):
    assert edge_fidelity(torch.zeros_like(truth), truth) == 0.0


# --- image_quality and bad input ------------------------------------------------------------------

def test_image_quality_reports_both_set_level_measures(truth):
    blurred = gaussian_blur(truth, 1.0)
    q = image_quality(blurred, truth)
    assert set(q) == {"PSNR", "SSIM", "sharpness", "edge fidelity"}
    assert q["sharpness"] == sharpness(blurred, truth) and q["edge fidelity"] == edge_fidelity(blurred, truth)


@pytest.mark.parametrize("measure", [sharpness, edge_fidelity])
def test_bad_input_is_refused_with_a_reason(measure, truth):
    with pytest.raises(ValueError, match=r"must be \(N, C, H, W\)"):
        measure(truth[0], truth[0])
    with pytest.raises(ValueError, match="differ in shape"):
        measure(truth[:3], truth[:2])
    with pytest.raises(ValueError, match="at least 3×3"):
        measure(truth[..., :2, :2], truth[..., :2, :2])
    for bad in (float("nan"), float("inf")):
        broken = truth.clone()
        broken[0, 0, 0, 0] = bad
        with pytest.raises(ValueError, match="^x holds .*non-finite"):
            measure(broken, truth)
        with pytest.raises(ValueError, match="truth holds .*non-finite"):
            measure(truth, broken)
    flat = torch.full_like(truth, 0.3)
    with pytest.raises(ValueError, match="truth has no"):
        measure(truth, flat)


def test_detail_verdict_reads_the_two_measures_together():
    from gan_course.metrics import detail_verdict

    assert detail_verdict(0.5, 0.9) == "blurred, on the truth's edges"
    assert detail_verdict(0.5, 0.2) == "blurred, and most of the detail left is not the truth's"
    assert detail_verdict(1.0, 0.99).startswith("about as detailed as the truth, on its edges")
    assert detail_verdict(1.0, 0.0) == "about as detailed as the truth, but on edges mostly unrelated to its own"
    assert detail_verdict(3.0, 0.9).startswith("over-sharp:")
    assert detail_verdict(3.0, 0.1).startswith("noisy:")
    assert "noisy" not in detail_verdict(0.5, 0.1)  # a blurred output is never called noisy


def test_palette_fidelity_on_known_colorizations():
    from gan_course.color import gray_to_rgb, rgb_to_gray
    from gan_course.data import load_dataset
    from gan_course.metrics import palette_fidelity

    truth = load_dataset("palette", 32, split="test", n=60).float()
    exact = palette_fidelity(truth, truth)
    assert exact["on palette"] == 1.0 and exact["ΔE to palette"] < 0.1 and 45 < exact["chroma"] < 70
    gray = palette_fidelity(gray_to_rgb(rgb_to_gray(truth)), truth)
    assert gray["on palette"] == 0.0 and gray["chroma"] < 1 and gray["ΔE to palette"] > 35
    # L1's answer: every stroke the per-channel median of the stroke colours, every background theirs
    bright = rgb_to_gray(truth) > 103 / 127.5 - 1
    median = torch.where(bright, torch.tensor([115, 147, 120.]).view(1, 3, 1, 1) / 127.5 - 1,
                         torch.tensor([108, 76, 68.]).view(1, 3, 1, 1) / 127.5 - 1)
    dull = palette_fidelity(median, truth)
    assert dull["on palette"] == 0.0 and 14 < dull["chroma"] < 22 and dull["ΔE to palette"] > 25
    # swapping two stroke colours keeps every pixel on the palette: the metric asks "a palette
    # colour?", not "the right one?" (PSNR asks that)
    assert palette_fidelity(truth.flip(0), truth.flip(0))["on palette"] == 1.0
    # an unclamped output is scored as its clipped colours, as the other metrics' slack promises
    assert palette_fidelity(truth * 1.2, truth) == palette_fidelity((truth * 1.2).clamp(-1, 1), truth)
    with pytest.raises(ValueError, match="RGB"):
        palette_fidelity(truth[:, :1], truth[:, :1])


def test_images_in_another_range_are_refused_or_flagged():
    from gan_course.metrics import psnr, ssim

    x = texture(4, 0)  # in [-1, 1]
    with pytest.raises(ValueError, match=r"x must be in \[-1, 1\], got values in \[0, 255\].*looks like \[0, 255\]"):
        psnr(torch.linspace(0, 255, x.numel()).view_as(x), x)
    with pytest.raises(ValueError, match="must be a float tensor in"):
        ssim(((x + 1) * 127.5).to(torch.uint8), x)
    with pytest.warns(RangeWarning, match=r"as images in \[0, 1\] would"):
        image_quality((x + 1) / 2, (x + 1) / 2)
    for metric in (psnr, sharpness, edge_fidelity):  # a little outside [-1, 1] is scored as given
        metric((x * 1.2).clamp(-1.4, 1.4), x)
