"""Colour views: gray weights, Lab against scikit-image, round trips, colorization pairs."""
import numpy as np
import pytest
import torch
from skimage.color import lab2rgb, rgb2lab

from gan_course.color import (TARGET_CHANNELS, colorization_pair, colorization_to_rgb, denormalize_lab, gray_to_rgb,
                              lab_to_rgb, normalize_lab, rgb_to_gray, rgb_to_lab)


def rgb(*pixels):
    """Pixels given in [0, 1] → (N, 3, 1, 1) in [-1, 1]."""
    return torch.tensor(pixels, dtype=torch.float64)[:, :, None, None] * 2 - 1


def test_gray_weights_on_known_pixels():
    g = rgb_to_gray(rgb([1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [0, 0, 0]))
    # red → luma 0.299 → 2·0.299 − 1 in [-1, 1]
    assert torch.allclose(g.flatten(), torch.tensor([0.299, 0.587, 0.114, 1.0, 0.0], dtype=torch.float64) * 2 - 1)
    assert gray_to_rgb(g).shape == (5, 3, 1, 1)


def test_lab_matches_scikit_image():
    x = torch.rand(2, 3, 8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ours = rgb_to_lab(x).permute(0, 2, 3, 1).numpy()
    theirs = rgb2lab(((x + 1) / 2).permute(0, 2, 3, 1).numpy())
    np.testing.assert_allclose(ours, theirs, atol=2e-3)
    back = lab_to_rgb(torch.from_numpy(theirs).permute(0, 3, 1, 2))
    np.testing.assert_allclose(((back + 1) / 2).permute(0, 2, 3, 1).numpy(), lab2rgb(theirs), atol=1e-4)
    x32 = x.float()  # the dtype training uses: still within 1e-3 relative
    ours32 = rgb_to_lab(x32).permute(0, 2, 3, 1).double().numpy()
    assert (np.abs(ours32 - theirs) / (np.abs(theirs) + 1)).max() < 1e-3
    assert (lab_to_rgb(rgb_to_lab(x32)) - x32).abs().max() < 1e-4  # rgb → lab → rgb is the identity
    # out of gamut, as a colorizer may predict: z < 0 (strong yellow) is clipped like scikit-image does
    wild = np.array([[[[50.0, 0, 120], [30, -90, 110], [80, 100, -110], [10, 60, 95]]]])
    with pytest.warns(UserWarning, match="negative Z values"):
        expected = lab2rgb(wild)
    got = (lab_to_rgb(torch.from_numpy(wild).permute(0, 3, 1, 2)) + 1) / 2
    np.testing.assert_allclose(got.permute(0, 2, 3, 1).numpy(), expected, atol=1e-4)


def test_known_lab_values():
    lab = rgb_to_lab(rgb([1, 1, 1], [0, 0, 0], [1, 0, 0])).flatten(1)
    assert torch.allclose(lab[0], torch.tensor([100.0, 0, 0], dtype=torch.float64), atol=1e-2)
    assert torch.allclose(lab[1], torch.zeros(3, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(lab[2], torch.tensor([53.24, 80.09, 67.20], dtype=torch.float64), atol=0.05)  # pure red


@pytest.mark.parametrize("space", ["gray", "lab"])
def test_colorization_round_trip(space):
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(1)) * 2 - 1
    A, B = colorization_pair(x, space)
    assert A.shape == (3, 1, 16, 16) and B.shape == (3, TARGET_CHANNELS[space], 16, 16)
    assert A.abs().max() <= 1.0 + 1e-4 and B.abs().max() <= 1.0 + 1e-4
    back = colorization_to_rgb(A, B, space)
    if space == "gray":
        assert torch.allclose(back, x, atol=2e-3)
    else:  # A holds L in whole units: the colour comes back, the lightness within half a unit
        lab_back, lab = rgb_to_lab(back), rgb_to_lab(x)
        assert (lab_back[:, 0] - lab[:, 0]).abs().max() <= 0.5 + 1e-3
        assert (lab_back[:, 1:] - lab[:, 1:]).abs().max() < 2.5  # out-of-gamut clipping aside
        assert (lab_back[:, 0] - A[:, 0].add(1).mul(50)).abs().max() < 0.25  # L from A
        assert torch.allclose(A.add(1).mul(50), A.add(1).mul(50).round(), atol=1e-4)
    assert torch.allclose(denormalize_lab(normalize_lab(rgb_to_lab(x))), rgb_to_lab(x), atol=1e-4)
    grays = rgb_to_gray(x) if space == "gray" else None
    if grays is not None:  # luma in 256 levels: within half a level of the exact one
        assert ((A - grays).abs() <= 0.5 / 127.5 + 1e-6).all()
        assert torch.allclose((A + 1) * 127.5, ((A + 1) * 127.5).round(), atol=1e-4)


def test_gradients_flow_through_lab():
    x = (torch.rand(1, 3, 4, 4) * 1.8 - 0.9).requires_grad_()
    rgb_to_lab(x).sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_errors_say_what_was_expected():
    with pytest.raises(ValueError, match=r"shape \(B, 3, H, W\), got \(2, 1, 4, 4\)"):
        rgb_to_gray(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="unknown colour space 'hsv'; expected one of gray, lab"):
        colorization_pair(torch.zeros(1, 3, 4, 4), "hsv")
    with pytest.raises(ValueError, match=r"target B \(lab space\) must have shape \(B, 2, H, W\)"):
        colorization_to_rgb(torch.zeros(1, 1, 4, 4), torch.zeros(1, 3, 4, 4), "lab")
    with pytest.raises(ValueError, match="must share batch size and H, W"):
        colorization_to_rgb(torch.zeros(1, 1, 4, 4), torch.zeros(1, 2, 8, 8), "lab")
    with pytest.raises(ValueError, match="must be a float tensor, got torch.uint8.*to_unit_range"):
        colorization_pair(torch.zeros(1, 3, 4, 4, dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"must be in \[-1, 1\], got values in \[0, 255\]"):
        colorization_pair(torch.arange(48.0).view(1, 3, 4, 4) * 255 / 47, "lab")
