"""The palette dataset: digits painted from two palettes of equal lightness and luma, so that gray
shows the digit and never its colours (the colorization case where L1 averages and a GAN can
choose)."""
import pytest
import torch

from gan_course.color import rgb_to_gray, rgb_to_lab
from gan_course.data import PALETTE_BACKGROUNDS, PALETTE_STROKES, load_dataset
from gan_course.lessons.colorization import baseline_colorizations
from gan_course.shipped import load_shipped_feature_net


def palette_lab(colours) -> torch.Tensor:
    """uint8 sRGB triples (K of them) → their Lab (K, 3), computed by gan_course.color."""
    x = torch.tensor(colours, dtype=torch.float64).T.reshape(1, 3, -1, 1) / 127.5 - 1  # (1, 3, K, 1)
    return rgb_to_lab(x)[0, :, :, 0].T  # (K, 3)


def palette_luma(colours) -> torch.Tensor:
    """uint8 sRGB triples → their luma (K,) in [0, 255]."""
    x = torch.tensor(colours, dtype=torch.float64).T.reshape(1, 3, -1, 1) / 127.5 - 1
    return (rgb_to_gray(x).flatten() + 1) * 127.5


def hue(lab: torch.Tensor) -> torch.Tensor:
    """Lab (..., 3) → hue angle in degrees [0, 360)."""
    return torch.atan2(lab[..., 2], lab[..., 1]).rad2deg() % 360


def stroke_mask(images: torch.Tensor) -> torch.Tensor:
    """uint8 palette images (N, 3, S, S) → (N, S, S) bool, read from the gray image alone."""
    gray = rgb_to_gray(images.double() / 127.5 - 1)[:, 0]  # (N, S, S) in [-1, 1]
    lo, hi = gray.amin((1, 2), keepdim=True), gray.amax((1, 2), keepdim=True)
    return gray > (lo + hi) / 2


def test_each_palette_shares_one_lightness_and_one_luma_and_its_median_is_dull():
    strokes, backgrounds = palette_lab(PALETTE_STROKES), palette_lab(PALETTE_BACKGROUNDS)
    for lab, colours in ((strokes, PALETTE_STROKES), (backgrounds, PALETTE_BACKGROUNDS)):
        assert len(colours) == 5  # odd: the per-channel median (what L1 picks) is one colour
        assert lab[:, 0].max() - lab[:, 0].min() < 1  # one CIE-Lab L (the "lab" space's condition)
        luma = palette_luma(colours)
        assert luma.max() - luma.min() < 0.5  # one luma, in 0..255 (the "gray" space's condition)
        chroma = lab[:, 1:].norm(dim=1)  # (5,)
        assert chroma.min() > 40  # vivid: chroma over 40 (gray has 0)
        h = hue(lab).sort().values
        assert torch.diff(torch.cat([h, h[:1] + 360])).min() > 30  # five distinct hues
        median_rgb = torch.tensor(colours, dtype=torch.float64).median(0).values  # (3,) in 0..255
        median_lab = palette_lab([median_rgb.tolist()])[0]
        assert median_lab[1:].norm() < 21 and lab[:, 1:].median(0).values.norm() < 21  # dull
        assert lab[:, 1:].mean(0).norm() < 22  # and so is the mean
    assert strokes[:, 0].mean() - backgrounds[:, 0].mean() > 20  # the two levels: strokes lighter


def test_palette_paints_every_digit_in_every_colour():
    train, test = load_dataset("palette", 32), load_dataset("palette", 32, split="test")
    assert train.images.shape == (5 * 1500, 3, 32, 32) and test.images.shape == (5 * 297, 3, 32, 32)
    assert train.images.dtype == torch.uint8 and train.name == "palette"
    assert train.classes == tuple("0123456789")
    assert torch.equal(train.labels, load_dataset("digits", 32).labels.repeat_interleave(5))
    x = train.float()
    assert x.min() >= -1 and x.max() <= 1
    pixels = test.images.view(297, 5, 3, -1)  # (digit, painting, RGB, pixel)
    ink = stroke_mask(test.images).view(297, 5, -1)  # (297, 5, 1024)
    assert (ink == ink[:, :1]).all()  # five paintings of one digit
    for digit, ink_d in zip(pixels, ink[:, 0]):
        strokes = {tuple(c) for c in digit[:, :, ink_d].permute(0, 2, 1).reshape(-1, 3).tolist()}
        backgrounds = {tuple(c) for c in digit[:, :, ~ink_d].permute(0, 2, 1).reshape(-1, 3).tolist()}
        assert strokes == set(PALETTE_STROKES) and backgrounds == set(PALETTE_BACKGROUNDS)
    assert repr(load_dataset("palette", 16, n=5)) == "ImageSet('palette', 5 × 3×16×16, 10 classes)"
    assert load_dataset("palette", 16, n=8, channels=1).images.shape == (8, 1, 16, 16)
    with pytest.raises(ValueError, match="unknown split 'val' for palette; valid splits: train, test"):
        load_dataset("palette", 32, split="val")


def test_palette_is_deterministic_given_split_and_seed():
    a = load_dataset("palette", 16, n=64, seed=3)
    assert torch.equal(a.images, load_dataset("palette", 16, n=64, seed=3).images)
    b, c = load_dataset("palette", 16, seed=0), load_dataset("palette", 16, seed=1)
    assert not torch.equal(b.images, c.images)  # the seed pairs other backgrounds ...
    assert torch.equal(stroke_mask(b.images), stroke_mask(c.images))  # ... with the same strokes
    ink = stroke_mask(b.images)[:, None]  # (7500, 1, 16, 16)
    assert torch.equal(b.images * ink, c.images * ink)
    # the colours belong to the digit, not to the image size
    small, large = load_dataset("palette", 8, split="test"), load_dataset("palette", 32, split="test")
    for a, b in zip(small.images, large.images):
        assert torch.equal(a.flatten(1).unique(dim=1), b.flatten(1).unique(dim=1))


def test_train_and_test_paint_the_digits_own_disjoint_splits():
    for split in ("train", "test"):
        painted = load_dataset("palette", 32, split=split)
        digits = load_dataset("digits", 32, split=split)
        ink = digits.images[:, 0].repeat_interleave(5, 0) >= 128  # (5N, 32, 32)
        assert torch.equal(stroke_mask(painted.images), ink)  # the split's own digits, 5 times
    train = stroke_mask(load_dataset("palette", 32).images[::5]).flatten(1)  # (1500, 1024)
    test = stroke_mask(load_dataset("palette", 32, split="test").images[::5]).flatten(1)  # (297, 1024)
    assert not any((train == t).all(1).any() for t in test)  # no test digit is also a training digit


def test_gray_shows_two_lightness_levels_and_hides_the_hues():
    data = load_dataset("palette", 32, n=200, seed=0)
    lab = rgb_to_lab(data.images.double() / 127.5 - 1)  # (200, 3, 32, 32)
    ink = stroke_mask(data.images)  # (200, 32, 32)
    L_stroke = palette_lab(PALETTE_STROKES)[:, 0].mean()
    L_background = palette_lab(PALETTE_BACKGROUNDS)[:, 0].mean()
    stroke_hues, background_hues = set(), set()
    for lab_i, ink_i in zip(lab, ink):
        assert ink_i.any() and (~ink_i).any()
        assert (lab_i[0][ink_i] - L_stroke).abs().max() < 2  # every stroke pixel at one L
        assert (lab_i[0][~ink_i] - L_background).abs().max() < 2  # every other pixel at the other
        stroke_hues.add(round(hue(lab_i[:, ink_i].T).mean().item()))
        background_hues.add(round(hue(lab_i[:, ~ink_i].T).mean().item()))
    assert len(stroke_hues) >= 4 and len(background_hues) >= 4  # ... in many hues
    gray = (rgb_to_gray(data.images.double() / 127.5 - 1) + 1) * 127.5  # (200, 1, 32, 32) in 0..255
    for level in (gray[:, 0][ink], gray[:, 0][~ink]):
        assert level.max() - level.min() < 0.5  # across all 200 images: one gray per level


def test_gray_determines_the_digit_but_not_its_colours():
    train, test = load_dataset("palette", 32), load_dataset("palette", 32, split="test")
    x_test = test.float()  # (1485, 3, 32, 32) in [-1, 1]
    mean_colour = baseline_colorizations(x_test, train.float())["mean colour"]
    ab_error = (rgb_to_lab(mean_colour)[:, 1:] - rgb_to_lab(x_test)[:, 1:]).norm(dim=1).mean()
    assert ab_error > 20  # the best single guess misses the colours by a wide margin (Lab units)
    gray = rgb_to_gray(x_test[::5])  # (297, 1, 32, 32): each test digit once, two values each
    lo, hi = gray.amin((2, 3), keepdim=True), gray.amax((2, 3), keepdim=True)
    with torch.no_grad():
        logits = load_shipped_feature_net()((gray - lo) / (hi - lo) * 2 - 1)  # strokes 1, rest -1
    assert (logits.argmax(1) == test.labels[::5]).float().mean() > 0.8  # the digits classifier reads it


@pytest.mark.parametrize("space", ["gray", "lab"])
def test_a_colorizer_sees_the_same_condition_for_all_five_paintings(space):
    """The condition A a colorizer is given (luma in 256 levels, or L in whole units) is identical for
    the five paintings of a digit: nothing in it tells the colours apart."""
    from gan_course.color import colorization_pair

    x = load_dataset("palette", 32, n=50, seed=0).float()  # 10 digits × 5 paintings, digit by digit
    A, _ = colorization_pair(load_dataset("palette", 32).float()[:50], space)
    A = A.view(10, 5, 1, 32, 32)
    assert (A == A[:, :1]).all()
    assert len(A.unique()) == 2  # two levels: strokes and background
    assert x.shape == (50, 3, 32, 32)


def test_per_image_palette_scores_catch_a_digit_painted_in_two_colours():
    """'on palette' is per pixel: a stroke half orange, half blue is all on the palette. The
    per-image scores ask whether each digit has one colour, and must fail it."""
    from gan_course.metrics import palette_fidelity

    truth = load_dataset("palette", 32, split="test").float()[:20]  # 4 digits, 5 paintings each
    exact = palette_fidelity(truth, truth, per_image=True)
    assert exact["one stroke colour"] == exact["one background colour"] == 1.0
    assert exact["stroke on main colour"] == 1.0
    assert "one stroke colour" not in palette_fidelity(truth, truth)  # per pixel by default
    # paintings 5i .. 5i + 4 are one digit: take the left half of each from the next painting
    # of the same digit (another stroke and another background colour)
    other = truth.view(-1, 5, 3, 32, 32).roll(1, 1).reshape(truth.shape)
    split = truth.clone()
    split[..., :16] = other[..., :16]
    two = palette_fidelity(split, truth, per_image=True)
    assert two["on palette"] == 1.0  # every pixel a palette colour of its level ...
    assert two["one stroke colour"] == 0.0  # ... yet no digit has one stroke colour
    assert two["one background colour"] == 0.0
    assert 0.2 < two["stroke on main colour"] < 0.9
    # one wrong colour for the whole digit is still one colour
    assert palette_fidelity(other, truth, per_image=True)["one stroke colour"] == 1.0


def test_palette_colour_use_catches_every_digit_painted_alike():
    """One colour per digit is not enough: a generator that paints every digit in the same stroke
    and background colour has collapsed, and the colour use says so where the per-image scores
    cannot."""
    from gan_course.data import palette_colours
    from gan_course.metrics import palette_colour_use, palette_fidelity, palette_strokes

    truth = load_dataset("palette", 32, split="test").float()[:20]  # 4 digits, 5 paintings each
    use = palette_colour_use(truth, truth)
    assert list(use["stroke"]) == ["orange", "lime", "green", "blue", "magenta"]
    with pytest.raises(ValueError, match="'stroke' or 'background', got 'strokes'"):
        palette_colours("strokes")
    for part in ("stroke", "background"):
        assert list(use[part].values()) == pytest.approx([0.2] * 5)
    # every digit: green stroke on crimson (the colours nearest L1's per-channel median)
    alike = torch.where(palette_strokes(truth)[:, None], palette_colours("stroke")[2, :, None, None],
                        palette_colours("background")[0, :, None, None])
    per_image = palette_fidelity(alike, truth, per_image=True)
    assert per_image["one stroke colour"] == per_image["one background colour"] == 1.0
    use = palette_colour_use(alike, truth)
    assert use["stroke"]["green"] == use["background"]["crimson"] == 1.0
    assert sum(use["stroke"].values()) == sum(use["background"].values()) == 1.0
    # no majority colour, no share: a gray copy is on no colour at all
    gray = baseline_colorizations(truth, truth)["gray copy"]
    assert sum(palette_colour_use(gray, truth)["stroke"].values()) == 0.0


def test_colorizer_rows_can_skip_the_slow_image_quality_measures():
    from gan_course.lessons.colorization import colorizer_rows

    truth = load_dataset("palette", 32, split="test").float()[:10]
    outputs = baseline_colorizations(truth, truth)  # gray copy, mean colour
    full = colorizer_rows(outputs, truth, palette=True)
    fast = colorizer_rows(outputs, truth, palette=True, quality=False)
    for a, b in zip(full, fast):
        assert b["PSNR"] == pytest.approx(a["PSNR"], abs=1e-6) and "SSIM" not in b
        assert {k: v for k, v in a.items() if k in b} == pytest.approx(b)
    assert "one stroke colour" in fast[0]  # palette=True brings the per-image scores
